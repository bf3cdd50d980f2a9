// Chapter 08 — a tour of the dataset. Shows an IDX header byte by byte, loads the four files
// with hw::load_mnist, draws digits as text art, counts the labels, measures how empty the
// images are, averages each class into a "mean digit", and writes both as SVG grids.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "handwritten/app/cli.hpp"
#include "handwritten/data/idx.hpp"
#include "handwritten/report/svg.hpp"
#include "handwritten/report/text_art.hpp"
#include "handwritten/core/timer.hpp"

namespace {

// The first `count` bytes of a file as an xxd-style dump, then what the header says.
void show_header(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    unsigned char b[32] = {};
    in.read(reinterpret_cast<char*>(b), sizeof b);
    const int got = static_cast<int>(in.gcount());
    std::printf("\n%s — the first %d bytes:\n", path.c_str(), got);
    for (int row = 0; row < got; row += 16) {
        std::printf("  %08x:", row);
        for (int i = row; i < std::min(row + 16, got); ++i) std::printf("%s%02x", i % 2 ? "" : " ", b[i]);
        std::printf("\n");
    }
    if (got < 8) return;
    auto be32 = [&](int at) {
        return (unsigned(b[at]) << 24) | (unsigned(b[at + 1]) << 16) | (unsigned(b[at + 2]) << 8) |
               unsigned(b[at + 3]);
    };
    const int dims = b[3];
    std::printf("  bytes  0-3  %02x %02x %02x %02x  magic: two zero bytes, type 0x%02x (%s), %d dimension%s\n",
                b[0], b[1], b[2], b[3], b[2], b[2] == 0x08 ? "unsigned byte" : "?", dims,
                dims == 1 ? "" : "s");
    const char* names[] = {"count", "rows", "columns"};
    for (int d = 0; d < dims && 4 + 4 * d + 4 <= got && d < 3; ++d) {
        const int at = 4 + 4 * d;
        std::printf("  bytes %2d-%-2d %02x %02x %02x %02x  %s = %u (big-endian)\n", at, at + 3, b[at],
                    b[at + 1], b[at + 2], b[at + 3], dims == 1 ? "count" : names[d], be32(at));
    }
    const int data_at = 4 + 4 * dims;
    if (data_at < got)
        std::printf("  bytes %2d-   the %s, one byte each%s\n", data_at, dims == 1 ? "labels" : "pixels",
                    dims == 1 ? "" : ", row by row, 0 = paper, 255 = ink");
}

// Bars of '#' scaled so the largest count gets `width` characters.
void show_histogram(const char* title, const std::vector<std::uint8_t>& labels,
                    const std::vector<std::string>& names) {
    std::vector<std::size_t> count(10, 0);
    for (std::uint8_t l : labels) ++count[l];
    const std::size_t most = *std::max_element(count.begin(), count.end());
    std::printf("\n%s (%zu images):\n", title, labels.size());
    for (int c = 0; c < 10; ++c) {
        const int bar = most ? static_cast<int>(40.0 * count[c] / most + 0.5) : 0;
        std::printf("  %-10s %6zu  %5.2f%%  %s\n", names[c].c_str(), count[c],
                    100.0 * count[c] / std::max<std::size_t>(labels.size(), 1), std::string(bar, '#').c_str());
    }
}

// The average of every image of each class: 10 images of height×width, back to back.
std::vector<float> class_means(const hw::LabeledSet& set) {
    const std::size_t pixels = set.images.cols();
    std::vector<double> sum(10 * pixels, 0.0);
    std::vector<std::size_t> count(10, 0);
    for (std::size_t n = 0; n < set.size(); ++n) {
        const int c = set.labels[n];
        ++count[c];
        const float* img = set.images.row(n);
        for (std::size_t p = 0; p < pixels; ++p) sum[c * pixels + p] += img[p];
    }
    std::vector<float> mean(10 * pixels, 0.0f);
    for (int c = 0; c < 10; ++c)
        for (std::size_t p = 0; p < pixels; ++p)
            if (count[c]) mean[c * pixels + p] = static_cast<float>(sum[c * pixels + p] / count[c]);
    return mean;
}

// Halves an image in each direction (2×2 averages) so ten of them fit a terminal, and stretches
// its values so the darkest pixel is 1 (a mean digit is faint: no pixel is inked in every image).
std::vector<float> half_size(const float* img, int h, int w) {
    std::vector<float> out((h / 2) * (w / 2));
    for (int r = 0; r < h / 2; ++r)
        for (int c = 0; c < w / 2; ++c)
            out[r * (w / 2) + c] = 0.25f * (img[2 * r * w + 2 * c] + img[2 * r * w + 2 * c + 1] +
                                            img[(2 * r + 1) * w + 2 * c] + img[(2 * r + 1) * w + 2 * c + 1]);
    const float darkest = *std::max_element(out.begin(), out.end());
    if (darkest > 0)
        for (float& v : out) v /= darkest;
    return out;
}

void show_sparsity(const hw::LabeledSet& set) {
    std::size_t nonzero = 0, full = 0;
    const std::size_t total = set.images.size();
    for (std::size_t i = 0; i < total; ++i) {
        nonzero += set.images.data()[i] != 0.0f;
        full += set.images.data()[i] == 1.0f;
    }
    const double per_image = double(nonzero) / double(set.size());
    std::printf("\nPixels: on average %.1f of the %zu pixels of a training image are not zero (%.1f%%);\n"
                "%.1f%% of all pixels are full ink (255). Mean pixel value %.4f.\n"
                "(Chapter 09 skips the zero pixels: a layer's work drops to about a fifth.)\n",
                per_image, set.images.cols(), 100.0 * per_image / set.images.cols(),
                100.0 * double(full) / double(total), set.images.sum() / double(total));
}

}  // namespace

