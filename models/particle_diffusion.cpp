#include "models/particle_diffusion.hpp"

#include "core/cpu.hpp"

#include <cmath>
#include <string>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace ssbsim {

ParticleDiffusion::ParticleDiffusion(const CathodeGeometry& g) : g_(g) {
    const int nr = g_.nr;
    dr_ = g_.cell.particle_radius / nr;
    rf2_.resize(nr);
    vol_.resize(nr);
    shell_weight_.resize(nr);
    const double Rp3 = std::pow(g_.cell.particle_radius, 3);
    for (int i = 0; i < nr; ++i) {
        double ro = (i + 1) * dr_, ri = i * dr_;
        rf2_[i] = ro * ro;
        vol_[i] = (ro * ro * ro - ri * ri * ri) / 3.0;
        shell_weight_[i] = (ro * ro * ro - ri * ri * ri) / Rp3;
    }
    // The residual's per-face and per-shell factors, so that its loop multiplies only.
    face_coef_.resize(nr);
    inv_vol_.resize(nr);
    for (int i = 0; i < nr; ++i) {
        face_coef_[i] = rf2_[i] / dr_;
        inv_vol_[i] = 1.0 / vol_[i];
    }
    table_scale_ = 0.5 * kPropertyTablePoints / g_.c_max;
}

void ParticleDiffusion::declare(StateLayout& layout) {
    StateLayout::BlockSpec b;
    b.name = "c_s";
    b.region = StateLayout::Region::cathode_cells;
    b.components = g_.nr * g_.np;
    b.component_label = "shell";
    if (g_.np > 1)
        for (int p = 0; p < g_.np; ++p)
            for (int i = 0; i < g_.nr; ++i)
                b.component_names.push_back("c_s[pop " + std::to_string(p) + ", shell " + std::to_string(i) + "]");
    b.differential = true;
    block_ = layout.add(b);
}

// base * 10^factor(x) on a uniform grid x = k / n. The factor is piecewise linear, so
// inside a segment each grid step multiplies by a constant ratio: one pow per segment.
// A run of such steps starts at each knot crossed and at each point at or beyond the
// table's ends (each computed alone there); a run from a knot takes the slope of the
// segment to its right (Table1D's at the knot), the first knot's too. (Until 2026-12-03 a
// run from the first knot had ratio 1: the first segment stayed flat at its left value,
// LiNiO2's diffusivity 10^-0.5 instead of rising to 10^-0.3 over x in [0, 0.1], NMC83's 1
// instead of falling to 10^-0.11 over [0, 0.28].) Each run is an inner loop that only
// tests x (~40 instructions a point saved, 1.3 M of a fresh run's start for its two tables).
void ParticleDiffusion::fill_log_table(const Table1D& factor, double base, std::vector<double>& out) {
    if (factor.empty()) {
        out.clear();
        return;
    }
    constexpr int n = kPropertyTablePoints;
    out.resize(n + 1);
    const auto& kx = factor.x();
    const double front = kx.front(), back = kx.back();
    size_t seg = 0;
    for (int k = 0; k <= n;) {
        double x = static_cast<double>(k) / n;
        while (seg + 1 < kx.size() && x >= kx[seg + 1]) ++seg;
        double value = base * std::pow(10.0, factor(x));
        double slope = 0.0;
        factor(x, &slope);
        const double ratio = std::pow(10.0, slope / n);
        out[k] = value;
        const double next = seg + 1 < kx.size() ? kx[seg + 1] : back;
        for (++k; k <= n; ++k) {
            x = static_cast<double>(k) / n;
            if (x >= next || x <= front || x >= back) break;
            value *= ratio;
            out[k] = value;
        }
    }
}

namespace {
// A uniform table t as the pairs (t_k, t_{k+1} - t_k) the AVX2 face fluxes read.
void slope_pairs(const std::vector<double>& t, std::vector<double>& pairs) {
    pairs.clear();
    for (std::size_t k = 0; k + 1 < t.size(); ++k) pairs.insert(pairs.end(), {t[k], t[k + 1] - t[k]});
}
}  // namespace

