// gzip.cpp — gzip (RFC 1952) and DEFLATE (RFC 1951) decoding, checked at every step (gzip.hpp).
//
// DEFLATE in one paragraph: the stream is a list of blocks. A block is either stored (raw bytes
// after a length and its one's complement) or Huffman-coded, with the fixed code of the RFC or
// a dynamic one sent first (as code lengths, themselves Huffman-coded). Coded symbols 0–255 are
// literal bytes, 256 ends the block, 257–285 start a back reference "copy LENGTH bytes from
// DISTANCE bytes back", whose extra bits follow. Bits are read least-significant first, but
// Huffman codes are packed most-significant bit first — hence decode() reading one bit at a time.
//
// The decoder follows the canonical-code construction of the RFC: a code is fully described by
// how many symbols have each length (count[]) and the symbols sorted by length (symbol[]).
#include "handwritten/data/gzip.hpp"

#include <array>
#include <fstream>
#include <iterator>

#include "handwritten/data/idx.hpp"  // hw::DataError

namespace hw {

namespace {

constexpr int kMaxBits = 15;  // the longest Huffman code DEFLATE allows

struct Truncated {};               // ran out of input bytes
struct Corrupt { const char* what; };

class BitReader {
public:
    BitReader(const std::uint8_t* data, std::size_t size, std::size_t pos) : data_(data), size_(size), pos_(pos) {}

