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
    return s;
}

}  // namespace ssbsim