void ParticleDiffusion::set_temperature(double T) {
    D_ref_ = g_.intercalating ? g_.cell.cam.diffusivity.at(T) : 0.0;
    fill_log_table(g_.intercalating ? g_.cell.cam.diffusivity_log10_factor : Table1D(), D_ref_, D_table_);
    slope_pairs(D_table_, D_pairs_);
}


namespace {
// Shells per particle up to which the residual's fluxes go through a stack buffer.
constexpr int kMaxBufferedShells = 255;

// The face fluxes q_i = face_i D((c_i + c_{i+1}) scale) (c_{i+1} - c_i) of one particle into
// q[1 .. nf] (q[0] = 0, the centre): D_s from the uniform table t of n + 1 points,
// interpolate_uniform's arithmetic. Each face is independent, so four at a time.
void face_fluxes(const double* c, int nf, const double* face, const double* t, int n, double scale,
                 double* q) {
    for (int i = 0; i < nf; ++i) {
        double u = (c[i] + c[i + 1]) * scale;
        u = !(u > 0.0) ? 0.0 : (u > n ? n : u);  // NaN too: see interpolate_uniform
        int k = static_cast<int>(u);
        if (k == n) k = n - 1;
        const double D = t[k] + (t[k + 1] - t[k]) * (u - k);
        q[i + 1] = face[i] * D * (c[i + 1] - c[i]);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
// Four faces from face i: the last one to three by masked loads and stores (lanes past the
// end read 0: a face at u = 0, computed and not stored), the others by plain ones (a masked
// store is microcoded on AMD's cores: the masked loads and stores took ~25 % of the
// loop's samples, perf 2026-12-04).
template <bool Masked>
__attribute__((target("avx2"), always_inline)) inline void face_fluxes4(const double* c, int i, int nf, const double* face,
                                                                        const double* pairs, __m256d vscale, __m256d vn,
                                                                        __m128i last, double* q) {
    const __m256d zero = _mm256_setzero_pd();
    __m256d c0, c1, f;
    __m256i on;
    if constexpr (Masked) {
        on = _mm256_cmpgt_epi64(_mm256_set1_epi64x(nf - i), _mm256_setr_epi64x(0, 1, 2, 3));  // lane < nf - i
        c0 = _mm256_maskload_pd(c + i, on), c1 = _mm256_maskload_pd(c + i + 1, on), f = _mm256_maskload_pd(face + i, on);
    } else {
        c0 = _mm256_loadu_pd(c + i), c1 = _mm256_loadu_pd(c + i + 1), f = _mm256_loadu_pd(face + i);
    }
    __m256d u = _mm256_mul_pd(_mm256_add_pd(c0, c1), vscale);
    u = _mm256_and_pd(u, _mm256_cmp_pd(u, zero, _CMP_GT_OQ));  // !(u > 0) (NaN too) -> 0
    u = _mm256_min_pd(u, vn);                                    // u > n ? n : u
    const __m128i k = _mm_min_epi32(_mm256_cvttpd_epi32(u), last);
    alignas(16) int kk[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(kk), k);
    // Lanes (0, 2) and (1, 3) side by side, so the unpacks give lanes 0-3 in order.
    const __m256d p02 = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(pairs + 2 * kk[0])),
                                             _mm_loadu_pd(pairs + 2 * kk[2]), 1);
    const __m256d p13 = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(pairs + 2 * kk[1])),
                                             _mm_loadu_pd(pairs + 2 * kk[3]), 1);
    const __m256d t0 = _mm256_unpacklo_pd(p02, p13), slope = _mm256_unpackhi_pd(p02, p13);
    const __m256d D = _mm256_add_pd(t0, _mm256_mul_pd(slope, _mm256_sub_pd(u, _mm256_cvtepi32_pd(k))));
    const __m256d flux = _mm256_mul_pd(_mm256_mul_pd(f, D), _mm256_sub_pd(c1, c0));
    if constexpr (Masked) _mm256_maskstore_pd(q + i + 1, on, flux);
    else _mm256_storeu_pd(q + i + 1, flux);
}

