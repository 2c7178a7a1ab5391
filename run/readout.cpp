#include "run/readout.hpp"

namespace ssbsim {

Sample StateReadout::sample(double time, const double* y, double q_step0, double to_mAh_g) const {
    const CathodeP2D& m = model_;
    Sample s;
    s.time = time;
    s.potential = m.potential_vs_li(y);
    s.cell_voltage = m.cell_voltage(y);
    s.current = current(y);
    s.temperature = m.temperature();
    s.capacity = y[m.idx_charge()] * to_mAh_g;
    s.step_capacity = (y[m.idx_charge()] - q_step0) * to_mAh_g;
    s.mean_stoichiometry = m.intercalating() ? m.mean_stoichiometry(y) : 0.0;
    if (m.chemistry()) {
        s.dead_fraction = m.dead_fraction(y);
        s.contact = m.mean_contact(y);
        s.film_resistance = m.mean_film_resistance(y);
        double ox = y[m.idx_ledger(CathodeP2D::l_oxygen)];
        for (int k = 0; k < 3; ++k)
            ox += y[m.idx_ledger(CathodeP2D::l_ox_rev + k)] + y[m.idx_ledger(CathodeP2D::l_ox_irr + k)];
        s.se_oxidised = ox * to_mAh_g;
    } else {
        s.film_resistance = m.mean_film_resistance(y);
    }
    return s;
}

std::vector<char> StateReadout::physical_components() const {
    const CathodeP2D& m = model_;
    std::vector<char> physical(m.size(), 0);
    for (int k = 0; k < m.n_separator() + m.n_cathode(); ++k) physical[m.idx_phi_e(k)] = 1;
    for (int c = 0; c < m.n_cathode(); ++c) {
        physical[m.idx_phi_s(c)] = physical[m.idx_j(c)] = 1;
        for (int i = 0; i < m.n_shells(); ++i) physical[m.idx_c(c, i)] = 1;
    }
    physical[m.idx_current()] = 1;
    return physical;
}

}  // namespace ssbsim
