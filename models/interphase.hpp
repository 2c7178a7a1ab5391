// The interphase film at the CAM surface and the voids the SE leaves as it decomposes
// (MODEL.md sections 5-6), both grown by the SE oxidation next to the CAM (TPB, CAM site,
// lattice oxygen), per m2 of CAM surface: thickness delta [m] and void volume [m].
// The film adds delta / kappa_film to the intercalation film resistance.
#pragma once

#include "core/constants.hpp"
#include "models/local_terms.hpp"

namespace ssbsim {

class Interphase {
public:
    explicit Interphase(const CathodeGeometry& g) : g_(g), ch_(g.cell.chemistry) {
        const auto& se = g_.cell.electrolyte;
        // (V_SE - V_decomposed) / n_SE F [m3/C]
        se_shrink_ = se.molar_volume > 0 && se.decomposed_molar_volume > 0
                         ? (se.molar_volume - se.decomposed_molar_volume) / (ch_.se_electrons * constants::F)
                         : 0.0;
    }

    // Last: it reads cam_side_oxidation, which the reactions before it fill.
    static constexpr int sum_rank = 100;

    void declare(LocalRegistry& r) {
        StateLayout::BlockSpec b;
        b.name = "interphase thickness";
        film_ = r.add_state(b);
        b.name = "void volume";
        void_ = r.add_state(b);
    }
    int film() const { return film_; }
    int voids() const { return void_; }

    void set_temperature(double T, BoltzmannFactors& /*bz*/) { kappa_ = ch_.film_conductivity.at(T); }
    double film_conductivity() const { return kappa_; }  // [S/m]
    // The film's resistance delta / kappa [ohm m2], on a film state.
    template <class T>
    T film_resistance(const T& delta) const { return delta / kappa_; }

    template <class T>
    void evaluate(Local<T>& L) const {
        if (!(g_.a > 0.0)) return;
        const double nF = ch_.electrons_per_product * constants::F;
        // Film and voids at the CAM: without the TPB oxidation outside the CAM's footprint
        // (its products stay in the carbon's pores; the stack pressure reads its SE loss from
        // the TPB product states, models/stack_pressure.hpp), which reaches the voids only
        // through off_cam_void_share below.
        const T at_cam = g_.tpb_cam_side < 1.0 ? L.cam_side_oxidation - L.tpb_off_cam : L.cam_side_oxidation;
        L.rate[film_] = at_cam * (ch_.film_molar_volume / nF / g_.a);
        // The SE lost away from the CAM (carbon site, TPB beyond the footprint) opens its
        // share off_cam_void_share of voids at the CAM/SE contacts (docs/equations.md 11.4).
        const double w = ch_.off_cam_void_share;
        L.rate[void_] = w > 0.0 ? (at_cam + w * (L.carbon_oxidation + L.tpb_off_cam)) * (se_shrink_ / g_.a)
                                : at_cam * (se_shrink_ / g_.a);
    }

    void pattern(LocalPattern& p, SlotMask /*contact*/) const {
        p.rate[film_] = p.rate[void_] = p.cam_side_oxidation;
        if (ch_.off_cam_void_share > 0.0) p.rate[void_] |= p.carbon_oxidation;
    }

    void tolerances(const ChemistryRows& rows, double s, double* atol) const {
        for (int m = 0; m < g_.nc; ++m) {
            atol[rows.row(m, film_)] = s * 1e-9;  // [m]
            atol[rows.row(m, void_)] = s * 1e-9;
        }
    }

private:
    const CathodeGeometry& g_;
    const ChemistrySpec& ch_;
    double se_shrink_ = 0.0;  // [m3/C]
    double kappa_ = 1.0;      // film conductivity at the current temperature [S/m]
    int film_ = -1, void_ = -1;
};

}  // namespace ssbsim
