#include "models/electronic_conduction.hpp"

namespace ssbsim {

ElectronicConduction::ElectronicConduction(const CathodeGeometry& g)
    : g_(g), sigma_(g.nc), dsigma_(g.nc), dsigma_v_(g.nc) {}

void ElectronicConduction::declare(StateLayout& layout) {
    StateLayout::BlockSpec b;
    b.name = "phi_s";
    b.region = StateLayout::Region::cathode_cells;
    block_ = layout.add(b);
}

void ElectronicConduction::set_temperature(double T) {
    const CellSpec& cell = g_.cell;
    // The carbon network above its percolation threshold (or the composite's measured
    // effective electronic conductivity in its place) plus the CAM itself.
    sigma_carbon_eff_ = carbon_network_conductivity(cell, T);
    cam_sigma_factor_ = cell.eps_cam / cell.electronic_tortuosity;
    sigma_cam_ref_ = cell.cam.conductivity.at(T);
    cam_sigma_varies_ = !cell.cam.conductivity_log10_factor.empty();
    ParticleDiffusion::fill_log_table(cell.cam.conductivity_log10_factor, sigma_cam_ref_, sigma_table_);
}

double ElectronicConduction::conductivity(double c_outer, double* dsdc) const {
    if (!cam_sigma_varies_) {
        *dsdc = 0.0;
        return sigma_carbon_eff_ + cam_sigma_factor_ * sigma_cam_ref_;
    }
    double ds = 0.0;
    double s = ParticleDiffusion::interpolate_uniform(sigma_table_, c_outer / g_.c_max, &ds);
    *dsdc = cam_sigma_factor_ * ds / g_.c_max;
    return sigma_carbon_eff_ + cam_sigma_factor_ * s;
}

void ElectronicConduction::residual(const double* y, double i_app, const double* src, double* F) const {
    const int nc = g_.nc;
    const double hc = g_.hc;
    // Each face's conductance once: cell m's right face is cell m + 1's left one.
    double G_left = 0.0, inv_m = 1.0 / sigma_[0];
    for (int m = 0; m < nc; ++m) {
        double is_left = 0.0, is_right = -i_app;
        if (m > 0) is_left = -G_left * (y[index(m)] - y[index(m - 1)]);
        if (m + 1 < nc) {
            const double inv_next = 1.0 / sigma_[m + 1];
            const double G = 2.0 / (hc * (inv_m + inv_next));
            is_right = -G * (y[index(m + 1)] - y[index(m)]);
            G_left = G;
            inv_m = inv_next;
        }
        F[index(m)] = is_right - is_left + hc * src[m];
    }
}

void ElectronicConduction::jacobian(int m, const double* y, JacobianAssembler& J) const {
    const int rs = index(m), nr = g_.nr;
    const double hc = g_.hc;
    // Conductivities depend on c_outer (and the voids).
    auto face = [&](int a, int b, double sign) {
        double inv = 1.0 / sigma_[a] + 1.0 / sigma_[b];
        double G = 2.0 / (hc * inv);
        double dphi = y[index(b)] - y[index(a)];
        J.add(rs, index(a), sign * G);
        J.add(rs, index(b), -sign * G);
        double ka = G * G * hc / (2 * sigma_[a] * sigma_[a]);
        double kb = G * G * hc / (2 * sigma_[b] * sigma_[b]);
        J.add(rs, particle_->index(a, nr - 1), -sign * ka * dsigma_[a] * dphi);
        J.add(rs, particle_->index(b, nr - 1), -sign * kb * dsigma_[b] * dphi);
        if (chem_) {
            J.add(rs, chem_->row(a, void_), -sign * ka * dsigma_v_[a] * dphi);
            J.add(rs, chem_->row(b, void_), -sign * kb * dsigma_v_[b] * dphi);
        }
    };
    if (m + 1 < g_.nc) face(m, m + 1, +1.0);
    else J.add(rs, layout_->index(current_, 0), -1.0);
    if (m > 0) face(m - 1, m, -1.0);
}

double ElectronicConduction::collector_potential(const double* y, double i_app, double sigma_last) const {
    return y[index(g_.nc - 1)] + i_app * (0.5 * g_.hc / sigma_last + g_.cell.contact_resistance);
}

ElectronicConduction::CollectorSlope ElectronicConduction::collector_slope(double i_app) const {
    const int last = g_.nc - 1;
    CollectorSlope s;
    double half = 0.5 * g_.hc / sigma_[last];
    s.di = half + g_.cell.contact_resistance;
    s.dc = -i_app * 0.5 * g_.hc / (sigma_[last] * sigma_[last]) * dsigma_[last];
    s.dv = -i_app * 0.5 * g_.hc / (sigma_[last] * sigma_[last]) * dsigma_v_[last];
    return s;
}

void ElectronicConduction::tolerances(double s, double* atol) const {
    for (int m = 0; m < g_.nc; ++m) atol[index(m)] = s;  // potentials, scale 1 V
}

}  // namespace ssbsim
