#include "fit/kernels.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define NEMOSCOPE_FIT_AVX2 1
#endif

namespace nemoscope::fit::detail::kernels {

namespace {

using Index = std::ptrdiff_t;

// Asks for the cache lines of the count doubles from address from to be brought into the core's second-level
// cache, without waiting for them. A hint only: it cannot fault, whatever the addresses, so they are computed as
// integers and may lie past the end of X.
inline void prefetchStretch(std::uintptr_t from, Index count)
{
#if defined(__GNUC__) || defined(__clang__)
    const std::uintptr_t end = from + std::uintptr_t(count) * sizeof(double);
    for (std::uintptr_t line = from & ~std::uintptr_t(63); line < end; line += 64)
        __builtin_prefetch(reinterpret_cast<const void*>(line), 0, 2);
#else
    (void)from;
    (void)count;
#endif
}

// The stretches of the next aheadRows rows (after the first rows) of columns [j, min(j + 4, cols)) of X.
inline void prefetchAhead(const double* X, Index ld, Index rows, Index j, Index cols, Index aheadRows)
{
    if (aheadRows <= 0)
        return;
    const auto base = reinterpret_cast<std::uintptr_t>(X);
    for (Index k = j; k < std::min(j + 4, cols); ++k)
        prefetchStretch(base + std::uintptr_t(k * ld + rows) * sizeof(double), aheadRows);
}

// Portable versions, four columns at a time so that eta (or d) is read once per four columns of X.

void multiplyAddPortable(
    const double* X, Index ld, Index rows, Index cols, const double* w, double* eta, Index aheadRows)
{
    Index j = 0;
    for (; j + 4 <= cols; j += 4) {
        prefetchAhead(X, ld, rows, j, cols, aheadRows);
        const double* c0 = X + j * ld;
        const double* c1 = c0 + ld;
        const double* c2 = c1 + ld;
        const double* c3 = c2 + ld;
        const double w0 = w[j], w1 = w[j + 1], w2 = w[j + 2], w3 = w[j + 3];
        for (Index i = 0; i < rows; ++i)
            eta[i] += c0[i] * w0 + c1[i] * w1 + c2[i] * w2 + c3[i] * w3;
    }
    for (; j < cols; ++j) {
        prefetchAhead(X, ld, rows, j, j + 1, aheadRows);
        const double* c0 = X + j * ld;
        for (Index i = 0; i < rows; ++i)
            eta[i] += c0[i] * w[j];
    }
}

void transposeMultiplyAddPortable(const double* X, Index ld, Index rows, Index cols, const double* d, double* g)
{
    Index j = 0;
    for (; j + 4 <= cols; j += 4) {
        const double* c0 = X + j * ld;
        const double* c1 = c0 + ld;
        const double* c2 = c1 + ld;
        const double* c3 = c2 + ld;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (Index i = 0; i < rows; ++i) {
            s0 += c0[i] * d[i];
            s1 += c1[i] * d[i];
            s2 += c2[i] * d[i];
            s3 += c3[i] * d[i];
        }
        g[j] += s0;
        g[j + 1] += s1;
        g[j + 2] += s2;
        g[j + 3] += s3;
    }
    for (; j < cols; ++j) {
        const double* c0 = X + j * ld;
        double s0 = 0;
        for (Index i = 0; i < rows; ++i)
            s0 += c0[i] * d[i];
        g[j] += s0;
    }
}

// The canonical losses element by element, as elementLoss in loss.cpp defines them.

double poissonExpLossPortable(const double* y, const double* eta, Index rows, double* deriv)
{
    double total = 0;
    for (Index i = 0; i < rows; ++i) {
        const double mu = std::exp(eta[i]);
        total += mu - y[i] * eta[i];
        if (deriv)
            deriv[i] = mu - y[i];
    }
    return total;
}

// softplus(z) = max(z, 0) + log1p(e) and sigmoid(z) = (z >= 0 ? 1 : e) / (1 + e), with e = exp(-|z|) in [0, 1].
double bernoulliLogisticLossPortable(const double* y, const double* eta, Index rows, double* deriv)
{
    double total = 0;
    for (Index i = 0; i < rows; ++i) {
        const double z = eta[i];
        const double e = std::exp(-std::abs(z));
        total += (z > 0 ? z : 0.0) + std::log1p(e) - y[i] * z;
        if (deriv)
            deriv[i] = (z >= 0 ? 1.0 : e) / (1.0 + e) - y[i];
    }
    return total;
}

#ifdef NEMOSCOPE_FIT_AVX2

__attribute__((target("avx2,fma"))) double horizontalSum(__m256d v)
{
    const __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
}

// The AVX2 versions run over the rows in whole vectors of four; the portable versions take the rest.

__attribute__((target("avx2,fma"))) void multiplyAddAvx2(
    const double* X, Index ld, Index rows, Index cols, const double* w, double* eta, Index aheadRows)
{
    const Index vectorRows = rows & ~Index(3);
    Index j = 0;
    for (; j + 4 <= cols; j += 4) {
        prefetchAhead(X, ld, rows, j, cols, aheadRows);
        const double* c0 = X + j * ld;
        const double* c1 = c0 + ld;
        const double* c2 = c1 + ld;
        const double* c3 = c2 + ld;
        const __m256d w0 = _mm256_set1_pd(w[j]);
        const __m256d w1 = _mm256_set1_pd(w[j + 1]);
        const __m256d w2 = _mm256_set1_pd(w[j + 2]);
        const __m256d w3 = _mm256_set1_pd(w[j + 3]);
        for (Index i = 0; i < vectorRows; i += 4) {
            __m256d acc = _mm256_loadu_pd(eta + i);
            acc = _mm256_fmadd_pd(_mm256_loadu_pd(c0 + i), w0, acc);
            acc = _mm256_fmadd_pd(_mm256_loadu_pd(c1 + i), w1, acc);
            acc = _mm256_fmadd_pd(_mm256_loadu_pd(c2 + i), w2, acc);
            acc = _mm256_fmadd_pd(_mm256_loadu_pd(c3 + i), w3, acc);
            _mm256_storeu_pd(eta + i, acc);
        }
    }
    for (; j < cols; ++j) {
        prefetchAhead(X, ld, rows, j, j + 1, aheadRows);
        const double* c0 = X + j * ld;
        const __m256d w0 = _mm256_set1_pd(w[j]);
        for (Index i = 0; i < vectorRows; i += 4)
            _mm256_storeu_pd(eta + i, _mm256_fmadd_pd(_mm256_loadu_pd(c0 + i), w0, _mm256_loadu_pd(eta + i)));
    }
    multiplyAddPortable(X + vectorRows, ld, rows - vectorRows, cols, w, eta + vectorRows, 0);
}

__attribute__((target("avx2,fma"))) void transposeMultiplyAddAvx2(
    const double* X, Index ld, Index rows, Index cols, const double* d, double* g)
{
    const Index vectorRows = rows & ~Index(3);
    Index j = 0;
    for (; j + 4 <= cols; j += 4) {
        const double* c0 = X + j * ld;
        const double* c1 = c0 + ld;
        const double* c2 = c1 + ld;
        const double* c3 = c2 + ld;
        __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
        __m256d s2 = _mm256_setzero_pd(), s3 = _mm256_setzero_pd();
        for (Index i = 0; i < vectorRows; i += 4) {
            const __m256d dv = _mm256_loadu_pd(d + i);
            s0 = _mm256_fmadd_pd(_mm256_loadu_pd(c0 + i), dv, s0);
            s1 = _mm256_fmadd_pd(_mm256_loadu_pd(c1 + i), dv, s1);
            s2 = _mm256_fmadd_pd(_mm256_loadu_pd(c2 + i), dv, s2);
            s3 = _mm256_fmadd_pd(_mm256_loadu_pd(c3 + i), dv, s3);
        }
        g[j] += horizontalSum(s0);
        g[j + 1] += horizontalSum(s1);
        g[j + 2] += horizontalSum(s2);
        g[j + 3] += horizontalSum(s3);
    }
    for (; j < cols; ++j) {
        const double* c0 = X + j * ld;
        __m256d s0 = _mm256_setzero_pd();
        for (Index i = 0; i < vectorRows; i += 4)
            s0 = _mm256_fmadd_pd(_mm256_loadu_pd(c0 + i), _mm256_loadu_pd(d + i), s0);
        g[j] += horizontalSum(s0);
    }
    transposeMultiplyAddPortable(X + vectorRows, ld, rows - vectorRows, cols, d + vectorRows, g);
}

// The sum of the eight lanes, through memory: GCC 12's AVX-512 reductions, extractions and shuffles trip a false
// uninitialised-use warning.
__attribute__((target("avx512f"))) double horizontalSum512(__m512d v)
{
    alignas(64) double lanes[8];
    _mm512_store_pd(lanes, v);
    return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

// AVX-512 versions of the two products, eight rows per vector; the AVX2 ones take the rows left over. Reading
// each block from memory and then from cache, they spend about a tenth less time than AVX2 in a pass.
__attribute__((target("avx512f,avx2,fma"))) void multiplyAddAvx512(
    const double* X, Index ld, Index rows, Index cols, const double* w, double* eta, Index aheadRows)
{
    const Index vectorRows = rows & ~Index(7);
    Index j = 0;
    for (; j + 4 <= cols; j += 4) {
        prefetchAhead(X, ld, rows, j, cols, aheadRows);
        const double* c0 = X + j * ld;
        const double* c1 = c0 + ld;
        const double* c2 = c1 + ld;
        const double* c3 = c2 + ld;
        const __m512d w0 = _mm512_set1_pd(w[j]);
        const __m512d w1 = _mm512_set1_pd(w[j + 1]);
        const __m512d w2 = _mm512_set1_pd(w[j + 2]);
        const __m512d w3 = _mm512_set1_pd(w[j + 3]);
        for (Index i = 0; i < vectorRows; i += 8) {
            __m512d acc = _mm512_loadu_pd(eta + i);
            acc = _mm512_fmadd_pd(_mm512_loadu_pd(c0 + i), w0, acc);
            acc = _mm512_fmadd_pd(_mm512_loadu_pd(c1 + i), w1, acc);
            acc = _mm512_fmadd_pd(_mm512_loadu_pd(c2 + i), w2, acc);
            acc = _mm512_fmadd_pd(_mm512_loadu_pd(c3 + i), w3, acc);
            _mm512_storeu_pd(eta + i, acc);
        }
    }
    for (; j < cols; ++j) {
        prefetchAhead(X, ld, rows, j, j + 1, aheadRows);
        const double* c0 = X + j * ld;
        const __m512d w0 = _mm512_set1_pd(w[j]);
        for (Index i = 0; i < vectorRows; i += 8)
            _mm512_storeu_pd(eta + i, _mm512_fmadd_pd(_mm512_loadu_pd(c0 + i), w0, _mm512_loadu_pd(eta + i)));
    }
    multiplyAddAvx2(X + vectorRows, ld, rows - vectorRows, cols, w, eta + vectorRows, 0);
}

__attribute__((target("avx512f,avx2,fma"))) void transposeMultiplyAddAvx512(
    const double* X, Index ld, Index rows, Index cols, const double* d, double* g)
{
    const Index vectorRows = rows & ~Index(7);
    Index j = 0;
    for (; j + 4 <= cols; j += 4) {
        const double* c0 = X + j * ld;
        const double* c1 = c0 + ld;
        const double* c2 = c1 + ld;
        const double* c3 = c2 + ld;
        __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
        __m512d s2 = _mm512_setzero_pd(), s3 = _mm512_setzero_pd();
        for (Index i = 0; i < vectorRows; i += 8) {
            const __m512d dv = _mm512_loadu_pd(d + i);
            s0 = _mm512_fmadd_pd(_mm512_loadu_pd(c0 + i), dv, s0);
            s1 = _mm512_fmadd_pd(_mm512_loadu_pd(c1 + i), dv, s1);
            s2 = _mm512_fmadd_pd(_mm512_loadu_pd(c2 + i), dv, s2);
            s3 = _mm512_fmadd_pd(_mm512_loadu_pd(c3 + i), dv, s3);
        }
        g[j] += horizontalSum512(s0);
        g[j + 1] += horizontalSum512(s1);
        g[j + 2] += horizontalSum512(s2);
        g[j + 3] += horizontalSum512(s3);
    }
    for (; j < cols; ++j) {
        const double* c0 = X + j * ld;
        __m512d s0 = _mm512_setzero_pd();
        for (Index i = 0; i < vectorRows; i += 8)
            s0 = _mm512_fmadd_pd(_mm512_loadu_pd(c0 + i), _mm512_loadu_pd(d + i), s0);
        g[j] += horizontalSum512(s0);
    }
    transposeMultiplyAddAvx2(X + vectorRows, ld, rows - vectorRows, cols, d + vectorRows, g);
}

// Taylor coefficients, each rounded once: 1/k! for k = 2..14 (exp), 2/(2k+1) for k = 1..11 (2 atanh).
constexpr std::array<double, 13> kExpSeries = [] {
    std::array<double, 13> c {};
    double factorial = 1;
    for (int k = 2; k <= 14; ++k) {
        factorial *= k;
        c[size_t(k - 2)] = 1.0 / factorial;
    }
    return c;
}();
constexpr std::array<double, 11> kAtanhSeries = [] {
    std::array<double, 11> c {};
    for (int k = 1; k <= 11; ++k)
        c[size_t(k - 1)] = 2.0 / (2 * k + 1);
    return c;
}();

// ln 2 as a double and the remainder.
constexpr double kLn2Hi = 0x1.62e42fefa39efp-1;
constexpr double kLn2Lo = 0x1.abc9e3b39803fp-56;

// c[0] + c[1] x + ... + c[N-1] x^(N-1), by Horner's rule.
template<size_t N> __attribute__((target("avx2,fma"))) __m256d polynomial(__m256d x, const std::array<double, N>& c)
{
    __m256d p = _mm256_set1_pd(c[N - 1]);
#pragma GCC unroll 16
    for (int k = int(N) - 2; k >= 0; --k)
        p = _mm256_fmadd_pd(p, x, _mm256_set1_pd(c[size_t(k)]));
    return p;
}

// 2^k for integral k in [-1022, 1023], through the exponent field.
__attribute__((target("avx2,fma"))) __m256d powerOfTwo(__m256d k)
{
    const __m256d biased = _mm256_add_pd(k, _mm256_set1_pd(0x1.8p52 + 1023));
    return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(biased), 52));
}

// exp of four doubles, within about 0.6 ulp (one more rounding for subnormal results); 0 below -745.2,
// +inf above 709.8, NaN for NaN. x = n ln2 + r with |r| <= ln2/2 (r carried as r + rTail), exp(r) = s + t with
// s = 1 + r rounded and t its small remainder, and 2^n applied as two factors so that each stays normal.
__attribute__((target("avx2,fma"), always_inline)) inline __m256d expAvx2(__m256d x)
{
    const __m256d one = _mm256_set1_pd(1.0);
    // min and max return their second operand when one is NaN, so that a NaN passes through.
    x = _mm256_min_pd(_mm256_set1_pd(710.0), _mm256_max_pd(_mm256_set1_pd(-746.0), x));
    const __m256d n = _mm256_round_pd(
        _mm256_mul_pd(x, _mm256_set1_pd(0x1.71547652b82fep+0)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);

    // x - n ln2Hi in one fused operation is exact (the difference fits in a double); n ln2Lo is below 2.5e-14.
    const __m256d rHi = _mm256_fnmadd_pd(n, _mm256_set1_pd(kLn2Hi), x);
    const __m256d rLo = _mm256_mul_pd(n, _mm256_set1_pd(kLn2Lo));
    const __m256d r = _mm256_sub_pd(rHi, rLo);
    const __m256d rTail = _mm256_sub_pd(_mm256_sub_pd(rHi, r), rLo);

    const __m256d s = _mm256_add_pd(one, r);
    const __m256d sTail = _mm256_add_pd(_mm256_sub_pd(one, s), r);
    __m256d t = _mm256_add_pd(_mm256_fmadd_pd(rTail, r, rTail), sTail);
    t = _mm256_fmadd_pd(_mm256_mul_pd(r, r), polynomial(r, kExpSeries), t);
    const __m256d m = _mm256_add_pd(s, t);

    const __m256d n1 = _mm256_floor_pd(_mm256_mul_pd(n, _mm256_set1_pd(0.5)));
    const __m256d n2 = _mm256_sub_pd(n, n1);
    return _mm256_mul_pd(_mm256_mul_pd(m, powerOfTwo(n1)), powerOfTwo(n2));
}

// log1p of four doubles in [0, 1], within about 0.7 ulp. log1p(e) = k ln2 + log1p(f) with k = 0 and f = e
// below 1/2, else k = 1 and f = (e - 1)/2 (exact), so that f is in [-1/4, 1/2). With s = f/(2 + f),
// log1p(f) = 2 atanh(s) = f - f^2/2 + s (f^2/2 + R(s^2)); the leading terms are summed without rounding.
__attribute__((target("avx2,fma"), always_inline)) inline __m256d log1pAvx2(__m256d e)
{
    const __m256d half = _mm256_set1_pd(0.5);
    const __m256d upper = _mm256_cmp_pd(e, half, _CMP_GE_OQ);
    const __m256d f = _mm256_blendv_pd(e, _mm256_mul_pd(_mm256_sub_pd(e, _mm256_set1_pd(1.0)), half), upper);

    const __m256d s = _mm256_div_pd(f, _mm256_add_pd(_mm256_set1_pd(2.0), f));
    const __m256d z = _mm256_mul_pd(s, s);
    const __m256d R = _mm256_mul_pd(z, polynomial(z, kAtanhSeries));

    // f - f^2/2 as a + aTail + hfsqTail, exactly.
    const __m256d hf = _mm256_mul_pd(half, f);
    const __m256d hfsq = _mm256_mul_pd(hf, f);
    const __m256d hfsqTail = _mm256_fmsub_pd(hf, f, hfsq);
    const __m256d a = _mm256_sub_pd(f, hfsq);
    const __m256d aTail = _mm256_sub_pd(_mm256_sub_pd(f, a), hfsq);
    const __m256d tail = _mm256_fmadd_pd(s, _mm256_add_pd(hfsq, R), _mm256_sub_pd(aTail, hfsqTail));

    // k ln2 + a, exactly, then the small terms.
    const __m256d kHi = _mm256_and_pd(upper, _mm256_set1_pd(kLn2Hi));
    const __m256d kLo = _mm256_and_pd(upper, _mm256_set1_pd(kLn2Lo));
    const __m256d b = _mm256_add_pd(kHi, a);
    const __m256d bTail = _mm256_add_pd(_mm256_sub_pd(kHi, b), a);
    return _mm256_add_pd(b, _mm256_add_pd(_mm256_add_pd(bTail, kLo), tail));
}

// The AVX2 loss loops compute what the portable ones do, with mu - y eta (softplus - y eta) rounded once.

__attribute__((target("avx2,fma"))) double poissonExpLossAvx2(
    const double* y, const double* eta, Index rows, double* deriv)
{
    const Index vectorRows = rows & ~Index(3);
    __m256d total = _mm256_setzero_pd();
    for (Index i = 0; i < vectorRows; i += 4) {
        const __m256d z = _mm256_loadu_pd(eta + i);
        const __m256d yv = _mm256_loadu_pd(y + i);
        const __m256d mu = expAvx2(z);
        total = _mm256_add_pd(total, _mm256_fnmadd_pd(yv, z, mu));
        if (deriv)
            _mm256_storeu_pd(deriv + i, _mm256_sub_pd(mu, yv));
    }
    return horizontalSum(total)
        + poissonExpLossPortable(
            y + vectorRows, eta + vectorRows, rows - vectorRows, deriv ? deriv + vectorRows : nullptr);
}

__attribute__((target("avx2,fma"))) double bernoulliLogisticLossAvx2(
    const double* y, const double* eta, Index rows, double* deriv)
{
    const Index vectorRows = rows & ~Index(3);
    const __m256d zero = _mm256_setzero_pd();
    const __m256d one = _mm256_set1_pd(1.0);
    const __m256d sign = _mm256_set1_pd(-0.0);
    __m256d total = zero;
    for (Index i = 0; i < vectorRows; i += 4) {
        const __m256d z = _mm256_loadu_pd(eta + i);
        const __m256d yv = _mm256_loadu_pd(y + i);
        const __m256d e = expAvx2(_mm256_or_pd(z, sign));
        const __m256d softplus = _mm256_add_pd(_mm256_max_pd(z, zero), log1pAvx2(e));
        total = _mm256_add_pd(total, _mm256_fnmadd_pd(yv, z, softplus));
        if (deriv) {
            const __m256d numerator = _mm256_blendv_pd(e, one, _mm256_cmp_pd(z, zero, _CMP_GE_OQ));
            _mm256_storeu_pd(deriv + i, _mm256_sub_pd(_mm256_div_pd(numerator, _mm256_add_pd(one, e)), yv));
        }
    }
    return horizontalSum(total)
        + bernoulliLogisticLossPortable(
            y + vectorRows, eta + vectorRows, rows - vectorRows, deriv ? deriv + vectorRows : nullptr);
}

// The Gram product of a sampled Hessian, C += (SA)^T SA (lower triangle). A chunk of rows of A is scaled and
// packed into panels of MR columns stored row by row; an MR x NR tile of C (NR divides MR) is summed over the
// chunk from two of those panels, its accumulators in registers: 12 x 4 with AVX2 (twelve of its sixteen
// registers), 16 x 8 with AVX-512 (sixteen of 32). Tiles inside the triangle add straight into C.

// Copies columns [c0, c0 + width) of [A 1] (A, then a column of ones where ones is set), row r scaled by s[r]
// (1 without s), into panel row by row: panel[r * width + k] = s[r] A[r, c0 + k], zero past the last column.
inline void packPanel(const double* A, Index lda, Index rows, Index cols, const double* s, bool ones, Index c0,
    Index width, double* panel)
{
    for (Index k = 0; k < width; ++k) {
        const Index c = c0 + k;
        if (c == cols && ones) {
            for (Index r = 0; r < rows; ++r)
                panel[r * width + k] = s ? s[r] : 1.0;
        } else if (c >= cols) {
            for (Index r = 0; r < rows; ++r)
                panel[r * width + k] = 0.0;
        } else if (s) {
            const double* column = A + c * lda;
            for (Index r = 0; r < rows; ++r)
                panel[r * width + k] = s[r] * column[r];
        } else {
            const double* column = A + c * lda;
            for (Index r = 0; r < rows; ++r)
                panel[r * width + k] = column[r];
        }
    }
}

// The loop around the tiles. Tile(pi, pj, rows, out, ldo) adds sum_r pi[r * MR + a] pj[r * MR + b] to
// out[a + b * ldo] for a < MR, b < NR.
template<Index MR, Index NR, void (*Tile)(const double*, const double*, Index, double*, Index)>
bool gramLowerAddTiled(const double* A, Index lda, Index rows, Index columnsOfA, const double* s, bool ones, double* C,
    Index ldc, std::vector<double>& workspace)
{
    static_assert(MR % NR == 0);
    const Index cols = columnsOfA + (ones ? 1 : 0);
    const Index panels = (cols + MR - 1) / MR;
    // Row chunks of about 512 KB of packed columns, which stay in a core's L2 cache.
    const Index chunk = std::max<Index>(16, std::min<Index>(rows, (Index(1) << 16) / std::max<Index>(cols, 1)));
    if (workspace.size() < size_t(chunk * MR * panels))
        workspace.resize(size_t(chunk * MR * panels));
    double* const packed = workspace.data();
    std::array<double, MR * NR> edge;
    for (Index r0 = 0; r0 < rows; r0 += chunk) {
        const Index n = std::min(chunk, rows - r0);
        for (Index p = 0; p < panels; ++p)
            packPanel(A + r0, lda, n, columnsOfA, s ? s + r0 : nullptr, ones, p * MR, MR, packed + p * chunk * MR);
        for (Index i0 = 0; i0 < cols; i0 += MR) {
            const double* pi = packed + i0 * chunk;
            for (Index j0 = 0; j0 < std::min(cols, i0 + MR); j0 += NR) {
                const double* pj = packed + (j0 / MR) * chunk * MR + j0 % MR;
                if (j0 + NR <= i0 && i0 + MR <= cols) {
                    Tile(pi, pj, n, C + i0 + j0 * ldc, ldc);
                    continue;
                }
                // On the diagonal or the last columns: only the part inside the triangle.
                edge.fill(0.0);
                Tile(pi, pj, n, edge.data(), MR);
                for (Index b = 0; b < NR && j0 + b < cols; ++b)
                    for (Index a = std::max<Index>(0, j0 + b - i0); a < MR && i0 + a < cols; ++a)
                        C[(i0 + a) + (j0 + b) * ldc] += edge[size_t(b * MR + a)];
            }
        }
    }
    return true;
}

// One 12 x 4 tile: each packed row is three vectors of four, times four broadcasts. The twelve accumulators are
// named, not an array, so that they stay in registers.
__attribute__((target("avx2,fma"))) void gramTileAvx2(
    const double* pi, const double* pj, Index rows, double* out, Index ldo)
{
    __m256d c00 = _mm256_setzero_pd(), c01 = c00, c02 = c00, c03 = c00;
    __m256d c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    __m256d c20 = c00, c21 = c00, c22 = c00, c23 = c00;
    for (Index r = 0; r < rows; ++r, pi += 12, pj += 12) {
        const __m256d x0 = _mm256_loadu_pd(pi);
        const __m256d x1 = _mm256_loadu_pd(pi + 4);
        const __m256d x2 = _mm256_loadu_pd(pi + 8);
        __m256d y = _mm256_broadcast_sd(pj);
        c00 = _mm256_fmadd_pd(x0, y, c00);
        c10 = _mm256_fmadd_pd(x1, y, c10);
        c20 = _mm256_fmadd_pd(x2, y, c20);
        y = _mm256_broadcast_sd(pj + 1);
        c01 = _mm256_fmadd_pd(x0, y, c01);
        c11 = _mm256_fmadd_pd(x1, y, c11);
        c21 = _mm256_fmadd_pd(x2, y, c21);
        y = _mm256_broadcast_sd(pj + 2);
        c02 = _mm256_fmadd_pd(x0, y, c02);
        c12 = _mm256_fmadd_pd(x1, y, c12);
        c22 = _mm256_fmadd_pd(x2, y, c22);
        y = _mm256_broadcast_sd(pj + 3);
        c03 = _mm256_fmadd_pd(x0, y, c03);
        c13 = _mm256_fmadd_pd(x1, y, c13);
        c23 = _mm256_fmadd_pd(x2, y, c23);
    }
    const __m256d sums[4][3] = { { c00, c10, c20 }, { c01, c11, c21 }, { c02, c12, c22 }, { c03, c13, c23 } };
    for (int b = 0; b < 4; ++b)
        for (int v = 0; v < 3; ++v) {
            double* o = out + b * ldo + 4 * v;
            _mm256_storeu_pd(o, _mm256_add_pd(_mm256_loadu_pd(o), sums[b][v]));
        }
}

bool gramLowerAddAvx2(const double* A, Index lda, Index rows, Index cols, const double* s, bool ones, double* C,
    Index ldc, std::vector<double>& workspace)
{
    return gramLowerAddTiled<12, 4, gramTileAvx2>(A, lda, rows, cols, s, ones, C, ldc, workspace);
}

// One 16 x 8 tile: each packed row is two vectors of eight, times eight broadcasts.
__attribute__((target("avx512f"))) void gramTileAvx512(
    const double* pi, const double* pj, Index rows, double* out, Index ldo)
{
    __m512d lo[8], hi[8];
    for (int b = 0; b < 8; ++b)
        lo[b] = hi[b] = _mm512_setzero_pd();
    for (Index r = 0; r < rows; ++r, pi += 16, pj += 16) {
        const __m512d x0 = _mm512_loadu_pd(pi);
        const __m512d x1 = _mm512_loadu_pd(pi + 8);
#pragma GCC unroll 8
        for (int b = 0; b < 8; ++b) {
            const __m512d y = _mm512_set1_pd(pj[b]);
            lo[b] = _mm512_fmadd_pd(x0, y, lo[b]);
            hi[b] = _mm512_fmadd_pd(x1, y, hi[b]);
        }
    }
    for (int b = 0; b < 8; ++b) {
        double* o = out + b * ldo;
        _mm512_storeu_pd(o, _mm512_add_pd(_mm512_loadu_pd(o), lo[b]));
        _mm512_storeu_pd(o + 8, _mm512_add_pd(_mm512_loadu_pd(o + 8), hi[b]));
    }
}

bool gramLowerAddAvx512(const double* A, Index lda, Index rows, Index cols, const double* s, bool ones, double* C,
    Index ldc, std::vector<double>& workspace)
{
    return gramLowerAddTiled<16, 8, gramTileAvx512>(A, lda, rows, cols, s, ones, C, ldc, workspace);
}

#endif

// No portable Gram kernel: Eigen's product, which the caller falls back to, is as fast without AVX2.
bool gramLowerAddNone(const double*, Index, Index, Index, const double*, bool, double*, Index, std::vector<double>&)
{
    return false;
}

bool processorHasAvx2()
{
#ifdef NEMOSCOPE_FIT_AVX2
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

bool processorHasAvx512()
{
#ifdef NEMOSCOPE_FIT_AVX2
    return processorHasAvx2() && __builtin_cpu_supports("avx512f");
#else
    return false;
#endif
}

struct Dispatch
{
    decltype(&multiplyAddPortable) multiplyAdd = multiplyAddPortable;
    decltype(&transposeMultiplyAddPortable) transposeMultiplyAdd = transposeMultiplyAddPortable;
    decltype(&poissonExpLossPortable) poissonExpLoss = poissonExpLossPortable;
    decltype(&bernoulliLogisticLossPortable) bernoulliLogisticLoss = bernoulliLogisticLossPortable;
    decltype(&gramLowerAddNone) gramLowerAdd = gramLowerAddNone;
    const char* name = "portable";

    bool select(std::string_view set)
    {
        if (set == "portable") {
            *this = Dispatch();
            return true;
        }
#ifdef NEMOSCOPE_FIT_AVX2
        if (set == "avx2" && processorHasAvx2()) {
            multiplyAdd = multiplyAddAvx2;
            transposeMultiplyAdd = transposeMultiplyAddAvx2;
            poissonExpLoss = poissonExpLossAvx2;
            bernoulliLogisticLoss = bernoulliLogisticLossAvx2;
            gramLowerAdd = gramLowerAddAvx2;
            name = "avx2";
            return true;
        }
        // AVX-512 for the products with X; the losses' loops stay on AVX2.
        if (set == "avx512" && processorHasAvx512() && select("avx2")) {
            multiplyAdd = multiplyAddAvx512;
            transposeMultiplyAdd = transposeMultiplyAddAvx512;
            gramLowerAdd = gramLowerAddAvx512;
            name = "avx512";
            return true;
        }
#endif
        return false;
    }
};

Dispatch& dispatch()
{
    static Dispatch chosen = [] {
        Dispatch best;
        if (!best.select("avx512"))
            best.select("avx2");
        return best;
    }();
    return chosen;
}

} // namespace

void multiplyAdd(const double* X, Index ld, Index rows, Index cols, const double* w, double* eta, Index aheadRows)
{
    dispatch().multiplyAdd(X, ld, rows, cols, w, eta, aheadRows);
}

void transposeMultiplyAdd(const double* X, Index ld, Index rows, Index cols, const double* d, double* g)
{
    dispatch().transposeMultiplyAdd(X, ld, rows, cols, d, g);
}

double poissonExpLoss(const double* y, const double* eta, Index rows, double* deriv)
{
    return dispatch().poissonExpLoss(y, eta, rows, deriv);
}

double bernoulliLogisticLoss(const double* y, const double* eta, Index rows, double* deriv)
{
    return dispatch().bernoulliLogisticLoss(y, eta, rows, deriv);
}

bool gramLowerAdd(const double* A, Index lda, Index rows, Index cols, const double* s, bool ones, double* C, Index ldc,
    std::vector<double>& workspace)
{
    return dispatch().gramLowerAdd(A, lda, rows, cols, s, ones, C, ldc, workspace);
}

const char* instructionSet()
{
    return dispatch().name;
}

bool useInstructionSet(std::string_view set)
{
    return dispatch().select(set);
}

} // namespace nemoscope::fit::detail::kernels
