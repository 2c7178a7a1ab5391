// The runner's one window on the model state. Every number the protocol runner takes from a
// state vector y (events, initial-condition fallback, samples, step and cycle sums, the loss
// ledger, the lithium balance) is read here, so a change of the model's state layout or its
// observables API touches this file only. It reads CathodeP2D's observables (observe,
// ledger, named accessors): no raw state indices in run/.
#pragma once

#include <vector>

#include "models/cathode_p2d.hpp"
#include "params/protocol.hpp"
#include "run/simulation.hpp"

namespace ssbsim {

class StateReadout {
public:
    explicit StateReadout(const CathodeP2D& model) : model_(model) {}

    const CathodeP2D& model() const { return model_; }
    bool chemistry() const { return model_.chemistry(); }

    double potential(const double* y) const { return model_.potential_vs_li(y); }  // vs Li/Li+ [V]
    double cell_voltage(const double* y) const { return model_.cell_voltage(y); }  // vs the counter [V]
    double potential(const double* y, Reference r) const {  // in reference r [V]
        return r == Reference::cell ? cell_voltage(y) : potential(y);
    }
    double current_density(const double* y) const { return model_.current_density(y); }  // [A/m2]
    double current(const double* y) const { return model_.current_density(y) * model_.cell().area; }  // [A]
    double charge(const double* y) const { return model_.charge_passed(y); }  // Q passed [C/m2]
    double energy(const double* y) const { return model_.energy_passed(y); }  // E passed [J/m2]
    // Lithium that has left the CAM as charge [C/m2]: the intercalation ledger entry, or all
    // of Q without side reactions.
    double intercalation_charge(const double* y) const { return model_.intercalation_charge(y); }
    double lithium_in_solid(const double* y) const { return model_.lithium_in_solid(y); }  // [mol/m2]
    double dead_fraction(const double* y) const { return model_.dead_fraction(y); }
    // Mean concentration of every particle population, cell by cell [mol/m3], and the
    // lithium isolated populations lack against it [mol/m2] (MODEL.md section 7, item 4).
    std::vector<double> population_concentrations(const double* y) const {
        return model_.population_concentrations(y);
    }
    double isolated_deficit(const double* y, const std::vector<double>& c_ref) const {
        return model_.isolated_deficit(y, c_ref);
    }
    // The cumulative charges of the loss ledger [C/m2] (zero without the chemistry).
    LedgerCharges ledger(const double* y) const { return model_.ledger(y); }

    // A time-series sample of state y at `time` [s]; capacities in mAh/g through to_mAh_g
    // [mAh/g per C/m2], the step's capacity from its starting charge q_step0 [C/m2]. The step
    // and cycle numbers are the caller's.
    Sample sample(double time, const double* y, double q_step0, double to_mAh_g) const;
    // The components failure reports may name: potentials, currents and concentrations; the
    // charge and energy passed, the ledger integrals and chemistry tallies are book-keeping.
    std::vector<char> physical_components() const { return model_.reported_components(); }

private:
    const CathodeP2D& model_;
};

}  // namespace ssbsim
