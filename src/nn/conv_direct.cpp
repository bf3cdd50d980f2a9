// conv_direct.cpp — the implicit-GEMM convolution's choice of path, copies and thread split.
//
// The copies here are portable (zero-padding, packing the kernels); the products run in the
// AVX-512 tiles of conv_direct_avx512.cpp or the AVX2 ones of conv_direct_avx2.cpp. Every pass
// deals the batch's images to the threads the same way (parallel_dealt, core/parallel.hpp), so
// an image's padded copy, maps and gradients are read and written on one core only; dW is
// summed per part of that deal and the parts are added in a fixed order, so every output is
// computed the same way on any thread count.
#include "handwritten/nn/conv_direct.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "handwritten/core/matrix.hpp"
#include "handwritten/core/parallel.hpp"

namespace hw {

namespace {

bool cpu_has_avx512() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}
bool cpu_has_avx2() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// The route's tiles: none (im2col), AVX2 or AVX-512.
enum class Tiles { none, avx2, avx512 };

// Chosen once: the widest tiles this CPU runs, unless HW_CONV says otherwise.
Tiles& chosen_tiles() {
    static Tiles tiles = [] {
        const char* env = std::getenv("HW_CONV");
        if (env && std::strcmp(env, "im2col") == 0) return Tiles::none;
        if (env && std::strcmp(env, "direct-avx2") == 0 && cpu_has_avx2()) return Tiles::avx2;
        if (cpu_has_avx512()) return Tiles::avx512;
        return cpu_has_avx2() ? Tiles::avx2 : Tiles::none;
    }();
    return tiles;
}

bool wide() { return chosen_tiles() == Tiles::avx512; }

// Whether the one-channel row-wise kernels take this shape, and their vectors' lanes.
bool expanded(const ConvWindows& s) {
    switch (chosen_tiles()) {
        case Tiles::avx512: return avx512::expanded_path_ok(s);
        case Tiles::avx2: return avx2::expanded_path_ok(s);
        default: return false;
    }
}
int lanes() { return wide() ? 16 : 8; }

int gcd_int(int a, int b) {
    while (b != 0) {
        const int r = a % b;
        a = b;
        b = r;
    }
    return a;
}

}  // namespace

std::string conv_method() {
    switch (chosen_tiles()) {
        case Tiles::avx512: return "direct";
        case Tiles::avx2: return "direct-avx2";
        default: return "im2col";
    }
}

bool set_conv_method(const std::string& method) {
    if (method == "im2col") chosen_tiles() = Tiles::none;
    else if (method == "direct" && cpu_has_avx512()) chosen_tiles() = Tiles::avx512;
    else if (method == "direct-avx2" && cpu_has_avx2()) chosen_tiles() = Tiles::avx2;
    else return false;
    return true;
}

bool conv_direct_enabled() { return chosen_tiles() != Tiles::none; }
bool conv_direct_avx512() { return wide(); }

ConvWindows forward_windows(const ConvGeometry& g) {
    ConvWindows s;
    s.in_h = g.input.height + 2 * g.pad;
    s.in_w = g.input.width + 2 * g.pad;
    s.channels = g.input.channels;
    s.kernel_h = g.kernel_h;
    s.kernel_w = g.kernel_w;
    s.stride = g.stride;
    s.out_h = g.out_h();
    s.out_w = g.out_w();
    s.out_channels = g.out_channels;
    return s;
}

void pad_images(const float* images, int count, int h, int w, int c, int pad_y, int pad_x, float* padded) {
    const std::size_t row = std::size_t(w) * c, padded_row = std::size_t(w + 2 * pad_x) * c;
    const std::size_t image = std::size_t(h) * row, padded_image = std::size_t(h + 2 * pad_y) * padded_row;
    parallel_dealt(0, std::size_t(count), 2, [&](std::size_t, std::size_t n) {
        float* out = padded + n * padded_image;
        const float* in = images + n * image;
        std::memset(out, 0, padded_row * pad_y * sizeof(float));  // the top border rows
        for (int y = 0; y < h; ++y) {
            float* r = out + (std::size_t(y) + pad_y) * padded_row;
            std::memset(r, 0, std::size_t(pad_x) * c * sizeof(float));
            std::memcpy(r + std::size_t(pad_x) * c, in + y * row, row * sizeof(float));
            std::memset(r + std::size_t(pad_x) * c + row, 0, std::size_t(pad_x) * c * sizeof(float));
        }
        std::memset(out + (std::size_t(h) + pad_y) * padded_row, 0, padded_row * pad_y * sizeof(float));
    });
}

