#pragma once
// Whether every value of an array is finite, without a branch per value: v * 0 is 0 for a
// finite v and NaN for an infinite one or NaN, summed in four partial sums (the residual's
// and the Jacobian's checks run on every evaluation).
#include <cmath>
#include <cstddef>

namespace ssbsim {

inline bool all_finite(const double* v, std::size_t n) {
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
