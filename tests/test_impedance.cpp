// Impedance spectra (issue #14 part 1): the linearised DAE against an equivalent circuit,
// against a time-domain sine, Kramers-Kronig consistency, ageing, the EIS step, the files.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <complex>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/constants.hpp"
#include "analysis/fit.hpp"
#include "analysis/metrics.hpp"
#include "analysis/spectrum_import.hpp"
#include "analysis/validation.hpp"
#include "core/error.hpp"
#include "io/checkpoint.hpp"
#include "io/result_writer.hpp"
#include "io/spectra.hpp"
#include "models/double_layer.hpp"
#include "numerics/ida_integrator.hpp"
#include "numerics/impedance.hpp"
#include "params/emit.hpp"
#include "params/protocol.hpp"
#include "run/checkpoint.hpp"
#include "run/impedance.hpp"
#include "test_support.hpp"

namespace ssbsim {
namespace {

using Complex = std::complex<double>;
using test::load_text;

// The equivalent-circuit limit asks for agreement to 1e-6 relative (issue #14).
constexpr double kCircuitTolerance = 1e-6;
// A time-domain sine against the linearised impedance (issue #14: within 1 %).
constexpr double kSineTolerance = 0.01;
// Linear Kramers-Kronig test (Schoenleber et al. 2014): residuals below 1 % of |Z|.
constexpr double kKramersKronigTolerance = 0.01;

// Two cathode cells, diffusion and electrons fast: the cell is the separator, the counter
// electrode (R_asr + R_ct,ce || C_ce) and a two-rung ladder: per cathode cell one interface
// C_dl || (R_ct + 1/(j w C_chem)) to an ideal solid rail, the cells joined by the
// electrolyte between their centres.
const char* kCircuitCell = R"(
name: "equivalent-circuit limit"
materials:
  - name: FastNMC
    kind: active
    density: "4179.78 kg/m3"
    c_max: "35380 mol/m3"
    theoretical_capacity: "278 mAh/g"
    ocv: {type: nmc532_mohtat2020}
    diffusivity: {reference: "1e-6 m2/s"}
    exchange_current: {reference: "2.7 A/m2"}
    electronic_conductivity: {reference: "100 S/m"}
    double_layer_capacitance: "20 uF/cm2"
  - name: Wire
    kind: carbon
    density: "1800 kg/m3"
    specific_surface_area: "0 m2/g"
    conductivity: "1e7 S/m"
  - name: FastSE
    kind: electrolyte
    density: "1600 kg/m3"
    ionic_conductivity: {reference: "1e5 S/m"}
  - name: FastLi
    kind: counter
    potential: "0 V"
    exchange_current_density: "1e3 A/m2"
    area_specific_resistance: "1 ohm cm2"
    double_layer_capacitance: "50 uF/cm2"
cell:
  area: "1 cm2"
  temperature: "298.15 K"
  counter_electrode: FastLi
  separator: {thickness: "10 um", electrolyte: FastSE, porosity: 0.5, tortuosity: 1.0}
  cathode:
    active_material: FastNMC
    electrolyte: FastSE
    carbon: Wire
    composition: {basis: volume, active_material: 0.5, electrolyte: 0.3, carbon: 0.2}
    porosity: 0.0
    loading: "10 mg/cm2"
    particle_radius: "3 um"
    initial_stoichiometry: 0.6
mesh: {separator: 2, cathode: 2, particle: 5}
solver: {rtol: 1.0e-8, atol: 1.0e-10}
protocol:
  steps:
    - EIS from 100 kHz to 10 mHz, 5 points per decade
    - {eis: {from: 100 kHz, to: 10 mHz, points_per_decade: 5, amplitude: 0.01 mA/cm2, mode: galvanostatic}}
)";

// The closed form of kCircuitCell's impedance [ohm m2] at angular frequency w; `grown`: a
// further film element R_g || C_g in series with the fixed film [ohm m2, F/m2 of CAM].
Complex circuit_impedance(const SimulationConfig& c, double w, double r_g = 0, double c_g = 0) {
    const CellSpec& cell = c.cell;
    const double T = cell.temperature, f = constants::F / (constants::R * T);
    const double x = cell.initial_stoichiometry, h = cell.thickness / c.mesh.cathode;
    // i0 = i0_ref x^0.5 (1 - x)^0.5 / 0.5 (models/intercalation.hpp); dj/deta = i0 f.
    const double i0 = cell.cam.exchange_current.at(T) * std::sqrt(x * (1 - x)) / 0.5;
    const double ah = 3.0 * cell.eps_cam / cell.particle_radius * h;  // CAM area per cell area, one cell
    double dUdx = 0;
    cell.cam.ocv(x, &dUdx);
    // Per CAM area: film R_f || C_f, then C_dl || (R_ct + 1/(j w C_chem)).
    const double r_ct = 1.0 / (i0 * f), c_chem = constants::F * cell.cam.c_max * cell.particle_radius / 3.0 / (-dUdx);
    const double r_f = cell.film_resistance, c_f = cell.film_capacitance, c_dl = cell.cam.double_layer_capacitance;
    const Complex j(0.0, 1.0);
    const Complex z_int = r_f / (1.0 + j * w * r_f * c_f) + r_g / (1.0 + j * w * r_g * c_g) +
                          1.0 / (j * w * c_dl + 1.0 / (r_ct + 1.0 / (j * w * c_chem)));
    const Complex y_cell = ah / z_int;  // one rung [S/m2 of cell]
    // Ions: separator and half a cathode cell to the first centre, a whole cell between them.
    const double k_sep = cell.separator_electrolyte.ionic_conductivity.at(T) * (1 - cell.separator_porosity) /
                         cell.separator_tortuosity;
    const double k_cat = effective_ionic_conductivity(cell, T);
    const double r_a = cell.separator_thickness / k_sep + 0.5 * h / k_cat, r_b = h / k_cat;
    // Counter electrode: d/di of (2/f) asinh(i / 2 i0) at i = 0.
    const double r_ce = 1.0 / (f * cell.counter.exchange_current.at(T));
    const Complex z_ce = cell.counter.area_resistance + r_ce / Complex(1.0, w * r_ce * cell.counter.double_layer_capacitance);
    return z_ce + r_a + 1.0 / (y_cell + 1.0 / (r_b + 1.0 / y_cell));
}

// The linearised spectra of config text `text` against circuit_impedance.
void expect_circuit(const std::string& text) {
    const SimulationConfig c = load_text(text);
    Simulation sim(c);
    const RunResult r = sim.run();
    ASSERT_EQ(r.status, RunStatus::complete) << r.message;
    ASSERT_EQ(r.spectra.size(), 2u);
    for (const Spectrum& z : r.spectra) {
        ASSERT_EQ(z.frequency.size(), 36u);  // 7 decades x 5 + 1
        EXPECT_DOUBLE_EQ(z.frequency.front(), 1e5);
        EXPECT_NEAR(z.frequency.back(), 1e-2, 1e-15);
        for (std::size_t k = 0; k < z.frequency.size(); ++k) {
            const Complex expected = circuit_impedance(c, 2 * constants::pi * z.frequency[k]);
            const Complex got(z.z_real[k], z.z_imag[k]);
            EXPECT_LT(std::abs(got - expected) / std::abs(expected), kCircuitTolerance)
                << (z.galvanostatic ? "galvanostatic" : "potentiostatic") << " at " << z.frequency[k]
                << " Hz: " << got << " vs " << expected;
        }
    }
    EXPECT_FALSE(r.spectra[0].galvanostatic);
    EXPECT_TRUE(r.spectra[1].galvanostatic);
    EXPECT_EQ(r.steps.size(), 2u);
    EXPECT_EQ(r.steps[0].end_reason, "impedance spectrum");
    EXPECT_EQ(r.final_time, 0.0);  // an EIS step takes no simulated time
}

TEST(Impedance, EquivalentCircuitLimitMatchesClosedForm) { expect_circuit(kCircuitCell); }

TEST(Impedance, EquivalentCircuitWithAFilmMatchesClosedForm) {
    // The film R_f || C_f in series with the interface: a second arc.
    std::string text = kCircuitCell;
    const std::string at = "    initial_stoichiometry: 0.6\n";
    text.replace(text.find(at), at.size(), at + "    film_resistance: \"0.01 ohm m2\"\n    film_capacitance: \"1 uF/cm2\"\n");
    expect_circuit(text);
}

// The film the chemistry grows is its own element: delta / kappa_int || eps0 eps_r / delta
// (a plate capacitor of its thickness, chemistry.interphase.permittivity), in series with the
// fixed film (film_resistance || film_capacitance): the closed form to 1e-6 at delta = 5 nm.
TEST(Impedance, GrownFilmHasThePlateCapacitanceOfItsThickness) {
    std::string text = kCircuitCell;
    const std::string at = "    initial_stoichiometry: 0.6\n";
    text.replace(text.find(at), at.size(), at + "    film_resistance: \"0.01 ohm m2\"\n    film_capacitance: \"1 uF/cm2\"\n");
    // The chemistry with no reaction (every rate 0): the film state and its law only.
    text.replace(text.find("mesh:"), 0, "chemistry:\n  interphase: {permittivity: 25}\n");
    const SimulationConfig c = load_text(text);
    ASSERT_DOUBLE_EQ(c.cell.chemistry.film_permittivity, 25.0);
    CathodeP2D model(c.cell, c.mesh);
    ASSERT_TRUE(model.chemistry());
    model.set_temperature(c.cell.temperature);
    std::vector<double> y(model.size()), yp(model.size());
    model.initial_state(c.cell.initial_stoichiometry, y.data(), yp.data());
    const double delta = 5e-9;  // [m]
    for (int m = 0; m < model.n_cathode(); ++m) y[model.idx_x(m, CathodeP2D::x_film)] = delta;
    const double r_g = delta / c.cell.chemistry.film_conductivity.at(c.cell.temperature);
    const double c_g = 8.8541878128e-12 * 25.0 / delta;  // [F/m2]
    EisSpec eis;
    eis.f_max = 1e5, eis.f_min = 1e-2, eis.points_per_decade = 5;
    const Spectrum z = impedance_spectrum(model, eis, 0.0, y.data(), yp.data());
    for (std::size_t k = 0; k < z.frequency.size(); ++k) {
        const double w = 2 * constants::pi * z.frequency[k];
        const Complex expected = circuit_impedance(c, w, r_g, c_g), got(z.z_real[k], z.z_imag[k]);
        EXPECT_LT(std::abs(got - expected) / std::abs(expected), kCircuitTolerance)
            << z.frequency[k] << " Hz: " << got << " vs " << expected;
    }
    // The key: read, emitted when not the default, checked.
    const SimulationConfig p = test::load("configs/studies/study_a.yaml", {"chemistry.interphase.permittivity=25"});
    EXPECT_DOUBLE_EQ(p.cell.chemistry.film_permittivity, 25.0);
    EXPECT_NE(emit_config_text(p).find("permittivity: 25"), std::string::npos);
    EXPECT_EQ(emit_config_text(test::load("configs/studies/study_a.yaml")).find("permittivity"), std::string::npos);
    EXPECT_THROW(test::load("configs/studies/study_a.yaml", {"chemistry.interphase.permittivity=0.5"}), ConfigError);
    // cell.double_layer round-trips too.
    const SimulationConfig d = test::load("configs/studies/study_a.yaml", {"cell.double_layer=true"});
    EXPECT_NE(emit_config_text(d).find("double_layer: true"), std::string::npos);
    EXPECT_TRUE(load_text(emit_config_text(d)).cell.double_layer);
}

// The potentiostatic model with a sine on its voltage target: V_set = V0 + dV sin(w t)
// (a test-only control function; the protocol has no sine step).
class SineDriven : public DaeModel {
public:
    SineDriven(CathodeP2D& m, double dV, double w) : m_(m), dV_(dV), w_(w) {}
    int size() const override { return m_.size(); }
    bool residual(double t, const double* y, const double* yp, double* F) override {
        const bool ok = m_.residual(t, y, yp, F);
        F[m_.idx_current()] -= dV_ * std::sin(w_ * t);
        return ok;
    }
    void jacobian(double t, double cj, const double* y, const double* yp, JacobianAssembler& J) override {
        m_.jacobian(t, cj, y, yp, J);
    }
    void differential_ids(double* id) const override { m_.differential_ids(id); }
    void absolute_tolerances(double s, double* atol) const override { m_.absolute_tolerances(s, atol); }
    std::string variable_name(int i) const override { return m_.variable_name(i); }

private:
    CathodeP2D& m_;
    double dV_, w_;
};

// The impedance a time-domain run with a 1 mV sine at frequency f [Hz] shows: i_app fitted
// by a sin + b cos + c + d t over the last two of four periods (at least 600 s first, for the
// diffusion transients), Z = dV / (a + j b). `film`: a grown film's thickness [m] set in
// every cathode cell (the chemistry on).
void set_film(const CathodeP2D& model, double film, std::vector<double>& y) {
    for (int m = 0; film > 0 && m < model.n_cathode(); ++m) y[model.idx_x(m, CathodeP2D::x_film)] = film;
}

Complex time_domain_impedance(const SimulationConfig& c, double f, double film = 0.0) {
    CathodeP2D model(c.cell, c.mesh);
    model.set_temperature(c.cell.temperature);
    const int n = model.size();
    std::vector<double> y(n), yp(n);
    model.initial_state(c.cell.initial_stoichiometry, y.data(), yp.data());
    set_film(model, film, y);
    model.set_control(ControlMode::voltage, model.potential_vs_li(y.data()));
    const double dV = 1e-3, w = 2 * constants::pi * f, period = 1.0 / f;
    SineDriven driven(model, dV, w);
    SolverSettings settings = c.solver;
    settings.max_step = period / 60;
    IdaIntegrator ida(driven, settings, 0.0, y.data(), yp.data());
    const double t_end = std::max(4 * period, 600.0 + 2 * period), t_fit = t_end - 2 * period;
    const int samples = 400;
    Eigen::MatrixXd A(samples, 4);
    Eigen::VectorXd b(samples);
    std::vector<double> ys(n);
    int k = 0;
    ida.set_stop_time(t_end);
    while (k < samples) {
        const double t_prev = ida.time();
        ida.step(t_end);
        for (; k < samples; ++k) {
            const double t = t_fit + 2 * period * k / (samples - 1);
            if (t > ida.time()) break;
            if (t < t_prev) continue;
            ida.interpolate(t, ys.data());
            A(k, 0) = std::sin(w * t), A(k, 1) = std::cos(w * t), A(k, 2) = 1.0, A(k, 3) = (t - t_fit) / period;
            b(k) = ys[model.idx_current()];
        }
    }
    const Eigen::VectorXd p = A.colPivHouseholderQr().solve(b);
    return dV / Complex(p(0), p(1));
}

// Verification (b)'s three frequencies: 0.2, 0.02 and 0.002 Hz.
EisSpec sine_frequencies() {
    EisSpec eis;
    eis.f_max = 0.2, eis.f_min = 0.002, eis.points_per_decade = 1;
    return eis;
}

// The linearised spectrum of cell c at its initial state, with a film of `film` [m].
Spectrum initial_spectrum(const SimulationConfig& c, const EisSpec& eis, double film = 0.0) {
    CathodeP2D model(c.cell, c.mesh);
    model.set_temperature(c.cell.temperature);
    std::vector<double> y(model.size()), yp(model.size());
    model.initial_state(c.cell.initial_stoichiometry, y.data(), yp.data());
    set_film(model, film, y);
    return impedance_spectrum(model, eis, 0.0, y.data(), yp.data());
}

// The linearised spectrum of cell c at its initial state, each point checked against a
// time-domain sine at its frequency within kSineTolerance.
Spectrum sine_checked_spectrum(const SimulationConfig& c, const EisSpec& eis, double film = 0.0) {
    const Spectrum z = initial_spectrum(c, eis, film);
    for (std::size_t i = 0; i < z.frequency.size(); ++i) {
        const Complex lin(z.z_real[i], z.z_imag[i]);
        const Complex td = time_domain_impedance(c, z.frequency[i], film);
        EXPECT_LT(std::abs(td - lin) / std::abs(lin), kSineTolerance)
            << z.frequency[i] << " Hz: time domain " << td * 1e4 << " vs linearised " << lin * 1e4 << " ohm cm2";
    }
    return z;
}

TEST(Impedance, TimeDomainSineMatchesTheLinearisation) {
    // kCircuitCell with slow diffusion, several cathode cells and no double layer (the
    // time-domain residual has none): R_s, the composite, charge transfer and diffusion.
    std::string text = kCircuitCell;
    auto replace = [&](const std::string& a, const std::string& b) { text.replace(text.find(a), a.size(), b); };
    replace("diffusivity: {reference: \"1e-6 m2/s\"}", "diffusivity: {reference: \"1e-14 m2/s\"}");
    replace("double_layer_capacitance: \"20 uF/cm2\"", "double_layer_capacitance: \"0 F/m2\"");
    replace("double_layer_capacitance: \"50 uF/cm2\"", "double_layer_capacitance: \"0 F/m2\"");
    replace("ionic_conductivity: {reference: \"1e5 S/m\"}", "ionic_conductivity: {reference: \"0.05 S/m\"}");
    replace("mesh: {separator: 2, cathode: 2, particle: 5}", "mesh: {separator: 2, cathode: 4, particle: 8}");
    const SimulationConfig c = load_text(text);
    const Spectrum z = sine_checked_spectrum(c, sine_frequencies());
    ASSERT_EQ(z.frequency.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_LT(z.z_imag[i], 0.0);
    // Diffusion makes the spectrum frequency-dependent here: not a pure resistance.
    EXPECT_GT(std::abs(z.z_imag[2]), 0.1 * std::abs(z.z_real[2]));
}

// kCircuitCell with the double layers in the DAE (cell.double_layer): the same circuit, so
// the same closed form, now from the model's own dF/dy' (no terms added to the linearisation).
std::string with_double_layer(std::string text) {
    const std::string at = "  area: \"1 cm2\"\n";
    return text.replace(text.find(at), at.size(), at + "  double_layer: true\n");
}

// The double-layer circuit cell with slow charge transfer (i0 = 0.01 A/m2, R_ct C_dl ~ 0.5 s),
// slow diffusion and ions, and the counter electrode's C_ce || R_ct,ce in series: the double
// layers shape the spectrum at the sine frequencies.
std::string slow_double_layer_cell() {
    std::string text = with_double_layer(kCircuitCell);
    auto replace = [&](const std::string& a, const std::string& b) { text.replace(text.find(a), a.size(), b); };
    replace("diffusivity: {reference: \"1e-6 m2/s\"}", "diffusivity: {reference: \"1e-14 m2/s\"}");
    replace("exchange_current: {reference: \"2.7 A/m2\"}", "exchange_current: {reference: \"0.01 A/m2\"}");
    replace("exchange_current_density: \"1e3 A/m2\"", "exchange_current_density: \"1 A/m2\"");
    replace("ionic_conductivity: {reference: \"1e5 S/m\"}", "ionic_conductivity: {reference: \"0.05 S/m\"}");
    replace("mesh: {separator: 2, cathode: 2, particle: 5}", "mesh: {separator: 2, cathode: 3, particle: 8}");
    return text;
}

TEST(Impedance, DoubleLayerInTheDaeMatchesTheClosedForm) {
    const std::string text = with_double_layer(kCircuitCell);
    const SimulationConfig c = load_text(text);
    ASSERT_TRUE(c.cell.double_layer);
    CathodeP2D model(c.cell, c.mesh);
    EXPECT_TRUE(model.cam_double_layer_in_dae());
    EXPECT_TRUE(model.counter_double_layer_in_dae());
    EXPECT_EQ(model.size(), CathodeP2D(load_text(kCircuitCell).cell, c.mesh).size() + c.mesh.cathode + 1);
    expect_circuit(text);
}

// kCircuitCell with the double layers in the DAE and the chemistry on (no reaction: the film
// state and its law only) at a grown film of delta = 5 nm: the film's potential per cathode
// cell is a state of the DAE (delta / kappa || eps0 eps_r / delta, equations.md 14.1), so the
// DAE's own linearisation is R_s + (R_g || C_g) + (C_dl || (R_ct + diffusion)): the closed
// form to 1e-6, and the film arc is its own (at its time constant eps0 eps_r / kappa).
TEST(Impedance, FilmCapacitanceInTheDaeMatchesTheClosedForm) {
    std::string text = with_double_layer(kCircuitCell);
    text.replace(text.find("mesh:"), 0, "chemistry:\n  interphase: {permittivity: 25}\n");
    const SimulationConfig c = load_text(text);
    ASSERT_EQ(c.cell.film_resistance, 0.0);  // the grown film only
    CathodeP2D model(c.cell, c.mesh);
    ASSERT_TRUE(model.chemistry());
    ASSERT_TRUE(model.film_capacitance_in_dae());
    // One film potential per cathode cell (one population) after the double layers.
    SimulationConfig plain = c;
    plain.cell.double_layer = false;
    EXPECT_EQ(model.size(), CathodeP2D(plain.cell, plain.mesh).size() + 2 * c.mesh.cathode + 1);
    EXPECT_EQ(model.variable_name(model.idx_film_potential(1, 0)).find("film potential"), 0u)
        << model.variable_name(model.idx_film_potential(1, 0));
    model.set_temperature(c.cell.temperature);
    std::vector<double> y(model.size()), yp(model.size());
    model.initial_state(c.cell.initial_stoichiometry, y.data(), yp.data());
    const double delta = 5e-9;  // [m]
    for (int m = 0; m < model.n_cathode(); ++m) y[model.idx_x(m, CathodeP2D::x_film)] = delta;
    const double kappa = c.cell.chemistry.film_conductivity.at(c.cell.temperature);
    const double r_g = delta / kappa, c_g = 8.8541878128e-12 * 25.0 / delta;  // [ohm m2, F/m2]
    EisSpec eis;
    eis.f_max = 1e5, eis.f_min = 1e-2, eis.points_per_decade = 5;
    const Spectrum z = impedance_spectrum(model, eis, 0.0, y.data(), yp.data());
    const Spectrum z0 = [&] {  // the same cell without the film's capacitance (C_g -> 0)
        std::vector<double> y0 = y;
        for (int m = 0; m < model.n_cathode(); ++m) y0[model.idx_x(m, CathodeP2D::x_film)] = 0.0;
        return impedance_spectrum(model, eis, 0.0, y0.data(), yp.data());
    }();
    double largest_film_share = 0;
    for (std::size_t k = 0; k < z.frequency.size(); ++k) {
        const double w = 2 * constants::pi * z.frequency[k];
        const Complex expected = circuit_impedance(c, w, r_g, c_g), got(z.z_real[k], z.z_imag[k]);
        EXPECT_LT(std::abs(got - expected) / std::abs(expected), kCircuitTolerance)
            << z.frequency[k] << " Hz: " << got << " vs " << expected;
        // And at delta = 0 the closed form without the film.
        const Complex bare = circuit_impedance(c, w), got0(z0.z_real[k], z0.z_imag[k]);
        EXPECT_LT(std::abs(got0 - bare) / std::abs(bare), kCircuitTolerance) << z.frequency[k] << " Hz (no film)";
        largest_film_share = std::max(largest_film_share, std::abs(got - got0) / std::abs(got0));
    }
    EXPECT_GT(largest_film_share, 0.01);  // the film shows
    // The time-domain residual at rest is consistent: the film potentials are 0 there.
    std::vector<double> F(model.size());
    model.initial_state(c.cell.initial_stoichiometry, y.data(), yp.data());
    ASSERT_TRUE(model.residual(0.0, y.data(), yp.data(), F.data()));
    for (int m = 0; m < model.n_cathode(); ++m) EXPECT_EQ(F[model.idx_film_potential(m, 0)], 0.0);
}

TEST(Impedance, TimeDomainSineWithTheDoubleLayerMatchesTheLinearisation) {
    // Verification (b) with the double layers in the time-domain DAE: slow charge transfer
    // (i0 = 0.01 A/m2, R_ct C_dl ~ 0.5 s) so that the CAM double layer shapes the spectrum
    // at 0.2 Hz, and the counter electrode's C_ce || R_ct,ce in series.
    std::string text = slow_double_layer_cell();
    const SimulationConfig c = load_text(text);
    ASSERT_TRUE(CathodeP2D(c.cell, c.mesh).cam_double_layer_in_dae());
    const EisSpec eis = sine_frequencies();
    const Spectrum z = sine_checked_spectrum(c, eis);
    ASSERT_EQ(z.frequency.size(), 3u);
    // The double layer acts: without it the 0.2 Hz impedance is another (the time-domain
    // DAE then has no capacitance but the chemical one).
    SimulationConfig bare = c;
    bare.cell.double_layer = false;
    bare.cell.cam.double_layer_capacitance = 0;
    bare.cell.counter.double_layer_capacitance = 0;
    const Spectrum z0 = initial_spectrum(bare, eis);
    const Complex with(z.z_real[0], z.z_imag[0]), without(z0.z_real[0], z0.z_imag[0]);
    EXPECT_GT(std::abs(with - without) / std::abs(without), 0.05) << with * 1e4 << " vs " << without * 1e4;
}

// Verification (b) with the grown film's potential in the time-domain DAE too: a film of
// 1 nm at kappa = 4.4e-10 S/m and eps_r = 25 (R_g = 2.3 ohm m2, tau = eps0 eps_r / kappa =
// 0.5 s, beside R_ct C_dl ~ 0.5 s), so the film arc shapes the spectrum at the sine
// frequencies: the time-domain sine agrees with the linearisation within 1 %, and the film
// changes the 0.2 Hz impedance by more than 5 %.
TEST(Impedance, TimeDomainSineWithTheFilmInTheDaeMatchesTheLinearisation) {
    std::string text = slow_double_layer_cell();
    text.replace(text.find("mesh:"), 0, "chemistry:\n  interphase: {permittivity: 25, conductivity: \"4.4e-10 S/m\"}\n");
    const SimulationConfig c = load_text(text);
    ASSERT_TRUE(CathodeP2D(c.cell, c.mesh).film_capacitance_in_dae());
    const EisSpec eis = sine_frequencies();
    const double film = 1e-9;  // [m]
    const Spectrum z = sine_checked_spectrum(c, eis, film);
    ASSERT_EQ(z.frequency.size(), 3u);
    const Spectrum z0 = initial_spectrum(c, eis);  // no film
    const Complex with(z.z_real[0], z.z_imag[0]), without(z0.z_real[0], z0.z_imag[0]);
    EXPECT_GT(std::abs(with - without) / std::abs(without), 0.05) << with * 1e4 << " vs " << without * 1e4;
}

// A current step on the equivalent-circuit cell with the double layer in the DAE: the
// potential does not jump to its faradaic value, it relaxes towards it with the interface's
// time constant tau = R_ct C_dl (fast diffusion, ions and electrons: both cathode cells are
// one interface, V(t) - V_inf = -R_ct i e^{-t/tau} per CAM area).
TEST(Impedance, DoubleLayerRelaxesACurrentStepWithItsTimeConstant) {
    std::string text = with_double_layer(kCircuitCell);
    auto replace = [&](const std::string& a, const std::string& b) { text.replace(text.find(a), a.size(), b); };
    replace("exchange_current: {reference: \"2.7 A/m2\"}", "exchange_current: {reference: \"0.01 A/m2\"}");
    const SimulationConfig c = load_text(text);
    CathodeP2D model(c.cell, c.mesh);
    model.set_temperature(c.cell.temperature);
    std::vector<double> y(model.size()), yp(model.size());
    model.initial_state(c.cell.initial_stoichiometry, y.data(), yp.data());
    const double T = c.cell.temperature, f = constants::F / (constants::R * T), x = c.cell.initial_stoichiometry;
    const double i0 = c.cell.cam.exchange_current.at(T) * std::sqrt(x * (1 - x)) / 0.5;
    const double r_ct = 1.0 / (i0 * f), tau = r_ct * c.cell.cam.double_layer_capacitance;  // [ohm m2 of CAM], [s]
    const double area = 3.0 * c.cell.eps_cam / c.cell.particle_radius * c.cell.thickness;  // CAM per cell area
    const double i_app = 1e-3;  // [A/m2 of cell]: linear kinetics (eta << RT/F)
    model.set_control(ControlMode::current, i_app);
    SolverSettings settings = c.solver;
    settings.max_step = tau / 20;
    IdaIntegrator ida(model, settings, 0.0, y.data(), yp.data());
    ida.calc_ic(1e-3 * tau);
    const double v0 = model.potential_vs_li(ida.y());
    // The faradaic drop builds up as 1 - e^{-t/tau}; series ohmic drops are there at once.
    const double eta_inf = r_ct * i_app / area;
    const std::vector<double> at = {0.5, 1.0, 2.0, 5.0};  // [tau]
    std::vector<double> ys(model.size());
    std::size_t k = 0;
    ida.set_stop_time(at.back() * tau);
    while (k < at.size()) {
        ida.step(at.back() * tau);
        for (; k < at.size() && at[k] * tau <= ida.time(); ++k) {
            ida.interpolate(at[k] * tau, ys.data());
            const double rise = model.potential_vs_li(ys.data()) - v0;
            EXPECT_NEAR(rise, eta_inf * (1 - std::exp(-at[k])), 0.02 * eta_inf) << "t = " << at[k] << " tau";
        }
    }
    EXPECT_GT(eta_inf, 1e-5);  // a drop well above the solver's tolerance [V]
}

// cell.double_layer is off by default because it changes nothing a cycle measures: the
// double-layer charge (C_dl a L dV ~ 10 C/m2 over the whole window) is ~1e-4 of a capacity.
constexpr double kDoubleLayerCapacityTolerance = 1e-3;  // relative
constexpr double kDoubleLayerCeTolerance = 1e-3;        // absolute (0.1 percentage points)

TEST(Impedance, DoubleLayerChangesNothingInAStudyAFirstCycle) {
    const std::string steps =
        "protocol.steps=[\"Charge at C/20 until 4.3 V\", \"Hold at 4.3 V for 1 hour\", \"Rest for 1 hour\", "
        "\"Discharge at C/20 until 2.5 V\"]";
    RunResult r[2];
    for (int on = 0; on < 2; ++on) {
        const SimulationConfig c = on ? test::load("", {steps, "cell.double_layer=true"}) : test::load("", {steps});
        EXPECT_EQ(c.cell.double_layer, on == 1);
        Simulation sim(c);
        r[on] = sim.run();
        ASSERT_EQ(r[on].status, RunStatus::complete) << r[on].message;
        ASSERT_GE(r[on].cycles.size(), 1u);
    }
    const CycleSummary &off = r[0].cycles[0], &on = r[1].cycles[0];
    EXPECT_NEAR(on.charge_capacity, off.charge_capacity, kDoubleLayerCapacityTolerance * off.charge_capacity);
    EXPECT_NEAR(on.discharge_capacity, off.discharge_capacity, kDoubleLayerCapacityTolerance * off.discharge_capacity);
    EXPECT_NEAR(on.coulombic_efficiency, off.coulombic_efficiency, kDoubleLayerCeTolerance);
    EXPECT_GT(off.discharge_capacity, 100.0);  // a real cycle [mAh/g]
}

// The linear Kramers-Kronig test: Z fitted by R_0 + sum_k R_k / (1 + j w tau_k) + 1/(j w C)
// with tau_k log-spaced over the measured range, linear least squares on real and imaginary
// parts together; returns the largest residual relative to |Z|.
double kramers_kronig_residual(const Spectrum& z) {
    const int n = static_cast<int>(z.frequency.size());
    const double tau_min = 1.0 / (2 * constants::pi * z.frequency.front());
    const double tau_max = 1.0 / (2 * constants::pi * z.frequency.back());
    const int m = std::max(3, n / 2);
    std::vector<double> tau(m);
    for (int k = 0; k < m; ++k) tau[k] = tau_min * std::pow(tau_max / tau_min, double(k) / (m - 1));
    const int cols = m + 2;  // R_0, R_k, 1/C
    Eigen::MatrixXd A(2 * n, cols);
    Eigen::VectorXd b(2 * n), wts(2 * n);
    for (int i = 0; i < n; ++i) {
        const double w = 2 * constants::pi * z.frequency[i];
        const double mag = std::hypot(z.z_real[i], z.z_imag[i]);
        A(i, 0) = 1.0, A(n + i, 0) = 0.0;
        for (int k = 0; k < m; ++k) {
            const Complex e = 1.0 / Complex(1.0, w * tau[k]);
            A(i, 1 + k) = e.real(), A(n + i, 1 + k) = e.imag();
        }
        A(i, m + 1) = 0.0, A(n + i, m + 1) = -1.0 / w;  // 1/(j w C) = -j/(w C)
        b(i) = z.z_real[i], b(n + i) = z.z_imag[i];
        wts(i) = wts(n + i) = 1.0 / mag;  // relative residuals
    }
    const Eigen::MatrixXd Aw = wts.asDiagonal() * A;
    const Eigen::VectorXd p = Aw.colPivHouseholderQr().solve(wts.asDiagonal() * b);
    const Eigen::VectorXd res = (A * p - b).cwiseProduct(wts);
    double worst = 0;
    for (int i = 0; i < n; ++i) worst = std::max(worst, std::hypot(res(i), res(n + i)));
    return worst;
}

// The Study A cell (the embedded default: all chemistry on) with a spectrum at 3.9 V on
// the first charge and one at 3.9 V on the second, after the whole first cycle: the same
// potential, so the difference is what cycle 1 did (the long holds shortened to keep the
// test fast).
SimulationConfig study_a_with_spectra() {
    const std::string eis = "\"Rest for 1 hour\", \"EIS from 10 kHz to 10 mHz, 6 points per decade\"";
    return test::load("", {"protocol.steps=[\"Charge at C/20 until 3.9 V\", " + eis +
                               ", \"Charge at C/20 until 4.3 V\", \"Hold at 4.3 V for 1 hour\", "
                               "\"Discharge at C/20 until 2.5 V\", \"Rest for 1 hour\", "
                               "\"Charge at C/20 until 3.9 V\", " + eis + "]"});
}

TEST(Impedance, StudyACellSpectrumIsKramersKronigConsistentAndItsArcGrowsInCycleOne) {
    const SimulationConfig c = study_a_with_spectra();
    Simulation sim(c);
    const RunResult r = sim.run();
    ASSERT_EQ(r.status, RunStatus::complete) << r.message;
    ASSERT_EQ(r.spectra.size(), 2u);
    const Spectrum &before = r.spectra[0], &after = r.spectra[1];
    EXPECT_EQ(before.step, 2);
    EXPECT_EQ(after.step, 9);
    EXPECT_EQ(before.cycle, 1);
    EXPECT_EQ(after.cycle, 2);
    for (const Spectrum* z : {&before, &after}) {
        EXPECT_LT(kramers_kronig_residual(*z), kKramersKronigTolerance) << "spectrum of step " << z->step;
        for (double im : z->z_imag) EXPECT_LT(im, 0.0);  // capacitive everywhere
    }
    const double w0 = arc_width(before), w1 = arc_width(after);
    EXPECT_GT(w0, 0.0);
    // Film growth and contact loss during the first cycle widen the interfacial arc.
    EXPECT_GT(w1, w0) << "arc width before " << w0 * 1e4 << " ohm cm2, after " << w1 * 1e4 << " ohm cm2";
    EXPECT_GT(after.film_resistance, before.film_resistance);
    EXPECT_LT(after.contact, before.contact);
}

// The arc width is a metric as the cycle metrics are (analysis/metrics.hpp): a measured
// per-cycle table with an arc_width column [ohm] is compared with the last spectrum of each
// simulated cycle, so validate and fit can use it.
TEST(Impedance, ArcWidthIsACycleMetricOfValidation) {
    const SimulationConfig c = study_a_with_spectra();
    EXPECT_TRUE(is_known_metric("arc_width"));
    EXPECT_TRUE(is_known_metric("high_frequency_resistance"));
    const CaseResult run = run_case(c);
    ASSERT_EQ(run.status, "complete") << run.message;
    ASSERT_EQ(run.spectra.size(), 2u);
    MeasuredData data;
    data.kind = MeasuredData::Kind::cycle_table;
    data.path = "arc_widths.csv";
    for (int k = 1; k <= 2; ++k) {
        CycleRecord rec;
        rec.cycle = k;
        rec.extra["arc_width"] = 100.0 * k;  // [ohm]
        data.cycles.push_back(rec);
    }
    ValidationCase vc;
    vc.label = "study A";
    const Comparison cmp = compare(data, {vc}, {run}, c, AnalysisOptions{});
    int compared = 0;
    for (const ComparisonRow& row : cmp.rows) {
        if (row.metric != "arc_width") continue;
        ++compared;
        EXPECT_EQ(row.unit, "ohm");
        const Spectrum& z = run.spectra[row.cycle - 1];
        EXPECT_EQ(z.cycle, row.cycle);
        EXPECT_DOUBLE_EQ(row.simulated, spectrum_metrics(z).arc_width / c.cell.area);
        EXPECT_DOUBLE_EQ(row.simulated, arc_width(z) / c.cell.area);  // the one rule
        EXPECT_DOUBLE_EQ(row.measured, 100.0 * row.cycle);
        EXPECT_DOUBLE_EQ(row.sigma, default_sigma("arc_width", row.measured));
    }
    EXPECT_EQ(compared, 2);
    const SpectrumMetrics m = spectrum_metrics(run.spectra[0]);
    EXPECT_DOUBLE_EQ(m.high_frequency_resistance, run.spectra[0].z_real.front());
    EXPECT_DOUBLE_EQ(m.arc_end_resistance, m.high_frequency_resistance + m.arc_width);
    EXPECT_TRUE(std::isnan(simulated_spectrum_metric("arc_width", 3, run.spectra, c.cell.area)));
}

TEST(Impedance, LinearisedSolveMatchesDenseSolve) {
    // A 2-state DAE: x' = -x + y, 0 = y - 2 x  => (A + j w B) with B = diag(1, 0).
    struct Tiny : DaeModel {
        int size() const override { return 2; }
        bool residual(double, const double* y, const double* yp, double* F) override {
            F[0] = yp[0] + y[0] - y[1];
            F[1] = y[1] - 2 * y[0];
            return true;
        }
        void jacobian(double, double cj, const double*, const double*, JacobianAssembler& J) override {
            J.add(0, 0, cj + 1.0);
            J.add(0, 1, -1.0);
            J.add(1, 0, -2.0);
            J.add(1, 1, 1.0);
        }
        void differential_ids(double* id) const override { id[0] = 1, id[1] = 0; }
        void absolute_tolerances(double, double* atol) const override { atol[0] = atol[1] = 1; }
        std::string variable_name(int i) const override { return std::to_string(i); }
    } tiny;
    const double y[2] = {1, 2}, yp[2] = {0, 0};
    LinearisedDae lin(tiny, 0.0, y, yp);
    EXPECT_DOUBLE_EQ(lin.a(0, 0), 1.0);
    EXPECT_DOUBLE_EQ(lin.b(0, 0), 1.0);
    EXPECT_DOUBLE_EQ(lin.b(1, 1), 0.0);
    EXPECT_THROW(lin.add_b(5, 0, 1.0), std::logic_error);
    std::vector<Complex> rhs = {1.0, 0.0}, x;
    lin.solve(3.0, rhs, x);
    // (1 + 3j) x0 - x1 = 1, x1 = 2 x0  =>  x0 = 1 / (-1 + 3j).
    const Complex x0 = 1.0 / Complex(-1.0, 3.0);
    EXPECT_NEAR(std::abs(x[0] - x0), 0.0, 1e-14);
    EXPECT_NEAR(std::abs(x[1] - 2.0 * x0), 0.0, 1e-14);
}

TEST(Impedance, LogFrequenciesIncludeBothEnds) {
    const std::vector<double> f = log_frequencies(1e4, 1e-2, 10);
    ASSERT_EQ(f.size(), 61u);
    EXPECT_DOUBLE_EQ(f.front(), 1e4);
    EXPECT_NEAR(f[10], 1e3, 1e-9);
    EXPECT_NEAR(f.back(), 1e-2, 1e-15);
}

TEST(Impedance, ArcWidthOfAnRcArcIsItsResistance) {
    // R_s = 1, R = 2, C = 1e-3 F/m2 over 6 decades around 1/(2 pi R C) = 80 Hz, then a
    // capacitive tail 1/(j w C2) that rises at low frequency.
    Spectrum z;
    z.frequency = log_frequencies(1e5, 1e-2, 20);
    for (double f : z.frequency) {
        const double w = 2 * constants::pi * f;
        const Complex Z = 1.0 + 2.0 / Complex(1.0, w * 2.0 * 1e-3) + 1.0 / Complex(0.0, w * 100.0);
        z.z_real.push_back(Z.real());
        z.z_imag.push_back(Z.imag());
    }
    EXPECT_NEAR(arc_width(z), 2.0, 0.05);
    Spectrum none;
    none.frequency = {2, 1};
    none.z_real = {1, 1};
    none.z_imag = {0, 0};
    EXPECT_EQ(arc_width(none), 0.0);
}

TEST(Impedance, SpectraGoToTheResultFileAndBack) {
    const SimulationConfig c = load_text(kCircuitCell);
    const std::string path = ::testing::TempDir() + "impedance_result.h5";
    std::remove(path.c_str());
    Simulation sim(c);
    RunResult run;
    {
        ResultWriter w(path);
        run = sim.run(&w);
    }
    const ResultSummary r = read_result(path);
    ASSERT_EQ(r.spectra.size(), 2u);
    for (std::size_t s = 0; s < 2; ++s) {
        const Spectrum &a = run.spectra[s], &b = r.spectra[s];
        EXPECT_EQ(b.step, a.step);
        EXPECT_EQ(b.galvanostatic, a.galvanostatic);
        ASSERT_EQ(b.frequency.size(), a.frequency.size());
        for (std::size_t k = 0; k < a.frequency.size(); ++k) {
            EXPECT_DOUBLE_EQ(b.frequency[k], a.frequency[k]);
            EXPECT_NEAR(b.z_real[k], a.z_real[k], 1e-15 * std::abs(a.z_real[k]));
            EXPECT_NEAR(b.z_imag[k], a.z_imag[k], 1e-15 * std::abs(a.z_real[k]));
        }
    }
    // In ohm too: per area / area.
    h5::Handle f = h5::open_file(path);
    const std::vector<double> z_ohm = h5::read_vector(f, "impedance/step_00000/z_real");
    EXPECT_NEAR(z_ohm[0], run.spectra[0].z_real[0] / c.cell.area, 1e-12 * z_ohm[0]);
    EXPECT_EQ(h5::get_long_attribute(h5::open_group(f, "impedance/step_00001"), "step"), 1);
    const std::string json = summary_json(r);
    EXPECT_NE(json.find("\"spectra\""), std::string::npos);
    EXPECT_NE(json.find("arc_width_ohm_cm2"), std::string::npos);
    EXPECT_NE(format_summary(r).find("impedance spectra (2)"), std::string::npos);
    std::remove(path.c_str());
}

// A checkpoint taken after an EIS step holds its spectrum: the run restarted from the
// checkpoint file writes the same /impedance groups as the unbroken run (the restored one
// bit for bit).
TEST(Impedance, SpectraSurviveACheckpointAndItsRestart) {
    const SimulationConfig c = test::load(
        "configs/studies/study_a.yaml",
        {"mesh.cathode=3", "mesh.particle=5", "mesh.separator=2",
         "protocol.steps=[\"Charge at C/5 until 3.9 V\", \"EIS from 10 kHz to 10 mHz, 3 points per decade\", "
         "\"Charge at C/5 until 4.0 V\", \"EIS from 10 kHz to 10 mHz, 3 points per decade\"]"});
    const std::string dir = ::testing::TempDir();
    const std::string whole = dir + "eis_whole.h5", restarted = dir + "eis_restarted.h5",
                      ckfile = dir + "eis_ck.h5";
    RunCheckpoint ck;
    {
        ResultWriter w(whole);
        RunControl control;
        control.checkpoint_after = 2;  // after the first EIS step
        control.on_checkpoint = [&](RunCheckpoint&& k) { ck = std::move(k); };
        Simulation sim(c);
        ASSERT_EQ(sim.run(&w, control).status, RunStatus::complete);
    }
    ASSERT_EQ(ck.spectra.size(), 1u);
    write_checkpoint(ckfile, ck);
    const RunCheckpoint back = read_checkpoint(ckfile);
    ASSERT_EQ(back.spectra.size(), 1u);
    EXPECT_EQ(back.spectra[0].z_real, ck.spectra[0].z_real);
    EXPECT_EQ(back.spectra[0].z_imag, ck.spectra[0].z_imag);
    RunResult r;
    {
        ResultWriter w(restarted);
        RunControl control;
        control.restart = &back;
        Simulation sim(c);
        r = sim.run(&w, control);
    }
    ASSERT_EQ(r.status, RunStatus::complete) << r.message;
    EXPECT_EQ(r.spectra.size(), 2u);
    const std::vector<Spectrum> a = read_spectra(whole), b = read_spectra(restarted);
    ASSERT_EQ(a.size(), 2u);
    ASSERT_EQ(b.size(), 2u);
    for (std::size_t s = 0; s < 2; ++s) {
        EXPECT_EQ(b[s].step, a[s].step);
        EXPECT_EQ(b[s].cycle, a[s].cycle);
        EXPECT_EQ(b[s].frequency, a[s].frequency);
        ASSERT_EQ(b[s].z_real.size(), a[s].z_real.size());
        if (s == 0) {  // from the checkpoint
            EXPECT_EQ(b[s].z_real, a[s].z_real);
            EXPECT_EQ(b[s].z_imag, a[s].z_imag);
            EXPECT_EQ(b[s].potential, a[s].potential);
            continue;
        }
        // Computed after the restart: the same solve from the same state, to solver tolerance.
        for (std::size_t k = 0; k < a[s].z_real.size(); ++k) {
            const double mag = std::hypot(a[s].z_real[k], a[s].z_imag[k]);
            EXPECT_NEAR(b[s].z_real[k], a[s].z_real[k], 1e-6 * mag);
            EXPECT_NEAR(b[s].z_imag[k], a[s].z_imag[k], 1e-6 * mag);
        }
    }
    for (const std::string& f : {whole, restarted, ckfile}) std::remove(f.c_str());
}

TEST(Impedance, EisStepStrings) {
    Step s = parse_step_string("EIS from 10 kHz to 10 mHz");
    EXPECT_EQ(s.kind, Step::Kind::eis);
    EXPECT_DOUBLE_EQ(s.eis.f_max, 1e4);
    EXPECT_DOUBLE_EQ(s.eis.f_min, 1e-2);
    EXPECT_EQ(s.eis.points_per_decade, 10);
    EXPECT_EQ(s.eis.frequency_count(), 61);
    EXPECT_DOUBLE_EQ(s.eis.amplitude, 5e-3);
    EXPECT_FALSE(s.eis.galvanostatic);
    s = parse_step_string("eis from 1 MHz to 1 Hz, 4 points per decade, amplitude 10 mV");
    EXPECT_DOUBLE_EQ(s.eis.f_max, 1e6);
    EXPECT_EQ(s.eis.points_per_decade, 4);
    EXPECT_DOUBLE_EQ(s.eis.amplitude, 0.01);
    s = parse_step_string("EIS from 10 kHz to 10 mHz, galvanostatic, amplitude 0.1 mA/cm2");
    EXPECT_TRUE(s.eis.galvanostatic);
    EXPECT_DOUBLE_EQ(s.eis.amplitude, 1.0);  // [A/m2]
    for (const char* bad : {"EIS from 10 mHz to 10 kHz", "EIS from 10 kHz to 10 kHz", "EIS from -1 Hz to 1 mHz",
                            "EIS from 10 kHz to 0 Hz", "EIS from 10 kHz to 10 mHz, 0 points per decade",
                            "EIS from 1 MHz to 1 nHz, 1000 points per decade", "EIS from 10 V to 1 V",
                            "EIS from 10 kHz to 10 mHz, amplitude 5 mA/cm2", "EIS from 10 kHz to 10 mHz, twice"}) {
        EXPECT_THROW(parse_step_string(bad), std::invalid_argument) << bad;
    }
    try {
        parse_step_string("EIS from 10 mHz to 10 kHz");
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("EIS from 10 kHz to 10 mHz"), std::string::npos) << e.what();
    }
}

// A config whose protocol is `steps` (YAML flow text).
std::string with_protocol(const std::string& steps) {
    std::string text = kCircuitCell;
    return text.substr(0, text.find("protocol:")) + "protocol:\n  steps:\n" + steps;
}

TEST(Impedance, EisStepMappingsAndTheirErrors) {
    const SimulationConfig c = load_text(with_protocol(
        "    - {eis: {from: 1 kHz, to: 1 Hz, points_per_decade: 3, amplitude: 2 mV}}\n"));
    ASSERT_EQ(c.protocol.steps.size(), 1u);
    const Step& s = c.protocol.steps[0];
    EXPECT_EQ(s.kind, Step::Kind::eis);
    EXPECT_EQ(s.eis.frequency_count(), 10);
    EXPECT_DOUBLE_EQ(s.eis.amplitude, 2e-3);
    // Emitted and read back: the same step.
    const Step back = parse_protocol(ConfigNode::load_string(YAML::Dump(emit_protocol(c.protocol)), "emit"))
                          .steps[0];
    EXPECT_EQ(back.kind, Step::Kind::eis);
    EXPECT_DOUBLE_EQ(back.eis.f_max, 1e3);
    EXPECT_DOUBLE_EQ(back.eis.f_min, 1.0);
    EXPECT_EQ(back.eis.points_per_decade, 3);
    struct Bad {
        const char* step;
        const char* key;
    };
    for (const Bad& b : {Bad{"    - {eis: {from: 1 Hz, to: 1 kHz}}\n", "to"},
                         Bad{"    - {eis: {from: 1 kHz, to: -1 Hz}}\n", "to"},
                         Bad{"    - {eis: {from: 1 kHz, to: 1 Hz, points_per_decade: 0}}\n", "points_per_decade"},
                         Bad{"    - {eis: {from: 1 MHz, to: 1 nHz, points_per_decade: 1000}}\n", "points_per_decade"},
                         Bad{"    - {eis: {from: 1 kHz, to: 1 Hz, mode: sideways}}\n", "mode"},
                         Bad{"    - {eis: {from: 1 kHz, to: 1 Hz, colour: red}}\n", "colour"},
                         Bad{"    - {eis: {from: 1 kHz, to: 1 Hz}, duration: 1 h}\n", ""},
                         Bad{"    - EIS from 1 Hz to 1 kHz\n", ""}}) {
        try {
            load_text(with_protocol(b.step));
            ADD_FAILURE() << "accepted " << b.step;
        } catch (const ConfigError& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("test.yaml:"), std::string::npos) << what;
            EXPECT_NE(what.find(b.key), std::string::npos) << what;
        }
    }
}