void pack_forward_kernels(const ConvWindows& s, const float* W, float* packed) {
    const int K = s.patch_size(), O = s.out_channels, opad = s.padded_channels();
    std::fill(packed, packed + std::size_t(K) * opad, 0.0f);
    for (int o = 0; o < O; ++o)
        for (int k = 0; k < K; ++k) packed[std::size_t(k) * opad + o] = W[std::size_t(o) * K + k];
}

std::size_t conv_direct_packed_floats(const ConvWindows& s) {
    if (expanded(s)) return expanded_packed_floats(s, lanes());
    return std::size_t(s.patch_size()) * s.padded_channels();
}

namespace {

// One part's partial sums in the dW scratch: dW's (expanded sums, or dWᵀ), then db's O floats,
// rounded up to whole cache lines so that two parts never share one.
std::size_t weight_grad_sums_floats(const ConvWindows& s) {
    if (expanded(s)) return expanded_sums_floats(s, lanes());
    return std::size_t(s.patch_size()) * s.padded_channels();
}
std::size_t weight_grad_part_floats(const ConvWindows& s) {
    return (weight_grad_sums_floats(s) + std::size_t(s.out_channels) + 15) / 16 * 16;
}

// dW's split between the threads (conv_direct.hpp): by image, each part of the deal summing its
// own copy, where a copy is small; by blocks of dW where the copies would crowd a core's L2
// (cnn's second layer: 800 × 64 floats, 200 KiB each; split by image, its 2-thread product ran at
// 172–179 GFLOP/s against 206–209 by blocks on Zen 4). A limit in floats, not from the caches,
// so that the result is the same on every machine.
constexpr std::size_t kMaxFloatsPerPart = 4096;

// (The row-wise kernels' sums, at most 5·3·5·16 floats for a 5-tall kernel, always go by image.)
bool weight_grad_by_image(const ConvWindows& s) {
    return expanded(s) || weight_grad_sums_floats(s) <= kMaxFloatsPerPart;
}
std::size_t weight_grad_parts(const ConvWindows& s) { return weight_grad_by_image(s) ? kBatchParts : 1; }

// By blocks: each thread takes a range of dW's blocks and runs through every image, in order;
// the one with the last blocks also sums db. `first`: the batch's first images, which overwrite.
void weight_grad_by_blocks(const ConvWindows& s, const float* padded, int count, const float* dY, bool first,
                           float* work, float* db) {
    const WeightGradTiling t = wide() ? avx512::weight_grad_tiling(s) : avx2::weight_grad_tiling(s);
    const int blocks = t.blocks();
    parallel_slices(std::size_t(blocks), 2, 1, [&](std::size_t b0, std::size_t b1) {
        float* block_db = b1 == std::size_t(blocks) ? db : nullptr;
        for (int n = 0; n < count; ++n) {
            const float* in = padded + std::size_t(n) * s.in_size();
            const float* dy = dY + std::size_t(n) * s.out_size();
            const bool overwrite = first && n == 0;
            if (wide()) avx512::weight_grad_image(s, t, in, dy, int(b0), int(b1), overwrite, work, block_db);
            else avx2::weight_grad_image(s, t, in, dy, int(b0), int(b1), overwrite, work, block_db);
        }
    });
}

}  // namespace

std::size_t conv_direct_weight_grad_floats(const ConvWindows& s) {
    return weight_grad_parts(s) * weight_grad_part_floats(s);
}

Span balanced_part(int n, int parts, int i) {
    const int base = n / parts, extra = n % parts;
    return {i * base + std::min(i, extra), base + (i < extra ? 1 : 0)};
}

WeightGradTiling weight_grad_tiling(const ConvWindows& s, int block_channels, int max_rows) {
    const int row_floats = s.kernel_w * s.channels;
    return {block_channels, (s.out_channels + block_channels - 1) / block_channels,
            (row_floats + max_rows - 1) / max_rows, s.kernel_h};
}

WeightGradTile weight_grad_tile_at(const ConvWindows& s, const WeightGradTiling& t, int b) {
    const int row_floats = s.kernel_w * s.channels, per_block = t.tiles_per_row * t.kernel_rows;
    const int in_block = b % per_block, ky = in_block / t.tiles_per_row;
    const Span entries = balanced_part(row_floats, t.tiles_per_row, in_block % t.tiles_per_row);
    return {(b / per_block) * t.block_channels, ky, entries.first, entries.count, ky * row_floats + entries.first};
}

