// gemm_stats.hpp — what a run of GEMM calls did: flops and wall time, for GFLOP/s and the
// "GEMM share of time" a training run reports.
//
// The counting is done by whoever calls hw::sgemm (a Dense layer times each of its three
// products); this header only defines the tally, so a layer can report it without the model
// knowing which layers multiply matrices.
#pragma once

namespace hw {

struct GemmStats {
    double flops = 0;    // 2·m·n·k summed over calls
    double seconds = 0;  // wall time inside hw::sgemm
    GemmStats& operator+=(const GemmStats& o) {
        flops += o.flops;
        seconds += o.seconds;
        return *this;
    }
};

}  // namespace hw
