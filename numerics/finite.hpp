#pragma once
// Whether every value of an array is finite, without a branch per value: v * 0 is 0 for a
// finite v and NaN for an infinite one or NaN, summed in four partial sums (the residual's
// and the Jacobian's checks run on every evaluation).
#include <cmath>
#include <cstddef>

#include "core/cpu.hpp"
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace ssbsim {

#if defined(__x86_64__) && defined(__GNUC__)
// The same test eight values at a time. A sum of zeros and NaNs is NaN exactly when one
// term is, in any order: the same answer as the portable loop.
__attribute__((target("avx2"))) inline bool all_finite_avx2(const double* v, std::size_t n) {
    const __m256d zero = _mm256_setzero_pd();
    __m256d a = zero, b = zero;
    std::size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        a = _mm256_add_pd(a, _mm256_mul_pd(_mm256_loadu_pd(v + k), zero));
        b = _mm256_add_pd(b, _mm256_mul_pd(_mm256_loadu_pd(v + k + 4), zero));
    }
    double tail = 0.0;
    for (; k < n; ++k) tail += v[k] * 0.0;
    alignas(32) double lane[4];
    _mm256_store_pd(lane, _mm256_add_pd(a, b));
    return std::isfinite(((lane[0] + lane[1]) + (lane[2] + lane[3])) + tail);
}
#endif

inline bool all_finite(const double* v, std::size_t n) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (cpu_has_avx2()) return all_finite_avx2(v, n);
#endif
    double p0 = 0.0, p1 = 0.0, p2 = 0.0, p3 = 0.0;
    std::size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        p0 += v[k] * 0.0;
        p1 += v[k + 1] * 0.0;
        p2 += v[k + 2] * 0.0;
        p3 += v[k + 3] * 0.0;
    }
    for (; k < n; ++k) p0 += v[k] * 0.0;
    return std::isfinite((p0 + p1) + (p2 + p3));
}

}  // namespace ssbsim
