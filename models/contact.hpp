// Contact and isolation (MODEL.md section 6): the CAM/SE contact fraction theta_c lost to
// SE-shrinkage voids and CAM breathing, the share of isolated CAM phi_dead, and the
// lithium that leaves the cycle with the isolated particles (its state, per cathode cell).
#pragma once

#include <algorithm>
#include <cmath>

#include "models/local_terms.hpp"
#include "numerics/dual.hpp"

namespace ssbsim {

class ContactIsolation {
public:
    explicit ContactIsolation(const CathodeGeometry& g);
    // The trapped-lithium state [mol/m3 electrode]; bind: the chemistry index of the void
    // volume contact() reads (see Interphase).
    void declare(LocalRegistry& r);
    void bind(int void_state) { void_ = void_state; }
    int trapped() const { return trapped_; }
    struct Values {
        double theta = 1.0, dead = 0.0;
    };

    // theta_c, phi_dead, the factor on the solid conductivity and d(phi_dead)/d(void).
    // pressure: the actual stack pressure [Pa] of a die-constrained cell (StackPressure),
    // nullptr: the set one. It acts on theta_c; isolation and the conductivity factor keep
    // the set pressure (the trapped-lithium rate follows d(phi_dead)/d(void) only).
    template <class T>
    void contact(const T& v_void, const T& c_outer, T& theta, T& phi_dead, T& sigma_factor,
                 T& dphid_dv, const T* pressure = nullptr) const;
    // The one place the stack pressure P [Pa] enters the contact: 1 / (1 + P / P_ref).
    template <class T>
    T pressure_factor(const T& P) const { return 1.0 / (1.0 + P / ch_.reference_pressure); }
    // The AD input slot of the actual stack pressure (die-constrained cells; -1: the set one).
    void bind_pressure(int slot) { pressure_slot_ = slot; }
    // Sets theta, phi_dead, dphid_dv, a_contact and sigma_factor of L (constants with the
    // chemistry off).
    template <class T>
    void evaluate(Local<T>& L) const;
    // The trapped-lithium rate; after the reactions.
    template <class T>
    void evaluate_trapped(Local<T>& L) const;
    std::uint32_t inputs() const;  // the slots contact() reads
    void pattern(LocalPattern& p) const { p.rate[trapped_] = chem_bit(void_); }
    void tolerances(const ChemistryRows& rows, double s, double* atol) const;

private:
    const CathodeGeometry& g_;
    const ChemistrySpec& ch_;
    double pressure_factor_ = 1.0;  // at the set pressure
    int trapped_ = -1, void_ = -1, pressure_slot_ = -1;
};

template <class T>
void ContactIsolation::contact(const T& v_void, const T& c_outer, T& theta, T& phi_dead,
                               T& sigma_factor, T& dphid_dv, const T* pressure) const {
    using std::exp;
    using std::pow;
    const ChemistrySpec& ch = ch_;
    if (!g_.chem) {
        theta = T(1.0);
        phi_dead = T(0.0);
        sigma_factor = T(1.0);
        dphid_dv = T(0.0);
        return;
    }
    const double p = pressure_factor_;
    // Voids from SE shrinkage at CAM-adjacent sites, partly closed by stack pressure.
    T ratio = exp(-v_void * (p / ch.void_scale));
    // CAM breathing: contraction opens gaps (reversible), moderated by pressure.
    T breath(1.0), contraction(0.0);
    if (g_.intercalating && !g_.cell.cam.volume_change.empty()) {
        double dv = 0.0;
        double xo = value(c_outer) / g_.c_max;
        double rel = g_.cell.cam.volume_change(std::clamp(xo, 0.0, 1.0), &dv);
        if (xo < 0.0 || xo > 1.0) dv = 0.0;
        if (rel < 0.0) {
            contraction = apply(c_outer, -rel, -dv / g_.c_max);
            breath = 1.0 - contraction * (ch.breathing_coefficient * p);
            if (value(breath) < 0.05) breath = T(0.05);
        }
    }
    theta = ratio * breath * ch.contact_initial;
    if (pressure) {
        // The same voids and gaps, closed by the actual pressure.
        const T pa = pressure_factor(*pressure);
        T breath_a = 1.0 - contraction * (ch.breathing_coefficient * pa);
        if (value(breath_a) < 0.05) breath_a = T(0.05);
        theta = exp(-v_void * (pa / ch.void_scale)) * breath_a * ch.contact_initial;
    }
    // Particles start with contacts spread over theta_0 (1 -+ w); those whose contact falls
    // below the threshold are isolated for good (voids only grow). The distribution is the
    // smoothstep of the uniform one, so the dead fraction and its rate stay continuous
    // (a kinked clamp stalls the integrator when the last particles die).
    const double w = ch.heterogeneity, thr = ch.isolation_threshold;
    T z = (thr / ratio - (1.0 - w)) / (2.0 * w);
    if (value(z) <= 0.0) {
        phi_dead = T(0.0);
        dphid_dv = T(0.0);
    } else if (value(z) >= 1.0) {
        phi_dead = T(ch.max_isolated);
        dphid_dv = T(0.0);
    } else {
        // Scaled by the largest isolated share: the relative loss rate of the connected
        // inventory, phi'/(1 - phi), would diverge as the last particles die.
        phi_dead = ch.max_isolated * z * z * (3.0 - 2.0 * z);
        dphid_dv = ch.max_isolated * 6.0 * z * (1.0 - z) * (thr / (2.0 * w)) * (p / ch.void_scale) / ratio;
    }
    // pow(x, 1) is x (and its derivative 1) exactly: skip the pow for the usual exponent.
    const double m = ch.conductivity_exponent;
    sigma_factor = m == 1.0 ? ratio * breath : m > 0 ? pow(ratio * breath, m) : T(1.0);
}

template <class T>
void ContactIsolation::evaluate(Local<T>& L) const {
    if (g_.chem) {
        contact(L.u[s_chem + void_], L.u[s_c_outer], L.theta, L.phi_dead, L.sigma_factor, L.dphid_dv,
                pressure_slot_ >= 0 ? &L.u[pressure_slot_] : nullptr);
    } else {
        L.theta = T(1.0);
        L.phi_dead = T(0.0);
        L.sigma_factor = T(1.0);
        L.dphid_dv = T(0.0);
    }
    L.a_contact = g_.a * (1.0 - L.phi_dead) * L.theta;
}

template <class T>
void ContactIsolation::evaluate_trapped(Local<T>& L) const {
    if (!(g_.a > 0.0)) return;
    // Lithium leaves with particles as they are isolated.
    const double eps = g_.cell.eps_cam;
    L.rate[trapped_] = eps * L.c_mean * L.dphid_dv * L.void_rate;
    L.trapped_per_c_mean = eps * value(L.dphid_dv) * L.void_rate;
    L.trapped_per_void_rate = eps * L.c_mean * value(L.dphid_dv);
}

}  // namespace ssbsim
