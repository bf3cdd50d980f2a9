// image_shape.cpp — printing a sample's shape.
#include "handwritten/nn/image_shape.hpp"

namespace hw {

std::optional<ImageShape> ImageShape::from(const Shape& shape) {
    if (shape.dims.size() == 3) return ImageShape{shape.dims[0], shape.dims[1], shape.dims[2]};
    if (shape.dims.size() == 1) return ImageShape{1, 1, shape.dims[0]};
    return std::nullopt;
}

std::string ImageShape::to_string() const {
    if (is_flat()) return std::to_string(channels);
    return std::to_string(height) + "x" + std::to_string(width) + "x" + std::to_string(channels);
}

}  // namespace hw