// The same operations in AVX2 (without FMA, so the same roundings: the same fluxes to the
// bit). ~8 % of the intercalation analogue's solve was the scalar loop (perf, 2026-12-02).
// The table comes as pairs (D_k, D_{k+1} - D_k), one 16-byte load per lane: AVX2's gathers
// cost ~0.2 us each on this machine (the Gather Data Sampling mitigation). Not a tail call
// into SSE code from here: GCC 12 then jumps without the vzeroupper it owes, and the SSE
// code after it (exp() above all) ran 2-10x slower on the dirty upper halves.
__attribute__((target("avx2"))) void face_fluxes_avx2(const double* c, int nf, const double* face,
                                                       const double* pairs, int n, double scale, double* q) {
    const __m256d vscale = _mm256_set1_pd(scale), vn = _mm256_set1_pd(n);
    const __m128i last = _mm_set1_epi32(n - 1);
    int i = 0;
    for (; i + 4 <= nf; i += 4) face_fluxes4<false>(c, i, nf, face, pairs, vscale, vn, last, q);
    if (i < nf) face_fluxes4<true>(c, i, nf, face, pairs, vscale, vn, last, q);
    _mm256_zeroupper();
}

// The shell balances F_i = c'_i - (q_{i+1} - q_i) / V_i four shells at a time: the same
// operations without FMA, so the same values to the bit (the rest one at a time, also
// without FMA: target avx2 does not enable it).
__attribute__((target("avx2"))) void shell_balances_avx2(const double* cp, const double* q, const double* inv_vol,
                                                         int nr, double* F) {
    int i = 0;
    for (; i + 4 <= nr; i += 4) {
        const __m256d dq = _mm256_sub_pd(_mm256_loadu_pd(q + i + 1), _mm256_loadu_pd(q + i));
        _mm256_storeu_pd(F + i, _mm256_sub_pd(_mm256_loadu_pd(cp + i), _mm256_mul_pd(dq, _mm256_loadu_pd(inv_vol + i))));
    }
    for (; i < nr; ++i) F[i] = cp[i] - (q[i + 1] - q[i]) * inv_vol[i];
    _mm256_zeroupper();
}

const bool kAvx2 = cpu_has_avx2();
#endif
}  // namespace

void particle_face_fluxes(const double* c, int nf, const double* face, const std::vector<double>& table,
                          double scale, double* q, bool avx2) {
    const int n = static_cast<int>(table.size()) - 1;
#if defined(__x86_64__) && defined(__GNUC__)
    if (avx2 && kAvx2) {
        std::vector<double> pairs;
        slope_pairs(table, pairs);
        face_fluxes_avx2(c, nf, face, pairs.data(), n, scale, q);
        return;
    }
#endif
    (void)avx2;
    face_fluxes(c, nf, face, table.data(), n, scale, q);
}

void ParticleDiffusion::residual(int m, int p, const double* y, const double* yp, double surf_flux,
                                 double* F) const {
    const int first = index(m, p, 0), nr = g_.nr;
    const double* c = y + first;
    const double* cp = yp + first;
    double* Fc = F + first;
    const double* face = face_coef_.data();
    const double* inv_vol = inv_vol_.data();
    if (D_table_.empty() || nr > kMaxBufferedShells) {
        double q_in = 0.0;
        const double* t = D_table_.data();
        const int n = static_cast<int>(D_table_.size()) - 1;
        for (int i = 0; i + 1 < nr; ++i) {
            double q_out;
            if (D_table_.empty()) {
                q_out = face[i] * D_ref_ * (c[i + 1] - c[i]);
            } else {
                double qi[2];
                face_fluxes(c + i, 1, face + i, t, n, table_scale_, qi);
                q_out = qi[1];
            }
            Fc[i] = cp[i] - (q_out - q_in) * inv_vol[i];
            q_in = q_out;
        }
        const double q_out = -rf2_[nr - 1] * surf_flux;  // the outer face carries the interfacial flux
        Fc[nr - 1] = cp[nr - 1] - (q_out - q_in) * inv_vol[nr - 1];
        return;
    }
    // The flux through every face first (q[i + 1] out of shell i), then the balances: F may
    // alias nothing the fluxes read, and both loops run four shells at a time.
    double q[kMaxBufferedShells + 1];
    q[0] = 0.0;
    const int n = static_cast<int>(D_table_.size()) - 1;
#if defined(__x86_64__) && defined(__GNUC__)
    if (kAvx2) {
        face_fluxes_avx2(c, nr - 1, face, D_pairs_.data(), n, table_scale_, q);
        q[nr] = -rf2_[nr - 1] * surf_flux;  // the outer face carries the interfacial flux
        shell_balances_avx2(cp, q, inv_vol, nr, Fc);
        return;
    }
#endif
    face_fluxes(c, nr - 1, face, D_table_.data(), n, table_scale_, q);
    q[nr] = -rf2_[nr - 1] * surf_flux;  // the outer face carries the interfacial flux
    for (int i = 0; i < nr; ++i) Fc[i] = cp[i] - (q[i + 1] - q[i]) * inv_vol[i];
}

