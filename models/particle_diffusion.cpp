#include "models/particle_diffusion.hpp"

#include <cmath>
#include <string>

namespace ssbsim {

ParticleDiffusion::ParticleDiffusion(const CathodeGeometry& g) : g_(g) {
    const int nr = g_.nr;
    dr_ = g_.cell.particle_radius / nr;
    rf2_.resize(nr);
    vol_.resize(nr);
    shell_weight_.resize(nr);
    const double Rp3 = std::pow(g_.cell.particle_radius, 3);
    for (int i = 0; i < nr; ++i) {
        double ro = (i + 1) * dr_, ri = i * dr_;
        rf2_[i] = ro * ro;
        vol_[i] = (ro * ro * ro - ri * ri * ri) / 3.0;
        shell_weight_[i] = (ro * ro * ro - ri * ri * ri) / Rp3;
    }
    // The residual's per-face and per-shell factors, so that its loop multiplies only.
    face_coef_.resize(nr);
    inv_vol_.resize(nr);
    for (int i = 0; i < nr; ++i) {
        face_coef_[i] = rf2_[i] / dr_;
        inv_vol_[i] = 1.0 / vol_[i];
    }
    table_scale_ = 0.5 * kPropertyTablePoints / g_.c_max;
}

void ParticleDiffusion::declare(StateLayout& layout) {
    StateLayout::BlockSpec b;
    b.name = "c_s";
    b.region = StateLayout::Region::cathode_cells;
    b.components = g_.nr * g_.np;
    b.component_label = "shell";
    if (g_.np > 1)
        for (int p = 0; p < g_.np; ++p)
            for (int i = 0; i < g_.nr; ++i)
                b.component_names.push_back("c_s[pop " + std::to_string(p) + ", shell " + std::to_string(i) + "]");
    b.differential = true;
    block_ = layout.add(b);
}

// base * 10^factor(x) on a uniform grid x = k / n. The factor is piecewise linear, so
// inside a segment each grid step multiplies by a constant ratio: one pow per segment.
void ParticleDiffusion::fill_log_table(const Table1D& factor, double base, std::vector<double>& out) {
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

void ParticleDiffusion::set_temperature(double T) {
    D_ref_ = g_.intercalating ? g_.cell.cam.diffusivity.at(T) : 0.0;
    fill_log_table(g_.intercalating ? g_.cell.cam.diffusivity_log10_factor : Table1D(), D_ref_, D_table_);
}


void ParticleDiffusion::residual(int m, int p, const double* y, const double* yp, double surf_flux,
                                 double* F) const {
    const int first = index(m, p, 0), nr = g_.nr;
    const double* c = y + first;
    const double* cp = yp + first;
    double* Fc = F + first;
    const double* face = face_coef_.data();
    const double* inv_vol = inv_vol_.data();
    double q_in = 0.0;
    if (D_table_.empty()) {
        for (int i = 0; i + 1 < nr; ++i) {
            const double q_out = face[i] * D_ref_ * (c[i + 1] - c[i]);
            Fc[i] = cp[i] - (q_out - q_in) * inv_vol[i];
            q_in = q_out;
        }
    } else {
        // D_s at the face's mean stoichiometry, interpolate_uniform's arithmetic with the
        // scale (1/2) n / c_max folded into one factor.
        const double* t = D_table_.data();
        const int n = static_cast<int>(D_table_.size()) - 1;
        const double scale = table_scale_;
        for (int i = 0; i + 1 < nr; ++i) {
            double u = (c[i] + c[i + 1]) * scale;
            u = !(u > 0.0) ? 0.0 : (u > n ? n : u);  // NaN too: see interpolate_uniform
            int k = static_cast<int>(u);
            if (k == n) k = n - 1;
            const double D = t[k] + (t[k + 1] - t[k]) * (u - k);
            const double q_out = face[i] * D * (c[i + 1] - c[i]);
            Fc[i] = cp[i] - (q_out - q_in) * inv_vol[i];
            q_in = q_out;
        }
    }
    const double q_out = -rf2_[nr - 1] * surf_flux;  // the outer face carries the interfacial flux
    Fc[nr - 1] = cp[nr - 1] - (q_out - q_in) * inv_vol[nr - 1];
}

void ParticleDiffusion::jacobian(int m, int p, const double* y, double cj, JacobianAssembler& J) const {
    const int first = index(m, p, 0), nr = g_.nr;
    const double* c = y + first;
    for (int i = 0; i < nr; ++i) {
        int row = first + i;
        J.add(row, row, cj);
        if (i + 1 < nr) {
            double dD = 0.0;
            double D = Ds(0.5 * (c[i] + c[i + 1]) / g_.c_max, &dD);
            double dDdc = dD * 0.5 / g_.c_max;
            double gr = c[i + 1] - c[i];
            double dq_dci = rf2_[i] / dr_ * (-D + dDdc * gr);
            double dq_dcn = rf2_[i] / dr_ * (D + dDdc * gr);
            J.add(row, row, -dq_dci / vol_[i]);
            J.add(row, row + 1, -dq_dcn / vol_[i]);
            J.add(row + 1, row, dq_dci / vol_[i + 1]);
            J.add(row + 1, row + 1, dq_dcn / vol_[i + 1]);
        }
    }
}

double ParticleDiffusion::mean_concentration(const double* y, int m, int p) const {
    double s = 0.0;
    for (int i = 0; i < g_.nr; ++i) s += shell_weight_[i] * y[index(m, p, i)];
    return s;
}

double ParticleDiffusion::mean_concentration(const double* y, int m) const {
    if (g_.np == 1) return mean_concentration(y, m, 0);
    double s = 0.0;
    for (int p = 0; p < g_.np; ++p) s += mean_concentration(y, m, p);
    return s / g_.np;
}

double ParticleDiffusion::surface_stoichiometry(const double* y, int m, int p) const {
    return (1.5 * y[index(m, p, g_.nr - 1)] - 0.5 * y[index(m, p, g_.nr - 2)]) / g_.c_max;
}

double ParticleDiffusion::surface_stoichiometry(const double* y, int m) const {
    if (g_.np == 1) return surface_stoichiometry(y, m, 0);
    double s = 0.0;
    for (int p = 0; p < g_.np; ++p) s += surface_stoichiometry(y, m, p);
    return s / g_.np;
}

void ParticleDiffusion::tolerances(double s, double* atol) const {
    const double c_scale = g_.intercalating ? g_.c_max : 1.0;
    for (int m = 0; m < g_.nc; ++m)
        for (int i = 0; i < g_.nr * g_.np; ++i) atol[index(m, i)] = s * c_scale;
}

}  // namespace ssbsim
