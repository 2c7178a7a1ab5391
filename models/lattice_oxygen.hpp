// SE oxidation by lattice oxygen released from the CAM at high state of charge (MODEL.md
// section 4): anodic, irreversible, at the connected CAM/SE contact, passivated by its own
// products [mol/m3 electrode]. It thickens the interphase like the CAM-side site reactions.
#pragma once

#include "core/constants.hpp"
#include "models/local_terms.hpp"

namespace ssbsim {

class LatticeOxygen {
public:
    explicit LatticeOxygen(const CathodeGeometry& g)
        : g_(g), r_(g.cell.chemistry.lattice_oxygen), nF_(g.cell.chemistry.electrons_per_product * constants::F) {}
    // After the pristine reduction in the sum of sources, though declared before it
    // (models/reactions.hpp).
    static constexpr int sum_rank = 30;

    void declare(LocalRegistry& r) {
        StateLayout::BlockSpec b;
        b.name = "lattice-oxygen products";
        x_ = r.add_state(b);
        b.name = "cumulative charge: lattice-oxygen SE oxidation";
        l_ = r.add_ledger(b);
    }
    int state() const { return x_; }
    int ledger() const { return l_; }

    void set_temperature(double T, BoltzmannFactors& bz) {
        k_ = r_.k.at(T);
        bz_ = on() ? bz.add(r_.U, r_.alpha) : -1;
    }

    template <class T>
    void evaluate(Local<T>& L) const {
        if (!on()) return;
        T g = 1.0 / (1.0 + L.u[s_chem + x_] / (L.a_contact * r_.passivation + 1e-300));
        T rate = L.a_contact * g * (k_ * L.boltzmann[bz_]);
        L.rate[x_] = rate / nF_;
        L.q[l_] = rate;
        L.src = L.src + rate;
        L.cam_side_oxidation = L.cam_side_oxidation + rate;
    }

    // contact: the slots the contact (hence a_contact) reads.
    void pattern(LocalPattern& p, SlotMask contact) const {
        p.rate[x_] = p.q[l_] = slot_bit(s_dphi) | contact | chem_bit(x_);
        p.src |= p.rate[x_];
        p.cam_side_oxidation |= p.rate[x_];
    }

    void tolerances(const ChemistryRows& rows, double s, double* atol) const {
        for (int m = 0; m < g_.nc; ++m) atol[rows.row(m, x_)] = s * g_.xi_scale;
    }

private:
    bool on() const { return g_.a > 0.0 && k_ > 0.0; }
    const CathodeGeometry& g_;
    const PassivatingReaction& r_;
    const double nF_;  // [C/mol] per product
    double k_ = 0.0;   // at the current temperature [A/m2]
    int x_ = -1, l_ = -1, bz_ = -1;
};

}  // namespace ssbsim
