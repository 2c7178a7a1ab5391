#include "models/double_layer.hpp"

namespace ssbsim {

void add_double_layer(const CathodeP2D& model, LinearisedDae& lin) {
    const double C = model.cell().cam.double_layer_capacitance;  // [F/m2 of CAM]
    if (!(C > 0) || !model.intercalating()) return;
    const int ns = model.n_separator();
    for (int m = 0; m < model.n_cathode(); ++m) {
        const int re = model.idx_phi_e(ns + m), rs = model.idx_phi_s(m);
        for (int p = 0; p < model.n_populations(); ++p) {
            const int cj = model.idx_j(m, p);
            // The charge balances carry -h_c a_p j_p (electrolyte) and +h_c a_p j_p (solid):
            // their j entries are the connected area of the population times the width,
            // with the sign of each row. The capacitive current a_p C d(dphi)/dt joins them.
            const double ke = lin.a(re, cj) * C, ks = lin.a(rs, cj) * C;
            lin.add_b(re, rs, ke);
            lin.add_b(re, re, -ke);
            lin.add_b(rs, rs, ks);
            lin.add_b(rs, re, -ks);
        }
    }
}

std::complex<double> counter_double_layer_correction(const CathodeP2D& model, double i_app, double omega) {
    const double C = model.cell().counter.double_layer_capacitance;  // [F/m2 of cell]
    if (!(C > 0)) return 0.0;
    double dphidi = 0;
    model.counter().potential(i_app, &dphidi);
    const double r_ct = dphidi - model.cell().counter.area_resistance;  // [ohm m2]
    const std::complex<double> z = r_ct / std::complex<double>(1.0, omega * r_ct * C);
    return z - r_ct;
}

}  // namespace ssbsim