void gather_column(const ConvWindows& s, const float* dy, int ox, int oy0, int mr, float* dy_col) {
    const int O = s.out_channels;
    for (int i = 0; i < mr; ++i) {
        const float* from = dy + (std::size_t(oy0 + i) * s.out_w + ox) * O;
        for (int o = 0; o < O; ++o) dy_col[o * mr + i] = from[o];
    }
}

int expanded_phases(int channels, int lanes) { return channels / gcd_int(channels, lanes); }

std::size_t expanded_packed_floats(const ConvWindows& s, int lanes) {
    return (std::size_t(s.patch_size()) + 1) * expanded_phases(s.out_channels, lanes) * lanes;
}

void expanded_pack(const ConvWindows& s, int lanes, const float* W, const float* bias, float* packed) {
    const int O = s.out_channels, K = s.patch_size(), nph = expanded_phases(O, lanes);
    for (int k = 0; k <= K; ++k)  // entry K: the bias
        for (int q = 0; q < nph; ++q)
            for (int l = 0; l < lanes; ++l) {
                const int o = (lanes * q + l) % O;
                packed[(std::size_t(k) * nph + q) * lanes + l] = k < K ? W[std::size_t(o) * K + k] : bias ? bias[o] : 0.0f;
            }
}

int expanded_weight_grad_units(const ConvWindows& s, int lanes) {
    return expanded_phases(s.out_channels, lanes) * s.kernel_h;
}

std::size_t expanded_sums_floats(const ConvWindows& s, int lanes) {
    return std::size_t(s.kernel_h) * expanded_phases(s.out_channels, lanes) * s.kernel_w * lanes;
}

// sums holds, per (kernel row, phase, kernel column), one vector whose lane l summed channel
// (lanes·phase + l) mod O: the lanes of one channel are added up into dW (O × K).
void expanded_weight_grad_reduce(const ConvWindows& s, int lanes, const float* sums, float* dW) {
    const int O = s.out_channels, K = s.patch_size(), nph = expanded_phases(O, lanes);
    std::fill(dW, dW + std::size_t(O) * K, 0.0f);
    for (int ky = 0; ky < s.kernel_h; ++ky)
        for (int q = 0; q < nph; ++q)
            for (int kx = 0; kx < s.kernel_w; ++kx) {
                const float* piece = sums + ((std::size_t(ky) * nph + q) * s.kernel_w + kx) * lanes;
                for (int l = 0; l < lanes; ++l)
                    dW[std::size_t((lanes * q + l) % O) * K + ky * s.kernel_w + kx] += piece[l];
            }
}

void conv_direct_pack(const ConvWindows& s, const float* W, const float* bias, float* packed) {
    if (expanded(s)) expanded_pack(s, lanes(), W, bias, packed);
    else pack_forward_kernels(s, W, packed);
}

namespace {

// A thread's scratch of at least `floats` floats, 64-byte aligned (a Matrix), kept between calls.
float* thread_scratch(std::size_t floats) {
    thread_local Matrix scratch;
    if (scratch.size() < floats) scratch = Matrix(1, floats);
    return scratch.data();
}

}  // namespace

void conv_direct_forward_images(const ConvWindows& s, const float* padded, int first, int count,
                                const float* packed, const float* bias, float* out) {
    const std::size_t n0 = std::size_t(first), n1 = n0 + std::size_t(count);
    if (expanded(s)) {  // the bias is packed with the kernels
        // 64-byte aligned: so are most pieces. The tiles along x read no expanded copy.
        const bool along_x = wide() ? avx512::along_x_path_ok(s) : avx2::along_x_path_ok(s);
        const std::size_t floats = along_x ? 1 : wide() ? avx512::expanded_floats(s) : avx2::expanded_floats(s);
        parallel_dealt(n0, n1, 2, [&](std::size_t, std::size_t n) {
            const int i = int(n - n0);  // the image's place in this call's arrays
            float* expanded = thread_scratch(floats);
            if (wide()) avx512::expanded_forward_images(s, padded, i, i + 1, packed, expanded, out);
            else avx2::expanded_forward_images(s, padded, i, i + 1, packed, expanded, out);
        });
        return;
    }
    parallel_dealt(n0, n1, 2, [&](std::size_t, std::size_t n) {
        const float* in = padded + (n - n0) * s.in_size();
        float* y = out + (n - n0) * s.out_size();
        if (wide()) avx512::forward_image(s, in, packed, bias, y);
        else avx2::forward_image(s, in, packed, bias, y);
    });
}

