// Stack pressure as a state (models/stack_pressure.hpp, MODEL.md section 6) and the
// MODEL.md section 9 time-series outputs (per-site SE-oxidation currents and extents, CAM
// volume change, stack pressure).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "models/cathode_p2d.hpp"
#include "params/emit.hpp"
#include "test_support.hpp"

using namespace ssbsim;

namespace {
const std::string kDie18 = "cell.stack_pressure={initial: 18 MPa, constraint: die, stiffness: 0.2 GPa}";
constexpr double kK = 0.2e9;  // [Pa]
const std::string kFirstCycle =
    "protocol.steps=[\"Charge at C/10 until 4.3 V\", \"Discharge at C/10 until 2.5 V\"]";

struct PressureRun {
    RunResult result;
    test::Capture capture;
};

PressureRun run(const std::string& file, std::vector<std::string> set) {
    set.push_back("output.profile_interval=0");
    PressureRun r;
    Simulation sim(test::load(file, set));
    r.result = sim.run(&r.capture);
    EXPECT_EQ(r.result.status, RunStatus::complete) << r.result.message;
    return r;
}

void expect_ledger_closes(const RunResult& r) {
    ASSERT_FALSE(r.cycles.empty());
    for (const auto& c : r.cycles)
        EXPECT_NEAR(c.ledger.total(), c.charge_capacity - c.discharge_capacity, 1e-6 * std::max(1.0, c.charge_capacity))
            << "cycle " << c.cycle;
}

// The last sample of the first step (the end of the first charge).
Sample end_of_first_charge(const PressureRun& r) { return r.capture.of_step(0).back(); }
}  // namespace

TEST(StackPressure, ConstantConstraintIsTodaysModelBitForBit) {
    PressureRun plain = run("configs/studies/study_a.yaml", {kFirstCycle});
    PressureRun mapped = run("configs/studies/study_a.yaml",
                     {kFirstCycle, "cell.stack_pressure={initial: 18 MPa, constraint: constant}"});
    ASSERT_EQ(plain.capture.samples.size(), mapped.capture.samples.size());
    for (std::size_t i = 0; i < plain.capture.samples.size(); ++i) {
        const Sample &a = plain.capture.samples[i], &b = mapped.capture.samples[i];
        EXPECT_EQ(a.time, b.time);
        EXPECT_EQ(a.potential, b.potential);
        EXPECT_EQ(a.contact, b.contact);
        EXPECT_EQ(a.se_oxidised, b.se_oxidised);
        EXPECT_EQ(b.stack_pressure, 18e6);
    }
    ASSERT_EQ(plain.result.cycles.size(), 1u);
    EXPECT_EQ(plain.result.cycles[0].discharge_capacity, mapped.result.cycles[0].discharge_capacity);
    EXPECT_EQ(plain.result.cycles[0].ledger.total(), mapped.result.cycles[0].ledger.total());
    // No state is added.
    SimulationConfig a = test::load("configs/studies/study_a.yaml");
    SimulationConfig b = test::load("configs/studies/study_a.yaml", {"cell.stack_pressure={initial: 18 MPa}"});
    CathodeP2D ma(a.cell, a.mesh), mb(b.cell, b.mesh);
    EXPECT_EQ(ma.size(), mb.size());
    EXPECT_EQ(mb.idx_pressure(), -1);
}

