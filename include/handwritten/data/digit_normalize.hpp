// digit_normalize.hpp — turn a drawing into the 28×28 image an MNIST network expects.
//
// MNIST's digits were not just shrunk to 28×28. NIST's black-and-white scans were
//   1. cropped to the digit's bounding box,
//   2. scaled, keeping the aspect ratio, to fit a 20×20 box, with anti-aliasing (grey edges),
//   3. placed in a 28×28 frame so that the centre of mass of the ink sits at the frame's centre
//      (the centre of pixel (14, 14), whole-pixel shifts).
// A network trained on those images has only ever seen digits of that size at that place; a
// drawing that skips the steps (a small digit in a corner, a tall thin 1 stretched to a square)
// is, to the network, a different kind of picture. normalize_drawing() repeats the three steps.
//
// Ink is a value in [0, 1] per pixel (0 = background), row-major, height×width.
#pragma once
#include <vector>

namespace hw {

struct InkBox {
    int left = 0, top = 0, right = 0, bottom = 0;  // half-open: columns [left, right), rows [top, bottom)
    bool empty() const { return right <= left || bottom <= top; }
    int width() const { return right - left; }
    int height() const { return bottom - top; }
};

// The smallest box holding every pixel with ink > threshold (empty when there is none).
InkBox ink_bounding_box(const std::vector<float>& ink, int width, int height, float threshold = 0.0f);

// Centre of mass (x, y) of the ink, in pixel coordinates where pixel (c, r) has its centre at
// (c + 0.5, r + 0.5). {width/2, height/2} for an image without ink.
struct Point2 {
    double x = 0, y = 0;
};
Point2 ink_center_of_mass(const std::vector<float>& ink, int width, int height);

// Area-averaging resampling of a src_w×src_h image to dst_w×dst_h: each output pixel is the mean
// of the source area it covers (fractional pixels weighted by their coverage) — the anti-aliasing.
std::vector<float> resample_area(const std::vector<float>& src, int src_w, int src_h, int dst_w,
                                 int dst_h);

struct DigitFrame {
    int box = 20;    // the digit's longer side after scaling
    int frame = 28;  // the output image is frame×frame
};

// The three steps above: ink (height×width) → frame×frame values in [0, 1]. An image without
// ink comes back all zeros. std::invalid_argument when ink.size() != width·height or a side ≤ 0.
std::vector<float> normalize_drawing(const std::vector<float>& ink, int width, int height,
                                     const DigitFrame& frame = {});

}  // namespace hw
