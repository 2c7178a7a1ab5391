// Intercalation kinetics at the connected CAM/SE contact (MODEL.md section 1): the
// intercalation current j per CAM area [A/m2] (> 0 on delithiation) as an algebraic state
// per cathode cell, with Butler-Volmer kinetics and the film resistance in series,
//   j = i0(x_s) [exp(alpha_a f eta) - exp(-alpha_c f eta)],  eta = dphi - U(x_s) - j R_f,
// on the surface stoichiometry x_s extrapolated from the two outer shells. It is the
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
    const CathodeGeometry& g_;
    const Interphase* film_ = nullptr;
    int block_ = -1, l_ = -1;
    double i0_scale_ = 0.0;  // i0_ref / 0.5^(alpha_a + alpha_c) [A/m2]
    double f_ = 0.0;         // F / R T [1/V]
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

template <class T>
T clamp_value(const T& x, double lo, double hi) {
    if (value(x) < lo) return T(lo);
    if (value(x) > hi) return T(hi);
    return x;
}
}  // namespace detail

template <class T>
void IntercalationKinetics::evaluate(Local<T>& L) const {
    using std::exp;
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
        T i0 = detail::kinetic_powers(xi, ac, aa) * i0_scale_;
        T Rf = T(g_.cell.film_resistance + g_.coating_resistance);
        if (film_) Rf = Rf + film_->film_resistance(L.u[s_chem + film_->film()]);
        T eta = dphi - U - j * Rf;
        T jbv = i0 * (exp(eta * (aa * f_)) - exp(eta * (-ac * f_)));
        L.kin = j - jbv;
    } else {
        L.kin = j;
    }
    L.surf_flux = L.theta * j / constants::F;
    L.src = L.a_contact * j;
    if (l_ >= 0) L.q[l_] = L.a_contact * j;
}

}  // namespace ssbsim
