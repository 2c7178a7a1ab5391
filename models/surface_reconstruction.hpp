// Surface reconstruction of a Ni-rich layered CAM (MODEL.md sections 2 and 5;
// docs/equations.md 4.5.2): at high state of charge the delithiated surface (Ni4+, unstable
// lattice oxygen) loses oxygen and turns into an electrochemically inactive, Li-poor
// rock-salt-type shell. Its thickness delta_rs [m] is a state per cathode cell and particle
// population p, grown with the linear-parabolic (Deal-Grove-type) law
//   d delta_p/dt = k(T) g(x_s,p) / (delta_0 + delta_p),  g = 1 / (1 + exp((x_s,p - x_rs) / w)),
// on the population's surface stoichiometry x_s,p (extrapolated from its two outer shells,
// as in the kinetics): reaction-limited while delta_p << delta_0, oxygen-vacancy-diffusion-
// limited (parabolic) beyond. k(T) is Arrhenius with the large activation energy of oxygen
// release from delithiated Ni-rich oxides. The shell adds delta_p / sigma_rs(T) to the film
// resistance in series with the intercalation kinetics (models/intercalation.hpp). It
// carries no charge and takes no lithium: the ledger and the lithium balance are unchanged.
// Only the CAM surface that faces the SE reconstructs: the released oxygen needs a sink, the
// SE it oxidises (models/lattice_oxygen.hpp), and a coating that keeps the SE from the CAM
// keeps it from that sink too, so the rate carries the exposed share e = coating_pass (+ the
// failed share of a fracturing coating, models/coating_fracture.hpp): e = 1 uncoated.
// Off (no state at all, today's layout and results) unless the CAM's material file gives
// `surface_reconstruction` (params/materials.hpp ActiveMaterial::SurfaceReconstruction).
#pragma once

#include <cmath>
#include <string>

#include "models/local_terms.hpp"
#include "numerics/dual.hpp"

namespace ssbsim {

class SurfaceReconstruction {
public:
    explicit SurfaceReconstruction(const CathodeGeometry& g) : g_(g), rs_(g.cell.cam.surface_reconstruction) {}
    // No term in the sums: its place there does not matter.
    static constexpr int sum_rank = 110;

    bool on() const { return g_.intercalating && g_.a > 0.0 && rs_.on(); }

    void declare(LocalRegistry& r) {
        if (!on()) return;
        StateLayout::BlockSpec b;
        b.name = "rock-salt thickness";
        b.components = g_.np;
        if (g_.np > 1) {
            b.component_label = "pop";
            for (int p = 0; p < g_.np; ++p) b.component_names.push_back(b.name + "[pop " + std::to_string(p) + "]");
        }
        x_ = r.add_state(b);
    }
    // The state of population 0 (population p: + p); -1 when off.
    int state() const { return x_; }

    void set_temperature(double T, BoltzmannFactors& /*bz*/) {
        if (!on()) return;
        k_ = rs_.rate_constant.at(T);
        sigma_ = rs_.conductivity.at(T);
    }
    double rate_constant() const { return k_; }  // [m2/s] at the current temperature
    double conductivity() const { return sigma_; }  // [S/m] at the current temperature
    // The shell's Li-ion resistance delta / sigma_rs [ohm m2] (an uncoated CAM: all of its
    // surface faces the SE and reconstructs).
    template <class T>
    T resistance(const T& delta) const { return delta / sigma_; }
    // What the shell adds to the kinetics' series resistance where a coating covers part of
    // the surface: the shell grows only on the exposed share e; the Li current passes the
    // exposed share through the shell (delta / sigma_rs) and the intact coated share 1 - e
    // through the layer (R_c, already in the series sum), in parallel:
    //   R_rs = (delta/sigma) R_c / ((1 - e) delta/sigma + e R_c)   (-> delta/sigma at e = 1).
    template <class T>
    T series_resistance(const T& delta, const Local<T>& L) const {
        const T r = delta / sigma_;
        if (frac_ < 0 && g_.coating_pass >= 1.0) return r;
        const double Rc = g_.coating_resistance;
        const T e = exposed(L);
        return r * Rc / ((1.0 - e) * r + e * Rc + 1e-300);
    }
    // The slots series_resistance reads besides delta (the failed coating share).
    SlotMask exposure_bits() const { return frac_ >= 0 ? chem_bit(frac_) : SlotMask(0); }
    // The gate g(x_s) in (0, 1).
    template <class T>
    T gate(const T& xs) const {
        const double y = (value(xs) - rs_.onset) / rs_.width;
        // Logistic of -y, written so that neither branch overflows.
        const double gv = y >= 0 ? std::exp(-y) / (1.0 + std::exp(-y)) : 1.0 / (1.0 + std::exp(y));
        return apply(xs, gv, -gv * (1.0 - gv) / rs_.width);
    }

    template <class T>
    void evaluate(Local<T>& L) const {
        if (x_ < 0) return;
        for (int p = 0; p < g_.np; ++p) {
            const T xs = surface_stoichiometry(L, p, g_.c_max);
            const T& delta = L.u[s_chem + x_ + p];
            L.rate[x_ + p] = exposed(L) * gate(xs) * k_ / (rs_.transition_thickness + delta);
        }
    }

    void pattern(LocalPattern& p, const PopulationSlots& slots) const {
        if (x_ < 0) return;
        const SlotMask e = frac_ >= 0 ? chem_bit(frac_) : 0u;
        for (int k = 0; k < g_.np; ++k)
            p.rate[x_ + k] = slot_bit(slots.c_inner(k)) | slot_bit(slots.c_outer(k)) | chem_bit(x_ + k) | e;
    }
    // A fracturing coating (models/coating_fracture.hpp, its state `state`) re-exposes
    // opened x s of the coated surface, as for the CAM-side SE oxidation.
    void bind_coating_fracture(int state, double opened) {
        frac_ = state;
        opened_ = opened;
    }
    // The share of the CAM surface that faces the SE (1 uncoated).
    template <class T>
    T exposed(const Local<T>& L) const {
        if (frac_ < 0) return T(g_.coating_pass);
        return g_.coating_pass + opened_ * L.u[s_chem + frac_];
    }
    // The reaction-list form (ReactionSet::pattern): the populations' slots are bound later
    // (bind_slots), as the slots follow the chemistry inputs.
    void pattern(LocalPattern& p, SlotMask /*contact*/) const {
        if (slots_) pattern(p, *slots_);
    }
    void bind_slots(const PopulationSlots* slots) { slots_ = slots; }

    void tolerances(const ChemistryRows& rows, double s, double* atol) const {
        if (x_ < 0) return;
        for (int m = 0; m < g_.nc; ++m)
            for (int p = 0; p < g_.np; ++p) atol[rows.row(m, x_ + p)] = s * 1e-9;  // [m]
    }

private:
    const CathodeGeometry& g_;
    const ActiveMaterial::SurfaceReconstruction& rs_;
    const PopulationSlots* slots_ = nullptr;
    double k_ = 0.0;      // [m2/s]
    double sigma_ = 1.0;  // [S/m]
    int x_ = -1;
    int frac_ = -1;        // the coating's failed share (chemistry state), -1: none
    double opened_ = 0.0;  // coverage x blocking
};

}  // namespace ssbsim
