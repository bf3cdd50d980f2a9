// conv_direct.hpp — a convolution's three products without the cols matrix ("implicit GEMM").
//
// im2col (im2col.hpp) makes a convolution one GEMM by copying every window into a row of cols,
// each pixel about KH·KW times. The GEMM then packs cols once more into its own panels. This
// path skips both copies: a kernel reads the window values straight from a zero-padded copy of
// the image, whose row r and column k is
//
//     cols[p][k] = padded[off(p) + koff(k)]     off(p)  = (oy·S)·Wp·C + (ox·S)·C     (p = oy·Wo + ox)
//                                               koff(k) = ky·Wp·C + kx·C + c          (k = (ky·KW + kx)·C + c)
//
// (Wp = W + 2P: padding makes every window in-bounds, so there is no edge case). The address is
// a pixel part plus a kernel part, so a register tile of the product walks the padded image
// with two strides instead of reading a materialised matrix. The padded copy is ~1.3× the
// image instead of ~KH·KW×, and small enough to keep from forward to backward.
//
//     forward:  Y  (P × O)   = bias + cols · Wᵀ          tiles of MR pixels × up to 64 channels
//     dW:       dWᵀ (K × O)  = Σ_images colsᵀ · dY       tiles of MR kernel entries × up to 64 channels,
//                                                        summed over every pixel of every image in order
//     dX:       dX  = col2im(dY · W), fused: a tile of dY · W (a column of MR pixels × up to 64
//               entries of one kernel row) is added straight onto the padded copy's pixels;
//               no dcols matrix
//
// The tile kernels are AVX-512 (conv_direct_avx512.cpp) or AVX2 + FMA (conv_direct_avx2.cpp,
// 8-channel vectors) and run only after a CPU check: the
// widest the CPU has, or the AVX2 ones with HW_CONV=direct-avx2 (for racing like against like
// on an AVX-512 machine). Without AVX2, or with HW_CONV=im2col in the environment or
// set_conv_method("im2col"), Conv2D takes the im2col + GEMM route. Both compute the same sums, in different orders (float
// rounding differs, nothing else). Every output element is computed by one thread in a fixed
// order, so results do not depend on the thread count.
#pragma once
#include <cstddef>
#include <string>

#include "handwritten/nn/im2col.hpp"

namespace hw {

// One implicit GEMM: windows of a zero-padded NHWC image (in_h × in_w × channels, the padding
// already in it) against out_channels kernels, giving out_h × out_w × out_channels.
struct ConvWindows {
    int in_h = 0, in_w = 0, channels = 0;
    int kernel_h = 0, kernel_w = 0, stride = 1;
    int out_h = 0, out_w = 0, out_channels = 0;

