// Fracture of a brittle CAM coating on a breathing CAM (MODEL.md section 3, coatings;
// docs/equations.md section 3.2): the coating was formed on the pristine (lithiated) CAM, so
// the CAM's volume change since then strains it in-plane by its linear strain
//   eps(x) = ((1 + dV/V(x)) / (1 + dV/V(x0)))^(1/3) - 1.
// Thin-film fracture mechanics (Hutchinson & Suo 1992, Adv. Appl. Mech. 29:63): the energy
// release rate of a channel crack (film in tension, Z = 1.976) or of steady-state
// buckle-delamination (film in compression, Z ~ 0.5) is G = Z E' eps^2 h, E' = E/(1 - nu^2),
// h the layer thickness; the layer fails where G > Gamma, i.e. thicker than
// h_c = Gamma / (Z E' eps^2). Gamma is the layer's own fracture energy for a channel crack
// (tension) and that of its interface with the CAM for delamination (compression). The failed (re-exposed) share s of the coated area of a
// cathode cell approaches, with the time constant tau_f, the share
//   s_eq = 1 - Gamma / G   (G > Gamma; 0 otherwise; < 1: it saturates),
// the segments of the layer whose driving force exceeds its toughness, and never heals:
//   ds/dt = max(0, s_eq - s) / tau_f   (s_eq the mean over the cell's populations).
// The re-exposed area lets the SE reach the CAM again: the coating leaves
// pass(s) = pass_0 + coverage blocking s of the CAM-side (TPB and CAM site) SE oxidation
// (models/site_oxidation.hpp), and the fresh surface spreads the products that passivate it.
// Off (no state, today's results) unless the coating material gives youngs_modulus and
// fracture_energy, the coating is a layer (mass_fraction or thickness), the CAM has a
// volume_change table and G exceeds Gamma somewhere in the CAM's stoichiometry window
// [x_min, x_max] (a layer thinner than h_c there cannot fail: it gets no state either).
#pragma once

#include <algorithm>
#include <cmath>

#include "models/local_terms.hpp"
#include "numerics/dual.hpp"
#include "params/cell.hpp"

namespace ssbsim {

// Hutchinson & Suo 1992: steady channel cracking of a film elastically matched to its
// substrate (Dundurs alpha = beta = 0), and steady-state buckle-delamination of a
// compressed film (G_ss = (1 - nu^2) sigma^2 h / (2 E) = E' eps^2 h / 2 for a plane strain
// eps; the biaxial value (1 + nu)/(1 - nu)/2 is larger: ~0.5 is the lower, safer choice).
constexpr double kChannelCrackZ = 1.976;
constexpr double kDelaminationZ = 0.5;

// The fracture law of a cell's coating; on = false: no fracture.
struct CoatingFractureLaw {
    bool defined = false;          // the keys are given for a layer on a breathing CAM
    bool on = false;               // and G > Gamma somewhere in the window: the block's state
    double thickness = 0.0;        // h [m]
    double plane_modulus = 0.0;    // E' = E / (1 - nu^2) [Pa]
    double fracture_energy = 0.0;  // Gamma_f, the layer's (channel cracking, tension) [J/m2]
    double interface_energy = 0.0; // Gamma_i, its interface's (delamination, compression) [J/m2]
    double time = 0.0;             // tau_f [s]
    double rel0 = 0.0;             // the CAM's dV/V at the coated (initial) stoichiometry
    double opened = 0.0;           // coverage x blocking: pass(s) = pass_0 + opened s

