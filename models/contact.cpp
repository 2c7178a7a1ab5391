#include "models/contact.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "core/error.hpp"

namespace ssbsim {

ContactIsolation::ContactIsolation(const CathodeGeometry& g) : g_(g), ch_(g.cell.chemistry) {
    pressure_factor_ = pressure_factor(g_.cell.stack_pressure);
    // Equal volume shares at the quantile midpoints of the uniform distribution of initial
    // contacts theta_0 [1 - w, 1 + w], best contacted first.
    const int np = g_.np;
    const double w = ch_.heterogeneity;
    for (int p = 0; p < np; ++p) {
        u_[p] = np == 1 ? 1.0 : 1.0 + w - w * (2.0 * p + 1.0) / np;
        theta0_[p] = ch_.contact_initial * u_[p];
    }
    // Without a carbon network (and no measured composite conductivity in its place) the
    // particles are wired only through one another: the poorest-embedded populations beyond
    // the percolating share stay lithiated, as isolated ones (isolation on, tau_iso > 0).
    n_wired_ = np;
    const CellSpec& c = g_.cell;
    const double solid = c.eps_cam + c.eps_se + c.eps_carbon + c.eps_binder;
    if (g_.intercalating && ch_.isolation_threshold > 0.0 && carbon_network_conductivity(c, c.temperature) <= 0.0 &&
        solid > 0.0) {
        const double share = cam_network_share(c.eps_cam / solid);
        // A network that percolates at all keeps at least one population wired, however
        // coarse the population grid.
        n_wired_ = share > 0.0 ? std::max(1, static_cast<int>(std::lround(share * np))) : 0;
        // Its CAM-CAM contacts open with the voids (network_scale > 0; docs/equations.md 11.5).
        if (share > 0.0 && ch_.network_scale > 0.0) {
            network_exponent_ = ch_.void_scale / ch_.network_scale;
            z0_ = 6.0 * c.eps_cam / solid;
            share_scale_ = n_wired_ / (share * np);
        }
    }
    if (n_wired_ == 0) {
        // Nothing would reach the collector: say so before any step, not as a solver failure.
        std::ostringstream os;
        os << std::setprecision(3) << "cell.cathode.composition: without a carbon network the CAM ("
           << 100.0 * c.eps_cam / solid << " % of the solid volume) does not percolate (it needs more than "
           << 100.0 * 1.764 / 6.0 << " %, docs/equations.md 11.5): no particle reaches the current collector."
           << " Add carbon, raise the CAM fraction, or give the composite's measured electronic conductivity";
        throw Error(os.str());
    }
}

ContactIsolation::Values ContactIsolation::at(double v_void, double c_outer, int p, const double* pressure,
                                              double damage) const {
    Values v;
    if (!g_.chem) return v;
    const double rho = void_factor(v_void);
    if (pressure) {
        const double pa = pressure_factor(*pressure);
        v.theta = void_factor(v_void, pa) * breathing(c_outer, pa) * theta0_[p];
    } else {
        v.theta = rho * breathing(c_outer) * theta0_[p];
    }
    // The set pressure (as in evaluate); particle-fracture damage as there.
    if (damage != 0.0) {
        v.theta *= 1.0 - damage;
        v.dead = 1.0 - connected(rho, p, 1.0 - damage);
    } else {
        v.dead = 1.0 - connected(rho, p);
    }
    return v;
}

SlotMask ContactIsolation::inputs(int p) const {
    // c_outer also without the chemistry (a constant contact): the pattern stays today's.
    return slot_bit(slots_->c_outer(p)) | (g_.chem ? chem_bit(void_) : SlotMask(0)) |
           (pressure_slot_ >= 0 ? slot_bit(pressure_slot_) : SlotMask(0)) |
           (damage_ >= 0 ? chem_bit(damage_ + p) : SlotMask(0));
}

SlotMask ContactIsolation::inputs() const {
    SlotMask m = 0;
    for (int p = 0; p < g_.np; ++p) m |= inputs(p);
    return m;
}

}  // namespace ssbsim
