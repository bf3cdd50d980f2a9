// model_file.cpp — writing and reading the HWMODEL format described in model_file.hpp.
//
// What it is: a serializer that writes the whole file into memory and then to disk (via a
// temporary file and a rename, so a crash never leaves half a model under the real name), and a
// loader that reads the file in one go and walks it with a bounds-checked cursor: every length
// is compared with the bytes that remain BEFORE anything is allocated, and the checksum is
// verified before the result is returned.
// What it is not: portable to big-endian machines (it writes the host's little-endian floats).
#include "handwritten/nn/model_file.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace hw {

namespace {

constexpr char kMagic[] = "HWMODEL";  // followed by the version digit
constexpr int kMaxRank = 8;  // far above any layer here; bounds a corrupt rank

std::uint64_t fnv1a(const unsigned char* p, std::size_t n) {
    std::uint64_t h = 14695981039346656037ull;  // FNV offset basis
    for (std::size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 1099511628211ull;  // FNV prime
    }
    return h;
}

template <class T>
void put(std::vector<unsigned char>& out, T v) {
    unsigned char buf[sizeof(T)];
    std::memcpy(buf, &v, sizeof(T));
    out.insert(out.end(), buf, buf + sizeof(T));
}

void put_string(std::vector<unsigned char>& out, const std::string& s) {
    put<std::uint32_t>(out, static_cast<std::uint32_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
}

// Reads forward through the file's bytes; any read past the end is a "truncated" error.
class Cursor {
public:
    Cursor(const std::string& path, const std::vector<unsigned char>& bytes, std::size_t end)
        : path_(path), bytes_(bytes), end_(end) {}

    std::size_t remaining() const { return end_ - pos_; }
    std::size_t position() const { return pos_; }

    void need(std::uint64_t n, const std::string& what) const {
        if (n > remaining())
            throw ModelFileError(path_ + ": truncated: " + what + " needs " + std::to_string(n) +
                                 " bytes at offset " + std::to_string(pos_) + ", only " +
                                 std::to_string(remaining()) + " remain");
    }
    template <class T>
    T get(const std::string& what) {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }
    std::string get_string(const std::string& what) {
        const std::uint32_t n = get<std::uint32_t>(what + " length");
        need(n, what);
        std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
        pos_ += n;
        return s;
    }
    void get_floats(float* dst, std::size_t count) {
        if (count == 0) return;  // a 0×n tensor has no buffer: memcpy must not see its null pointer
        std::memcpy(dst, bytes_.data() + pos_, count * sizeof(float));
        pos_ += count * sizeof(float);
    }

private:
    const std::string& path_;
    const std::vector<unsigned char>& bytes_;
    std::size_t end_, pos_ = 0;
};

std::string dims_text(const std::vector<std::uint64_t>& dims) {
    std::string out;
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i) out += 'x';
        out += std::to_string(dims[i]);
    }
    return out;
}

// The dims a tensor is written with: its own, or the matrix's rows×cols.
std::vector<std::uint64_t> dims_of(const NamedTensor& t) {
    if (!t.dims.empty()) return t.dims;
    return {t.value.rows(), t.value.cols()};
}

// Reads one tensor's dims: version 1 has rows and cols, version 2 a rank and that many dims.
std::vector<std::uint64_t> read_dims(Cursor& cur, const std::string& path, const std::string& name, char version) {
    if (version == '1')
        return {cur.get<std::uint64_t>("tensor '" + name + "' rows"), cur.get<std::uint64_t>("tensor '" + name + "' cols")};
    const std::uint32_t rank = cur.get<std::uint32_t>("tensor '" + name + "' rank");
    if (rank < 1 || rank > kMaxRank)
        throw ModelFileError(path + ": corrupt: tensor '" + name + "' has rank " + std::to_string(rank) +
                             " (expected 1 to " + std::to_string(kMaxRank) + ")");
    std::vector<std::uint64_t> dims(rank);
    for (std::uint64_t& d : dims) d = cur.get<std::uint64_t>("tensor '" + name + "' dims");
    return dims;
}

}  // namespace

const Matrix& ModelFile::get(const std::string& name, const std::vector<std::uint64_t>& dims) const {
    for (const NamedTensor& t : tensors) {
        if (t.name != name) continue;
        const std::vector<std::uint64_t> have = dims_of(t);
        if (have != dims)
            throw ModelFileError("model tensor '" + name + "' is " + dims_text(have) + ", expected " +
                                 dims_text(dims) + " (was the model trained with another configuration?)");
        return t.value;
    }
    throw ModelFileError("model has no tensor named '" + name + "' (kind '" + kind + "')");
}

const Matrix& ModelFile::get(const std::string& name, std::size_t rows, std::size_t cols) const {
    for (const NamedTensor& t : tensors) {
        if (t.name != name) continue;
        if (t.value.rows() != rows || t.value.cols() != cols)
            throw ModelFileError("model tensor '" + name + "' is " +
                                 std::to_string(t.value.rows()) + "x" +
                                 std::to_string(t.value.cols()) + ", expected " +
                                 std::to_string(rows) + "x" + std::to_string(cols) +
                                 " (was the model trained with another configuration?)");
        return t.value;
    }
    throw ModelFileError("model has no tensor named '" + name + "' (kind '" + kind + "')");
}