TEST(StackPressure, ConfigIsValidatedWithFileLineAndKey) {
    EXPECT_THROW(test::load("configs/studies/study_a.yaml", {"cell.stack_pressure={initial: 18 MPa, constraint: spring}"}),
                 ConfigError);
    EXPECT_THROW(test::load("configs/studies/study_a.yaml", {"cell.stack_pressure={initial: 18 MPa, stifness: 1 GPa}"}),
                 ConfigError);
    EXPECT_THROW(test::load("configs/studies/study_a.yaml", {"cell.stack_pressure={constraint: die}"}), ConfigError);
    try {
        test::load("configs/studies/study_a.yaml", {"cell.stack_pressure={initial: 0 MPa, constraint: die}"});
        ADD_FAILURE() << "a die-constrained cell at 0 MPa was accepted";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("stack_pressure.initial"), std::string::npos) << e.what();
    }
    SimulationConfig c = test::load("configs/studies/study_a.yaml", {kDie18});
    EXPECT_EQ(c.cell.pressure_law.constraint, StackPressureLaw::Constraint::die);
    EXPECT_DOUBLE_EQ(c.cell.pressure_law.stiffness, kK);
    EXPECT_DOUBLE_EQ(test::load("configs/studies/study_a.yaml", {"cell.stack_pressure={initial: 18 MPa, constraint: die}"})
                         .cell.pressure_law.stiffness,
                     0.2e9);  // the default
    EXPECT_DOUBLE_EQ(c.cell.stack_pressure, 18e6);
    // The resolved config repeats the mapping and reads back to the same law.
    const std::string text = emit_config_text(c);
    EXPECT_NE(text.find("constraint: die"), std::string::npos) << text;
    SimulationConfig back = test::load_text(text);
    EXPECT_EQ(back.cell.pressure_law.constraint, StackPressureLaw::Constraint::die);
    EXPECT_DOUBLE_EQ(back.cell.pressure_law.stiffness, kK);
    EXPECT_DOUBLE_EQ(back.cell.stack_pressure, 18e6);
    EXPECT_EQ(emit_config_text(back), text);
}

// A uniform cell: eps_v = eps_CAM (dV/V(x1) - dV/V(x0)) - a v_void - s_SE n F X_carbon,
// s_SE = (V_SE - V_dec) / (n_SE F): the SE volume lost per electrode volume.
TEST(StackPressure, DieLawMatchesTheClosedFormForAUniformCell) {
    // off_cam_void_share 0: the closed form reads the whole off-CAM SE loss from the product
    // states (with a share, that share is in v_void, which this test sets by hand).
    SimulationConfig c = test::load("configs/studies/study_a.yaml", {kDie18, "mesh.cathode=4", "mesh.particle=5",
                                                                     "chemistry.interphase.off_cam_void_share=0"});
    CathodeP2D model(c.cell, c.mesh);
    ASSERT_GE(model.idx_pressure(), 0);
    std::vector<double> y(model.size()), yp(model.size());
    const double x0 = c.cell.initial_stoichiometry;
    model.initial_state(x0, y.data(), yp.data());
    EXPECT_DOUBLE_EQ(model.stack_pressure(y.data()), 18e6);  // no strain at the start
    const double x1 = 0.3, v_void = 2e-9, x_carbon = 30.0;  // [m], [mol/m3] (reversible + irreversible)
    // TPB products: the share w on the CAM (tpb_footprint) has no volume of its own (it is in
    // the voids); the rest, off the CAM, shrinks the SE as the carbon's products do.
    const double x_tpb = 77.0;
    const double f_tpb = c.cell.chemistry.tpb_footprint;
    ASSERT_GT(f_tpb, 0.0);  // the shipped chemistry caps the TPB's CAM footprint
    const double w_tpb = std::min(1.0, f_tpb * model.specific_area() / model.site_area(site_tpb));
    ASSERT_LT(w_tpb, 1.0);  // Study A: a_TPB ~ 6 a_CAM
    const double cmax = c.cell.cam.c_max;
    for (int m = 0; m < model.n_cathode(); ++m) {
        for (int i = 0; i < model.n_shells(); ++i) y[model.idx_c(m, i)] = x1 * cmax;
        y[model.idx_x(m, CathodeP2D::x_void)] = v_void;
        y[model.idx_x(m, CathodeP2D::x_rev + site_carbon)] = 0.4 * x_carbon;
        y[model.idx_x(m, CathodeP2D::x_irr + site_carbon)] = 0.6 * x_carbon;
        y[model.idx_x(m, CathodeP2D::x_rev + site_tpb)] = x_tpb;
    }
    const auto& se = c.cell.electrolyte;
    const double shrink = (se.molar_volume - se.decomposed_molar_volume) / (c.cell.chemistry.se_electrons * 96485.33212);
    const double cam = c.cell.cam.volume_change(x1) - c.cell.cam.volume_change(x0);
    ASSERT_LT(cam, 0.0);  // NMC contracts on delithiation
    const double strain = c.cell.eps_cam * cam - model.specific_area() * v_void -
                          shrink * c.cell.chemistry.electrons_per_product * 96485.33212 * (x_carbon + (1 - w_tpb) * x_tpb);
    const double want = 18e6 + kK * strain;
    ASSERT_GT(want, 1e6);
    EXPECT_NEAR(model.pressure_law().strain(y.data()), strain, 1e-12 * std::fabs(strain));
    EXPECT_NEAR(model.pressure_law().cam_volume_change(y.data()), cam, 1e-12);
    // The pressure rows: zero at the closed-form pressure, in every cell.
    std::vector<double> F(model.size());
    model.pressure_law().initial_state(y.data());
    ASSERT_TRUE(model.residual(0.0, y.data(), yp.data(), F.data()));
    for (int m = 0; m < model.n_cathode(); ++m) {
        EXPECT_NEAR(y[model.idx_pressure(m)], want, 1e-6) << m;
        EXPECT_NEAR(F[model.idx_pressure(m)], 0.0, 1e-6) << m;
        EXPECT_NEAR(F[model.pressure_law().strain_index(m)], 0.0, 1e-15) << m;
    }
    EXPECT_NEAR(model.stack_pressure(y.data()), want, 1e-6);
    EXPECT_LT(want, 18e6);  // both the contraction and the SE shrinkage lower the pressure
    // No tension: a strain beyond -P0/K leaves a small positive pressure.
    double slope = 0;
    const double tension = -(18e6 + 0.5e6) / kK;  // P0 + K eps_v = -0.5 MPa
    EXPECT_GT(model.pressure_law().law(tension, &slope), 0.0);
    EXPECT_LT(model.pressure_law().law(tension, &slope), 1e3);
    EXPECT_GT(slope, 0.0);
    EXPECT_LT(slope, 0.01 * kK);
}

