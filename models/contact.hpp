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
    // The chemistry index of population 0's particle-fracture damage (models/particle_fracture.hpp;
    // population p: + p), -1 without: theta_p and its isolation argument carry (1 - D_p).
    void bind_damage(int damage_state) { damage_ = damage_state; }
    struct Values {
        double theta = 1.0, dead = 0.0;  // contact fraction; 1 - isolation switch
    };

    // The void factor rho_v = exp(-p v / v_scale), p the stack-pressure factor (of the set
    // pressure without pf; pf = pressure_factor(P) of a die-constrained cell's actual P).
    template <class T>
    T void_factor(const T& v_void) const { return void_factor(v_void, pressure_factor_); }
    template <class T, class F>
    T void_factor(const T& v_void, const F& pf) const {
        using std::exp;
        return exp(-v_void * (pf / ch_.void_scale));
    }
    // The breathing factor: contraction at the outer shell opens gaps (reversible),
    // moderated by pressure (pf as in void_factor); 1 for expansion or no volume-change table.
    template <class T>
    T breathing(const T& c_outer) const { return breathing(c_outer, pressure_factor_); }
    template <class T, class F>
    T breathing(const T& c_outer, const F& pf) const;
    // The one place the stack pressure P [Pa] enters the contact: 1 / (1 + P / P_ref).
    template <class T>
    T pressure_factor(const T& P) const { return 1.0 / (1.0 + P / ch_.reference_pressure); }
    // The AD input slot of the actual stack pressure (die-constrained cells; -1: the set one).
    // It acts on theta_p (void and breathing factors); isolation and the conductivity factor
    // keep the set pressure, so isolation stays irreversible (the voids only grow).
    void bind_pressure(int slot) { pressure_slot_ = slot; }
    // Population p's isolation switch at void factor rho: 1 while its void-reduced contact
    // u_p rho is above tau (1 + band), 0 once it is below tau, a smoothstep between (steep,
    // but without the kink that stalls the integrator). rho only falls (voids only grow),
    // so isolation is irreversible; breathing does not isolate. Populations outside the
    // CAM's own electronic network (a carbon-free cell, cam_network_share) are 0 from t = 0;
    // with chemistry.contact.network_scale the wired ones follow the network (network_switch).
    template <class T>
    T connected(const T& rho, int p) const;
    // The same with particle-fracture damage: its cut-off grains reduce the ionic contact u_p
    // rho (1 - D_p) that the threshold reads, not the CAM-CAM network (network_switch(rho)).
    template <class T>
    T connected(const T& rho, int p, const T& intact) const;
    // A carbon-free cell's electronic switch of wired population p at void factor rho: the
    // CAM-CAM contacts open as rho_cc = rho^(v_scale / v_cc) = exp(-p v / v_cc), the wired
    // share W = (n_wired / np) P_e(Z psi rho_cc) / P_e(Z psi) falls with the percolation of
    // the closed contacts, and population p keeps S(W np - p) of its area (the poorest
    // wired one first; 1 at rho = 1). 1 without a dynamic network (docs/equations.md 11.5).
    template <class T>
    T network_switch(const T& rho, int p) const;
    // The percolation probability at CAM-CAM coordination z (Bouvard & Lange 1991), any T.
    template <class T>
    static T percolation(const T& z);
    // The share of the CAM wired to the collector through CAM-CAM contacts alone: the
    // percolation probability of a binary random packing of equal spheres (Bouvard & Lange
    // 1991, as in Costamagna et al. 1998), P = [1 - ((4.236 - Z psi)/2.472)^3.7]^0.4 with
    // coordination Z = 6 and psi the CAM's share of the solid volume; 0 below Z psi = 1.764
    // (psi ~ 0.29), 1 above 4.236.
    static double cam_network_share(double psi) { return percolation(6.0 * psi); }
    // Populations wired electronically: all with a carbon network (or a measured composite
    // conductivity) or with isolation off; else the best round(P np) (docs/equations.md 11.5).
    int wired_populations() const { return n_wired_; }
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
    // Population p's contact and isolated share at a state (observables); pressure: the
    // actual stack pressure [Pa] of a die-constrained cell, nullptr: the set one.
    Values at(double v_void, double c_outer, int p, const double* pressure = nullptr, double damage = 0.0) const;
    double initial_contact(int p) const { return theta0_[p]; }  // theta_0 u_p
    // The initial contact of the wired populations over a: the CAM surface that meets the
    // SE and can react (theta_0 with one population and every particle wired).
    double reference_contact() const {
        double s = 0.0;
        for (int p = 0; p < n_wired_; ++p) s += theta0_[p];
        return s / g_.np;
    }
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
    double pressure_factor_ = 1.0;  // pressure_factor() of the set pressure
    double u_[kMaxPopulations] = {};       // initial contact of population p over theta_0
    double theta0_[kMaxPopulations] = {};  // theta_0 u_p
    int void_ = -1, pressure_slot_ = -1, damage_ = -1;
    int n_wired_ = 0;  // populations 0..n_wired_-1 reach the collector electronically
    // The dynamic CAM network (network_switch): rho's exponent v_scale / v_cc (0: static),
    // Z psi at t = 0 and n_wired / (np P_e(Z psi)).
    double network_exponent_ = 0.0, z0_ = 0.0, share_scale_ = 0.0;
};

