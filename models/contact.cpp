#include "models/contact.hpp"

namespace ssbsim {

ContactIsolation::ContactIsolation(const CathodeGeometry& g) : g_(g), ch_(g.cell.chemistry) {
    pressure_factor_ = pressure_factor(g_.cell.stack_pressure);
}

void ContactIsolation::declare(LocalRegistry& r) {
    StateLayout::BlockSpec b;
    b.name = "trapped lithium";
    trapped_ = r.add_state(b, /*local_input=*/false);
}

std::uint32_t ContactIsolation::inputs() const {
    return slot_bit(s_c_outer) | (g_.chem ? chem_bit(void_) : 0u) | (pressure_slot_ >= 0 ? slot_bit(pressure_slot_) : 0u);
}

void ContactIsolation::tolerances(const ChemistryRows& rows, double s, double* atol) const {
    for (int m = 0; m < g_.nc; ++m)
        atol[rows.row(m, trapped_)] = s * g_.c_max * std::max(g_.cell.eps_cam, 1e-3);
}

}  // namespace ssbsim
