#include "numerics/vector_ops.hpp"

#include "core/cpu.hpp"

#include <nvector/nvector_serial.h>

#include <cmath>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

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

// The same operations compiled for AVX2 (four doubles per instruction instead of SSE2's
// two), chosen at run time. AVX2 alone, without FMA: every component sees the same
// multiplications and additions in the same order as in the serial code, so the results
// are the same to the bit (VectorOps tests).
#if defined(__x86_64__) && defined(__GNUC__)
#define SSBSIM_AVX2 __attribute__((target("avx2")))
template <int N>
SSBSIM_AVX2 void combine_avx2(sunindextype n, const double* c, const double* const* x, double* z) {
    for (sunindextype j = 0; j < n; ++j) {
        double t = c[0] * x[0][j];
        for (int i = 1; i < N; ++i) t += c[i] * x[i][j];
        z[j] = t;
    }
}

// The sums of squares of sum_of_squares, lane k of the register holding s_k.
template <bool Masked>
SSBSIM_AVX2 double sum_of_squares_avx2(N_Vector x, N_Vector w, N_Vector id) {
    const sunindextype n = NV_LENGTH_S(x);
    const double* xd = NV_DATA_S(x);
    const double* wd = NV_DATA_S(w);
    const double* md = Masked ? NV_DATA_S(id) : nullptr;
    const __m256d zero = _mm256_setzero_pd();
    __m256d s = zero;
    sunindextype i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m256d p = _mm256_mul_pd(_mm256_loadu_pd(xd + i), _mm256_loadu_pd(wd + i));
        __m256d q = _mm256_mul_pd(p, p);
        // +0.0 where id <= 0 (or NaN), as the serial select.
        if (Masked) q = _mm256_and_pd(q, _mm256_cmp_pd(_mm256_loadu_pd(md + i), zero, _CMP_GT_OQ));
        s = _mm256_add_pd(s, q);
    }
    double lane[4];
    _mm256_storeu_pd(lane, s);
    for (; i < n; ++i) {
        const double p = xd[i] * wd[i];
        lane[0] += Masked ? (md[i] > 0.0 ? p * p : 0.0) : p * p;
    }
    return (lane[0] + lane[1]) + (lane[2] + lane[3]);
}

// y += a x, as SUNDIALS' Vaxpy_Serial (a = +-1 without the multiplication).
SSBSIM_AVX2 void axpy_avx2(sunindextype n, double a, const double* x, double* y) {
    if (a == 1.0) {
        for (sunindextype i = 0; i < n; ++i) y[i] += x[i];
    } else if (a == -1.0) {
        for (sunindextype i = 0; i < n; ++i) y[i] -= x[i];
    } else {
        for (sunindextype i = 0; i < n; ++i) y[i] += a * x[i];
    }
}

// N_VLinearSum_Serial case by case (6.4.1: which operands it names x or y and whether it
// multiplies decides the rounding), each loop compiled for AVX2.
SSBSIM_AVX2 void linear_sum_avx2(realtype a, N_Vector X, realtype b, N_Vector Y, N_Vector Z) {
    const sunindextype n = NV_LENGTH_S(X);
    const double *x = NV_DATA_S(X), *y = NV_DATA_S(Y);
    double* z = NV_DATA_S(Z);
    if (b == 1.0 && Z == Y) return axpy_avx2(n, a, x, z);
    if (a == 1.0 && Z == X) return axpy_avx2(n, b, y, z);
    if (a == 1.0 && b == 1.0) {
        for (sunindextype i = 0; i < n; ++i) z[i] = x[i] + y[i];
        return;
    }
    if ((a == 1.0 && b == -1.0) || (a == -1.0 && b == 1.0)) {
        const double* v1 = a == 1.0 ? y : x;  // z = v2 - v1
        const double* v2 = a == 1.0 ? x : y;
        for (sunindextype i = 0; i < n; ++i) z[i] = v2[i] - v1[i];
        return;
    }
    if (a == 1.0 || b == 1.0) {  // z = c v1 + v2
        const double c = a == 1.0 ? b : a;
        const double* v1 = a == 1.0 ? y : x;
        const double* v2 = a == 1.0 ? x : y;
        for (sunindextype i = 0; i < n; ++i) z[i] = (c * v1[i]) + v2[i];
        return;
    }
    if (a == -1.0 || b == -1.0) {  // z = c v1 - v2
        const double c = a == -1.0 ? b : a;
        const double* v1 = a == -1.0 ? y : x;
        const double* v2 = a == -1.0 ? x : y;
        for (sunindextype i = 0; i < n; ++i) z[i] = (c * v1[i]) - v2[i];
        return;
    }
    if (a == b) {
        for (sunindextype i = 0; i < n; ++i) z[i] = a * (x[i] + y[i]);
        return;
    }
    if (a == -b) {
        for (sunindextype i = 0; i < n; ++i) z[i] = a * (x[i] - y[i]);
        return;
    }
    for (sunindextype i = 0; i < n; ++i) z[i] = (a * x[i]) + (b * y[i]);
}

