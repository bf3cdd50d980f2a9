// conv_pictures.cpp — kernels and feature maps as grids of grayscale images.
#include "handwritten/report/conv_pictures.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "handwritten/nn/image_shape.hpp"
#include "handwritten/report/svg.hpp"

namespace hw {

namespace {

constexpr int kDrawn = 28;  // every picture is drawn as 28×28 cells

// Appends channel c of an H×W×C map (NHWC), enlarged to kDrawn×kDrawn and scaled to [0, 1]
// over its own range (a constant map is drawn blank).
void append_channel(std::vector<float>& out, const float* map, int H, int W, int C, int c) {
    float lo = map[c], hi = map[c];
    for (int i = 0; i < H * W; ++i) lo = std::min(lo, map[i * C + c]), hi = std::max(hi, map[i * C + c]);
    const float scale = hi > lo ? 1.0f / (hi - lo) : 0.0f;
    for (int y = 0; y < kDrawn; ++y)
        for (int x = 0; x < kDrawn; ++x) {
            const int sy = y * H / kDrawn, sx = x * W / kDrawn;
            out.push_back((map[(sy * W + sx) * C + c] - lo) * scale);
        }
}

}  // namespace

void write_filters_svg(const std::string& path, const Conv2D& conv, const std::string& title) {
    const ConvGeometry& g = conv.geometry();
    if (g.input.channels != 1)
        throw std::invalid_argument("write_filters_svg: drawn only for one input channel, " + conv.name() + " has " +
                                    std::to_string(g.input.channels));
    std::vector<float> pixels;
    std::vector<std::string> captions;
    const Matrix& W = conv.weights();  // C_out × (KH·KW): row o is kernel o
    for (int o = 0; o < g.out_channels; ++o) {
        append_channel(pixels, W.row(o), g.kernel_h, g.kernel_w, 1, 0);
        captions.push_back("filter " + std::to_string(o));
    }
    write_image_grid(path, pixels.data(), g.out_channels, kDrawn, kDrawn, captions, 8, title);
}

void write_feature_maps_svg(const std::string& path, Sequential& net, const float* image, int channels,
                            const std::string& title) {
    const Shape in = net.input_shape();
    const std::optional<ImageShape> input = ImageShape::from(in);
    if (!input || input->is_flat()) throw std::invalid_argument("write_feature_maps_svg: the network does not take images");
    Matrix X(1, in.size()), Y;
    std::memcpy(X.data(), image, in.size() * sizeof(float));
    std::vector<float> pixels;
    std::vector<std::string> captions;
    append_channel(pixels, X.data(), input->height, input->width, input->channels, 0);
    captions.push_back("input");
    for (int pad = 1; pad < channels; ++pad) {  // the input alone on its row
        pixels.insert(pixels.end(), kDrawn * kDrawn, 0.0f);
        captions.emplace_back();
    }
    Shape shape = in;
    for (std::size_t i = 0; i < net.size(); ++i) {
        Layer& layer = net.layer(i);
        layer.forward(X, Y, /*training=*/false);
        shape = layer.output_shape(shape);
        std::swap(X, Y);
        const std::optional<ImageShape> map = ImageShape::from(shape);
        if (!map || map->is_flat()) break;  // flattened: no more pictures
        const std::string name = layer.name().substr(0, layer.name().find(' '));
        for (int c = 0; c < channels; ++c) {
            if (c < map->channels) {
                append_channel(pixels, X.data(), map->height, map->width, map->channels, c);
                // The row's first picture names the layer and the map size; the others their channel.
                const std::string size = std::to_string(map->height) + "x" + std::to_string(map->width);
                std::string label = c == 0 ? name + " " + size : std::string(1, 'c');
                if (c > 0) label += std::to_string(c);
                captions.push_back(label);
            } else {
                pixels.insert(pixels.end(), kDrawn * kDrawn, 0.0f);
                captions.emplace_back();
            }
        }
    }
    write_image_grid(path, pixels.data(), static_cast<int>(captions.size()), kDrawn, kDrawn, captions, channels, title);
}

}  // namespace hw
