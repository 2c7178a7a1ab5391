#include "models/cathode_p2d.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/constants.hpp"

namespace ssbsim {

using constants::F;
using constants::R;

CathodeP2D::CathodeP2D(const CellSpec& cell, const MeshSpec& mesh)
    : cell_(cell), ns_(mesh.separator), nc_(mesh.cathode), nr_(mesh.particle) {
    if (cell_.cam.inert)
        throw std::invalid_argument("the intercalation model needs an active (not inert) CAM");
    block_ = 3 + nr_;
    n_ = ns_ + nc_ * block_ + 3;
    hs_ = cell_.separator_thickness / ns_;
    hc_ = cell_.thickness / nc_;
    a_ = 3.0 * cell_.eps_cam / cell_.particle_radius;
    c_max_ = cell_.cam.c_max;
    dr_ = cell_.particle_radius / nr_;
    rf2_.resize(nr_);
    vol_.resize(nr_);
    shell_weight_.resize(nr_);
    const double Rp3 = std::pow(cell_.particle_radius, 3);
    for (int i = 0; i < nr_; ++i) {
        double ro = (i + 1) * dr_, ri = i * dr_;
        rf2_[i] = ro * ro;
        vol_[i] = (ro * ro * ro - ri * ri * ri) / 3.0;
        shell_weight_[i] = (ro * ro * ro - ri * ri * ri) / Rp3;
    }
    G_e_.resize(ns_ + nc_);
    sigma_.resize(nc_);
    dsigma_.resize(nc_);
    set_temperature(cell_.temperature);
}

// base * 10^factor(x) on a uniform grid x = k / n. The factor is piecewise linear, so
// inside a segment each grid step multiplies by a constant ratio: one pow per segment.
void CathodeP2D::fill_log_table(const Table1D& factor, double base, std::vector<double>& out) {
    if (factor.empty()) {
        out.clear();
        return;
    }
    constexpr int n = kPropertyTablePoints;
    out.resize(n + 1);
    const auto& kx = factor.x();
    size_t seg = 0;
    double ratio = 1.0, value = 0.0;
    int seg_start = -1;
    for (int k = 0; k <= n; ++k) {
        double x = static_cast<double>(k) / n;
        size_t s = seg;
        while (s + 1 < kx.size() && x >= kx[s + 1]) ++s;
        if (s != seg || seg_start < 0 || x <= kx.front() || x >= kx.back()) {
            seg = s;
            seg_start = k;
            value = base * std::pow(10.0, factor(x));
            double slope = 0.0;
            factor(x, &slope);
            bool in_segment = x > kx.front() && x < kx.back();
            ratio = in_segment ? std::pow(10.0, slope / n) : 1.0;
        } else {
            value *= ratio;
        }
        out[k] = value;
    }
}

void CathodeP2D::set_temperature(double T) {
    if (T == T_ && !first_temperature_) return;
    first_temperature_ = false;
    T_ = T;
    f_ = F / (R * T);
    // Ionic conductances. kappa_eff = kappa eps / tau (MODEL.md section 2).
    double k_sep = cell_.separator_electrolyte.ionic_conductivity.at(T) *
                   (1.0 - cell_.separator_porosity) / cell_.separator_tortuosity;
    double k_cat = cell_.electrolyte.ionic_conductivity.at(T) * cell_.eps_se / cell_.ionic_tortuosity;
    auto kappa = [&](int n) { return n < ns_ ? k_sep : k_cat; };
    auto width = [&](int n) { return n < ns_ ? hs_ : hc_; };
    G_e_[0] = kappa(0) / (0.5 * width(0));  // counter interface to first cell centre
    for (int n = 1; n < ns_ + nc_; ++n)
        G_e_[n] = 1.0 / (0.5 * width(n - 1) / kappa(n - 1) + 0.5 * width(n) / kappa(n));
    // Electronic: carbon network above its percolation threshold plus the CAM itself.
    sigma_carbon_eff_ = 0.0;
    if (cell_.has_carbon && cell_.eps_carbon > cell_.carbon.percolation_threshold)
        sigma_carbon_eff_ = cell_.carbon.conductivity * cell_.eps_carbon / cell_.electronic_tortuosity;
    cam_sigma_factor_ = cell_.eps_cam / cell_.electronic_tortuosity;
    sigma_cam_ref_ = cell_.cam.conductivity.at(T);
    cam_sigma_varies_ = !cell_.cam.conductivity_log10_factor.empty();
    fill_log_table(cell_.cam.conductivity_log10_factor, sigma_cam_ref_, sigma_table_);
    i0_ref_ = cell_.cam.exchange_current.at(T);
    D_ref_ = cell_.cam.diffusivity.at(T);
    fill_log_table(cell_.cam.diffusivity_log10_factor, D_ref_, D_table_);
    i0_counter_ = cell_.counter.exchange_current.at(T);
}

void CathodeP2D::set_control(ControlMode mode, double value) {
    mode_ = mode;
    control_value_ = value;
}

double CathodeP2D::conductivity_solid(double c_outer, double* dsdc) const {
    if (!cam_sigma_varies_) {
        *dsdc = 0.0;
        return sigma_carbon_eff_ + cam_sigma_factor_ * sigma_cam_ref_;
    }
    double ds = 0.0;
    double s = interpolate_uniform(sigma_table_, c_outer / c_max_, &ds);
    *dsdc = cam_sigma_factor_ * ds / c_max_;
    return sigma_carbon_eff_ + cam_sigma_factor_ * s;
}

// Electrolyte potential at x = 0 set by the counter electrode: Butler-Volmer (symmetric)
// plus its area-specific resistance; the charge current reduces the counter electrode.
double CathodeP2D::counter_potential(double i_app, double* dphidi) const {
    double z = i_app / (2.0 * i0_counter_);
    *dphidi = cell_.counter.area_resistance + (2.0 / f_) / (2.0 * i0_counter_) / std::sqrt(1 + z * z);
    return i_app * cell_.counter.area_resistance + (2.0 / f_) * std::asinh(z);
}

namespace {
// x^ac (1 - x)^aa, with the symmetric case (the usual one) as a single square root.
inline double kinetic_powers(double x, double ac, double aa) {
    if (ac == 0.5 && aa == 0.5) return std::sqrt(x * (1.0 - x));
    return std::pow(x, ac) * std::pow(1.0 - x, aa);
}
}  // namespace

bool CathodeP2D::residual(double /*t*/, const double* y, const double* yp, double* Fr) {
    const int N = ns_ + nc_;
    const double i_app = y[idx_current()];
    double dphib = 0.0;
    const double phi_b = counter_potential(i_app, &dphib);
    const auto& cam = cell_.cam;
    const double aa = cam.alpha_a, ac = cam.alpha_c;
    const double i0_norm = 1.0 / std::pow(0.5, aa + ac);

    for (int m = 0; m < nc_; ++m) sigma_[m] = conductivity_solid(y[idx_c(m, nr_ - 1)], &dsigma_[m]);

    // Electrolyte charge balance over all cells.
    for (int n = 0; n < N; ++n) {
        double phi = y[idx_phi_e(n)];
        double ie_left = n == 0 ? -G_e_[0] * (phi - phi_b) : -G_e_[n] * (phi - y[idx_phi_e(n - 1)]);
        double ie_right = n + 1 < N ? -G_e_[n + 1] * (y[idx_phi_e(n + 1)] - phi) : 0.0;
        double src = n >= ns_ ? hc_ * a_ * y[idx_j(n - ns_)] : 0.0;
        Fr[idx_phi_e(n)] = ie_right - ie_left - src;
    }
    // Solid charge balance, particle diffusion and kinetics per cathode cell.
    for (int m = 0; m < nc_; ++m) {
        double is_left = 0.0, is_right = -i_app;
        if (m > 0) {
            double G = 2.0 / (hc_ * (1.0 / sigma_[m - 1] + 1.0 / sigma_[m]));
            is_left = -G * (y[idx_phi_s(m)] - y[idx_phi_s(m - 1)]);
        }
        if (m + 1 < nc_) {
            double G = 2.0 / (hc_ * (1.0 / sigma_[m] + 1.0 / sigma_[m + 1]));
            is_right = -G * (y[idx_phi_s(m + 1)] - y[idx_phi_s(m)]);
        }
        const double j = y[idx_j(m)];
        Fr[idx_phi_s(m)] = is_right - is_left + hc_ * a_ * j;

        const double* c = y + idx_c(m, 0);
        const double* cp = yp + idx_c(m, 0);
        double* Fc = Fr + idx_c(m, 0);
        double q_in = 0.0;
        for (int i = 0; i < nr_; ++i) {
            double q_out;
            if (i + 1 < nr_) {
                double D = Ds(0.5 * (c[i] + c[i + 1]) / c_max_);
                q_out = rf2_[i] * D * (c[i + 1] - c[i]) / dr_;
            } else {
                q_out = -rf2_[i] * j / F;
            }
            Fc[i] = cp[i] - (q_out - q_in) / vol_[i];
            q_in = q_out;
        }
        // Surface concentration: linear extrapolation from the two outer shell centres
        // (second order; continuous in time, so a current step does not jump c_surf).
        double xs = (1.5 * c[nr_ - 1] - 0.5 * c[nr_ - 2]) / c_max_;
        double U = cam.ocv(xs);
        double xi = std::clamp(xs, 1e-12, 1.0 - 1e-12);
        double i0 = i0_ref_ * i0_norm * kinetic_powers(xi, ac, aa);
        double eta = y[idx_phi_s(m)] - y[idx_phi_e(ns_ + m)] - U - j * cell_.film_resistance;
        double jbv = i0 * (std::exp(aa * f_ * eta) - std::exp(-ac * f_ * eta));
        Fr[idx_j(m)] = j - jbv;
    }
    // Control, charge and energy.
    const int last = nc_ - 1;
    double V = potential_vs_li(y);
    double Vcell = V - cell_.counter.potential;
    switch (mode_) {
        case ControlMode::current: Fr[idx_current()] = i_app - control_value_; break;
        case ControlMode::voltage: Fr[idx_current()] = V - control_value_; break;
        case ControlMode::power: Fr[idx_current()] = i_app * Vcell - control_value_; break;
        case ControlMode::rest: Fr[idx_current()] = i_app; break;
    }
    (void)last;
    Fr[idx_charge()] = yp[idx_charge()] - i_app;
    Fr[idx_energy()] = yp[idx_energy()] - i_app * Vcell;
    for (int k = 0; k < n_; ++k)
        if (!std::isfinite(Fr[k])) return false;
    return true;
}

void CathodeP2D::jacobian(double /*t*/, double cj, const double* y, const double* /*yp*/,
                          JacobianAssembler& J) {
    const int N = ns_ + nc_;
    const double i_app = y[idx_current()];
    double dphib = 0.0;
    counter_potential(i_app, &dphib);
    const auto& cam = cell_.cam;
    const double aa = cam.alpha_a, ac = cam.alpha_c;
    const double i0_norm = 1.0 / std::pow(0.5, aa + ac);
    for (int m = 0; m < nc_; ++m) sigma_[m] = conductivity_solid(y[idx_c(m, nr_ - 1)], &dsigma_[m]);

    // Electrolyte rows.
    for (int n = 0; n < N; ++n) {
        int row = idx_phi_e(n);
        double diag = G_e_[n];  // from the left face (or counter face)
        if (n > 0) J.add(row, idx_phi_e(n - 1), -G_e_[n]);
        else J.add(row, idx_current(), -G_e_[0] * dphib);
        if (n + 1 < N) {
            diag += G_e_[n + 1];
            J.add(row, idx_phi_e(n + 1), -G_e_[n + 1]);
        }
        J.add(row, row, diag);
        if (n >= ns_) J.add(row, idx_j(n - ns_), -hc_ * a_);
    }
    for (int m = 0; m < nc_; ++m) {
        const int rs = idx_phi_s(m);
        // Solid rows: faces to the neighbours, with conductivities depending on c_outer.
        auto face = [&](int a, int b, double sign) {
            // Contribution of flux -G (phi_b - phi_a) at a face between a and b, entering
            // this row with `sign` (+1 for the right face, -1 for the left face).
            double inv = 1.0 / sigma_[a] + 1.0 / sigma_[b];
            double G = 2.0 / (hc_ * inv);
            double dphi = y[idx_phi_s(b)] - y[idx_phi_s(a)];
            J.add(rs, idx_phi_s(a), sign * G);
            J.add(rs, idx_phi_s(b), -sign * G);
            // dG/dsigma_k = G^2 hc / (2 sigma_k^2)
            double dGa = G * G * hc_ / (2 * sigma_[a] * sigma_[a]) * dsigma_[a];
            double dGb = G * G * hc_ / (2 * sigma_[b] * sigma_[b]) * dsigma_[b];
            J.add(rs, idx_c(a, nr_ - 1), -sign * dGa * dphi);
            J.add(rs, idx_c(b, nr_ - 1), -sign * dGb * dphi);
        };
        if (m + 1 < nc_) face(m, m + 1, +1.0);
        else J.add(rs, idx_current(), -1.0);
        if (m > 0) face(m - 1, m, -1.0);
        J.add(rs, idx_j(m), hc_ * a_);

        // Particle rows.
        const double* c = y + idx_c(m, 0);
        const double j = y[idx_j(m)];
        for (int i = 0; i < nr_; ++i) {
            int row = idx_c(m, i);
            J.add(row, row, cj);
            // Outer face of shell i.
            if (i + 1 < nr_) {
                double dD = 0.0;
                double D = Ds(0.5 * (c[i] + c[i + 1]) / c_max_, &dD);
                double dDdc = dD * 0.5 / c_max_;
                double g = c[i + 1] - c[i];
                double dq_dci = rf2_[i] / dr_ * (-D + dDdc * g);
                double dq_dcn = rf2_[i] / dr_ * (D + dDdc * g);
                // F_i -= q_out / vol_i ; F_{i+1} += q_out / vol_{i+1}
                J.add(row, row, -dq_dci / vol_[i]);
                J.add(row, row + 1, -dq_dcn / vol_[i]);
                J.add(row + 1, row, dq_dci / vol_[i + 1]);
                J.add(row + 1, row + 1, dq_dcn / vol_[i + 1]);
            } else {
                J.add(row, idx_j(m), rf2_[i] / F / vol_[i]);
            }
        }
        // Kinetics row.
        const int rj = idx_j(m);
        double xs = (1.5 * c[nr_ - 1] - 0.5 * c[nr_ - 2]) / c_max_;
        double dU = 0.0;
        double U = cam.ocv(xs, &dU);
        double xi = std::clamp(xs, 1e-12, 1.0 - 1e-12);
        double i0 = i0_ref_ * i0_norm * kinetic_powers(xi, ac, aa);
        double di0 = xi == xs ? i0 * (ac / xi - aa / (1.0 - xi)) : 0.0;
        double eta = y[idx_phi_s(m)] - y[idx_phi_e(ns_ + m)] - U - j * cell_.film_resistance;
        double e1 = std::exp(aa * f_ * eta), e2 = std::exp(-ac * f_ * eta);
        double g = e1 - e2;
        double dg = f_ * (aa * e1 + ac * e2);
        double dj_dxs = di0 * g - i0 * dg * dU;
        J.add(rj, idx_phi_s(m), -i0 * dg);
        J.add(rj, idx_phi_e(ns_ + m), i0 * dg);
        J.add(rj, rj, 1.0 + i0 * dg * cell_.film_resistance);
        J.add(rj, idx_c(m, nr_ - 1), -dj_dxs * 1.5 / c_max_);
        J.add(rj, idx_c(m, nr_ - 2), dj_dxs * 0.5 / c_max_);
    }
    // Control row: entries always present so the pattern is fixed.
    const int ri = idx_current(), last = nc_ - 1;
    double half = 0.5 * hc_ / sigma_[last];
    double dV_di = half + cell_.contact_resistance;
    double dV_dc = -i_app * 0.5 * hc_ / (sigma_[last] * sigma_[last]) * dsigma_[last];
    double Vcell = potential_vs_li(y) - cell_.counter.potential;
    double a_i = 0, a_phi = 0, a_c = 0;
    switch (mode_) {
        case ControlMode::current: a_i = 1.0; break;
        case ControlMode::rest: a_i = 1.0; break;
        case ControlMode::voltage: a_i = dV_di; a_phi = 1.0; a_c = dV_dc; break;
        case ControlMode::power:
            a_i = Vcell + i_app * dV_di; a_phi = i_app; a_c = i_app * dV_dc; break;
    }
    J.add(ri, ri, a_i);
    J.add(ri, idx_phi_s(last), a_phi);
    J.add(ri, idx_c(last, nr_ - 1), a_c);
    J.add(idx_charge(), idx_charge(), cj);
    J.add(idx_charge(), ri, -1.0);
    J.add(idx_energy(), idx_energy(), cj);
    J.add(idx_energy(), ri, -(Vcell + i_app * dV_di));
    J.add(idx_energy(), idx_phi_s(last), -i_app);
    J.add(idx_energy(), idx_c(last, nr_ - 1), -i_app * dV_dc);
}

void CathodeP2D::differential_ids(double* id) const {
    std::fill(id, id + n_, 0.0);
    for (int m = 0; m < nc_; ++m)
        for (int i = 0; i < nr_; ++i) id[idx_c(m, i)] = 1.0;
    id[idx_charge()] = 1.0;
    id[idx_energy()] = 1.0;
}

void CathodeP2D::absolute_tolerances(double s, double* atol) const {
    const double q_scale = cell_.loading * cell_.cam.theoretical_capacity;  // [C/m2]
    for (int n = 0; n < ns_; ++n) atol[n] = s;  // potentials, scale 1 V
    for (int m = 0; m < nc_; ++m) {
        atol[idx_phi_e(ns_ + m)] = s;
        atol[idx_phi_s(m)] = s;
        atol[idx_j(m)] = s;  // scale 1 A/m2
        for (int i = 0; i < nr_; ++i) atol[idx_c(m, i)] = s * c_max_;
    }
    atol[idx_current()] = s;
    atol[idx_charge()] = s * q_scale;
    atol[idx_energy()] = s * q_scale * 4.0;
}

std::string CathodeP2D::variable_name(int k) const {
    if (k < ns_) return "phi_e at separator cell " + std::to_string(k);
    if (k == idx_current()) return "current density i_app";
    if (k == idx_charge()) return "charge passed Q";
    if (k == idx_energy()) return "energy passed E";
    int m = (k - ns_) / block_, o = (k - ns_) % block_;
    std::string where = " at cathode cell " + std::to_string(m);
    if (o == 0) return "phi_e" + where;
    if (o == 1) return "phi_s" + where;
    if (o == 2) return "intercalation current j" + where;
    return "c_s[shell " + std::to_string(o - 3) + "]" + where;
}

void CathodeP2D::initial_state(double x0, double* y, double* yp) const {
    std::fill(y, y + n_, 0.0);
    std::fill(yp, yp + n_, 0.0);
    double U = cell_.cam.ocv(x0);
    for (int m = 0; m < nc_; ++m) {
        y[idx_phi_s(m)] = U;
        for (int i = 0; i < nr_; ++i) y[idx_c(m, i)] = x0 * c_max_;
    }
}

double CathodeP2D::potential_vs_li(const double* y) const {
    const int last = nc_ - 1;
    double ds = 0.0;
    double s = conductivity_solid(y[idx_c(last, nr_ - 1)], &ds);
    double i = y[idx_current()];
    return y[idx_phi_s(last)] + i * (0.5 * hc_ / s + cell_.contact_resistance);
}

double CathodeP2D::mean_stoichiometry(const double* y, int m) const {
    double s = 0.0;
    for (int i = 0; i < nr_; ++i) s += shell_weight_[i] * y[idx_c(m, i)];
    return s / c_max_;
}

double CathodeP2D::mean_stoichiometry(const double* y) const {
    double s = 0.0;
    for (int m = 0; m < nc_; ++m) s += mean_stoichiometry(y, m);
    return s / nc_;
}

double CathodeP2D::surface_stoichiometry(const double* y, int m) const {
    return (1.5 * y[idx_c(m, nr_ - 1)] - 0.5 * y[idx_c(m, nr_ - 2)]) / c_max_;
}

double CathodeP2D::lithium_in_solid(const double* y) const {
    return mean_stoichiometry(y) * c_max_ * cell_.eps_cam * cell_.thickness;
}

std::vector<double> CathodeP2D::cell_centres() const {
    std::vector<double> x(ns_ + nc_);
    for (int n = 0; n < ns_; ++n) x[n] = (n + 0.5) * hs_;
    for (int m = 0; m < nc_; ++m) x[ns_ + m] = cell_.separator_thickness + (m + 0.5) * hc_;
    return x;
}

}  // namespace ssbsim
