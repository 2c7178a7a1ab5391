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
    // The SE lost away from the CAM, less the share the void state already carries
    // (chemistry.interphase.off_cam_void_share, where there is CAM to hold voids: models/
    // interphase.hpp; exact while no products are reduced).
    const double in_voids = g_.a > 0.0 ? c.chemistry.off_cam_void_share : 0.0;
    carbon_shrink_ = se_shrink_ * c.chemistry.electrons_per_product * constants::F * (1.0 - in_voids);
    tpb_shrink_ = carbon_shrink_ * (1.0 - g_.tpb_cam_side);
}

void StackPressure::declare(StateLayout& layout) {
    if (!dynamic_) return;
    StateLayout::BlockSpec b;
    b.region = StateLayout::Region::cathode_cells;
    b.name = "CAM strain sum";
    b.reported = false;  // book-keeping
    s_block_ = layout.add(b);
    b.name = "stack pressure P";
    b.reported = true;
    p_block_ = layout.add(b);
}

void StackPressure::bind(const StateLayout& layout, const ChemistryRows* rows, int void_k, int carbon_rev_k,
                         int carbon_irr_k) {
    if (!dynamic_) return;
    layout_ = &layout;
    rows_ = rows;
    void_ = void_k;
    carbon_rev_ = carbon_rev_k;
    carbon_irr_ = carbon_irr_k;
    // The per-site product blocks hold carbon, TPB, CAM in that order.
    tpb_rev_ = carbon_rev_k + (site_tpb - site_carbon);
    tpb_irr_ = carbon_irr_k + (site_tpb - site_carbon);
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

double StackPressure::cell_strain(const double* y, int m, double* d_dc) const {
    *d_dc = 0.0;
    double e = breathing_ ? g_.cell.eps_cam * cam_relative(particle_.mean_concentration(y, m), d_dc) : 0.0;
    *d_dc *= g_.cell.eps_cam;
    if (rows_) {
        e -= g_.a * y[rows_->row(m, void_)] +
             carbon_shrink_ * (y[rows_->row(m, carbon_rev_)] + y[rows_->row(m, carbon_irr_)]);
        if (tpb_shrink_ > 0.0) e -= tpb_shrink_ * (y[rows_->row(m, tpb_rev_)] + y[rows_->row(m, tpb_irr_)]);
    }
    return e;
}

double StackPressure::strain(const double* y) const {
    double s = 0.0, d = 0.0;
    for (int m = 0; m < g_.nc; ++m) s += cell_strain(y, m, &d);
    return s / g_.nc;
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
    const int nc = g_.nc, last = nc - 1;
    double d = 0.0, slope = 0.0;
    for (int m = 0; m < nc; ++m) {
        F[strain_index(m)] = y[strain_index(m)] - (m > 0 ? y[strain_index(m - 1)] : 0.0) - cell_strain(y, m, &d) / nc;
        if (m < last) F[index(m)] = y[index(m)] - y[index(m + 1)];
    }
    F[index(last)] = y[index(last)] - law(y[strain_index(last)], &slope);
}

void StackPressure::jacobian(const double* y, JacobianAssembler& J) const {
    if (!dynamic_) return;
    const int nc = g_.nc, last = nc - 1;
    for (int m = 0; m < nc; ++m) {
        const int rs = strain_index(m), rp = index(m);
        J.add(rs, rs, 1.0);
        if (m > 0) J.add(rs, strain_index(m - 1), -1.0);
        double d = 0.0;
        cell_strain(y, m, &d);
        // d(e_m)/d(c_p,i) = eps_CAM (dV/V)'(x_m) w_i / (c_max N_p) (the mean's weights; x_m
        // the mean over the cell's populations, equal shares).
        if (breathing_)
            for (int p = 0; p < g_.np; ++p)
                for (int i = 0; i < g_.nr; ++i)
                    J.add(rs, particle_.index(m, p, i), -d * particle_.shell_weight(i) / (nc * g_.np));
        if (rows_) {
            J.add(rs, rows_->row(m, void_), g_.a / nc);
            J.add(rs, rows_->row(m, carbon_rev_), carbon_shrink_ / nc);
            J.add(rs, rows_->row(m, carbon_irr_), carbon_shrink_ / nc);
            if (tpb_shrink_ > 0.0) {
                J.add(rs, rows_->row(m, tpb_rev_), tpb_shrink_ / nc);
                J.add(rs, rows_->row(m, tpb_irr_), tpb_shrink_ / nc);
            }
        }
        J.add(rp, rp, 1.0);
        if (m < last) J.add(rp, index(m + 1), -1.0);
    }
    double slope = 0.0;
    law(y[strain_index(last)], &slope);
    J.add(index(last), strain_index(last), -slope);
}

void StackPressure::tolerances(double s, double* atol) const {
    if (!dynamic_) return;
    for (int m = 0; m < g_.nc; ++m) {
        atol[index(m)] = s * std::max(P0_, 1e6);  // [Pa]
        atol[strain_index(m)] = s * 1e-4;         // strain ~1e-2
    }
}

void StackPressure::initial_state(double* y) const {
    if (!dynamic_) return;
    double sum = 0.0, d = 0.0;
    for (int m = 0; m < g_.nc; ++m) {
        sum += cell_strain(y, m, &d) / g_.nc;
        y[strain_index(m)] = sum;
    }
    double slope = 0.0;
    const double P = law(sum, &slope);
    for (int m = 0; m < g_.nc; ++m) y[index(m)] = P;
}

}  // namespace ssbsim