    // The layer's in-plane strain at the CAM volume change rel (vs the lithiated CAM).
    double strain(double rel) const { return std::cbrt((1.0 + rel) / (1.0 + rel0)) - 1.0; }
    static double geometry(double eps) { return eps < 0.0 ? kDelaminationZ : kChannelCrackZ; }
    double toughness(double eps) const { return eps < 0.0 ? interface_energy : fracture_energy; }  // [J/m2]
    double release_rate(double eps) const { return geometry(eps) * plane_modulus * eps * eps * thickness; }  // [J/m2]
    // h_c at strain eps [m]; 0 at eps = 0 (no strain: no critical thickness).
    double critical_thickness(double eps) const {
        const double g = geometry(eps) * plane_modulus * eps * eps;
        return g > 0.0 ? toughness(eps) / g : 0.0;
    }
};

// The strain in the CAM's stoichiometry window [x_min, x_max] where G / Gamma peaks (the
// result attributes coating_critical_thickness_m, coating_fracture_ratio).
inline double peak_coating_strain(const CellSpec& c, const CoatingFractureLaw& f) {
    double peak = 0.0, best = 0.0;
    const int n = 400;
    for (int i = 0; i <= n; ++i) {
        const double x = c.cam.x_min + (c.cam.x_max - c.cam.x_min) * i / n;
        const double eps = f.strain(c.cam.volume_change(std::clamp(x, 0.0, 1.0)));
        const double r = f.release_rate(eps) / f.toughness(eps);
        if (r > best) best = r, peak = eps;
    }
    return peak;
}

inline CoatingFractureLaw coating_fracture_law(const CellSpec& c) {
    CoatingFractureLaw f;
    const Coating& m = c.coating_material;
    const CoatingLayer layer = coating_layer(c);
    if (c.coating.empty() || !layer.layer || !m.fractures() || !c.has_cam || c.cam.inert ||
        c.cam.volume_change.empty() || !(m.fracture_time > 0.0))
        return f;
    f.defined = true;
    f.thickness = layer.thickness;
    f.plane_modulus = m.youngs_modulus / (1.0 - m.poisson_ratio * m.poisson_ratio);
    f.fracture_energy = m.fracture_energy;
    f.interface_energy = m.interface_fracture_energy > 0.0 ? m.interface_fracture_energy : m.fracture_energy;
    f.time = m.fracture_time;
    f.rel0 = c.cam.volume_change(std::clamp(c.initial_stoichiometry, 0.0, 1.0));
    f.opened = layer.coverage * c.coating_blocking;
    const double eps = peak_coating_strain(c, f);
    f.on = f.release_rate(eps) > f.toughness(eps);
    return f;
}

class CoatingFracture {
public:
    explicit CoatingFracture(const CathodeGeometry& g) : g_(g), law_(coating_fracture_law(g.cell)) {}
    static constexpr int sum_rank = 40;  // adds to no sum

    bool on() const { return law_.on && g_.intercalating; }
    const CoatingFractureLaw& law() const { return law_; }

    void declare(LocalRegistry& r) {
        if (!on()) return;  // off: no state, the layout of today
        StateLayout::BlockSpec b;
        b.name = "coating exposed share";
        x_ = r.add_state(b);
    }
    int state() const { return x_; }  // -1 when off
    void bind(const PopulationSlots* slots) { slots_ = slots; }

    void set_temperature(double /*T*/, BoltzmannFactors& /*bz*/) {}

    // G / Gamma at the outer-shell concentration c [mol/m3] (the surface strains with the
    // particle surface; equations.md 3.2).
    template <class T>
    T release_ratio(const T& c) const {
        using std::pow;
        const double x = value(c) / g_.c_max;
        double dv = 0.0;
        const double rel = g_.cell.cam.volume_change(std::clamp(x, 0.0, 1.0), &dv);
        if (x < 0.0 || x > 1.0) dv = 0.0;
        const T relT = apply(c, rel, dv / g_.c_max);
        const T eps = pow((1.0 + relT) * (1.0 / (1.0 + law_.rel0)), 1.0 / 3.0) - 1.0;
        const double e = value(eps);
        const double k = law_.geometry(e) * law_.plane_modulus * law_.thickness / law_.toughness(e);
        return eps * eps * k;
    }

    template <class T>
    void evaluate(Local<T>& L) const {
        if (x_ < 0) return;
        T s_eq(0.0);
        for (int p = 0; p < g_.np; ++p) {
            const T ratio = release_ratio(L.u[L.pop->c_outer(p)]);
            if (value(ratio) > 1.0) s_eq = s_eq + (1.0 - 1.0 / ratio);
        }
        if (g_.np > 1) s_eq = s_eq * (1.0 / g_.np);
        const T& s = L.u[s_chem + x_];
        L.rate[x_] = value(s_eq) > value(s) ? T((s_eq - s) * (1.0 / law_.time)) : T(0.0);
    }

    void pattern(LocalPattern& p, SlotMask /*contact*/) const {
        if (x_ < 0) return;
        SlotMask in = chem_bit(x_);
        for (int q = 0; q < g_.np; ++q) in |= slot_bit(slots_ ? slots_->c_outer(q) : s_c_outer);
        p.rate[x_] = in;
    }

    void tolerances(const ChemistryRows& rows, double s, double* atol) const {
        if (x_ < 0) return;
        for (int m = 0; m < g_.nc; ++m) atol[rows.row(m, x_)] = s * 1e-6;  // a share
    }

private:
    const CathodeGeometry& g_;
    const CoatingFractureLaw law_;
    const PopulationSlots* slots_ = nullptr;
    int x_ = -1;
};

}  // namespace ssbsim
