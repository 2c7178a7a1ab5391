#include "run/readout.hpp"

namespace ssbsim {

Sample StateReadout::sample(double time, const double* y, double q_step0, double to_mAh_g) const {
    const Observables o = model_.observe(y);
    Sample s;
    s.time = time;
    s.potential = o.potential;
    s.cell_voltage = o.cell_voltage;
    s.current = o.current_density * model_.cell().area;
    s.temperature = o.temperature;
    s.capacity = o.charge * to_mAh_g;
    s.step_capacity = (o.charge - q_step0) * to_mAh_g;
    s.mean_stoichiometry = o.mean_stoichiometry;  // 0 without intercalating CAM
    s.dead_fraction = o.dead_fraction;            // 0, 1 and 0 without the chemistry
    s.contact = o.contact;
    s.se_oxidised = o.se_oxidised * to_mAh_g;
    s.film_resistance = o.film_resistance;
    s.stack_pressure = o.stack_pressure;
    s.cam_volume_change = o.cam_volume_change;
    s.coating_exposed = o.coating_exposed;
    s.fracture_damage = o.fracture_damage;
    s.fracture_contact_lost = o.fracture_contact_lost;
    s.rock_salt_thickness = o.rock_salt_thickness;
    s.rock_salt_resistance = o.rock_salt_resistance;
    for (int k = 0; k < n_sites; ++k) {
        s.se_current_reversible[k] = o.ledger_rate.ox_reversible[k];
        s.se_current_irreversible[k] = o.ledger_rate.ox_irreversible[k];
        s.se_reduction_current[k] = o.ledger_rate.reduction[k];
        s.se_reversible[k] = o.ledger.ox_reversible[k] * to_mAh_g;
        s.se_irreversible[k] = o.ledger.ox_irreversible[k] * to_mAh_g;
        s.se_reduction[k] = o.ledger.reduction[k] * to_mAh_g;
    }
    // Lattice-oxygen-driven oxidation is irreversible and at the CAM surface (as the ledger).
    s.se_current_irreversible[site_cam] += o.ledger_rate.lattice_oxygen;
    s.se_irreversible[site_cam] += o.ledger.lattice_oxygen * to_mAh_g;
    return s;
}

}  // namespace ssbsim