// The fixtures: R_s = 10 ohm + (50 ohm || 10 uF), 4 points per decade from 100 kHz to 0.1 Hz.
Complex fixture_circuit(double f) { return 10.0 + 50.0 / Complex(1.0, 2 * constants::pi * f * 50.0 * 1e-5); }

TEST(Impedance, MeasuredSpectraFromEcLabAndCsv) {
    for (const char* name : {"tests/data/spectra/rc_peis.mpt", "tests/data/spectra/rc_spectrum.csv"}) {
        const std::string path = test::source_path(name);
        EXPECT_TRUE(is_spectrum_file(path)) << name;
        const MeasuredSpectrum m = load_spectrum(path);
        ASSERT_EQ(m.frequency.size(), 25u) << name;
        EXPECT_DOUBLE_EQ(m.frequency.front(), 1e5);
        for (std::size_t k = 0; k < m.frequency.size(); ++k) {
            const Complex z = fixture_circuit(m.frequency[k]);
            EXPECT_NEAR(m.z_real[k], z.real(), 1e-5 * std::abs(z)) << name;
            EXPECT_NEAR(m.z_imag[k], z.imag(), 1e-5 * std::abs(z)) << name;  // -Im(Z) column negated back
        }
        // A simulated spectrum of the same circuit, per area 2 cm2: nothing to tell apart.
        const double area = 2e-4;
        Spectrum sim;
        sim.frequency = log_frequencies(1e6, 0.1, 10);
        for (double f : sim.frequency) {
            sim.z_real.push_back(fixture_circuit(f).real() * area);
            sim.z_imag.push_back(fixture_circuit(f).imag() * area);
        }
        const SpectrumComparison c = compare_spectra(sim, area, m);
        EXPECT_EQ(c.points, 25);
        EXPECT_LT(c.rmse_log_modulus, 2e-3);  // linear interpolation in log f between 10 points per decade
        EXPECT_LT(c.rmse_phase, 1.0);
        EXPECT_NEAR(c.arc_width_measured, 50.0, 3.0);
        EXPECT_NEAR(c.arc_width_simulated, 50.0, 1.0);
        EXPECT_NE(spectrum_comparison_json(c, name, sim).find("rmse_phase_deg"), std::string::npos);
    }
    EXPECT_FALSE(is_spectrum_file(test::source_path("tests/data/measured/eclab_gcpl_point.mpt")));
    try {
        load_spectrum(test::source_path("tests/data/spectra/missing_column.csv"));
        ADD_FAILURE() << "a spectrum without Z'' was read";
    } catch (const DataError& e) {
        EXPECT_EQ(e.line(), 1);
        EXPECT_EQ(e.column(), "Z''");
    }
    EXPECT_THROW(parse_spectrum("frequency,Z',Z''\n1000,1,-1\n-5,1,-1\n", "neg.csv"), DataError);
    EXPECT_THROW(parse_spectrum("frequency,Z',Z''\n1000,1,x\n100,1,-1\n", "nan.csv"), DataError);
}