// Each entry is emitted once, its terms summed here in the order the assembler summed them
// when every face emitted its four entries (shell i's diagonal: face i - 1's term, cj, face
// i's term): three entries per shell instead of five, and multiplications by the
// precomputed factors instead of five divisions per face (the same matrix to round-off).
void ParticleDiffusion::jacobian(int m, int p, const double* y, JacobianAssembler& J) const {
    const int first = index(m, p, 0), nr = g_.nr;
    const double* c = y + first;
    double from_inner = 0.0, lower = 0.0;  // face i - 1's terms in shell i's row
    const double half_inv_cmax = 0.5 / g_.c_max;
    for (int i = 0; i < nr; ++i) {
        const int row = first + i;
        double diag = i > 0 ? from_inner : 0.0;  // + cj: the mass entry
        if (i + 1 < nr) {
            double dD = 0.0;
            double D = Ds((c[i] + c[i + 1]) * half_inv_cmax, &dD);
            double dDdc = dD * half_inv_cmax;
            double gr = c[i + 1] - c[i];
            double dq_dci = face_coef_[i] * (-D + dDdc * gr);  // face_coef_ = rf2 / dr, the same quotient
            double dq_dcn = face_coef_[i] * (D + dDdc * gr);
            // Times 1 / vol (the residual's factors): the same entries to round-off.
            diag = diag + -dq_dci * inv_vol_[i];
            J.add(row, row, diag, 1.0);
            J.add(row, row + 1, -dq_dcn * inv_vol_[i]);
            if (i > 0) J.add(row, row - 1, lower);
            from_inner = dq_dcn * inv_vol_[i + 1];
            lower = dq_dci * inv_vol_[i + 1];
        } else {
            J.add(row, row, diag, 1.0);
            if (i > 0) J.add(row, row - 1, lower);
        }
    }
}

double ParticleDiffusion::mean_concentration(const double* y, int m, int p) const {
    double s = 0.0;
    for (int i = 0; i < g_.nr; ++i) s += shell_weight_[i] * y[index(m, p, i)];
    return s;
}

double ParticleDiffusion::mean_concentration(const double* y, int m) const {
    if (g_.np == 1) return mean_concentration(y, m, 0);
    double s = 0.0;
    for (int p = 0; p < g_.np; ++p) s += mean_concentration(y, m, p);
    return s / g_.np;
}

double ParticleDiffusion::surface_stoichiometry(const double* y, int m, int p) const {
    return (1.5 * y[index(m, p, g_.nr - 1)] - 0.5 * y[index(m, p, g_.nr - 2)]) / g_.c_max;
}

double ParticleDiffusion::surface_stoichiometry(const double* y, int m) const {
    if (g_.np == 1) return surface_stoichiometry(y, m, 0);
    double s = 0.0;
    for (int p = 0; p < g_.np; ++p) s += surface_stoichiometry(y, m, p);
    return s / g_.np;
}

void ParticleDiffusion::tolerances(double s, double* atol) const {
    const double c_scale = g_.intercalating ? g_.c_max : 1.0;
    for (int m = 0; m < g_.nc; ++m)
        for (int i = 0; i < g_.nr * g_.np; ++i) atol[index(m, i)] = s * c_scale;
}

}  // namespace ssbsim
