#include "models/intercalation.hpp"

namespace ssbsim {

void IntercalationKinetics::declare(StateLayout& layout, LocalRegistry* ledger) {
    StateLayout::BlockSpec b;
    b.name = "intercalation current j";
    b.region = StateLayout::Region::cathode_cells;
    block_ = layout.add(b);
    if (ledger) {
        StateLayout::BlockSpec q;
        q.name = "cumulative charge: intercalation";
        l_ = ledger->add_ledger(q);
    }
}

void IntercalationKinetics::set_temperature(double T) {
    f_ = constants::F / (constants::R * T);
    const double i0_ref = g_.cell.cam.exchange_current.at(T);
    const auto& h = g_.cell.cam.relithiation;
    // i0_ref is i0 at x = 0.5, hindrance included.
    i0_scale_ = i0_ref / (std::pow(0.5, g_.cell.cam.alpha_a + g_.cell.cam.alpha_c) *
                          detail::relithiation_factor(0.5, h.exponent, h.floor));
    // A resistance rises as the temperature falls: R_h(T) = R_h exp(E_a/R (1/T - 1/T_ref)).
    r_ins_ = h.resistance.reference *
             std::exp(h.resistance.activation_energy / constants::R * (1.0 / T - 1.0 / h.resistance.reference_temperature));
}

void IntercalationKinetics::pattern(LocalPattern& p, std::uint32_t contact) const {
    const std::uint32_t j = slot_bit(s_j);
    p.kin = slot_bit(s_dphi) | j | slot_bit(s_c_inner) | slot_bit(s_c_outer) | (film_ ? chem_bit(film_->film()) : 0u);
    p.surf_flux = contact | j;
    p.src |= slot_bit(s_dphi) | j | contact;
    if (l_ >= 0) p.q[l_] = j | contact;
}

}  // namespace ssbsim