// N_VScale_Serial: in place, a copy, a negation or z = c x.
SSBSIM_AVX2 void scale_avx2(realtype c, N_Vector X, N_Vector Z) {
    const sunindextype n = NV_LENGTH_S(X);
    double* z = NV_DATA_S(Z);
    if (Z == X) {
        for (sunindextype i = 0; i < n; ++i) z[i] *= c;
        return;
    }
    const double* x = NV_DATA_S(X);
    if (c == 1.0) {
        for (sunindextype i = 0; i < n; ++i) z[i] = x[i];
    } else if (c == -1.0) {
        for (sunindextype i = 0; i < n; ++i) z[i] = -x[i];
    } else {
        for (sunindextype i = 0; i < n; ++i) z[i] = c * x[i];
    }
}

SSBSIM_AVX2 void const_avx2(realtype c, N_Vector Z) {
    const sunindextype n = NV_LENGTH_S(Z);
    double* z = NV_DATA_S(Z);
    for (sunindextype i = 0; i < n; ++i) z[i] = c;
}

// N_VAbs_Serial, N_VInv_Serial, N_VProd_Serial, N_VDiv_Serial, N_VAddConst_Serial (IDA's
// error weights and step bookkeeping, once or twice per step): one operation per component,
// as there.
SSBSIM_AVX2 void abs_avx2(N_Vector X, N_Vector Z) {
    const sunindextype n = NV_LENGTH_S(X);
    const double* x = NV_DATA_S(X);
    double* z = NV_DATA_S(Z);
    for (sunindextype i = 0; i < n; ++i) z[i] = std::fabs(x[i]);
}

SSBSIM_AVX2 void inv_avx2(N_Vector X, N_Vector Z) {
    const sunindextype n = NV_LENGTH_S(X);
    const double* x = NV_DATA_S(X);
    double* z = NV_DATA_S(Z);
    for (sunindextype i = 0; i < n; ++i) z[i] = 1.0 / x[i];
}

SSBSIM_AVX2 void prod_avx2(N_Vector X, N_Vector Y, N_Vector Z) {
    const sunindextype n = NV_LENGTH_S(X);
    const double *x = NV_DATA_S(X), *y = NV_DATA_S(Y);
    double* z = NV_DATA_S(Z);
    for (sunindextype i = 0; i < n; ++i) z[i] = x[i] * y[i];
}

SSBSIM_AVX2 void div_avx2(N_Vector X, N_Vector Y, N_Vector Z) {
    const sunindextype n = NV_LENGTH_S(X);
    const double *x = NV_DATA_S(X), *y = NV_DATA_S(Y);
    double* z = NV_DATA_S(Z);
    for (sunindextype i = 0; i < n; ++i) z[i] = x[i] / y[i];
}

SSBSIM_AVX2 void add_const_avx2(N_Vector X, realtype b, N_Vector Z) {
    const sunindextype n = NV_LENGTH_S(X);
    const double* x = NV_DATA_S(X);
    double* z = NV_DATA_S(Z);
    for (sunindextype i = 0; i < n; ++i) z[i] = x[i] + b;
}

// N_VScaleVectorArray_Serial (IDA rescales its history arrays with each change of step
// size): in place X[i] *= c[i], else Z[i] = c[i] X[i]; one vector as N_VScale.
SSBSIM_AVX2 int scale_array_avx2(int nvec, realtype* c, N_Vector* X, N_Vector* Z) {
    if (nvec < 1) return -1;
    if (nvec == 1) return scale_avx2(c[0], X[0], Z[0]), 0;
    const sunindextype n = NV_LENGTH_S(Z[0]);
    for (int k = 0; k < nvec; ++k) {
        const double ck = c[k];
        double* z = NV_DATA_S(Z[k]);
        if (X == Z) {
            for (sunindextype i = 0; i < n; ++i) z[i] *= ck;
        } else {
            const double* x = NV_DATA_S(X[k]);
            for (sunindextype i = 0; i < n; ++i) z[i] = ck * x[i];
        }
    }
    return 0;
}