TEST(StackPressure, FallsAsTheSeOxidisesAndTheCamContracts) {
    // SE only (carbon-only cell, no CAM): the pressure falls with the SE-oxidation charge,
    // by K (V_SE - V_dec) / (n_SE F) Q / L (Q: the carbon site's, net of reduction).
    PressureRun carbon = run("configs/studies/study_a_carbon_only.yaml", {kDie18});
    SimulationConfig cc = test::load("configs/studies/study_a_carbon_only.yaml", {kDie18});
    const Sample s = end_of_first_charge(carbon);
    const double to_mAh_g = 1.0 / 3.6 / (cc.cell.basis_loading() * 1e3);  // [mAh/g per C/m2]
    const auto& se = cc.cell.electrolyte;
    const double shrink = (se.molar_volume - se.decomposed_molar_volume) / (cc.cell.chemistry.se_electrons * 96485.33212);
    const double q_ox = (s.se_reversible[site_carbon] + s.se_irreversible[site_carbon] + s.se_reduction[site_carbon]) / to_mAh_g;
    ASSERT_GT(q_ox, 1.0);
    EXPECT_NEAR(s.stack_pressure, 18e6 - kK * shrink * q_ox / cc.cell.thickness, 1e-6 * 18e6);
    EXPECT_LT(s.stack_pressure, 18e6);
    EXPECT_DOUBLE_EQ(s.cam_volume_change, 0.0);
    // NMC: contraction on charge lowers the pressure (P = P0 + K eps_v with the sampled CAM
    // volume change and SE charge); it recovers on discharge.
    SimulationConfig nc = test::load("configs/studies/study_a.yaml", {kDie18});
    // rtol 1e-8: the fresh-surface fast path at the charging onset makes the interpolated
    // samples of the algebraic law drift ~5e-4 of the change at rtol 1e-6.
    PressureRun nmc = run("configs/studies/study_a.yaml", {kDie18, kFirstCycle, "solver.rtol=1e-8"});
    const Sample top = end_of_first_charge(nmc), end = nmc.capture.samples.back();
    EXPECT_LT(top.cam_volume_change, -0.005);
    const double n_to_mAh_g = 1.0 / 3.6 / (nc.cell.basis_loading() * 1e3);
    // The CAM-side oxidation counts gross (as the voids), the carbon site's net of reduction.
    double q = top.se_reduction[site_carbon];
    for (int k = 0; k < n_sites; ++k) q += top.se_reversible[k] + top.se_irreversible[k];
    const double eps_v = nc.cell.eps_cam * top.cam_volume_change - shrink * (q / n_to_mAh_g) / nc.cell.thickness;
    // Samples come from IDA's interpolant, which meets the algebraic law to ~1e-5 of the change.
    EXPECT_NEAR(top.stack_pressure, 18e6 + kK * eps_v, 1e-4 * 18e6);
    EXPECT_LT(top.stack_pressure, 18e6 - 1e6);
    EXPECT_GT(end.stack_pressure, top.stack_pressure);
    expect_ledger_closes(nmc.result);
}

