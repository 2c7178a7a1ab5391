// Intercalation kinetics at the connected CAM/SE contact (MODEL.md section 1): the
// intercalation current j_p per CAM area [A/m2] (> 0 on delithiation) as an algebraic state
// per particle population p of a cathode cell, with Butler-Volmer kinetics and the film
// resistance in series,
//   j = i0(x_s) [exp(alpha_a f eta) - exp(-alpha_c f eta)],  eta = dphi - U(x_s) - j R_f,
// on the population's surface stoichiometry x_s extrapolated from its two outer shells.
// sum_p a_p j_p is the source of both charge balances and, with the chemistry on, the
// ledger's intercalation charge; theta_p s_p j_p / F the population's surface flux.
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

    // Every population's kinetics residual, surface flux and source (first in src).
    template <class T>
    void evaluate(Local<T>& L) const;
    // contact: the slots every contact reads; per population the kinetics read its own.
    void pattern(LocalPattern& p, const PopulationSlots& slots, SlotMask contact,
                 const SlotMask* contact_of) const;

private:
    template <class T>
    void evaluate_population(Local<T>& L, int p) const;
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
    for (int p = 0; p < g_.np; ++p) evaluate_population(L, p);
}

// Population p: its own current, surface stoichiometry and connected area; the film and
// the potential difference are the cell's.
template <class T>
void IntercalationKinetics::evaluate_population(Local<T>& L, int p) const {
    using std::exp;
    const T& dphi = L.u[s_dphi];
    const T j = L.u[L.pop->j(p)];
    if (g_.intercalating) {
        const auto& cam = g_.cell.cam;
        const double aa = cam.alpha_a, ac = cam.alpha_c;
        T xs = (1.5 * L.u[L.pop->c_outer(p)] - 0.5 * L.u[L.pop->c_inner(p)]) / g_.c_max;
        double dU = 0.0;
        double Uv = cam.ocv(value(xs), &dU);
        T U = apply(xs, Uv, dU);
        T xi = detail::clamp_value(xs, 1e-12, 1.0 - 1e-12);
        T i0 = detail::kinetic_powers(xi, ac, aa) * i0_scale_;
        T Rf = T(g_.cell.film_resistance + g_.coating_resistance);
        if (film_) Rf = Rf + film_->film_resistance(L.u[s_chem + film_->film()]);
        T eta = dphi - U - j * Rf;
        T jbv = i0 * (exp(eta * (aa * f_)) - exp(eta * (-ac * f_)));
        // An isolated population carries no current: j_p = s_p jbv goes to 0 with its
        // area (s_p = 1 while connected: the plain Butler-Volmer residual).
        const T& s = L.connected[p];
        L.kin[p] = value(s) == 1.0 ? j - jbv : j - s * jbv;
    } else {
        L.kin[p] = j;
    }
    // Only the connected contact passes lithium: an isolated population keeps its own.
    L.surf_flux[p] = L.live[p] * j / constants::F;
    const T src = L.area[p] * j;
    L.src = p == 0 ? src : L.src + src;
    if (l_ >= 0) L.q[l_] = p == 0 ? src : L.q[l_] + src;
}

}  // namespace ssbsim