// Bad measured spectra: file:line: column errors (issue #14, "Bad input").
TEST(Impedance, BadMeasuredSpectraNameTheLineAndColumn) {
    struct Bad {
        const char* text;
        int line;
        const char* column;
    };
    for (const Bad& b : {Bad{"frequency,Z',Z''\n", 1, "frequency"},                          // no points
                         Bad{"frequency,Z',Z''\n1000,1,-1\n", 2, "frequency"},               // one point
                         Bad{"frequency,Z',Z''\n1000,1,-1\n1000,2,-2\n", 3, "frequency"},  // no range
                         Bad{"frequency,Z',Z''\n1000,1,-1\n-5,1,-1\n", 3, "frequency"},     // negative
                         Bad{"frequency,Z',Z''\n1000,1,-1\n0,1,-1\n", 3, "frequency"},      // zero
                         Bad{"frequency,Z'\n1000,1\n100,2\n", 1, "Z''"},                     // missing column
                         Bad{"frequency,Z',Z''\n1000,1,x\n100,1,-1\n", 2, "Z''"}}) {        // not a number
        try {
            parse_spectrum(b.text, "bad.csv");
            ADD_FAILURE() << "accepted: " << b.text;
        } catch (const DataError& e) {
            EXPECT_EQ(e.line(), b.line) << b.text << ": " << e.what();
            EXPECT_EQ(e.column(), b.column) << b.text << ": " << e.what();
            EXPECT_NE(std::string(e.what()).find("bad.csv:" + std::to_string(b.line)), std::string::npos) << e.what();
        }
    }
    // A file with a frequency column is a spectrum, so validate reports its missing column.
    EXPECT_TRUE(is_spectrum_file(test::source_path("tests/data/spectra/missing_column.csv")));
}

