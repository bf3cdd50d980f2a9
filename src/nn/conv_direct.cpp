// conv_direct.cpp — the implicit-GEMM convolution's choice of path, copies and thread split.
//
// The copies here are portable (zero-padding, packing the kernels); the products run in the
// AVX-512 tiles of conv_direct_avx512.cpp or the AVX2 ones of conv_direct_avx2.cpp. Threads
// split the forward product and dX by image and dW by blocks of its entries, so every output
// is computed the same way on any thread count.
#include "handwritten/nn/conv_direct.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

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
    parallel_slices(std::size_t(count), 8, 1, [&](std::size_t n0, std::size_t n1) {
        for (std::size_t n = n0; n < n1; ++n) {
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
        }
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

std::size_t conv_direct_weight_grad_floats(const ConvWindows& s) {
    if (expanded(s)) return expanded_sums_floats(s, lanes());
    return std::size_t(s.patch_size()) * s.padded_channels();
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

void conv_direct_forward_images(const ConvWindows& s, const float* padded, int count, const float* packed,
                                const float* bias, float* out) {
    if (expanded(s)) {  // the bias is packed with the kernels
        parallel_slices(std::size_t(count), 2, 1, [&](std::size_t n0, std::size_t n1) {
            // 64-byte aligned: so are most pieces. The tiles along x read no expanded copy.
            const bool along_x = wide() ? avx512::along_x_path_ok(s) : avx2::along_x_path_ok(s);
            const std::size_t floats = along_x ? 1 : wide() ? avx512::expanded_floats(s) : avx2::expanded_floats(s);
            Matrix expanded(1, floats);
            if (wide()) avx512::expanded_forward_images(s, padded, int(n0), int(n1), packed, expanded.data(), out);
            else avx2::expanded_forward_images(s, padded, int(n0), int(n1), packed, expanded.data(), out);
        });
        return;
    }
    parallel_slices(std::size_t(count), 2, 1, [&](std::size_t n0, std::size_t n1) {
        for (std::size_t n = n0; n < n1; ++n) {
            const float* in = padded + n * s.in_size();
            float* y = out + n * s.out_size();
            if (wide()) avx512::forward_image(s, in, packed, bias, y);
            else avx2::forward_image(s, in, packed, bias, y);
        }
    });
}

void conv_direct_weight_grad_images(const ConvWindows& s, const float* padded, int count, const float* dY,
                                    bool first, float* work, float* db) {
    if (count == 0) return;
    if (expanded(s)) {  // split by (phase, kernel row); each sums every image in order
        const std::size_t units = std::size_t(expanded_weight_grad_units(s, lanes()));
        parallel_slices(units, 2, 1, [&](std::size_t u0, std::size_t u1) {
            Matrix expanded(1, wide() ? avx512::expanded_floats(s) : avx2::expanded_floats(s));
            float* unit_db = u1 == units ? db : nullptr;
            if (wide())
                avx512::expanded_weight_grad(s, padded, count, dY, int(u0), int(u1), first, expanded.data(), work,
                                             unit_db);
            else
                avx2::expanded_weight_grad(s, padded, count, dY, int(u0), int(u1), first, expanded.data(), work,
                                           unit_db);
        });
        return;
    }
    // Each thread takes a range of dW's blocks and runs through every image, in order; the one
    // with the last blocks also sums db.
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

void conv_direct_weight_grad_finish(const ConvWindows& s, const float* work, float* dW) {
    if (expanded(s)) return expanded_weight_grad_reduce(s, lanes(), work, dW);
    // work is dWᵀ (K × padded channels): dW[o][k] = work[k][o].
    const int K = s.patch_size(), O = s.out_channels, opad = s.padded_channels();
    for (int o = 0; o < O; ++o)
        for (int k = 0; k < K; ++k) dW[std::size_t(o) * K + k] = work[std::size_t(k) * opad + o];
}

void conv_direct_input_grad(const ConvGeometry& g, const float* dY, int count, const float* W, float* padded_dx,
                            float* dX) {
    const ConvWindows s = forward_windows(g);
    const int H = g.input.height, Wd = g.input.width, C = g.input.channels, P = g.pad;
    const std::size_t row = std::size_t(Wd) * C, padded_row = std::size_t(s.in_w) * C;
    float* target = P == 0 ? dX : padded_dx;  // without padding, the padded copy would be dX itself
    parallel_slices(std::size_t(count), 2, 1, [&](std::size_t n0, std::size_t n1) {
        std::vector<float> dy_col(wide() ? 0 : std::size_t(g.out_channels) * 12);  // the AVX2 tiles' gather
        for (std::size_t n = n0; n < n1; ++n) {
            const float* dy = dY + n * s.out_size();
            float* dxp = target + n * s.in_size();
            if (wide()) avx512::input_grad_image(s, dy, W, dxp);
            else avx2::input_grad_image(s, dy, W, dy_col.data(), dxp);
        }
        if (P == 0) return;
        for (std::size_t n = n0; n < n1; ++n)  // the padded copy's interior is dX
            for (int y = 0; y < H; ++y)
                std::memcpy(dX + n * H * row + y * row,
                            padded_dx + n * s.in_size() + (std::size_t(y) + P) * padded_row + std::size_t(P) * C,
                            row * sizeof(float));
    });
}

}  // namespace hw
