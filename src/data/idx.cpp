// idx.cpp — the IDX reader behind MNIST and Fashion-MNIST (see idx.hpp for the format).
//
// What it is: a reader that trusts nothing in the file. Each file is read with ONE bulk read,
// then every size the header claims is checked, in 64-bit arithmetic, against the number of
// bytes actually present BEFORE any matrix is allocated: a header announcing
// 0xFFFFFFFF × 0xFFFFFFFF × 0xFFFFFFFF images is an error message, not an allocation.
// What it is not: a general IDX library. Only unsigned-byte elements (type 0x08) are accepted,
// since that is all MNIST uses.
#include "handwritten/data/idx.hpp"

#include <algorithm>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

namespace hw {

namespace {

const char* kGetDataHint =
    "get the data with `make data` (or `make data-fashion` for --dataset fashion), or put the "
    "four IDX files in a directory and pass --data DIR or set HW_DATA_DIR=DIR";

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", v);
    return buf;
}

// The whole file in one read. The size comes from the file system, so the buffer is exactly
// as large as the file and never larger: no header value influences this allocation.
std::vector<unsigned char> read_whole_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        const int err = errno;
        std::string msg = path + ": cannot open (" + std::strerror(err) + ")";
        if (file_exists(path + ".gz")) msg += "; a .gz copy is there: gunzip it first";
        throw DataError(msg + "; " + kGetDataHint);
    }
    const std::streamoff size = in.tellg();
    if (size < 0) throw DataError(path + ": cannot determine the file size");
    std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
    in.seekg(0);
    if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
        throw DataError(path + ": read failed after " + std::to_string(in.gcount()) + " of " +
                        std::to_string(size) + " bytes");
    return bytes;
}

std::uint32_t big_endian_u32(const unsigned char* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
           std::uint32_t(p[3]);
}

// Validates the header of an IDX file of unsigned bytes with `want_dims` dimensions and returns
// the dimensions. On return the file is known to hold exactly header + product(dims) bytes.
std::vector<std::uint64_t> parse_header(const std::string& path,
                                        const std::vector<unsigned char>& bytes, int want_dims,
                                        const char* what) {
    const std::uint64_t size = bytes.size();
    if (size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        throw DataError(path + ": is gzip-compressed; gunzip it first");
    if (size < 4)
        throw DataError(path + ": too short for an IDX header (" + std::to_string(size) +
                        " bytes)");
    const std::uint32_t magic = big_endian_u32(bytes.data());
    const std::uint32_t want_magic = 0x00000800u | std::uint32_t(want_dims);
    // BEGIN SOLUTION 08 the magic number: unsigned bytes (0x08), and the number of dimensions
    if (bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08)
        throw DataError(path + ": bad magic " + hex32(magic) + " (expected " + hex32(want_magic) +
                        " for " + what + "): not an IDX file of unsigned bytes");
    if (bytes[3] != want_dims)
        throw DataError(path + ": has " + std::to_string(bytes[3]) + " dimensions, expected " +
                        std::to_string(want_dims) + " for " + what + " (magic " + hex32(magic) +
                        ", expected " + hex32(want_magic) + ")");
    // END SOLUTION
    const std::uint64_t header = 4 + 4 * std::uint64_t(want_dims);
    if (size < header)
        throw DataError(path + ": truncated header (" + std::to_string(size) + " bytes, need " +
                        std::to_string(header) + ")");

    std::vector<std::uint64_t> dims(want_dims);
    // Each dimension is < 2^32, so the product of three can reach 2^96: multiply with an
    // overflow check and give up as soon as it exceeds what the file could possibly hold.
    std::uint64_t elements = 1;
    bool too_big = false;
    for (int d = 0; d < want_dims; ++d) {
        dims[d] = big_endian_u32(bytes.data() + 4 + 4 * d);
        // BEGIN SOLUTION 08 each dimension non-zero; their product without overflow
        if (dims[d] == 0)
            throw DataError(path + ": dimension " + std::to_string(d) + " is zero");
        if (!too_big && __builtin_mul_overflow(elements, dims[d], &elements)) too_big = true;
        // END SOLUTION
    }
    const std::uint64_t payload = size - header;
    std::string shape;
    for (int d = 0; d < want_dims; ++d) {
        if (d) shape += 'x';
        shape += std::to_string(dims[d]);
    }
    // BEGIN SOLUTION 08 the data is exactly as long as the header says, before anything is allocated
    if (too_big || elements > payload)
        throw DataError(path + ": truncated or corrupt: header says " + shape + " = " +
                        (too_big ? std::string("more than 2^64") : std::to_string(elements)) +
                        " bytes of data, the file holds " + std::to_string(payload));
    if (elements < payload)
        throw DataError(path + ": " + std::to_string(payload - elements) +
                        " unexpected trailing bytes after the " + shape + " data");
    // END SOLUTION
    return dims;
}

void check_labels(const std::string& path, const std::vector<std::uint8_t>& labels) {
    // BEGIN SOLUTION 08 labels are digits 0..9
    for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels[i] > 9)
            throw DataError(path + ": label " + std::to_string(i) + " is " +
                            std::to_string(labels[i]) + ", expected 0..9");
    // END SOLUTION
}