int main(int argc, char** argv) {
    std::string data, dataset = "mnist", out = "runs/08-mnist";
    int count = 50;
    hw::Cli cli("08-mnist", "A tour of MNIST: the IDX format, digits as text art, label counts, mean digits.");
    cli.option("--data", data, "directory with the four IDX files (default: data/mnist, or $HW_DATA_DIR)")
        .choice("--dataset", dataset, {"mnist", "fashion"}, "which dataset (fashion: run `make data-fashion` first)")
        .option("--count", count, "sample images for the SVG grid (the first N training images)")
        .option("--out", out, "directory for the SVG files")
        .epilog("Example:\n  build/bin/08-mnist --count 100 --out runs/08-mnist");
    cli.parse(argc, argv);
    cli.check(count >= 1 && count <= 10000, "--count must be in 1..10000");

    try {
        const std::string dir = hw::resolve_data_dir(data, dataset);
        const auto& names = hw::class_names(dataset);
        hw::Stopwatch clock;
        const hw::Mnist m = hw::load_mnist(dir, dataset);
        const double load_seconds = clock.seconds();
        std::printf("08-mnist: %s from %s\n", dataset.c_str(), dir.c_str());
        std::uintmax_t bytes = 0;
        for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                              "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            const auto size = std::filesystem::file_size(dir + "/" + f);
            bytes += size;
            std::printf("  %-26s %10ju bytes\n", f, size);
        }
        std::printf("read and checked %.1f MB in %.2f s: %zu training and %zu test images of %dx%d\n",
                    bytes / 1e6, load_seconds, m.train.size(), m.test.size(), m.train.height,
                    m.train.width);

        show_header(dir + "/train-images-idx3-ubyte");
        show_header(dir + "/train-labels-idx1-ubyte");

        std::printf("\nThe first four training images, as text art (label underneath):\n");
        for (int start = 0; start < 4; start += 2) {
            std::vector<const float*> imgs;
            std::vector<std::string> caps;
            for (int i = start; i < start + 2; ++i) {
                imgs.push_back(m.train.images.row(i));
                caps.push_back(names[m.train.labels[i]]);
            }
            std::cout << hw::text_art_row(imgs, m.train.height, m.train.width, caps);
        }
        std::printf("\nThe pixel values of the first image, rows 4 to 9, columns 10 to 19 (x255):\n");
        for (int r = 4; r < 10; ++r) {
            std::printf("  ");
            for (int c = 10; c < 20; ++c) std::printf("%4.0f", 255 * m.train.images(0, r * m.train.width + c));
            std::printf("\n");
        }

        show_histogram("Training labels", m.train.labels, names);
        show_histogram("Test labels", m.test.labels, names);
        show_sparsity(m.train);

        const std::vector<float> means = class_means(m.train);
        const std::size_t pixels = m.train.images.cols();
        std::printf("\nThe mean image of each class (training set), at half size, contrast stretched:\n");
        for (int start = 0; start < 10; start += 5) {
            std::vector<std::vector<float>> small;
            std::vector<const float*> imgs;
            std::vector<std::string> caps;
            for (int c = start; c < start + 5; ++c)
                small.push_back(half_size(means.data() + c * pixels, m.train.height, m.train.width));
            for (int c = start; c < start + 5; ++c) {
                imgs.push_back(small[c - start].data());
                caps.push_back("mean " + names[c]);
            }
            std::cout << hw::text_art_row(imgs, m.train.height / 2, m.train.width / 2, caps);
        }

        std::filesystem::create_directories(out);
        const int n = std::min<int>(count, m.train.size());
        std::vector<std::string> captions;
        for (int i = 0; i < n; ++i) captions.push_back(names[m.train.labels[i]]);
        hw::write_image_grid(out + "/samples.svg", m.train.images.data(), n, m.train.height,
                             m.train.width, captions, 10,
                             "08: the first " + std::to_string(n) + " training images (" + dataset + ")");
        hw::write_image_grid(out + "/means.svg", means.data(), 10, m.train.height, m.train.width,
                             names, 10, "08: mean training image per class (" + dataset + ")");
        std::printf("\nwrote %s/samples.svg and %s/means.svg (open them in a browser)\n", out.c_str(),
                    out.c_str());
    } catch (const std::exception& e) {  // hw::DataError and the rest
        std::fprintf(stderr, "08-mnist: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