template <class T>
T ContactIsolation::percolation(const T& z) {
    using std::pow;
    // Z psi <= 1.764: no spanning cluster; >= 4.236: every particle in it.
    if (value(z) <= 1.764) return T(0.0);
    if (value(z) >= 4.236) return T(1.0);
    return pow(1.0 - pow((4.236 - z) * (1.0 / 2.472), 3.7), 0.4);
}

template <class T>
T ContactIsolation::network_switch(const T& rho, int p) const {
    using std::pow;
    if (!(network_exponent_ > 0.0)) return T(1.0);
    const T rho_cc = pow(rho, network_exponent_);
    const T arg = percolation(z0_ * rho_cc) * (share_scale_ * g_.np) - static_cast<double>(p);
    if (value(arg) >= 1.0) return T(1.0);
    if (value(arg) <= 0.0) return T(0.0);
    return arg * arg * (3.0 - 2.0 * arg);
}

template <class T, class F>
T ContactIsolation::breathing(const T& c_outer, const F& pf) const {
    T breath(1.0);
    if (!g_.intercalating || g_.cell.cam.volume_change.empty()) return breath;
    double dv = 0.0;
    double xo = value(c_outer) / g_.c_max;
    double rel = g_.cell.cam.volume_change(std::clamp(xo, 0.0, 1.0), &dv);
    if (xo < 0.0 || xo > 1.0) dv = 0.0;
    if (rel < 0.0) {
        T contraction = apply(c_outer, -rel, -dv / g_.c_max);
        breath = 1.0 - contraction * (ch_.breathing_coefficient * pf);
        if (value(breath) < 0.05) breath = T(0.05);
    }
    return breath;
}

template <class T>
T ContactIsolation::connected(const T& rho, int p) const {
    const double thr = ch_.isolation_threshold;
    if (!(thr > 0.0)) return T(1.0);
    if (p >= n_wired_) return T(0.0);  // no electronic path: dead from the start
    const T net = network_switch(rho, p);
    T z = (rho * (u_[p] / thr) - 1.0) * (1.0 / kIsolationBand);
    if (value(z) >= 1.0) return net;
    if (value(z) <= 0.0) return T(0.0);
    return net * (z * z * (3.0 - 2.0 * z));
}

template <class T>
T ContactIsolation::connected(const T& rho, int p, const T& intact) const {
    const double thr = ch_.isolation_threshold;
    if (!(thr > 0.0)) return T(1.0);
    if (p >= n_wired_) return T(0.0);
    const T net = network_switch(rho, p);
    T z = (rho * intact * (u_[p] / thr) - 1.0) * (1.0 / kIsolationBand);
    if (value(z) >= 1.0) return net;
    if (value(z) <= 0.0) return T(0.0);
    return net * (z * z * (3.0 - 2.0 * z));
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
    const T& v = L.u[s_chem + void_];
    const T rho = void_factor(v);  // at the set pressure: isolation, conductivity
    // A die-constrained cell: the same voids and gaps, closed by its actual pressure.
    const bool die = pressure_slot_ >= 0;
    T pa(0.0), rho_a(0.0);
    if (die) {
        pa = pressure_factor(L.u[pressure_slot_]);
        rho_a = void_factor(v, pa);
    }
    for (int p = 0; p < np; ++p) {
        const T beta = breathing(L.u[slots_->c_outer(p)]);
        L.theta[p] = die ? rho_a * breathing(L.u[slots_->c_outer(p)], pa) * theta0_[p] : rho * beta * theta0_[p];
        if (p == 0) L.sigma_factor = conductivity_factor(rho, beta);
        if (damage_ >= 0) {
            // Grains cut off by cracks: no SE contact (and no isolation margin) for them.
            const T intact = 1.0 - L.u[s_chem + damage_ + p];
            L.theta[p] = L.theta[p] * intact;
            L.connected[p] = connected(rho, p, intact);
        } else {
            L.connected[p] = connected(rho, p);
        }
        L.live[p] = value(L.connected[p]) == 1.0 ? L.theta[p] : L.theta[p] * L.connected[p];
        L.area[p] = a_pop * L.live[p];
        L.a_contact = p == 0 ? L.area[0] : L.a_contact + L.area[p];
    }
    // A floor far below any real contact: the passivation laws of the CAM-site reactions
    // divide by this area, which is exactly 0 once every population is isolated.
    L.a_contact = L.a_contact + kContactFloor * g_.a;
}

}  // namespace ssbsim