void save_model(const std::string& path, const ModelFile& model, int version) {
    if (version != 1 && version != 2) throw ModelFileError(path + ": cannot write format version " + std::to_string(version));
    std::vector<unsigned char> out(kMagic, kMagic + 7);
    out.push_back(static_cast<unsigned char>('0' + version));
    put_string(out, model.kind);
    put_string(out, model.config);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(model.tensors.size()));
    for (const NamedTensor& t : model.tensors) {
        put_string(out, t.name);
        const std::vector<std::uint64_t> dims = dims_of(t);
        std::uint64_t elements = 1;
        for (std::uint64_t d : dims) elements *= d;
        if (elements != t.value.size() || dims.empty() || dims.size() > std::size_t(kMaxRank))
            throw ModelFileError(path + ": tensor '" + t.name + "' has dims " + dims_text(dims) + " but " +
                                 std::to_string(t.value.size()) + " values");
        if (version == 1) {
            if (dims.size() != 2) throw ModelFileError(path + ": format version 1 holds only 2-D tensors ('" + t.name + "')");
        } else {
            put<std::uint32_t>(out, static_cast<std::uint32_t>(dims.size()));
        }
        for (std::uint64_t d : dims) put<std::uint64_t>(out, d);
        const auto* p = reinterpret_cast<const unsigned char*>(t.value.data());
        out.insert(out.end(), p, p + t.value.size() * sizeof(float));
    }
    put<std::uint64_t>(out, fnv1a(out.data(), out.size()));

    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f)
            throw ModelFileError(path + ": cannot write (" + std::strerror(errno) + ")");
        f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
        if (!f) throw ModelFileError(path + ": write failed");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        throw ModelFileError(path + ": cannot rename " + tmp + " (" + std::strerror(errno) + ")");
}

ModelFile load_model(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw ModelFileError(path + ": cannot open (" + std::strerror(errno) + ")");
    const std::streamoff size = in.tellg();
    if (size < 0) throw ModelFileError(path + ": cannot determine the file size");
    std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
    in.seekg(0);
    if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
        throw ModelFileError(path + ": read failed");

    if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 7) != 0)
        throw ModelFileError(path + ": not a handwritten model file (bad magic; expected \"" +
                             std::string(kMagic) + char('0' + kModelFormatVersion) + "\")");
    const char version = static_cast<char>(bytes[7]);
    if (version != '1' && version != '2')
        throw ModelFileError(path + ": unsupported format version '" + std::string(1, version) +
                             "' (this build reads versions 1 and 2)");
    if (bytes.size() < 8 + 8)
        throw ModelFileError(path + ": truncated: " + std::to_string(bytes.size()) +
                             " bytes, too short for any model");

    // Everything but the last 8 bytes is content; the last 8 are the checksum.
    const std::size_t content_end = bytes.size() - 8;
    Cursor cur(path, bytes, content_end);
    cur.get<std::uint64_t>("magic");  // skip the 8 magic bytes already checked
    ModelFile model;
    model.kind = cur.get_string("kind");
    model.config = cur.get_string("config");
    const std::uint32_t count = cur.get<std::uint32_t>("tensor count");
    // Each tensor needs at least a 4-byte name length and two 8-byte dimensions.
    if (count > cur.remaining() / 20)
        throw ModelFileError(path + ": truncated or corrupt: " + std::to_string(count) +
                             " tensors cannot fit in " + std::to_string(cur.remaining()) +
                             " bytes");
    model.tensors.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        NamedTensor t;
        t.name = cur.get_string("tensor " + std::to_string(i) + " name");
        t.dims = read_dims(cur, path, t.name, version);
        // Matrix view: dims[0] rows × the product of the rest (a rank-1 tensor is one row).
        std::uint64_t rows = t.dims.size() == 1 ? 1 : t.dims[0], cols = 1, elements = 0, data_bytes = 0;
        bool overflow = false;
        for (std::size_t d = t.dims.size() == 1 ? 0 : 1; d < t.dims.size(); ++d)
            overflow = overflow || __builtin_mul_overflow(cols, t.dims[d], &cols);
        if (overflow || __builtin_mul_overflow(rows, cols, &elements) ||
            __builtin_mul_overflow(elements, sizeof(float), &data_bytes))
            throw ModelFileError(path + ": corrupt: tensor '" + t.name + "' claims " + dims_text(t.dims) +
                                 " floats");
        cur.need(data_bytes, "tensor '" + t.name + "' (" + dims_text(t.dims) + ")");
        t.value = Matrix(rows, cols);
        cur.get_floats(t.value.data(), elements);
        model.tensors.push_back(std::move(t));
    }
    if (cur.remaining() != 0)
        throw ModelFileError(path + ": corrupt: " + std::to_string(cur.remaining()) +
                             " unexpected bytes after the last tensor");
    std::uint64_t stored = 0;
    std::memcpy(&stored, bytes.data() + content_end, 8);
    if (stored != fnv1a(bytes.data(), content_end))
        throw ModelFileError(path + ": checksum mismatch: the file is corrupted");
    return model;
}

}  // namespace hw