// ---------------------------------------------------------------------------------------
// A measured spectrum as a fit dataset (ssbsim fit): the spectrum of kCircuitCell simulated
// at C_dl = 20 uF/cm2 and written as a CSV in ohm; the fit starts at 60 uF/cm2 and recovers
// C_dl within 1 %. Both EIS steps (potentiostatic, galvanostatic) give the same spectrum:
// datasets `spectrum: 1` and the last one (the default) together.

std::string fit_temp(const std::string& name) { return ::testing::TempDir() + "ssbsim_eis_fit_" + name; }

std::string write_file(const std::string& name, const std::string& text) {
    const std::string p = fit_temp(name);
    std::ofstream(p) << text;
    return p;
}

// A fit file with one parameter, the CAM's double-layer capacitance, and `datasets` (YAML
// lines under "datasets:").
std::string spectrum_fit_file(const std::string& config, const std::string& datasets) {
    return write_file("fit.yaml", "fit:\n  config: " + config +
                                      "\n  parameters:\n"
                                      "    - {key: materials.0.double_layer_capacitance, unit: F/m2, initial: 0.6, "
                                      "bounds: [0.01, 10]}\n"
                                      "  datasets:\n" + datasets +
                                      "  solver: {max_iterations: 20, jobs: 1}\n");
}

