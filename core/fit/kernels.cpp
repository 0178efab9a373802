#include "fit/kernels.h"

#include <string_view>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define NEMOSCOPE_FIT_AVX2 1
#endif

namespace nemoscope::fit::detail::kernels {

namespace {

using Index = std::ptrdiff_t;

// Portable versions, four columns at a time so that eta (or d) is read once per four columns of X.

void multiplyAddPortable(const double* X, Index ld, Index rows, Index cols, const double* w, double* eta)
{
    Index j = 0;
    for (; j + 4 <= cols; j += 4) {
        const double* c0 = X + j * ld;
        const double* c1 = c0 + ld;
        const double* c2 = c1 + ld;
        const double* c3 = c2 + ld;
        const double w0 = w[j], w1 = w[j + 1], w2 = w[j + 2], w3 = w[j + 3];
        for (Index i = 0; i < rows; ++i)
            eta[i] += c0[i] * w0 + c1[i] * w1 + c2[i] * w2 + c3[i] * w3;
    }
    for (; j < cols; ++j) {
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

#ifdef NEMOSCOPE_FIT_AVX2

__attribute__((target("avx2,fma"))) double horizontalSum(__m256d v)
{
    const __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
}

// The AVX2 versions run over the rows in whole vectors of four; the portable versions take the rest.

__attribute__((target("avx2,fma"))) void multiplyAddAvx2(
    const double* X, Index ld, Index rows, Index cols, const double* w, double* eta)
{
    const Index vectorRows = rows & ~Index(3);
    Index j = 0;
    for (; j + 4 <= cols; j += 4) {
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
        const double* c0 = X + j * ld;
        const __m256d w0 = _mm256_set1_pd(w[j]);
        for (Index i = 0; i < vectorRows; i += 4)
            _mm256_storeu_pd(eta + i, _mm256_fmadd_pd(_mm256_loadu_pd(c0 + i), w0, _mm256_loadu_pd(eta + i)));
    }
    multiplyAddPortable(X + vectorRows, ld, rows - vectorRows, cols, w, eta + vectorRows);
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

#endif

bool processorHasAvx2()
{
#ifdef NEMOSCOPE_FIT_AVX2
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

struct Dispatch
{
    decltype(&multiplyAddPortable) multiplyAdd = multiplyAddPortable;
    decltype(&transposeMultiplyAddPortable) transposeMultiplyAdd = transposeMultiplyAddPortable;
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
            name = "avx2";
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
        best.select("avx2");
        return best;
    }();
    return chosen;
}

} // namespace

void multiplyAdd(const double* X, Index ld, Index rows, Index cols, const double* w, double* eta)
{
    dispatch().multiplyAdd(X, ld, rows, cols, w, eta);
}

void transposeMultiplyAdd(const double* X, Index ld, Index rows, Index cols, const double* d, double* g)
{
    dispatch().transposeMultiplyAdd(X, ld, rows, cols, d, g);
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
