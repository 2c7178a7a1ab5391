#include "models/intercalation.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace ssbsim {

void IntercalationKinetics::declare(StateLayout& layout, LocalRegistry* ledger) {
    StateLayout::BlockSpec b;
    b.name = "intercalation current j";
    b.region = StateLayout::Region::cathode_cells;
    b.components = g_.np;
    if (g_.np > 1) {
        b.component_label = "pop";
        for (int p = 0; p < g_.np; ++p) b.component_names.push_back(b.name + "[pop " + std::to_string(p) + "]");
    }
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
    // The delithiation cut of the drop (detail::insertion_drop): width R_h(T) j_eps ln 2 / 2
    // (at least 10 mV), centred four widths above the OCV.
    cut_width_ = std::max(0.01, 0.5 * r_ins_ * h.current_scale * std::log(2.0));
    cut_ = 4.0 * cut_width_;
}

void IntercalationKinetics::pattern(LocalPattern& p, const PopulationSlots& slots, SlotMask contact,
                                    const SlotMask* contact_of) const {
    const SlotMask film = film_ ? chem_bit(film_->film()) : 0u;
    SlotMask all_j = 0;
    for (int k = 0; k < g_.np; ++k) {
        const SlotMask j = slot_bit(slots.j(k));
        // The isolation switch reads the voids (contact_of).
        p.kin[k] = slot_bit(s_dphi) | j | slot_bit(slots.c_inner(k)) | slot_bit(slots.c_outer(k)) | film |
                   (g_.chem ? contact_of[k] : SlotMask(0)) | (shell_ ? chem_bit(shell_->state() + k) | shell_->exposure_bits() : SlotMask(0));
        p.surf_flux[k] = contact_of[k] | j;
        all_j |= j;
    }
    p.src |= slot_bit(s_dphi) | all_j | contact;
    if (l_ >= 0) p.q[l_] = all_j | contact;
}

}  // namespace ssbsim
