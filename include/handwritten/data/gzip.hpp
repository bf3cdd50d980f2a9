// gzip.hpp — reading a .gz file without a compression library: the gzip container (RFC 1952)
// around a DEFLATE stream (RFC 1951), decoded by hand in gzip.cpp.
//
// Why hand-written and not zlib: the only compressed file the project reads is scikit-learn's
// 8×8 digits (57 KB). A 200-line inflater keeps the library free of link-time dependencies (no
// -lz in every binary, no -dev package to install), and it is one more format read defensively,
// like the IDX reader: every length and code is checked against the bytes that are really there.
//
// What it checks: the magic bytes 1f 8b, method 8 (deflate), the optional header fields, every
// Huffman table (no over-subscribed or incomplete code, no code past the end), every back
// reference (never before the start of the output), the CRC-32 and the length in the trailer.
// A truncated or corrupt file throws hw::DataError with one line naming the file and the problem.
// Multi-member files (concatenated .gz) are decoded member after member.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hw {

// Decompresses the gzip bytes of `name` (the name only goes into error messages).
std::vector<std::uint8_t> gunzip(const std::vector<std::uint8_t>& gz, const std::string& name);

// Reads the whole file and decompresses it. hw::DataError when it is missing or malformed.
std::vector<std::uint8_t> read_gzip_file(const std::string& path);

// CRC-32 (the polynomial of gzip, zip and PNG) of n bytes.
std::uint32_t crc32(const std::uint8_t* data, std::size_t n);

}  // namespace hw
