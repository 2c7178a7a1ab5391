#include "models/ionic_conduction.hpp"

namespace ssbsim {

void IonicConduction::declare(StateLayout& layout) {
    StateLayout::BlockSpec b;
    b.name = "phi_e";
    b.region = StateLayout::Region::all_cells;
    block_ = layout.add(b);
}

void IonicConduction::set_temperature(double T) {
    // kappa_eff = kappa eps / tau (MODEL.md section 2).
    const CellSpec& cell = g_.cell;
    double k_sep = cell.separator_electrolyte.ionic_conductivity.at(T) *
                   (1.0 - cell.separator_porosity) / cell.separator_tortuosity;
    // Or the composite's measured effective conductivity (params/cell.hpp).
    double k_cat = effective_ionic_conductivity(cell, T);
    auto kappa = [&](int n) { return n < g_.ns ? k_sep : k_cat; };
    auto width = [&](int n) { return n < g_.ns ? g_.hs : g_.hc; };
    G_[0] = kappa(0) / (0.5 * width(0));  // counter interface to first cell centre
    for (int n = 1; n < g_.ns + g_.nc; ++n)
        G_[n] = 1.0 / (0.5 * width(n - 1) / kappa(n - 1) + 0.5 * width(n) / kappa(n));
}

void IonicConduction::residual(const double* y, double phi_b, const double* src, double* F) const {
    const int N = g_.ns + g_.nc;
    const int* row = rows_.data();
    for (int n = 0; n < N; ++n) {
        double phi = y[row[n]];
        double ie_left = n == 0 ? -G_[0] * (phi - phi_b) : -G_[n] * (phi - y[row[n - 1]]);
        double ie_right = n + 1 < N ? -G_[n + 1] * (y[row[n + 1]] - phi) : 0.0;
        double s = n >= g_.ns ? g_.hc * src[n - g_.ns] : 0.0;
        F[row[n]] = ie_right - ie_left - s;
    }
}

void IonicConduction::jacobian(double dphib, JacobianAssembler& J) const {
    const int N = g_.ns + g_.nc;
    for (int n = 0; n < N; ++n) {
        int row = index(n);
        double diag = G_[n];
        if (n > 0) J.add(row, index(n - 1), -G_[n]);
        else J.add(row, layout_->index(current_, 0), -G_[0] * dphib);
        if (n + 1 < N) {
            diag += G_[n + 1];
            J.add(row, index(n + 1), -G_[n + 1]);
        }
        J.add(row, row, diag);
    }
}

void IonicConduction::tolerances(double s, double* atol) const {
    for (int n = 0; n < g_.ns + g_.nc; ++n) atol[index(n)] = s;  // potentials, scale 1 V
}

}  // namespace ssbsim