    // The next `need` bits (0..16), least significant first.
    unsigned bits(int need) {
        std::uint32_t value = buffer_;
        while (count_ < need) {
            if (pos_ >= size_) throw Truncated{};
            value |= std::uint32_t(data_[pos_++]) << count_;
            count_ += 8;
        }
        buffer_ = value >> need;
        count_ -= need;
        return value & ((1u << need) - 1);
    }
    // Drops the bits left in the current byte (stored blocks and the trailer start on a byte).
    void align() { buffer_ = 0, count_ = 0; }
    std::uint8_t byte() {
        if (pos_ >= size_) throw Truncated{};
        return data_[pos_++];
    }
    std::size_t position() const { return pos_; }

private:
    const std::uint8_t* data_;
    std::size_t size_, pos_;
    std::uint32_t buffer_ = 0;
    int count_ = 0;
};

struct Huffman {
    std::array<short, kMaxBits + 1> count{};  // count[len]: symbols whose code has len bits
    std::array<short, 320> symbol{};          // symbols in canonical order
};

// Builds the canonical code from code lengths. Returns 0 for a complete code, > 0 for an
// incomplete one (codes left unused), < 0 for an over-subscribed one (impossible to decode).
int build(Huffman& h, const short* length, int n) {
    h.count.fill(0);
    for (int s = 0; s < n; ++s) h.count[length[s]]++;
    if (h.count[0] == n) return 0;  // no codes at all: decode() will reject any use
    int left = 1;
    for (int len = 1; len <= kMaxBits; ++len) {
        left = 2 * left - h.count[len];
        if (left < 0) return left;
    }
    std::array<short, kMaxBits + 2> offset{};
    for (int len = 1; len <= kMaxBits; ++len) offset[len + 1] = short(offset[len] + h.count[len]);
    for (int s = 0; s < n; ++s)
        if (length[s] != 0) h.symbol[offset[length[s]]++] = short(s);
    return left;
}

// One symbol: walk the code one bit at a time; the codes of each length are consecutive
// integers starting at `first`.
int decode(BitReader& in, const Huffman& h) {
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= kMaxBits; ++len) {
        code |= int(in.bits(1));
        const int count = h.count[len];
        if (code - count < first) return h.symbol[index + (code - first)];
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    throw Corrupt{"invalid Huffman code"};
}

constexpr short kLengthBase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                   31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr short kLengthExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr int kDistBase[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                               193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr short kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

// The symbols of one Huffman-coded block, appended to out; back references may reach back to
// any byte of this member (`start` is where its output began).
void inflate_codes(BitReader& in, const Huffman& lengths, const Huffman& distances,
                   std::vector<std::uint8_t>& out, std::size_t start) {
    for (;;) {
        int symbol = decode(in, lengths);
        if (symbol < 256) {
            out.push_back(std::uint8_t(symbol));
        } else if (symbol == 256) {
            return;
        } else {
            symbol -= 257;
            if (symbol >= 29) throw Corrupt{"invalid length code"};
            const int length = kLengthBase[symbol] + int(in.bits(kLengthExtra[symbol]));
            const int d = decode(in, distances);
            if (d >= 30) throw Corrupt{"invalid distance code"};
            const std::size_t distance = std::size_t(kDistBase[d]) + in.bits(kDistExtra[d]);
            if (distance > out.size() - start) throw Corrupt{"back reference before the start of the data"};
            for (int i = 0; i < length; ++i) out.push_back(out[out.size() - distance]);  // may overlap
        }
    }
}

void inflate_stored(BitReader& in, std::vector<std::uint8_t>& out) {
    in.align();
    unsigned len = in.byte();
    len |= unsigned(in.byte()) << 8;
    unsigned nlen = in.byte();
    nlen |= unsigned(in.byte()) << 8;
    if (len != (~nlen & 0xffffu)) throw Corrupt{"stored block length does not match its complement"};
    for (unsigned i = 0; i < len; ++i) out.push_back(in.byte());
}

void inflate_fixed(BitReader& in, std::vector<std::uint8_t>& out, std::size_t start) {
    static const auto tables = [] {
        std::array<short, 288 + 30> lengths{};
        for (int s = 0; s < 288; ++s) lengths[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
        for (int s = 0; s < 30; ++s) lengths[288 + s] = 5;
        std::pair<Huffman, Huffman> t;
        build(t.first, lengths.data(), 288);
        build(t.second, lengths.data() + 288, 30);
        return t;
    }();
    inflate_codes(in, tables.first, tables.second, out, start);
}

void inflate_dynamic(BitReader& in, std::vector<std::uint8_t>& out, std::size_t start) {
    static constexpr short kOrder[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    const int nlen = int(in.bits(5)) + 257, ndist = int(in.bits(5)) + 1, ncode = int(in.bits(4)) + 4;
    if (nlen > 286 || ndist > 30) throw Corrupt{"too many length or distance codes"};
    std::array<short, 320> lengths{};
    for (int i = 0; i < ncode; ++i) lengths[kOrder[i]] = short(in.bits(3));
    Huffman code_lengths;
    if (build(code_lengths, lengths.data(), 19) != 0) throw Corrupt{"incomplete code-length code"};

    std::fill(lengths.begin(), lengths.end(), short(0));
    for (int index = 0; index < nlen + ndist;) {
        const int symbol = decode(in, code_lengths);
        if (symbol < 16) {
            lengths[index++] = short(symbol);
            continue;
        }
        short repeat_value = 0;
        int repeat = 0;
        if (symbol == 16) {
            if (index == 0) throw Corrupt{"repeat with no previous length"};
            repeat_value = lengths[index - 1];
            repeat = 3 + int(in.bits(2));
        } else if (symbol == 17) {
            repeat = 3 + int(in.bits(3));
        } else {
            repeat = 11 + int(in.bits(7));
        }
        if (index + repeat > nlen + ndist) throw Corrupt{"too many code lengths"};
        while (repeat--) lengths[index++] = repeat_value;
    }
    if (lengths[256] == 0) throw Corrupt{"no end-of-block code"};
    // An incomplete code is legal only when it has a single symbol (the RFC's one-code case).
    Huffman length_code, distance_code;
    int left = build(length_code, lengths.data(), nlen);
    if (left < 0 || (left > 0 && nlen - length_code.count[0] != 1)) throw Corrupt{"bad literal/length code"};
    left = build(distance_code, lengths.data() + nlen, ndist);
    if (left < 0 || (left > 0 && ndist - distance_code.count[0] != 1)) throw Corrupt{"bad distance code"};
    inflate_codes(in, length_code, distance_code, out, start);
}

std::uint32_t read_le32(BitReader& in) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t(in.byte()) << (8 * i);
    return v;
}

// One gzip member starting at `pos`: header, DEFLATE blocks, trailer. Returns the position after it.
std::size_t gunzip_member(const std::vector<std::uint8_t>& gz, std::size_t pos, std::vector<std::uint8_t>& out) {
    BitReader in(gz.data(), gz.size(), pos);
    if (in.byte() != 0x1f || in.byte() != 0x8b) throw Corrupt{"not a gzip file (bad magic bytes)"};
    if (in.byte() != 8) throw Corrupt{"unknown compression method (not deflate)"};
    const std::uint8_t flags = in.byte();
    if (flags & 0xe0) throw Corrupt{"reserved header flags set"};
    for (int i = 0; i < 6; ++i) in.byte();  // modification time, extra flags, operating system
    if (flags & 4) {                        // FEXTRA: a length, then that many bytes
        unsigned xlen = in.byte();
        xlen |= unsigned(in.byte()) << 8;
        while (xlen--) in.byte();
    }
    if (flags & 8) while (in.byte() != 0) {}   // FNAME, zero-terminated
    if (flags & 16) while (in.byte() != 0) {}  // FCOMMENT, zero-terminated
    if (flags & 2) in.byte(), in.byte();       // FHCRC

    const std::size_t start = out.size();
    for (bool last = false; !last;) {
        last = in.bits(1) == 1;
        switch (in.bits(2)) {
            case 0: inflate_stored(in, out); break;
            case 1: inflate_fixed(in, out, start); break;
            case 2: inflate_dynamic(in, out, start); break;
            default: throw Corrupt{"invalid block type"};
        }
    }
    in.align();
    const std::uint32_t crc = read_le32(in), size = read_le32(in);
    if (crc != crc32(out.data() + start, out.size() - start)) throw Corrupt{"CRC-32 mismatch (corrupt data)"};
    if (size != std::uint32_t(out.size() - start)) throw Corrupt{"length mismatch in the trailer"};
    return in.position();
}

}  // namespace

std::uint32_t crc32(const std::uint8_t* data, std::size_t n) {
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xffffffffu;
    for (std::size_t i = 0; i < n; ++i) c = table[(c ^ data[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

std::vector<std::uint8_t> gunzip(const std::vector<std::uint8_t>& gz, const std::string& name) {
    std::vector<std::uint8_t> out;
    try {
        std::size_t pos = 0;
        do pos = gunzip_member(gz, pos, out);
        while (pos < gz.size());
    } catch (const Truncated&) {
        throw DataError(name + ": truncated gzip file (the data ends early; fetch it again)");
    } catch (const Corrupt& c) {
        throw DataError(name + ": corrupt gzip file: " + c.what);
    }
    return out;
}

std::vector<std::uint8_t> read_gzip_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw DataError(path + ": cannot open the file");
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (bytes.empty()) throw DataError(path + ": empty file");
    return gunzip(bytes, path);
}

}  // namespace hw