TEST(Impedance, FitRecoversTheDoubleLayerCapacitanceFromAMeasuredSpectrum) {
    // The cell's EIS steps at 20 points per decade (the simulated Z is interpolated in log f
    // at the measured frequencies).
    const std::string cell = with_protocol(
        "    - EIS from 100 kHz to 10 mHz, 20 points per decade\n"
        "    - {eis: {from: 100 kHz, to: 10 mHz, points_per_decade: 20, mode: galvanostatic}}\n");
    const SimulationConfig truth = load_text(cell);
    ASSERT_DOUBLE_EQ(truth.cell.cam.double_layer_capacitance, 0.2);
    // The measured file: 7 points per decade from 50 kHz to 20 mHz (not the simulated
    // frequencies), Z in ohm from the closed form (which the model meets to 1e-6).
    std::ostringstream csv;
    csv.precision(12);
    csv << "frequency/Hz,Z'/ohm,Z''/ohm\n";
    int points = 0;
    for (double lf = std::log10(5e4); lf >= std::log10(2e-2) - 1e-9; lf -= 1.0 / 7, ++points) {
        const double f = std::pow(10.0, lf);
        const Complex z = circuit_impedance(truth, 2 * constants::pi * f) / truth.cell.area;
        csv << f << "," << z.real() << "," << z.imag() << "\n";
    }
    const std::string data = write_file("measured.csv", csv.str());
    const std::string config = write_file("cell.yaml", cell);
    const std::string fit = spectrum_fit_file(config, "    - {data: " + data + ", spectrum: 1}\n    - {data: " + data +
                                                          ", spectrum_sigma: 0.02}\n");
    FitSpec spec = load_fit(fit);
    ASSERT_EQ(spec.datasets.size(), 2u);
    EXPECT_EQ(spec.datasets[0].spectrum, 1);
    EXPECT_EQ(spec.datasets[1].spectrum, 0);
    EXPECT_DOUBLE_EQ(spec.datasets[1].spectrum_sigma, 0.02);
    FitProblem problem(spec);
    EXPECT_EQ(problem.residual_count(), 2 * 2 * points);
    const FitResult fr = problem.solve();
    EXPECT_NEAR(fr.fitted[0] / 0.2, 1.0, 0.01) << problem.format_report(fr);
    EXPECT_LT(fr.final_cost, 1e-4 * fr.initial_cost);
    ASSERT_EQ(fr.final_evaluation.comparisons.size(), 2u);
    ASSERT_EQ(fr.final_evaluation.comparisons[0].rows.size(), 1u);
    EXPECT_LT(fr.final_evaluation.comparisons[0].rows[0].simulated, 2e-3);  // relative RMS misfit
    EXPECT_NE(problem.report_json(fr).find("spectrum_relative_rmse"), std::string::npos);
}