    std::size_t in_size() const { return std::size_t(in_h) * in_w * channels; }
    std::size_t out_size() const { return std::size_t(out_h) * out_w * out_channels; }
    int patch_size() const { return kernel_h * kernel_w * channels; }  // K
    // The kernels' matrix is packed K × padded_channels(): zero columns up to a multiple of 16.
    int padded_channels() const { return (out_channels + 15) / 16 * 16; }
};

// "direct" when Conv2D takes this path with the AVX-512 tiles, "direct-avx2" with the AVX2
// ones, else "im2col" (no AVX2, or switched off). "direct" also picks MaxPool2D's AVX-512 loop
// (max_pool2d.hpp); "im2col" runs chapter 12's plain code throughout.
std::string conv_method();
// Force "im2col", "direct" or "direct-avx2" (false, and no change, when this CPU cannot run it).
bool set_conv_method(const std::string& method);
// Whether Conv2D takes this path (method "direct" or "direct-avx2").
bool conv_direct_enabled();
// Whether it takes it with the AVX-512 tiles (method "direct").
bool conv_direct_avx512();

// The windows of g's forward product over its input padded by g.pad.
ConvWindows forward_windows(const ConvGeometry& g);

// images (count × h·w·c) → padded (count × (h+2·pad_y)·(w+2·pad_x)·c), zeros around each image.
void pad_images(const float* images, int count, int h, int w, int c, int pad_y, int pad_x, float* padded);

// W (O × K, row o = kernel o) → packed (K × padded_channels()), for the forward product.
void pack_forward_kernels(const ConvWindows& s, const float* W, float* packed);

// Scratch the two products below need: for the packed kernels, and for dW's partial sums (one
// set per part of the batch's deal, kBatchParts of core/parallel.hpp).
std::size_t conv_direct_packed_floats(const ConvWindows& s);
std::size_t conv_direct_weight_grad_floats(const ConvWindows& s);

// The forward product in two steps: pack W (O × K, row o = kernel o) and the bias into packed
// (conv_direct_packed_floats(s) floats); then out (count × out_size) = bias + the convolution of
// each padded image (count × in_size) with those kernels. bias: out_channels floats, or nullptr
// for none. The images are the batch's first … first + count − 1, dealt to the threads by that
// index (parallel_dealt), so a caller may run the images a few at a time.
void conv_direct_pack(const ConvWindows& s, const float* W, const float* bias, float* packed);
void conv_direct_forward_images(const ConvWindows& s, const float* padded, int first, int count,
                                const float* packed, const float* bias, float* out);

// dW (O × K) = Σ over the images and their pixels of dY[p][o] · window p's entry k, and db (O) =
// Σ of dY's rows, in pieces: each call adds the batch's images first … first + count − 1 (in
// padded and dY from their first row) to the partial sums in work
// (conv_direct_weight_grad_floats(s) floats). Image n goes to the sums of its part of the deal,
// n mod kBatchParts, summed on that part's thread image by image, pixel by pixel; a part's first
// image (n < kBatchParts) overwrites them. finish adds up the parts of a batch of `batch` images
// in part order into dW and db, so neither the thread count nor the grouping of the images
// into calls changes a bit of the result. (Splitting dW itself between the threads would have
// each core read every image's gradient, which the next group's pool then rewrites in the
// other core's cache.)
void conv_direct_weight_grad_images(const ConvWindows& s, const float* padded, int first, int count,
                                    const float* dY, float* work);
void conv_direct_weight_grad_finish(const ConvWindows& s, float* work, int batch, float* dW, float* db);

// dX (count × H·W·C of g) = col2im(dY · W) for W (O × K). padded_dx: count × in_size() floats of
// scratch (the gradient with respect to the padded copy); unused (may be null) when g.pad is 0,
// where the tiles add onto dX itself. The images are the batch's first … first + count − 1,
// dealt to the threads as in the forward product.
void conv_direct_input_grad(const ConvGeometry& g, const float* dY, int first, int count, const float* W,
                            float* padded_dx, float* dX);

// ---- the tiles' bookkeeping, the same for both instruction sets

// Part i of n items cut into `parts` balanced parts (the first n % parts get one more).
struct Span {
    int first = 0, count = 0;
};
Span balanced_part(int n, int parts, int i);

// How dWᵀ (K × padded_channels()) is cut into independent blocks: channel blocks of
// block_channels, and within each, for every kernel row, tiles of consecutive entries of that
// row (KW·C of them, consecutive floats in every window) in balanced sizes of ≤ max_rows.
struct WeightGradTiling {
    int block_channels = 16, channel_blocks = 1, tiles_per_row = 1, kernel_rows = 1;
    int blocks() const { return channel_blocks * tiles_per_row * kernel_rows; }
};
WeightGradTiling weight_grad_tiling(const ConvWindows& s, int block_channels, int max_rows);
// Block b: channels from o0, kernel row ky, its entries j0 … j0 + mr − 1 (k0 = ky·KW·C + j0).
struct WeightGradTile {
    int o0 = 0, ky = 0, j0 = 0, mr = 0, k0 = 0;
};
WeightGradTile weight_grad_tile_at(const ConvWindows& s, const WeightGradTiling& t, int b);

// The dY rows of output pixels (oy0 … oy0 + mr − 1, ox) of one image, o-major:
// dy_col[o·mr + i] = dy[((oy0 + i)·Wo + ox)·O + o], so the AVX2 dX tiles broadcast from one
// pointer (the AVX-512 ones broadcast from dY itself: conv_direct_avx512.cpp says why).
void gather_column(const ConvWindows& s, const float* dy, int ox, int oy0, int mr, float* dy_col);

// ---- the one-channel row-wise kernels' bookkeeping (conv_direct_avx512.cpp says how they
// work), for vectors of `lanes` floats: 16 (AVX-512) or 8 (AVX2). A piece of `lanes`
// consecutive floats of an NHWC output row holds channels in one of O / gcd(O, lanes) patterns
// (phases); the kernels are packed once per pattern, and dW is summed per (phase, kernel row).
int expanded_phases(int channels, int lanes);
std::size_t expanded_packed_floats(const ConvWindows& s, int lanes);
// W (O × K) and bias (O, or nullptr) → packed: for every entry k (and the bias as entry K),
// `phases` vectors whose lane l holds kernel (lanes·q + l) mod O.
void expanded_pack(const ConvWindows& s, int lanes, const float* W, const float* bias, float* packed);
// dW's partial sums: units (phase, kernel row), phases × KH of them, one thread each.
int expanded_weight_grad_units(const ConvWindows& s, int lanes);
std::size_t expanded_sums_floats(const ConvWindows& s, int lanes);
void expanded_weight_grad_reduce(const ConvWindows& s, int lanes, const float* sums, float* dW);

// ---- one image's products, in the tiles of each instruction set. avx2: call only when the
// CPU has AVX2 and FMA; avx512: only when it has AVX-512F (conv_direct.cpp checks).
//
//   forward_image      out (Ho·Wo × O) = bias + the convolution of the padded image `in`,
//                      with the kernels packed by conv_direct_pack
//   weight_grad_tiling this instruction set's cut of dW into blocks
//   weight_grad_image  blocks [b0, b1) of dWᵀ (K × padded_channels()) += this image's sums over
//                      its pixels, in pixel order (written instead when `first`); db: nullptr,
//                      or O floats that get the image's column sums of dy added likewise
//   input_grad_image   dxp (the padded image's shape) = Σ over windows of dy · W (W: O × K),
//                      zeroed first; avx2's dy_col: O × 12 floats of scratch (gather_column)
namespace avx2 {
void forward_image(const ConvWindows& s, const float* in, const float* packed, const float* bias, float* out);
WeightGradTiling weight_grad_tiling(const ConvWindows& s);
void weight_grad_image(const ConvWindows& s, const WeightGradTiling& t, const float* in, const float* dy, int b0,
                       int b1, bool first, float* dWt, float* db);
void input_grad_image(const ConvWindows& s, const float* dy, const float* W, float* dy_col, float* dxp);

// The one-channel row-wise kernels in 8-lane vectors: channel counts that are not a multiple
// of 8, whose lane pattern repeats within 3 vectors (O / gcd(O, 8) ≤ 3: 1–4, 6, 12, ...).
bool expanded_path_ok(const ConvWindows& s);
std::size_t expanded_floats(const ConvWindows& s);  // one image's expanded copy
void expanded_forward_images(const ConvWindows& s, const float* padded, int n0, int n1, const float* packed,
                             float* expanded, float* out);
// Partial sums of units [u0, u1) (expanded_weight_grad_units), over images 0 … count−1 in order
// (added to, or from image 0 overwriting, when `first`); db as weight_grad_image's.
void expanded_weight_grad(const ConvWindows& s, const float* padded, int count, const float* dY, int u0, int u1,
                          bool first, float* expanded, float* sums, float* db);
// Of those, O = 4 or 6: the forward pass (in expanded_forward_images) runs tiles with their
// lanes along x, which need no expanded copy.
bool along_x_path_ok(const ConvWindows& s);
}  // namespace avx2

namespace avx512 {
void forward_image(const ConvWindows& s, const float* in, const float* packed, const float* bias, float* out);
WeightGradTiling weight_grad_tiling(const ConvWindows& s);
void weight_grad_image(const ConvWindows& s, const WeightGradTiling& t, const float* in, const float* dy, int b0,
                       int b1, bool first, float* dWt, float* db);
void input_grad_image(const ConvWindows& s, const float* dy, const float* W, float* dxp);

// One input channel and stride 1 (a first layer): vectors along output rows over an expanded
// copy of each padded row (conv_direct_avx512.cpp says how). For kernels 3 or 5 wide and
// channel counts that are not a multiple of 16 whose lane pattern repeats within 3 vectors.
bool expanded_path_ok(const ConvWindows& s);
std::size_t expanded_floats(const ConvWindows& s);  // one image's expanded copy
void expanded_forward_images(const ConvWindows& s, const float* padded, int n0, int n1, const float* packed,
                             float* expanded, float* out);
// Partial sums of units [u0, u1) (expanded_weight_grad_units), over images 0 … count−1 in order
// (added to, or from image 0 overwriting, when `first`); db as weight_grad_image's.
void expanded_weight_grad(const ConvWindows& s, const float* padded, int count, const float* dY, int u0, int u1,
                          bool first, float* expanded, float* sums, float* db);
// Of those, O = 4 or 6: the forward pass runs tiles with their lanes along x, as AVX2's do.
bool along_x_path_ok(const ConvWindows& s);
}  // namespace avx512

}  // namespace hw
