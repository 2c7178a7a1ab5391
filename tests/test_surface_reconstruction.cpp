// Surface reconstruction of Ni-rich CAM into a rock-salt shell (models/surface_reconstruction.hpp,
// docs/equations.md 4.5.2): off without the material key (today's layout and residual), the
// growth law's Arrhenius slope and its state-of-charge gate, the shell's series resistance,
// the key's validation, and a short run whose lithium balance still closes.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/constants.hpp"
#include "core/error.hpp"
#include "models/cathode_p2d.hpp"
#include "test_support.hpp"

using namespace ssbsim;

namespace {
// Study B's cell (NMC83, the chemistry on) on a small mesh.
const std::vector<std::string> kSmall = {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2"};

SimulationConfig study_b(std::vector<std::string> set = {}) {
    set.insert(set.end(), kSmall.begin(), kSmall.end());
    return test::load("configs/studies/study_b.yaml", set);
}

// The same cell with the CAM's reconstruction switched off (the key absent).
SimulationConfig without(SimulationConfig c) {
    c.cell.cam.surface_reconstruction = ActiveMaterial::SurfaceReconstruction{};
    return c;
}

// A state at rest with uniform stoichiometry x0 (the growth rows read it), shells set exactly.
std::vector<double> state_at(const CathodeP2D& model, double x0, std::vector<double>& yp) {
    std::vector<double> y(model.size());
    yp.assign(model.size(), 0.0);
    model.initial_state(x0, y.data(), yp.data());
    std::fill(yp.begin(), yp.end(), 0.0);
    return y;
}

// d delta / dt of population p in cell m: the residual row is yp - rate, at yp = 0.
double growth_rate(CathodeP2D& model, const std::vector<double>& y, int m, int k) {
    std::vector<double> yp(model.size(), 0.0), F(model.size());
    EXPECT_TRUE(model.residual(0.0, y.data(), yp.data(), F.data()));
    return -F[model.idx_x(m, k)];
}
}  // namespace

TEST(SurfaceReconstruction, ShippedNiRichMaterialsCarryItAndLiCoO2DoesNot) {
    MaterialLibrary lib;
    ConfigNode where = ConfigNode::load_string("{}", "test.yaml");
    for (const char* name : {"NMC83", "LiNiO2", "NMC532"})
        EXPECT_TRUE(lib.active(name, where).surface_reconstruction.on()) << name;
    EXPECT_FALSE(lib.active("LiCoO2", where).surface_reconstruction.on());
}

// Off: no state, and the residual of every row is today's bit for bit (the model with the
// key on at delta = 0 has the same rows plus the shells').
TEST(SurfaceReconstruction, OffAddsNoStateAndOnLeavesTheOtherRowsAtZeroThickness) {
    SimulationConfig on = study_b();
    ASSERT_TRUE(on.cell.cam.surface_reconstruction.on());
    SimulationConfig off = without(on);
    CathodeP2D m_on(on.cell, on.mesh), m_off(off.cell, off.mesh);
    ASSERT_TRUE(m_off.chemistry());
    EXPECT_EQ(m_on.size(), m_off.size() + m_on.n_cathode() * m_on.n_populations());
    EXPECT_EQ(m_on.n_chemistry_states(), m_off.n_chemistry_states() + 1);
    std::vector<double> yp_on, yp_off;
    for (double x0 : {0.15, 0.5, 0.9}) {
        auto y_on = state_at(m_on, x0, yp_on);
        auto y_off = state_at(m_off, x0, yp_off);
        std::vector<double> F_on(m_on.size()), F_off(m_off.size());
        ASSERT_TRUE(m_on.residual(0.0, y_on.data(), yp_on.data(), F_on.data()));
        ASSERT_TRUE(m_off.residual(0.0, y_off.data(), yp_off.data(), F_off.data()));
        // Map every off row by name onto the on model's.
        int matched = 0;
        for (int i = 0, j = 0; i < m_off.size(); ++i, ++j) {
            while (m_on.variable_name(j) != m_off.variable_name(i)) ++j;
            ASSERT_LT(j, m_on.size());
            EXPECT_EQ(F_on[j], F_off[i]) << m_off.variable_name(i) << " x0 " << x0;
            ++matched;
        }
        EXPECT_EQ(matched, m_off.size());
        EXPECT_EQ(m_off.observe(y_off.data()).rock_salt_thickness, 0.0);
    }
}

// d delta/dt = k(T) g(x_s) / (delta_0 + delta): at a fully delithiated surface (g ~ 1) the
// ratio between two temperatures is the Arrhenius factor of the rate constant alone.
TEST(SurfaceReconstruction, GrowthFollowsItsArrheniusSlopeAndItsParabolicLaw) {
    SimulationConfig c = study_b();
    const auto& rs = c.cell.cam.surface_reconstruction;
    CathodeP2D model(c.cell, c.mesh);
    const int k = model.n_chemistry_states() - 1;  // the shell: the last chemistry state
    std::vector<double> yp;
    auto y = state_at(model, 0.05, yp);
    const double T1 = 303.15, T2 = 353.15;
    model.set_temperature(T1);
    const double r1 = growth_rate(model, y, 0, k);
    model.set_temperature(T2);
    const double r2 = growth_rate(model, y, 0, k);
    ASSERT_GT(r1, 0.0);
    const double expected = std::exp(rs.rate_constant.activation_energy / constants::R * (1.0 / T1 - 1.0 / T2));
    EXPECT_NEAR(r2 / r1, expected, 1e-9 * expected);
    // The activation energy dwarfs the shell conduction's: hot shells grow faster than
    // they conduct better.
    EXPECT_GT(rs.rate_constant.activation_energy, 2.0 * rs.conductivity.activation_energy);
    // Parabolic beyond delta_0: a shell delta_0 thick grows at half the rate of a bare surface.
    const double d0 = rs.transition_thickness;
    for (int m = 0; m < model.n_cathode(); ++m) y[model.idx_x(m, k)] = d0;
    EXPECT_NEAR(growth_rate(model, y, 0, k), 0.5 * r2, 1e-9 * r2);
    // The gate at a fully delithiated surface is ~1: the rate is k / delta_0 there.
    for (int m = 0; m < model.n_cathode(); ++m) y[model.idx_x(m, k)] = 0.0;
    const double g = 1.0 / (1.0 + std::exp((0.05 - rs.onset) / rs.width));
    EXPECT_NEAR(growth_rate(model, y, 0, k), rs.rate_constant.at(T2) * g / d0, 1e-9 * r2);
}

TEST(SurfaceReconstruction, NoGrowthAtLowStateOfCharge) {
    SimulationConfig c = study_b();
    CathodeP2D model(c.cell, c.mesh);
    const int k = model.n_chemistry_states() - 1;
    std::vector<double> yp;
    const double high = growth_rate(model, state_at(model, 0.1, yp), 0, k);
    const double mid = growth_rate(model, state_at(model, 0.5, yp), 0, k);
    const double low = growth_rate(model, state_at(model, 0.9, yp), 0, k);
    EXPECT_GT(high, 0.0);
    EXPECT_LT(mid, 1e-6 * high);
    EXPECT_LT(low, mid);
    EXPECT_GE(low, 0.0);
}

// The shell's delta / sigma(T) is in series with the kinetics: at a fixed current it raises
// the potential needed by j R_rs (to the accuracy of the BV inverse at this small j).
TEST(SurfaceReconstruction, ShellResistanceIsInSeriesWithTheKinetics) {
    SimulationConfig c = study_b();
    CathodeP2D model(c.cell, c.mesh);
    const int k = model.n_chemistry_states() - 1;
    std::vector<double> yp;
    auto y = state_at(model, 0.5, yp);
    const double j = 0.3;  // [A/m2]
    for (int m = 0; m < model.n_cathode(); ++m) y[model.idx_j(m)] = j;
    std::vector<double> F0(model.size()), F1(model.size());
    ASSERT_TRUE(model.residual(0.0, y.data(), yp.data(), F0.data()));
    const double delta = 10e-9;
    for (int m = 0; m < model.n_cathode(); ++m) y[model.idx_x(m, k)] = delta;
    ASSERT_TRUE(model.residual(0.0, y.data(), yp.data(), F1.data()));
    const Observables o = model.observe(y.data());
    EXPECT_DOUBLE_EQ(o.rock_salt_thickness, delta);
    const double R = o.rock_salt_resistance;
    EXPECT_NEAR(R, delta / c.cell.cam.surface_reconstruction.conductivity.at(c.cell.temperature), 1e-12 * R);
    // The kinetics residual j - j_bv(eta - j R) moves: the shell lowers the driving force.
    EXPECT_GT(F1[model.idx_j(0)], F0[model.idx_j(0)]);
}

TEST(SurfaceReconstruction, BadKeysStopAtLoad) {
    const std::string base = "configs/studies/study_b.yaml";
    auto with = [&](const std::string& body) {
        return std::vector<std::string>{"materials=[{name: NMC83x, kind: active, density: \"4.78 g/cm3\", "
                                        "c_max: \"49100 mol/m3\", theoretical_capacity: \"275 mAh/g\", "
                                        "ocv: {type: table, stoichiometry: [0, 1], potential: [4.5, 3.0]}, "
                                        "diffusivity: {reference: \"1e-15 m2/s\"}, exchange_current: {reference: \"1 A/m2\"}, "
                                        "surface_reconstruction: " + body + "}]",
                                        "cell.cathode.active_material=NMC83x"};
    };
    EXPECT_NO_THROW(test::load(base, with("{rate_constant: \"1e-24 m2/s\", conductivity: \"1e-7 S/m\"}")));
    EXPECT_THROW(test::load(base, with("{rate_constant: \"1e-24 m2/s\", conductivity: \"1e-7 S/m\", bogus: 1}")),
                 Error);
    EXPECT_THROW(test::load(base, with("{rate_constant: \"-1e-24 m2/s\", conductivity: \"1e-7 S/m\"}")), Error);
    EXPECT_THROW(test::load(base, with("{rate_constant: \"1e-24 m2/s\"}")), Error);  // conductivity required
    EXPECT_THROW(test::load(base, with("{rate_constant: \"1e-24 m2/s\", conductivity: \"1e-7 S/m\", width: 5}")),
                 Error);
    EXPECT_THROW(test::load(base, with("{rate_constant: \"1e-24 S/m\", conductivity: \"1e-7 S/m\"}")), Error);
}

// A short run with the shell on: it grows only on the charge's high-SOC end, the charge
// passed equals the lithium the CAM lost (the shell takes none), and the HDF5 columns carry it.
TEST(SurfaceReconstruction, ShortRunGrowsAtTopOfChargeAndKeepsTheLithiumBalance) {
    SimulationConfig c = study_b({"cell.temperature=80 degC", "protocol.steps.0.repeat=1"});
    Simulation sim(c);
    test::Capture cap;
    const RunResult r = sim.run(&cap);
    ASSERT_EQ(r.status, RunStatus::complete) << r.message;
    EXPECT_LT(r.lithium_balance_error, 1e-8);
    ASSERT_FALSE(cap.samples.empty());
    double max_delta = 0.0;
    for (const auto& s : cap.samples) {
        EXPECT_GE(s.rock_salt_thickness, 0.0);
        max_delta = std::max(max_delta, s.rock_salt_thickness);
    }
    EXPECT_GT(max_delta, 1e-12);
    EXPECT_LT(max_delta, 50e-9);  // a shell of nm after one cycle, not a particle
    EXPECT_GT(cap.samples.back().rock_salt_resistance, 0.0);
    // Monotone: the shell never shrinks.
    for (std::size_t i = 1; i < cap.samples.size(); ++i)
        EXPECT_GE(cap.samples[i].rock_salt_thickness, cap.samples[i - 1].rock_salt_thickness - 1e-18);
}
