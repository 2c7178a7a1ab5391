// Intercalation kinetics at the connected CAM/SE contact (MODEL.md section 1): the
// intercalation current j per CAM area [A/m2] (> 0 on delithiation) as an algebraic state
// per cathode cell, with Butler-Volmer kinetics and the film resistance in series,
//   j = i0(x_s) [exp(alpha_a f eta) - exp(-alpha_c f eta)],  eta = dphi - U(x_s) - j R_f,
// on the surface stoichiometry x_s extrapolated from the two outer shells. With the CAM's
// hindered relithiation on (ActiveMaterial::Relithiation, docs/equations.md 4.5.1), i0 carries
// the hindrance ((1 - x_s)^2 + x_f^2)^(p/2) more and eta loses R_ins(x_s) j_- (the insertion
// part of j). It is the
// source a_contact j of both charge balances, the particle's surface flux theta j / F and,
// with the chemistry on, the ledger's intercalation charge.
#pragma once

#include <cmath>

#include "core/constants.hpp"
#include "models/interphase.hpp"
#include "models/local_terms.hpp"
#include "numerics/dual.hpp"

namespace ssbsim {

class IntercalationKinetics {
public:
    explicit IntercalationKinetics(const CathodeGeometry& g) : g_(g) {}

    void declare(StateLayout& layout, LocalRegistry* ledger);
    int block() const { return block_; }
    int ledger() const { return l_; }
    // The film on the CAM (with the chemistry on) and its state index.
    void bind(const Interphase* film) { film_ = film; }

    void set_temperature(double T);

