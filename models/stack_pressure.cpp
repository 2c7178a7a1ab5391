#include "models/stack_pressure.hpp"

#include <algorithm>
#include <cmath>

#include "core/constants.hpp"

namespace ssbsim {

StackPressure::StackPressure(const CathodeGeometry& g, const ParticleDiffusion& particle) : g_(g), particle_(particle) {
    const CellSpec& c = g_.cell;
    P0_ = c.stack_pressure;
    dynamic_ = c.pressure_law.constraint == StackPressureLaw::Constraint::die;
    K_ = c.pressure_law.stiffness;
    // The floor's width: small against the pressure, so P = P_0 + K eps_v where it matters.
    width_ = std::min(0.1e6, 0.5 * P0_);
    breathing_ = g_.intercalating && !c.cam.volume_change.empty() && c.eps_cam > 0.0;
    if (breathing_) rel0_ = c.cam.volume_change(std::clamp(c.initial_stoichiometry, 0.0, 1.0));
    const auto& se = c.electrolyte;
    if (g_.chem && se.molar_volume > 0 && se.decomposed_molar_volume > 0)
        se_shrink_ = (se.molar_volume - se.decomposed_molar_volume) / (c.chemistry.se_electrons * constants::F);
}

void StackPressure::declare(StateLayout& layout) {
    if (!dynamic_) return;
    StateLayout::BlockSpec b;
    b.region = StateLayout::Region::global;
    b.name = "stack pressure P";
    block_ = layout.add(b);
}

void StackPressure::bind(const StateLayout& layout, std::vector<int> oxidation_rows) {
    if (!dynamic_) return;
    index_ = layout.index(block_, 0);
    oxidation_rows_ = std::move(oxidation_rows);
}

double StackPressure::cam_relative(double c, double* d_dc) const {
    const double x = c / g_.c_max;
    double dv = 0.0;
    const double rel = g_.cell.cam.volume_change(std::clamp(x, 0.0, 1.0), &dv);
    *d_dc = x < 0.0 || x > 1.0 ? 0.0 : dv / g_.c_max;
    return rel - rel0_;
}

double StackPressure::cam_volume_change(const double* y) const {
    if (!breathing_) return 0.0;
    double s = 0.0, d = 0.0;
    for (int m = 0; m < g_.nc; ++m) s += cam_relative(particle_.mean_concentration(y, m), &d);
    return s / g_.nc;
}

double StackPressure::strain(const double* y) const {
    double s = g_.cell.eps_cam * cam_volume_change(y);
    double q = 0.0;
    for (int r : oxidation_rows_) q += y[r];
    return s - se_shrink_ * q / g_.cell.thickness;
}

double StackPressure::law(double strain, double* slope) const {
    const double u = P0_ + K_ * strain;
    if (u >= width_) {
        *slope = K_;
        return u;
    }
    const double e = std::exp((u - width_) / width_);
    *slope = K_ * e;
    return width_ * e;
}

void StackPressure::residual(const double* y, double* F) const {
    if (!dynamic_) return;
    double slope = 0.0;
    F[index_] = y[index_] - law(strain(y), &slope);
}

void StackPressure::jacobian(const double* y, JacobianAssembler& J) const {
    if (!dynamic_) return;
    double slope = 0.0;
    law(strain(y), &slope);
    J.add(index_, index_, 1.0);
    if (breathing_) {
        // d(eps_v)/d(c_i) of cell m: eps_CAM / nc * (dV/V)'(x_m) * w_i (the mean's weights).
        const double per_cell = g_.cell.eps_cam / g_.nc;
        for (int m = 0; m < g_.nc; ++m) {
            double d = 0.0;
            cam_relative(particle_.mean_concentration(y, m), &d);
            for (int i = 0; i < g_.nr; ++i)
                J.add(index_, particle_.index(m, i), -slope * per_cell * d * particle_.shell_weight(i));
        }
    }
    for (int r : oxidation_rows_) J.add(index_, r, slope * se_shrink_ / g_.cell.thickness);
}

void StackPressure::tolerances(double s, double* atol) const {
    if (dynamic_) atol[index_] = s * std::max(P0_, 1e6);
}

void StackPressure::initial_state(double* y) const {
    if (!dynamic_) return;
    double slope = 0.0;
    y[index_] = law(strain(y), &slope);
}

}  // namespace ssbsim
