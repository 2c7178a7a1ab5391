// Fatigue fracture of polycrystalline CAM secondary particles (docs/equations.md 11.10;
// MODEL.md section 6): the grains' anisotropic lattice collapse at H2-H3 strains the grain
// boundaries on every charge, and in a solid-state cell the SE does not flow into the
// cracks, so the grains cut off by them lose their ionic contact. Damage D_p per
// population of a cathode cell [-], a differential state that grows only on charge while
// the volumetric contraction of the outer shell, eps(x_s) = -volume_change(x_s), exceeds
// the CAM's critical strain eps_c:
//   dD_p/dt = k_D f_c (1 - D_p / D_sat) d<eps - eps_c>^m / dt   (only while eps increases),
// with d eps / dt = volume_change'(x_s) 3 theta_p s_p j_p / (F c_max R), the rate of the
// particle's mean stoichiometry read at its surface. Per charge it adds
// -D_sat ln(1 - D / D_sat) += k_D f_c <eps_max - eps_c>^m: a cycle-count fatigue law,
// saturating at D_sat. With a transition strain eps_t (> eps_c) the growth stops while
// eps > eps_t: the charge adds k_D f_c (min(eps_max, eps_t) - eps_c)^m, the same for every
// charge that completes the transition (the lattice collapse that strains the grain
// boundaries is a two-phase step; beyond it the strain is no longer mismatched).
// f_c is the constraint the surroundings exert on a breathing particle:
// a compliant binder film (thickness delta_b = eps_binder / a, modulus E_b) in series with
// the SE matrix around a spherical cavity (compliance (1 + nu) R / (2 E_SE)),
//   f_c = C_SE / (C_SE + delta_b / E_b),
// 1 without a binder (or without the moduli). ContactIsolation reads D_p: theta_p and the
// isolation argument are multiplied by (1 - D_p) (isolation stays irreversible, D only
// grows), so the lithium of an isolated population stays trapped in its shells.
// Off (no state at all) unless the CAM's material gives `fracture:` with a rate.
#pragma once

#include <algorithm>
#include <cmath>

#include "core/constants.hpp"
#include "models/local_terms.hpp"
#include "numerics/dual.hpp"

namespace ssbsim {

class ParticleFracture {
public:
    explicit ParticleFracture(const CathodeGeometry& g) : g_(g), f_(g.cell.cam.fracture) {
        constraint_ = constraint_factor(g.cell);
    }
    // No source terms: after every reaction (its rate only).
    static constexpr int sum_rank = 90;
    static constexpr double kPoisson = 0.3;  // of the SE matrix (a typical sulfide value)

    // The constraint factor f_c of a cell (see above).
    static double constraint_factor(const CellSpec& c) {
        const double E_se = c.electrolyte.youngs_modulus, E_b = c.binder.youngs_modulus;
        if (!(c.eps_binder > 0.0) || !(E_se > 0.0) || !(E_b > 0.0) || !(c.particle_radius > 0.0) || !(c.eps_cam > 0.0))
            return 1.0;
        const double a = 3.0 * c.eps_cam / c.particle_radius;  // CAM surface per volume [1/m]
        const double delta_b = c.eps_binder / a;                // binder film on the CAM [m]
        const double c_se = (1.0 + kPoisson) * c.particle_radius / (2.0 * E_se);  // [m/Pa]
        return c_se / (c_se + delta_b / E_b);
    }

    bool on() const { return g_.intercalating && f_.on() && !g_.cell.cam.volume_change.empty(); }
    double constraint() const { return constraint_; }

    void declare(LocalRegistry& r) {
        if (!on()) return;
        StateLayout::BlockSpec b;
        b.name = "particle fracture damage";
        b.components = g_.np;
        d_ = r.add_state(b);
    }
    int state() const { return d_; }  // population p: state() + p; -1 when off

    void set_temperature(double, BoltzmannFactors&) {}

    template <class T>
    void evaluate(Local<T>& L) const {
        if (d_ < 0) return;
        using std::pow;
        const double k = f_.rate * constraint_, m = f_.exponent;
        const double scale = 3.0 / (constants::F * g_.c_max * g_.cell.particle_radius);
        for (int p = 0; p < g_.np; ++p) {
            const T& D = L.u[s_chem + d_ + p];
            const T& c = L.u[L.pop->c_outer(p)];
            double dv = 0.0;
            const double xo = value(c) / g_.c_max;
            const double rel = g_.cell.cam.volume_change(std::clamp(xo, 0.0, 1.0), &dv);
            if (xo < 0.0 || xo > 1.0) dv = 0.0;
            const T excess = apply(c, -rel, -dv / g_.c_max) - f_.critical_strain;
            // d eps / dt > 0: the particle delithiates (j > 0) where the contraction grows.
            const T strain_rate = L.live[p] * L.u[L.pop->j(p)] * (dv * scale);
            const bool beyond = f_.transition_strain > 0.0 && !(value(excess) < f_.transition_strain - f_.critical_strain);
            if (!(value(excess) > 0.0) || !(value(strain_rate) > 0.0) || !(k > 0.0) || beyond) {
                L.rate[d_ + p] = T(0.0);
                continue;
            }
            const T growth = m == 2.0 ? excess * 2.0 : pow(excess, m - 1.0) * m;
            L.rate[d_ + p] = (1.0 - D * (1.0 / f_.saturation)) * growth * strain_rate * k;
        }
    }

    // contact: the slots the contact (hence live) reads.
    void pattern(LocalPattern& p, SlotMask contact) const {
        if (d_ < 0) return;
        for (int q = 0; q < g_.np; ++q)
            p.rate[d_ + q] = contact | chem_bit(d_ + q) | slot_bit(pop_j(q)) | slot_bit(pop_j(q) + 2);
    }
    // The populations' slots (bound by CathodeP2D before pattern()).
    void bind(const PopulationSlots& slots) { slots_ = &slots; }

    void tolerances(const ChemistryRows& rows, double s, double* atol) const {
        if (d_ < 0) return;
        for (int m = 0; m < g_.nc; ++m)
            for (int p = 0; p < g_.np; ++p) atol[rows.row(m, d_ + p)] = s * 1e-6;
    }

private:
    int pop_j(int q) const { return slots_ ? slots_->j(q) : s_j; }
    const CathodeGeometry& g_;
    const ActiveMaterial::Fracture& f_;
    const PopulationSlots* slots_ = nullptr;
    double constraint_ = 1.0;
    int d_ = -1;
};

}  // namespace ssbsim
