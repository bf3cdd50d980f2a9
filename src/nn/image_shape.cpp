// image_shape.cpp — printing a sample's shape.
#include "handwritten/nn/image_shape.hpp"

namespace hw {

std::string ImageShape::to_string() const {
    if (is_flat()) return std::to_string(channels);
    return std::to_string(height) + "x" + std::to_string(width) + "x" + std::to_string(channels);
}

}  // namespace hw
