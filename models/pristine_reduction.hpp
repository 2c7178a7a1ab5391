// Reduction of the pristine SE at the carbon surfaces below ~1.8 V (MODEL.md section 4):
// cathodic, irreversible, passivated by its own products [mol/m3 electrode].
#pragma once

#include "core/constants.hpp"
#include "models/local_terms.hpp"

namespace ssbsim {

class PristineReduction {
public:
    explicit PristineReduction(const CathodeGeometry& g)
        : g_(g), r_(g.cell.chemistry.pristine_reduction),
          nF_(g.cell.chemistry.electrons_per_product * constants::F),
          a_carbon_(g.a_site[site_carbon] + g.a_site[site_tpb]) {}
    static constexpr int sum_rank = 20;  // after the site oxidation (models/reactions.hpp)

    void declare(LocalRegistry& r) {
        StateLayout::BlockSpec b;
        b.name = "pristine-reduction products";
        x_ = r.add_state(b);
        b.name = "cumulative charge: pristine-SE reduction";
        l_ = r.add_ledger(b);
    }
    int state() const { return x_; }
    int ledger() const { return l_; }

    void set_temperature(double T, BoltzmannFactors& bz) {
        k_ = r_.k.at(T);
        bz_ = on() ? bz.add(r_.U, -r_.alpha) : -1;
    }

    template <class T>
    void evaluate(Local<T>& L) const {
        if (!on()) return;
        T g = 1.0 / (1.0 + L.u[s_chem + x_] / (a_carbon_ * r_.passivation));
        T rate = g * (-k_ * a_carbon_) * L.boltzmann[bz_];
        L.rate[x_] = -rate / nF_;
        L.q[l_] = rate;
        L.src = L.src + rate;
    }

    void pattern(LocalPattern& p, SlotMask /*contact*/) const {
        p.rate[x_] = p.q[l_] = slot_bit(s_dphi) | chem_bit(x_);
        p.src |= p.rate[x_];
    }

    void tolerances(const ChemistryRows& rows, double s, double* atol) const {
        for (int m = 0; m < g_.nc; ++m) atol[rows.row(m, x_)] = s * g_.xi_scale;
    }

private:
    bool on() const { return a_carbon_ > 0.0 && k_ > 0.0; }
    const CathodeGeometry& g_;
    const PassivatingReaction& r_;
    const double nF_;        // [C/mol] per product
    const double a_carbon_;  // carbon surface, DPB and TPB [1/m]
    double k_ = 0.0;         // at the current temperature [A/m2]
    int x_ = -1, l_ = -1, bz_ = -1;
};

}  // namespace ssbsim
