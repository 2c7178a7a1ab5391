#include "models/double_layer.hpp"

namespace ssbsim {

namespace {

// Below this film resistance [ohm m2 of CAM] the film is no element of its own (its node
// would carry 1/R_f): the double layer then sits across dphi.
constexpr double kMinFilmResistance = 1e-9;

// The film of population p in cathode cell m as R_f || C_f between the solid and a node
// v_f behind it, the double layer C across the interface (dphi - v_f), the faradaic
// current j through the interface: an added unknown v_f with the row
//   v_f / R_f + C_f v_f' - j - C (dphi - v_f)' = 0,
// and the kinetics' overpotential dphi - U - v_f instead of dphi - U - j R_f.
void add_film_node(LinearisedDae& lin, int re, int rs, int cj, double R_f, double C, double C_f, double ke,
                   double ks) {
    const int v = lin.add_unknowns(1);
    const double dkin_deta = lin.a(cj, rs);  // d(kinetics residual)/d(eta) = d/d(phi_s)
    lin.add_a(cj, cj, R_f * dkin_deta);      // j no longer enters eta through R_f
    lin.add_a(cj, v, -dkin_deta);
    lin.add_a(v, v, 1.0 / R_f);
    lin.add_a(v, cj, -1.0);
    lin.add_b(v, v, C_f + C);
    lin.add_b(v, rs, -C);
    lin.add_b(v, re, C);
    // The charge balances carry j + C (dphi - v_f)': the film's whole current.
    lin.add_b(re, rs, ke * C);
    lin.add_b(re, re, -ke * C);
    lin.add_b(re, v, -ke * C);
    lin.add_b(rs, rs, ks * C);
    lin.add_b(rs, re, -ks * C);
    lin.add_b(rs, v, -ks * C);
}

}  // namespace

void add_double_layer(const CathodeP2D& model, LinearisedDae& lin) {
    const double C = model.cell().cam.double_layer_capacitance;  // [F/m2 of CAM]
    const double C_f = model.cell().film_capacitance;            // [F/m2 of CAM]
    if (!model.intercalating()) return;
    const int ns = model.n_separator();
    for (int m = 0; m < model.n_cathode(); ++m) {
        const int re = model.idx_phi_e(ns + m), rs = model.idx_phi_s(m);
        for (int p = 0; p < model.n_populations(); ++p) {
            const int cj = model.idx_j(m, p);
            // The charge balances carry -h_c a_p j_p (electrolyte) and +h_c a_p j_p (solid):
            // their j entries are the connected area of the population times the width,
            // with the sign of each row. The capacitive currents join them on that area.
            const double ke = lin.a(re, cj), ks = lin.a(rs, cj);
            // The kinetics row j - s jbv(dphi - U - j R_f): d/dj = 1 + s jbv' R_f and
            // d/d(phi_s) = -s jbv', so R_f = (d/dj - 1) / (-d/d(phi_s)).
            const double dkin_dphi = lin.a(cj, rs);
            const double R_f = dkin_dphi != 0 ? (lin.a(cj, cj) - 1.0) / -dkin_dphi : 0.0;
            if (R_f > kMinFilmResistance && ke != 0) {
                add_film_node(lin, re, rs, cj, R_f, C, C_f, ke, ks);
                continue;
            }
            if (!(C > 0)) continue;
            lin.add_b(re, rs, ke * C);
            lin.add_b(re, re, -ke * C);
            lin.add_b(rs, rs, ks * C);
            lin.add_b(rs, re, -ks * C);
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
