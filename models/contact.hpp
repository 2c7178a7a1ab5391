// Contact and isolation (MODEL.md section 6): the CAM/SE contact fraction theta_p of each
// particle population of a cathode cell, lost to SE-shrinkage voids and CAM breathing, and
// the switch that isolates a population for good once its void-reduced contact falls below
// the threshold. An isolated population keeps its own shells, so its lithium is trapped
// exactly (docs/equations.md 11.5-11.6).
#pragma once

#include <algorithm>
#include <cmath>

#include "models/local_terms.hpp"
#include "numerics/dual.hpp"

namespace ssbsim {

class ContactIsolation {
public:
    explicit ContactIsolation(const CathodeGeometry& g);
    // The chemistry index of the void volume (see Interphase) and the populations' slots.
    void bind(int void_state, const PopulationSlots& slots) {
        void_ = void_state;
        slots_ = &slots;
    }
    struct Values {
        double theta = 1.0, dead = 0.0;  // contact fraction; 1 - isolation switch
    };

    // The void factor rho_v = exp(-p v / v_scale), p the stack-pressure factor.
    template <class T>
    T void_factor(const T& v_void) const {
        using std::exp;
        return exp(-v_void * (pressure_factor_ / ch_.void_scale));
    }
    // The breathing factor: contraction at the outer shell opens gaps (reversible),
    // moderated by pressure; 1 for expansion or no volume-change table.
    template <class T>
    T breathing(const T& c_outer) const;
    // Population p's isolation switch at void factor rho: 1 while its void-reduced contact
    // u_p rho is above tau (1 + band), 0 once it is below tau, a smoothstep between (steep,
    // but without the kink that stalls the integrator). rho only falls (voids only grow),
    // so isolation is irreversible; breathing does not isolate.
    template <class T>
    T connected(const T& rho, int p) const;
    // The factor on the solid conductivity, (rho beta)^m.
    template <class T>
    T conductivity_factor(const T& rho, const T& beta) const {
        using std::pow;
        // pow(x, 1) is x (and its derivative 1) exactly: skip the pow for the usual exponent.
        const double m = ch_.conductivity_exponent;
        return m == 1.0 ? rho * beta : m > 0 ? pow(rho * beta, m) : T(1.0);
    }
    // Sets theta, connected, live, area, a_contact and sigma_factor of L (constants with the chemistry
    // off). The solid conductivity reads population 0 (the best contacted).
    template <class T>
    void evaluate(Local<T>& L) const;
    // Population p's contact and isolated share at a state (observables).
    Values at(double v_void, double c_outer, int p) const;
    double initial_contact(int p) const { return theta0_[p]; }  // theta_0 u_p
    SlotMask inputs() const;       // the slots the contacts read, all populations
    SlotMask inputs(int p) const;  // the slots population p's contact reads

    // Relative width of the isolation switch: u rho from tau to tau (1 + band).
    static constexpr double kIsolationBand = 0.05;
    // Connected contact left when every population of a cell is isolated, over a.
    static constexpr double kContactFloor = 1e-10;

private:
    const CathodeGeometry& g_;
    const ChemistrySpec& ch_;
    const PopulationSlots* slots_ = nullptr;
    // The one place the stack pressure enters the contact law: 1 / (1 + P / P_ref).
    double pressure_factor_ = 1.0;
    double u_[kMaxPopulations] = {};       // initial contact of population p over theta_0
    double theta0_[kMaxPopulations] = {};  // theta_0 u_p
    int void_ = -1;
};

template <class T>
T ContactIsolation::breathing(const T& c_outer) const {
    T breath(1.0);
    if (!g_.intercalating || g_.cell.cam.volume_change.empty()) return breath;
    double dv = 0.0;
    double xo = value(c_outer) / g_.c_max;
    double rel = g_.cell.cam.volume_change(std::clamp(xo, 0.0, 1.0), &dv);
    if (xo < 0.0 || xo > 1.0) dv = 0.0;
    if (rel < 0.0) {
        T contraction = apply(c_outer, -rel, -dv / g_.c_max);
        breath = 1.0 - contraction * (ch_.breathing_coefficient * pressure_factor_);
        if (value(breath) < 0.05) breath = T(0.05);
    }
    return breath;
}

template <class T>
T ContactIsolation::connected(const T& rho, int p) const {
    const double thr = ch_.isolation_threshold;
    if (!(thr > 0.0)) return T(1.0);
    T z = (rho * (u_[p] / thr) - 1.0) * (1.0 / kIsolationBand);
    if (value(z) >= 1.0) return T(1.0);
    if (value(z) <= 0.0) return T(0.0);
    return z * z * (3.0 - 2.0 * z);
}

template <class T>
void ContactIsolation::evaluate(Local<T>& L) const {
    const int np = g_.np;
    const double a_pop = g_.a / np;  // CAM surface of one population [1/m]
    if (!g_.chem) {
        for (int p = 0; p < np; ++p) {
            L.theta[p] = L.live[p] = L.connected[p] = T(1.0);
            L.area[p] = T(a_pop);
        }
        L.a_contact = T(g_.a);
        L.sigma_factor = T(1.0);
        return;
    }
    const T rho = void_factor(L.u[s_chem + void_]);
    for (int p = 0; p < np; ++p) {
        const T beta = breathing(L.u[slots_->c_outer(p)]);
        L.theta[p] = rho * beta * theta0_[p];
        if (p == 0) L.sigma_factor = conductivity_factor(rho, beta);
        L.connected[p] = connected(rho, p);
        L.live[p] = value(L.connected[p]) == 1.0 ? L.theta[p] : L.theta[p] * L.connected[p];
        L.area[p] = a_pop * L.live[p];
        L.a_contact = p == 0 ? L.area[0] : L.a_contact + L.area[p];
    }
    // A floor far below any real contact: the passivation laws of the CAM-site reactions
    // divide by this area, which is exactly 0 once every population is isolated.
    L.a_contact = L.a_contact + kContactFloor * g_.a;
}

}  // namespace ssbsim