// N_VLinearSumVectorArray_Serial's two axpy cases (the ones IDA uses); others stay SUNDIALS'.
int linear_sum_array_avx2(int nvec, realtype a, N_Vector* X, realtype b, N_Vector* Y, N_Vector* Z) {
    if (nvec == 1) {
        linear_sum_avx2(a, X[0], b, Y[0], Z[0]);
        return 0;
    }
    const bool into_y = b == 1.0 && Z == Y, into_x = a == 1.0 && Z == X;
    if (!into_y && !into_x) return N_VLinearSumVectorArray_Serial(nvec, a, X, b, Y, Z);
    const sunindextype n = NV_LENGTH_S(Z[0]);
    for (int k = 0; k < nvec; ++k) {
        if (into_y) axpy_avx2(n, a, NV_DATA_S(X[k]), NV_DATA_S(Y[k]));
        else axpy_avx2(n, b, NV_DATA_S(Y[k]), NV_DATA_S(X[k]));
    }
    return 0;
}
#else
template <int N>
void combine_avx2(sunindextype n, const double* c, const double* const* x, double* z) {
    combine<N>(n, c, x, z);
}
#endif

bool use_avx2 = cpu_has_avx2();  // set_avx2_vector_ops(false) for comparisons

template <int N>
void combine_best(sunindextype n, const double* c, const double* const* x, double* z) {
    if (use_avx2) combine_avx2<N>(n, c, x, z);
    else combine<N>(n, c, x, z);
}

int linear_combination(int nvec, realtype* c, N_Vector* X, N_Vector z) {
#ifdef SSBSIM_AVX2
    // N_VLinearCombination_Serial hands one and two vectors to N_VScale_Serial and
    // N_VLinearSum_Serial: the same, in AVX2.
    if (use_avx2 && nvec == 1) return scale_avx2(c[0], X[0], z), 0;
    if (use_avx2 && nvec == 2) return linear_sum_avx2(c[0], X[0], c[1], X[1], z), 0;
#endif
    if (nvec < 3 || nvec > kMaxCombined) return N_VLinearCombination_Serial(nvec, c, X, z);
    const double* x[kMaxCombined];
    for (int i = 0; i < nvec; ++i) {
        if (i > 0 && X[i] == z) return N_VLinearCombination_Serial(nvec, c, X, z);
        x[i] = NV_DATA_S(X[i]);
    }
    const sunindextype n = NV_LENGTH_S(z);
    double* zd = NV_DATA_S(z);
    switch (nvec) {
        case 3: combine_best<3>(n, c, x, zd); break;
        case 4: combine_best<4>(n, c, x, zd); break;
        case 5: combine_best<5>(n, c, x, zd); break;
        default: combine_best<6>(n, c, x, zd); break;
    }
    return 0;
}
}  // namespace

double wrms_norm(N_Vector x, N_Vector w) {
#ifdef SSBSIM_AVX2
    if (use_avx2) return std::sqrt(sum_of_squares_avx2<false>(x, w, nullptr) / static_cast<double>(NV_LENGTH_S(x)));
#endif
    return std::sqrt(sum_of_squares<false>(x, w, nullptr) / static_cast<double>(NV_LENGTH_S(x)));
}

double wrms_norm_mask(N_Vector x, N_Vector w, N_Vector id) {
#ifdef SSBSIM_AVX2
    if (use_avx2) return std::sqrt(sum_of_squares_avx2<true>(x, w, id) / static_cast<double>(NV_LENGTH_S(x)));
#endif
    return std::sqrt(sum_of_squares<true>(x, w, id) / static_cast<double>(NV_LENGTH_S(x)));
}

bool set_avx2_vector_ops(bool on) {
    use_avx2 = on && cpu_has_avx2();
    return use_avx2;
}

void enable_fast_vector_ops(N_Vector v) {
    N_VEnableFusedOps_Serial(v, SUNTRUE);
    v->ops->nvwrmsnorm = wrms_norm;
    v->ops->nvwrmsnormmask = wrms_norm_mask;
    v->ops->nvlinearcombination = linear_combination;
#ifdef SSBSIM_AVX2
    if (use_avx2) {
        v->ops->nvlinearsum = linear_sum_avx2;
        v->ops->nvscale = scale_avx2;
        v->ops->nvconst = const_avx2;
        v->ops->nvlinearsumvectorarray = linear_sum_array_avx2;
        v->ops->nvscalevectorarray = scale_array_avx2;
        v->ops->nvabs = abs_avx2;
        v->ops->nvinv = inv_avx2;
        v->ops->nvprod = prod_avx2;
        v->ops->nvdiv = div_avx2;
        v->ops->nvaddconst = add_const_avx2;
    }
#endif
}

}  // namespace ssbsim
