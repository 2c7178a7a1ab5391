#include "numerics/vector_ops.hpp"

#include <nvector/nvector_serial.h>

#include <cmath>

namespace ssbsim {

namespace {
// Four independent partial sums: the additions of one component no longer wait for the
// previous one, and the compiler keeps the loop branch-free (a select for the mask).
template <bool Masked>
double sum_of_squares(N_Vector x, N_Vector w, N_Vector id) {
    const sunindextype n = NV_LENGTH_S(x);
    const double* xd = NV_DATA_S(x);
    const double* wd = NV_DATA_S(w);
    const double* md = Masked ? NV_DATA_S(id) : nullptr;
    auto term = [&](sunindextype i) {
        const double p = xd[i] * wd[i];
        if (Masked) return md[i] > 0.0 ? p * p : 0.0;
        return p * p;
    };
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    sunindextype i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += term(i);
        s1 += term(i + 1);
        s2 += term(i + 2);
        s3 += term(i + 3);
    }
    for (; i < n; ++i) s0 += term(i);
    return (s0 + s1) + (s2 + s3);
}
// z = c[0] x[0] + c[1] x[1] + ... in one pass over the components (SUNDIALS' serial
// version makes one pass over z per vector). The terms are added in the same order, so the
// result is the same to the bit. One or two vectors, and z among x[1...], stay SUNDIALS'
// (N_VLinearSum computes a (x + y) when a == b; z == x[i > 0] would read what it wrote).
template <int N>
void combine(sunindextype n, const double* c, const double* const* x, double* z) {
    for (sunindextype j = 0; j < n; ++j) {
        double t = c[0] * x[0][j];
        for (int i = 1; i < N; ++i) t += c[i] * x[i][j];
        z[j] = t;
    }
}

constexpr int kMaxCombined = 6;  // IDA combines at most max order + 1 = 6 vectors

int linear_combination(int nvec, realtype* c, N_Vector* X, N_Vector z) {
    if (nvec < 3 || nvec > kMaxCombined) return N_VLinearCombination_Serial(nvec, c, X, z);
    const double* x[kMaxCombined];
    for (int i = 0; i < nvec; ++i) {
        if (i > 0 && X[i] == z) return N_VLinearCombination_Serial(nvec, c, X, z);
        x[i] = NV_DATA_S(X[i]);
    }
    const sunindextype n = NV_LENGTH_S(z);
    double* zd = NV_DATA_S(z);
    switch (nvec) {
        case 3: combine<3>(n, c, x, zd); break;
        case 4: combine<4>(n, c, x, zd); break;
        case 5: combine<5>(n, c, x, zd); break;
        default: combine<6>(n, c, x, zd); break;
    }
    return 0;
}
}  // namespace

double wrms_norm(N_Vector x, N_Vector w) {
    return std::sqrt(sum_of_squares<false>(x, w, nullptr) / static_cast<double>(NV_LENGTH_S(x)));
}

double wrms_norm_mask(N_Vector x, N_Vector w, N_Vector id) {
    return std::sqrt(sum_of_squares<true>(x, w, id) / static_cast<double>(NV_LENGTH_S(x)));
}

void enable_fast_vector_ops(N_Vector v) {
    N_VEnableFusedOps_Serial(v, SUNTRUE);
    v->ops->nvwrmsnorm = wrms_norm;
    v->ops->nvwrmsnormmask = wrms_norm_mask;
    v->ops->nvlinearcombination = linear_combination;
}

}  // namespace ssbsim