void conv_direct_weight_grad_images(const ConvWindows& s, const float* padded, int first, int count,
                                    const float* dY, float* work) {
    const std::size_t n0 = std::size_t(first), n1 = n0 + std::size_t(count), part_floats = weight_grad_part_floats(s);
    const std::size_t sums_floats = weight_grad_sums_floats(s);
    if (!weight_grad_by_image(s))
        return weight_grad_by_blocks(s, padded, count, dY, first == 0, work, work + sums_floats);
    const bool row_wise = expanded(s);
    const std::size_t expanded_floats = !row_wise ? 0 : wide() ? avx512::expanded_floats(s) : avx2::expanded_floats(s);
    const int units = row_wise ? expanded_weight_grad_units(s, lanes()) : 0;
    const WeightGradTiling t = row_wise ? WeightGradTiling{}
                               : wide()  ? avx512::weight_grad_tiling(s)
                                         : avx2::weight_grad_tiling(s);
    // Image n adds onto the sums of its part; the part's first image of the batch (n < parts) overwrites them.
    parallel_dealt(n0, n1, 2, [&](std::size_t p, std::size_t n) {
        float* sums = work + p * part_floats;
        float* db = sums + sums_floats;
        const float* in = padded + (n - n0) * s.in_size();
        const float* dy = dY + (n - n0) * s.out_size();
        const bool overwrite = n < kBatchParts;
        if (row_wise) {
            float* expanded = thread_scratch(expanded_floats);
            if (wide()) avx512::expanded_weight_grad(s, in, 1, dy, 0, units, overwrite, expanded, sums, db);
            else avx2::expanded_weight_grad(s, in, 1, dy, 0, units, overwrite, expanded, sums, db);
        } else if (wide()) {
            avx512::weight_grad_image(s, t, in, dy, 0, t.blocks(), overwrite, sums, db);
        } else {
            avx2::weight_grad_image(s, t, in, dy, 0, t.blocks(), overwrite, sums, db);
        }
    });
}

void conv_direct_weight_grad_finish(const ConvWindows& s, float* work, int batch, float* dW, float* db) {
    // The parts that got images, added in part order into part 0 (which the next batch's first
    // image overwrites anyway).
    const std::size_t parts = std::min<std::size_t>(weight_grad_parts(s), std::size_t(std::max(batch, 0)));
    const std::size_t part_floats = weight_grad_part_floats(s), sums_floats = weight_grad_sums_floats(s);
    const std::size_t used = sums_floats + std::size_t(s.out_channels);
    for (std::size_t p = 1; p < parts; ++p) {
        const float* part = work + p * part_floats;
        for (std::size_t i = 0; i < used; ++i) work[i] += part[i];
    }
    std::copy(work + sums_floats, work + used, db);
    if (expanded(s)) return expanded_weight_grad_reduce(s, lanes(), work, dW);
    // work is dWᵀ (K × padded channels): dW[o][k] = work[k][o].
    const int K = s.patch_size(), O = s.out_channels, opad = s.padded_channels();
    for (int o = 0; o < O; ++o)
        for (int k = 0; k < K; ++k) dW[std::size_t(o) * K + k] = work[std::size_t(k) * opad + o];
}

void conv_direct_input_grad(const ConvGeometry& g, const float* dY, int first, int count, const float* W,
                            float* padded_dx, float* dX) {
    const ConvWindows s = forward_windows(g);
    const int H = g.input.height, P = g.pad, C = g.input.channels;
    const std::size_t row = std::size_t(g.input.width) * C, padded_row = std::size_t(s.in_w) * C;
    const std::size_t n0 = std::size_t(first), n1 = n0 + std::size_t(count);
    float* target = P == 0 ? dX : padded_dx;  // without padding, the padded copy would be dX itself
    parallel_dealt(n0, n1, 2, [&](std::size_t, std::size_t n) {
        const std::size_t i = n - n0;  // the image's place in this call's arrays
        const float* dy = dY + i * s.out_size();
        float* dxp = target + i * s.in_size();
        if (wide()) avx512::input_grad_image(s, dy, W, dxp);
        else avx2::input_grad_image(s, dy, W, thread_scratch(std::size_t(g.out_channels) * 12), dxp);
        if (P == 0) return;
        for (int y = 0; y < H; ++y)  // the padded copy's interior is dX
            std::memcpy(dX + i * H * row + y * row, dxp + (std::size_t(y) + P) * padded_row + std::size_t(P) * C,
                        row * sizeof(float));
    });
}

}  // namespace hw
