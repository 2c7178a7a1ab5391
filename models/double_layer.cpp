#include "models/double_layer.hpp"

#include <algorithm>

namespace ssbsim {

namespace {

// Below this film resistance [ohm m2 of CAM] the film is no element of its own (its node
// would carry 1/R_f): the double layer then sits across dphi.
constexpr double kMinFilmResistance = 1e-9;
// The vacuum permittivity [F/m] (CODATA 2018).
constexpr double kVacuumPermittivity = 8.8541878128e-12;

// One R || C element of the film [ohm m2, F/m2 of CAM].
struct FilmElement {
    double R = 0, C = 0;
};

// The film of population p in cathode cell m as R_k || C_k elements in series between the
// solid and the interface behind them (potentials v_k across each), the double layer C
// across the interface (dphi - sum v), the faradaic current j through it: per element an
// added unknown v_k with the row
//   v_k / R_k + C_k v_k' - j - C (dphi - sum_l v_l)' = 0,
// and the kinetics' overpotential dphi - U - sum v instead of dphi - U - j sum R_k.
void add_film_nodes(LinearisedDae& lin, int re, int rs, int cj, const FilmElement* el, int n, double C, double ke,
                    double ks) {
    const double dkin_deta = lin.a(cj, rs);  // d(kinetics residual)/d(eta) = d/d(phi_s)
    const int v0 = lin.add_unknowns(n);
    for (int k = 0; k < n; ++k) {
        const int v = v0 + k;
        lin.add_a(cj, cj, el[k].R * dkin_deta);  // j no longer enters eta through R_k
        lin.add_a(cj, v, -dkin_deta);
        lin.add_a(v, v, 1.0 / el[k].R);
        lin.add_a(v, cj, -1.0);
        lin.add_b(v, v, el[k].C);
        lin.add_b(v, rs, -C);
        lin.add_b(v, re, C);
        for (int l = 0; l < n; ++l) lin.add_b(v, v0 + l, C);
    }
    // The charge balances carry j + C (dphi - sum v)': the film's whole current.
    lin.add_b(re, rs, ke * C);
    lin.add_b(re, re, -ke * C);
    lin.add_b(rs, rs, ks * C);
    lin.add_b(rs, re, -ks * C);
    for (int l = 0; l < n; ++l) {
        lin.add_b(re, v0 + l, -ke * C);
        lin.add_b(rs, v0 + l, -ks * C);
    }
}

// The film elements of cathode cell m from its total resistance R_f (read off the kinetics
// row): the grown interphase delta / kappa || eps0 eps_r / delta (a plate capacitor of its
// own thickness) and what remains of R_f (R_film,0 and a coating) || cell.cathode.
// film_capacitance. Elements below kMinFilmResistance are left out. Returns their count.
int film_elements(const CathodeP2D& model, const double* y, int m, double R_f, FilmElement* el) {
    double R_grown = 0, C_grown = 0;
    if (model.chemistry()) {
        const ChemistrySpec& ch = model.cell().chemistry;
        const double delta = y[model.idx_x(m, CathodeP2D::x_film)];  // [m]
        if (delta > 0) {
            R_grown = std::min(R_f, delta / ch.film_conductivity.at(model.temperature()));
            C_grown = kVacuumPermittivity * ch.film_permittivity / delta;
        }
    }
    int n = 0;
    if (R_f - R_grown > kMinFilmResistance) el[n++] = {R_f - R_grown, model.cell().film_capacitance};
    if (R_grown > kMinFilmResistance) el[n++] = {R_grown, C_grown};
    return n;
}

}  // namespace

void add_double_layer(const CathodeP2D& model, const double* y, LinearisedDae& lin) {
    const double C = model.cell().cam.double_layer_capacitance;  // [F/m2 of CAM]
    // With cell.double_layer the DAE holds the double layers: the spectrum is its own.
    if (!model.intercalating() || model.cell().double_layer) return;
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
            FilmElement el[2];
            const int n = R_f > kMinFilmResistance && ke != 0 ? film_elements(model, y, m, R_f, el) : 0;
            if (n > 0) {
                add_film_nodes(lin, re, rs, cj, el, n, C, ke, ks);
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
    if (!(C > 0) || model.cell().double_layer) return 0.0;
    double dphidi = 0;
    model.counter().potential(i_app, &dphidi);
    const double r_ct = dphidi - model.cell().counter.area_resistance;  // [ohm m2]
    const std::complex<double> z = r_ct / std::complex<double>(1.0, omega * r_ct * C);
    return z - r_ct;
}

}  // namespace ssbsim