    template <class T>
    void evaluate(Local<T>& L) const;
    void pattern(LocalPattern& p, std::uint32_t contact) const;

private:
    // The outputs every case shares: surface flux, source, ledger.
    template <class T>
    void finish(Local<T>& L, const T& j) const;
    const CathodeGeometry& g_;
    const Interphase* film_ = nullptr;
    int block_ = -1, l_ = -1;
    double i0_scale_ = 0.0;  // i0_ref / (0.5^(alpha_a + alpha_c) h(0.5)) [A/m2]
    double f_ = 0.0;         // F / R T [1/V]
    double r_ins_ = 0.0;     // R_h(T) of the insertion resistance [ohm m2]; 0: off
};

namespace detail {
// x^ac (1 - x)^aa, with the symmetric case (the usual one) as a single square root.
template <class T>
T kinetic_powers(const T& x, double ac, double aa) {
    using std::pow;
    using std::sqrt;
    if (ac == 0.5 && aa == 0.5) return sqrt(x * (1.0 - x));
    return pow(x, ac) * pow(1.0 - x, aa);
}

// The relithiation hindrance of i0, h(x) = ((1 - x)^2 + x_f^2)^(p/2): (1 - x)^p where the
// surface has room, floored at x_f^p as it fills, so a pristine CAM (1 - x ~ 3e-4) keeps an
// exchange current to delithiate with. It multiplies both branches (i0), so the
// equilibrium stays at the OCV. p = 0: 1.
template <class T>
T relithiation_factor(const T& x, double p, double x_f) {
    using std::pow;
    if (p == 0.0) return T(1.0);
    const T y = 1.0 - x;
    return pow(y * y + x_f * x_f, 0.5 * p);
}

template <class T>
T clamp_value(const T& x, double lo, double hi) {
    if (value(x) < lo) return T(lo);
    if (value(x) > hi) return T(hi);
    return x;
}

// Insertion resistance times the insertion part of j [V]: R_ins(x_s) j_- with the switch
// s(x_s) = 1 / (1 + exp(-(x_s - x_h)/w)) and j_- = -j_eps ln(1 + exp(-j/j_eps)), a smooth,
// monotone min(j, 0) (so the kinetics residual stays monotone in j). j_eps = 1e-6 A/m2,
// four decades below a C/50 current: delithiation sees at most R_h j_eps ln 2 (~ mV).
// Far outside any cell state (drops of tens of volts, which Newton iterates may try) the
// drop saturates smoothly at kMaxDrop = 10 V, so eta stays finite.
template <class T>
T insertion_drop(const T& xs, const T& j, double r_h, double onset, double width) {
    constexpr double j_eps = 1e-6;  // [A/m2]
    const double z = value(j) / j_eps;
    const double jm = z >= 0 ? -j_eps * std::log1p(std::exp(-z)) : value(j) - j_eps * std::log1p(std::exp(z));
    const double djm = z >= 0 ? std::exp(-z) / (1.0 + std::exp(-z)) : 1.0 / (1.0 + std::exp(z));
    const double y = (value(xs) - onset) / width;
    const double sw = y >= 0 ? 1.0 / (1.0 + std::exp(-y)) : std::exp(y) / (1.0 + std::exp(y));
    // tanh saturation: 0.3 % low at a 1 V drop.
    constexpr double kMaxDrop = 10.0;  // [V]
    const T drop = r_h * apply(j, jm, djm) * apply(xs, sw, sw * (1.0 - sw) / width);
    const double th = std::tanh(value(drop) / kMaxDrop);
    return apply(drop, kMaxDrop * th, 1.0 - th * th);
}

// The kinetics residual with the insertion drop on (alpha_a = alpha_c = alpha). Where the
// drop is engaged it reaches volts, and exp(alpha f eta) would amplify every rounding error
// (and overflow far from any cell state), so there it is the inverse Butler-Volmer law
// times its slope, F_V = alpha f sqrt(j^2 + 4 i0^2) (eta_bv(j) - eta), j - j_bv to first
// order near the root; elsewhere the usual F_I = j - j_bv. Blended by the drop,
// w = 1 / (1 + exp(-(|drop| - 0.1 V) / 5 mV)) (w < 1e-8 without it): both increase with j
// through the same root and have the same sign, so F = (1 - w) F_I + w F_V has that root.
template <class T>
T insertion_kinetics(const T& j, const T& i0, const T& eta, const T& drop, double af) {
    using std::exp;
    using std::sqrt;
    const T u = eta * af;
    const double y = (std::fabs(value(drop)) - 0.1) / 0.005;
    const double wv = y >= 0 ? 1.0 / (1.0 + std::exp(-y)) : std::exp(y) / (1.0 + std::exp(y));
    const double sgn = value(drop) < 0 ? -1.0 : 1.0;
    const T f_i = std::fabs(value(u)) < 700.0 ? T(j - i0 * (exp(u) - exp(-u))) : T(0.0);
    if (wv < 1e-300) return f_i;
    const T w = apply(drop, wv, sgn * wv * (1.0 - wv) / 0.005);
    const T z = j / (2.0 * i0);
    const double zv = value(z);
    const T f_v = sqrt(j * j + 4.0 * i0 * i0) * (apply(z, std::asinh(zv), 1.0 / std::sqrt(1.0 + zv * zv)) - u);
    if (wv == 1.0) return f_v;
    return (1.0 - w) * f_i + w * f_v;
}
}  // namespace detail

template <class T>
void IntercalationKinetics::evaluate(Local<T>& L) const {
    using std::exp;
    using std::sqrt;
    const T& dphi = L.u[s_dphi];
    const T j = L.u[s_j];
    if (g_.intercalating) {
        const auto& cam = g_.cell.cam;
        const double aa = cam.alpha_a, ac = cam.alpha_c;
        T xs = (1.5 * L.u[s_c_outer] - 0.5 * L.u[s_c_inner]) / g_.c_max;
        double dU = 0.0;
        double Uv = cam.ocv(value(xs), &dU);
        T U = apply(xs, Uv, dU);
        T xi = detail::clamp_value(xs, 1e-12, 1.0 - 1e-12);
        const double p = cam.relithiation.exponent;
        T i0 = detail::kinetic_powers(xi, ac, aa) * detail::relithiation_factor(xi, p, cam.relithiation.floor) * i0_scale_;
        T Rf = T(g_.cell.film_resistance + g_.coating_resistance);
        if (film_) Rf = Rf + film_->film_resistance(L.u[s_chem + film_->film()]);
        T eta = dphi - U - j * Rf;
        if (r_ins_ > 0.0) {
            const T drop = detail::insertion_drop(xs, j, r_ins_, cam.relithiation.onset, cam.relithiation.width);
            eta = eta - drop;
            if (aa == ac) {
                L.kin = detail::insertion_kinetics(j, i0, eta, drop, aa * f_);
                return finish(L, j);
            }
        }
        T jbv = i0 * (exp(eta * (aa * f_)) - exp(eta * (-ac * f_)));
        L.kin = j - jbv;
    } else {
        L.kin = j;
    }
    finish(L, j);
}

template <class T>
void IntercalationKinetics::finish(Local<T>& L, const T& j) const {
    L.surf_flux = L.theta * j / constants::F;
    L.src = L.a_contact * j;
    if (l_ >= 0) L.q[l_] = L.a_contact * j;
}

}  // namespace ssbsim
