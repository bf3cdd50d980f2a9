// hidden_08_mnist.cpp — chapter 08's withheld checks (rubric: hidden). Student trees do not
// contain this file; the grader runs it on submission.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "handwritten/data/idx.hpp"

namespace {

using Bytes = std::vector<unsigned char>;

// An IDX file of unsigned bytes in a fresh temporary directory, removed at the end.
struct IdxFile {
    std::filesystem::path dir;
    std::string path;
    IdxFile(std::vector<std::uint32_t> dims, const Bytes& payload, unsigned char type = 0x08) {
        std::string tmpl = (std::filesystem::temp_directory_path() / "hw-hidden-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        dir = tmpl;
        path = (dir / "file").string();
        Bytes b = {0, 0, type, static_cast<unsigned char>(dims.size())};
        for (std::uint32_t d : dims)
            for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(d >> s));
        b.insert(b.end(), payload.begin(), payload.end());
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
    }
    ~IdxFile() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

}  // namespace

TEST_SUITE("08-mnist") {

TEST_CASE("hidden: IDX: one byte short or one byte long is refused, exact is read") {
    {
        IdxFile f({2, 2, 2}, Bytes(7, 1));
        CHECK_THROWS_AS(hw::read_idx_images(f.path), hw::DataError);
    }
    {
        IdxFile f({2, 2, 2}, Bytes(9, 1));
        CHECK_THROWS_AS(hw::read_idx_images(f.path), hw::DataError);
    }
    IdxFile f({2, 2, 2}, Bytes(8, 255));
    const hw::ImageSet set = hw::read_idx_images(f.path);
    CHECK(set.pixels.rows() == 2);
    CHECK(set.pixels.cols() == 4);
    CHECK(set.pixels(1, 3) == 1.0f);
}

TEST_CASE("hidden: IDX: a label file with images' magic, or signed bytes (0x09), is refused") {
    IdxFile images_magic({1, 1, 1}, Bytes(1, 0));
    CHECK_THROWS_AS(hw::read_idx_labels(images_magic.path), hw::DataError);
    IdxFile signed_bytes({3}, Bytes(3, 0), 0x09);
    CHECK_THROWS_AS(hw::read_idx_labels(signed_bytes.path), hw::DataError);
    IdxFile fine({3}, Bytes{0, 9, 5});
    CHECK(hw::read_idx_labels(fine.path) == std::vector<std::uint8_t>{0, 9, 5});
}

}  // TEST_SUITE