// Bad spectrum datasets: a protocol without an EIS step, a spectrum number beyond the
// protocol's EIS steps (both at the fit file's line and key), a file without the Z columns
// (at its line and column).
TEST(Impedance, BadSpectrumDatasetsNameTheFileLineAndKey) {
    const std::string data = write_file("ok.csv", "frequency/Hz,Z'/ohm,Z''/ohm\n1000,1,-0.1\n1,2,-0.5\n");
    const std::string config = write_file("cell2.yaml", kCircuitCell);
    const std::string no_eis =
        write_file("no_eis.yaml", with_protocol("    - Rest for 1 minute\n"));
    auto expect_config_error = [&](const std::string& datasets, int line, const std::string& key,
                                   const std::string& part, const std::string& cfg) {
        const std::string fit = spectrum_fit_file(cfg, datasets);
        try {
            FitProblem problem(load_fit(fit));
            ADD_FAILURE() << "accepted: " << datasets;
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.line(), line) << e.what();
            EXPECT_EQ(e.key(), key) << e.what();
            EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("fit.yaml"), std::string::npos) << e.what();
        }
    };
    expect_config_error("    - {data: " + data + "}\n", 6, "fit.datasets.0.config", "needs an EIS step", no_eis);
    expect_config_error("    - {data: " + data + "}\n    - data: " + data + "\n      spectrum: 3\n", 8,
                        "fit.datasets.1.spectrum", "has 2 EIS step", config);
    try {
        load_fit(spectrum_fit_file(config, "    - {data: " + data + ", spectrum: 0}\n"));
        ADD_FAILURE() << "spectrum 0 accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.key(), "fit.datasets.0.spectrum") << e.what();
    }
    const std::string no_z = write_file("no_z.csv", "frequency/Hz,Z'/ohm\n1000,1\n1,2\n");
    try {
        FitProblem problem(load_fit(spectrum_fit_file(config, "    - {data: " + no_z + ", spectrum: last}\n")));
        ADD_FAILURE() << "a spectrum without Z'' accepted";
    } catch (const DataError& e) {
        EXPECT_EQ(e.line(), 1) << e.what();
        EXPECT_EQ(e.column(), "Z''") << e.what();
        EXPECT_NE(std::string(e.what()).find("no_z.csv"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace ssbsim
