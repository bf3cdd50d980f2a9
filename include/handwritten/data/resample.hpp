// resample.hpp — MNIST at 20×20, made the way NIST first normalised its digits.
//
// NIST's digits were fitted into a 20×20 box with their aspect ratio kept, anti-aliased into grey
// levels; MNIST then placed that box in a 28×28 field so that the digit's centre of mass sits at
// the centre. Undoing the second step and redoing the first gives the 20×20 digits (400 inputs)
// that the Coursera-style tutorials use:
//
//   1. the bounding box of the ink (pixels > 0) of the 28×28 image, w×h;
//   2. the scale s = 20 / max(w, h), so the longer side fills the box;
//   3. every output pixel is the AREA AVERAGE of the input over its footprint (a box filter with
//      exact fractional overlaps: separable, out = s²·Wy·in·Wxᵀ with Wx: 20×28, Wy: 20×28),
//      which conserves ink: Σ out = s²·Σ in, and keeps the centre of mass within a fraction of a
//      pixel;
//   4. the scaled box centred in the 20×20 square (by its bounding box, as NIST did).
//
// What it is not: a general image resizer (no rotation, no sharpening).
#pragma once
#include "handwritten/data/idx.hpp"

namespace hw {

constexpr int kNistBox = 20;

// Fits the ink of src (h×w, row-major) into dst (box×box). An image with no ink gives zeros.
void fit_in_box(const float* src, int h, int w, float* dst, int box);

// Every image of `set` fitted into box×box (the labels are kept).
LabeledSet fit_set_in_box(const LabeledSet& set, int box);

}  // namespace hw
