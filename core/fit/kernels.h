#pragma once

// The inner loops of a pass over a block of column-major X, on raw pointers: the products with X and the
// elementwise losses of the canonical pairs. kernels.cpp holds a portable version and, selected at run time
// when the processor has them, AVX2/FMA versions and AVX-512 products; it includes no Eigen, so that no inline
// template compiled for AVX2 can leak into code that runs on any x86-64.

#include <cstddef>
#include <string_view>
#include <vector>

namespace nemoscope::fit::detail::kernels {

// eta[i] += sum_j X[i + j ld] w[j], for i < rows and j < cols. Where aheadRows is positive, it also asks the
// cache for the next aheadRows rows of each column (X[i + j ld] for rows <= i < rows + aheadRows) as it goes, so
// that a pass over X by consecutive blocks of rows finds each block's short column stretches already on their
// way: without it, each stretch starts with a wait on memory.
void multiplyAdd(const double* X, std::ptrdiff_t ld, std::ptrdiff_t rows, std::ptrdiff_t cols, const double* w,
    double* eta, std::ptrdiff_t aheadRows = 0);

// g[j] += sum_i X[i + j ld] d[i], for i < rows and j < cols.
void transposeMultiplyAdd(
    const double* X, std::ptrdiff_t ld, std::ptrdiff_t rows, std::ptrdiff_t cols, const double* d, double* g);

// Poisson observations with the exp link: the sum over i < rows of exp(eta[i]) - y[i] eta[i], and, when
// deriv is given, deriv[i] = exp(eta[i]) - y[i]. +inf once exp overflows (eta above about 709.78).
double poissonExpLoss(const double* y, const double* eta, std::ptrdiff_t rows, double* deriv);

// Bernoulli observations with the logistic link: the sum of softplus(eta[i]) - y[i] eta[i], and, when deriv
// is given, deriv[i] = sigmoid(eta[i]) - y[i]. Both come from e = exp(-|eta|), which cannot overflow.
double bernoulliLogisticLoss(const double* y, const double* eta, std::ptrdiff_t rows, double* deriv);

// The lower triangle of B^T B added to C (C[i + j ldc] for j <= i), where B = S [A 1]: A of rows x cols
// (column-major), followed by a column of ones when ones is set (C is then cols + 1 square), each row r scaled by
// s[r] (unscaled when s is null). False, and C untouched, where the instruction set has no kernel for it (the
// caller's own product is then as fast). workspace holds the packed copy of B (about 512 KB); a caller that keeps
// it from one call to the next spares the allocation and the first touch of its pages.
bool gramLowerAdd(const double* A, std::ptrdiff_t lda, std::ptrdiff_t rows, std::ptrdiff_t cols, const double* s,
    bool ones, double* C, std::ptrdiff_t ldc, std::vector<double>& workspace);

// "avx512" (AVX-512 products, the losses' AVX2 loops), "avx2" or "portable": what the functions above run on
// this processor.
const char* instructionSet();

// Switches all the functions above to "portable", "avx2" or "avx512" (so that tests can compare them); false,
// and nothing changes, when the processor lacks the set. Not thread-safe: call it while no fit runs.
bool useInstructionSet(std::string_view set);

} // namespace nemoscope::fit::detail::kernels
