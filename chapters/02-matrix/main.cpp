// Chapter 02 — the matrix. Shows hw::Matrix's memory layout, alignment, moves versus clones,
// the basic operations, and why walking memory in row order matters for speed.
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <utility>

#include "handwritten/app/cli.hpp"
#include "handwritten/core/matrix.hpp"
#include "handwritten/core/timer.hpp"

namespace {

void show_layout() {
    hw::Matrix m = hw::Matrix::from_rows({{1, 2, 3}, {4, 5, 6}});
    std::printf("== layout: a 2x3 matrix is one block of 6 floats, row after row ==\n");
    m.print(std::cout, 1);
    std::printf("  memory: ");
    for (std::size_t i = 0; i < m.size(); ++i) std::printf("%g ", m.data()[i]);
    std::printf("\n  element (r, c) lives at data()[r * cols + c]: (1, 2) -> data()[%zu] = %g\n",
                1 * m.cols() + 2, m.data()[1 * m.cols() + 2]);
    std::printf("  stepping right moves 4 bytes; stepping down moves cols*4 = %zu bytes (the stride)\n",
                m.cols() * sizeof(float));
    const auto address = reinterpret_cast<std::uintptr_t>(m.data());
    std::printf("  data() = 0x%lx, address %% 64 = %lu  (64-byte aligned: one cache line, one AVX-512 register)\n\n",
                static_cast<unsigned long>(address), static_cast<unsigned long>(address % 64));
}

void show_moves_and_clones() {
    std::printf("== moves hand over the buffer; clones copy it ==\n");
    hw::Matrix big(1000, 1000, 1.0f);
    const float* buffer = big.data();
    hw::Matrix moved = std::move(big);
    std::printf("  after move: moved.data() %s the old buffer; the source is now %zux%zu\n",
                moved.data() == buffer ? "==" : "!=", big.rows(), big.cols());
    hw::Stopwatch sw;
    hw::Matrix copy = moved.clone();
    std::printf("  clone of 1000x1000 (4 MB): new buffer %s, took %.2f ms\n",
                copy.data() != moved.data() ? "yes" : "no", sw.seconds() * 1e3);
    std::printf("  `hw::Matrix c = m;` does not compile: copies are explicit, so none hides in a loop\n\n");
}

void show_operations() {
    std::printf("== operations ==\n");
    hw::Matrix a = hw::Matrix::from_rows({{1, 2}, {3, 4}, {5, 6}});
    hw::Matrix b = hw::Matrix::from_rows({{0.5f, 0.5f}, {1, 1}, {2, 2}});
    std::printf("A =\n");
    a.print(std::cout, 1);
    std::printf("A transposed =\n");
    a.transposed().print(std::cout, 1);
    std::printf("A + B =\n");
    (a + b).print(std::cout, 1);
    std::printf("A (.) B (element-wise) =\n");
    hadamard(a, b).print(std::cout, 1);
    const float x[2] = {1.0f, -1.0f};
    float y[3];
    a.matvec(x, y);
    std::printf("A * (1, -1) = (%g, %g, %g)\n", y[0], y[1], y[2]);
    hw::Rng rng(7);
    hw::Matrix r(3, 4);
    r.fill_normal(rng, 0.0f, 1.0f);
    std::printf("N(0, 1) init with seed 7 =\n");
    r.print(std::cout, 3);
    std::printf("\n");
}

// Sums every element twice: once row by row (contiguous) and once column by column
// (a stride of n floats between neighbours). Same arithmetic, different memory traffic.
void show_traversal_order(std::size_t n) {
    hw::Matrix m(n, n, 1.0f);
    const double bytes = double(n) * n * sizeof(float);
    auto time_sum = [&](bool row_order) {
        double best = 1e30, total = 0;
        for (int rep = 0; rep < 3; ++rep) {
            hw::Stopwatch sw;
            float s = 0;
            if (row_order) {
                for (std::size_t r = 0; r < n; ++r)
                    for (std::size_t c = 0; c < n; ++c) s += m(r, c);
            } else {
                for (std::size_t c = 0; c < n; ++c)
                    for (std::size_t r = 0; r < n; ++r) s += m(r, c);
            }
            best = std::min(best, sw.seconds());
            total = s;
        }
        return std::make_pair(best, total);
    };
    const auto [row_s, row_sum] = time_sum(true);
    const auto [col_s, col_sum] = time_sum(false);
    std::printf("== traversal order on a %zux%zu matrix (%.0f MB) ==\n", n, n, bytes / 1e6);
    std::printf("  row by row:       %7.2f ms  %6.2f GB/s  (sum %.0f)\n", row_s * 1e3, bytes / row_s / 1e9, row_sum);
    std::printf("  column by column: %7.2f ms  %6.2f GB/s  (sum %.0f)\n", col_s * 1e3, bytes / col_s / 1e9, col_sum);
    std::printf("  column order is %.1fx slower: each step jumps %zu bytes, so every float costs a\n"
                "  whole 64-byte cache line. GEMM's loop order (chapter 03) is this lesson again.\n",
                col_s / row_s, n * sizeof(float));
}

}  // namespace

int main(int argc, char** argv) {
    int n = 4096;
    hw::Cli cli("02-matrix", "hw::Matrix: memory layout, alignment, moves vs clones, operations, "
                             "and the cost of the wrong traversal order.");
    cli.option("--n", n, "size of the square matrix in the traversal-order experiment");
    cli.parse(argc, argv);
    cli.check(n >= 16 && n <= 16384, "--n must be between 16 and 16384");

    show_layout();
    show_moves_and_clones();
    show_operations();
    show_traversal_order(static_cast<std::size_t>(n));
    return 0;
}
