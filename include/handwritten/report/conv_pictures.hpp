// conv_pictures.hpp — what a convolutional network has learned, drawn as SVG image grids.
//
//   write_filters_svg       the kernels of a convolution over a one-channel input, one small
//                           image per output channel (each scaled to its own min…max: black is
//                           the kernel's largest weight, white its smallest)
//   write_feature_maps_svg  one digit pushed through the network layer by layer: one row per
//                           layer whose output is still an image (conv, relu, pool), showing its
//                           first channels, each scaled to its own range (the first picture of a
//                           row is captioned with the layer and its map size, the others c1, c2, ...)
//
// Both enlarge small images by repeating pixels (nearest neighbour), so a 5×5 kernel and a 7×7
// map are drawn at the size of a digit.
#pragma once
#include <string>

#include "handwritten/nn/conv2d.hpp"
#include "handwritten/nn/sequential.hpp"

namespace hw {

// Throws std::invalid_argument when the layer's input has more than one channel.
void write_filters_svg(const std::string& path, const Conv2D& conv, const std::string& title);

// `image`: one sample of net.input_shape() ({H, W, C}); up to `channels` maps per layer.
void write_feature_maps_svg(const std::string& path, Sequential& net, const float* image, int channels,
                            const std::string& title);

}  // namespace hw