LabeledSet load_pair(const std::string& images_path, const std::string& labels_path) {
    ImageSet images = read_idx_images(images_path);
    std::vector<std::uint8_t> labels = read_idx_labels(labels_path);
    if (images.pixels.rows() != labels.size())
        throw DataError(images_path + " holds " + std::to_string(images.pixels.rows()) +
                        " images but " + labels_path + " holds " + std::to_string(labels.size()) +
                        " labels");
    check_labels(labels_path, labels);
    LabeledSet set;
    set.images = std::move(images.pixels);
    set.labels = std::move(labels);
    set.height = images.height;
    set.width = images.width;
    return set;
}

}  // namespace

ImageSet read_idx_images(const std::string& path) {
    const std::vector<unsigned char> bytes = read_whole_file(path);
    const std::vector<std::uint64_t> dims = parse_header(path, bytes, 3, "images");
    // parse_header proved count·height·width == bytes after the header, so these fit.
    const std::size_t count = dims[0], height = dims[1], width = dims[2];
    ImageSet set;
    set.height = static_cast<int>(height);
    set.width = static_cast<int>(width);
    if (dims[1] > 1u << 20 || dims[2] > 1u << 20)
        throw DataError(path + ": implausible image size " + std::to_string(height) + "x" +
                        std::to_string(width));
    set.pixels = Matrix(count, height * width);
    const unsigned char* src = bytes.data() + 16;
    float* dst = set.pixels.data();
    // Pixels are 0 (paper) .. 255 (ink); scale to [0, 1].
    for (std::size_t i = 0; i < count * height * width; ++i) dst[i] = src[i] * (1.0f / 255.0f);
    return set;
}

std::vector<std::uint8_t> read_idx_labels(const std::string& path) {
    const std::vector<unsigned char> bytes = read_whole_file(path);
    const std::vector<std::uint64_t> dims = parse_header(path, bytes, 1, "labels");
    return std::vector<std::uint8_t>(bytes.begin() + 8, bytes.begin() + 8 + dims[0]);
}

std::string resolve_data_dir(const std::string& flag_value, const std::string& dataset) {
    if (!flag_value.empty()) return flag_value;
    if (dataset == "digits") return "data/digits";  // not an IDX directory: HW_DATA_DIR does not apply
    if (const char* env = std::getenv("HW_DATA_DIR"); env && *env) return env;
    if (dataset == "fashion") return "data/fashion";
    return "data/mnist";  // mnist, and the 20x20 sets made from it
}

Mnist load_mnist(const std::string& dir, const std::string& dataset) {
    if (dataset != "mnist" && dataset != "fashion")
        throw DataError("unknown dataset '" + dataset + "' (expected mnist or fashion)");
    const char* names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    // Check all four up front so a missing download gets one clear message, not a cryptic one.
    for (const char* name : names) {
        const std::string path = dir + "/" + name;
        if (file_exists(path)) continue;
        std::string msg = "missing " + path;
        if (file_exists(path + ".gz")) msg += " (a .gz copy is there: gunzip it)";
        // A relative default like data/mnist depends on where the binary was started from.
        if (std::filesystem::path(dir).is_relative()) {
            std::error_code ec;
            const auto absolute = std::filesystem::absolute(path, ec);
            if (!ec) msg += " (looked in " + absolute.parent_path().string() + ")";
        }
        msg += dataset == "fashion"
                   ? "; get Fashion-MNIST with `make data-fashion`"
                   : "; get MNIST with `make data`";
        throw DataError(msg + ", or put the four IDX files in a directory and pass --data DIR "
                              "or set HW_DATA_DIR=DIR");
    }
    Mnist m;
    m.dir = dir;
    m.dataset = dataset;
    m.train = load_pair(dir + "/" + names[0], dir + "/" + names[1]);
    m.test = load_pair(dir + "/" + names[2], dir + "/" + names[3]);
    if (m.train.height != m.test.height || m.train.width != m.test.width)
        throw DataError(dir + ": training images are " + std::to_string(m.train.height) + "x" +
                        std::to_string(m.train.width) + " but test images are " +
                        std::to_string(m.test.height) + "x" + std::to_string(m.test.width));
    return m;
}

const std::vector<std::string>& class_names(const std::string& dataset) {
    static const std::vector<std::string> digits = {"0", "1", "2", "3", "4",
                                                    "5", "6", "7", "8", "9"};
    static const std::vector<std::string> fashion = {"T-shirt", "Trouser", "Pullover", "Dress",
                                                     "Coat",    "Sandal",  "Shirt",    "Sneaker",
                                                     "Bag",     "Ankle boot"};
    return dataset == "fashion" ? fashion : digits;
}

void keep_first(LabeledSet& set, std::size_t count) {
    if (count == 0 || count >= set.size()) return;
    Matrix kept(count, set.images.cols());
    std::copy(set.images.data(), set.images.data() + kept.size(), kept.data());
    set.images = std::move(kept);
    set.labels.resize(count);
}

}  // namespace hw