// Higher (initial) stack pressure in a die-constrained cell: less contact loss.
TEST(StackPressure, HigherPressureGivesLessContactLoss) {
    auto die = [](const char* p) {
        return "cell.stack_pressure={initial: " + std::string(p) + ", constraint: die, stiffness: 1 GPa}";
    };
    const std::vector<std::string> base = {"chemistry.contact.void_scale=5 nm", kFirstCycle};
    auto low = base, high = base;
    low.push_back(die("5 MPa"));
    high.push_back(die("50 MPa"));
    PressureRun lo = run("configs/studies/study_a.yaml", low), hi = run("configs/studies/study_a.yaml", high);
    const Sample a = end_of_first_charge(lo), b = end_of_first_charge(hi);
    EXPECT_LT(a.contact, b.contact);
    EXPECT_LT(a.stack_pressure, b.stack_pressure);
    EXPECT_GE(lo.result.cycles[0].dead_fraction, hi.result.cycles[0].dead_fraction);
    expect_ledger_closes(lo.result);
    // The actual pressure acts: the same cell held at its starting pressure keeps more contact
    // (the die-constrained pressure falls on charge).
    auto held = base;
    held.push_back("cell.stack_pressure=5 MPa");
    PressureRun c = run("configs/studies/study_a.yaml", held);
    EXPECT_LT(a.stack_pressure, 5e6);
    EXPECT_LT(a.contact, end_of_first_charge(c).contact);
}

// The MODEL.md 9 outputs: per-site extents equal the ledger's charges at the cycle's end,
// the currents integrate to the extents.
TEST(StackPressure, SiteOutputsMatchTheLedger) {
    PressureRun r = run("configs/studies/study_a.yaml", {kFirstCycle});
    ASSERT_EQ(r.result.cycles.size(), 1u);
    const auto& L = r.result.cycles[0].ledger;
    const Sample end = r.capture.samples.back();
    const double tol = 1e-9 * std::max(1.0, r.result.cycles[0].charge_capacity);
    double total = 0;
    for (int s = 0; s < n_sites; ++s) {
        EXPECT_NEAR(end.se_reversible[s] + end.se_reduction[s], L.by_site_reversible[s], tol) << s;
        EXPECT_NEAR(end.se_irreversible[s], L.by_site_irreversible[s], tol) << s;
        EXPECT_LE(end.se_reduction[s], 0.0);
        total += end.se_reversible[s] + end.se_irreversible[s];
    }
    EXPECT_NEAR(total, end.se_oxidised, tol);
    EXPECT_GT(end.se_reversible[site_tpb] + end.se_irreversible[site_tpb], 0.0);
    // Trapezoid of the sampled currents [A/m2 x s = C/m2] against the extent's growth.
    SimulationConfig c = test::load("configs/studies/study_a.yaml");
    const double to_mAh_g = 1.0 / 3.6 / (c.cell.basis_loading() * 1e3);
    const auto& S = r.capture.samples;
    double q = 0;
    for (std::size_t i = 1; i < S.size(); ++i)
        q += 0.5 * (S[i].se_current_irreversible[site_cam] + S[i - 1].se_current_irreversible[site_cam]) *
             (S[i].time - S[i - 1].time);
    const double want = end.se_irreversible[site_cam] / to_mAh_g;
    ASSERT_GT(want, 0.0);
    EXPECT_NEAR(q, want, 0.05 * want);
    EXPECT_GE(S[S.size() / 2].se_current_irreversible[site_cam], 0.0);
}
