// Validation and fitting end to end: the shared analysis agrees with the simulator's own
// cycle bookkeeping; a simulated record written as a measured CSV is reproduced by the
// protocol read off it; a fit recovers known parameters from noisy simulated data.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>

#include "analysis/fit.hpp"
#include "analysis/import.hpp"
#include "analysis/metrics.hpp"
#include "analysis/validation.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

namespace ssbsim {
namespace {

// A small, fast intercalation-only cell (the PyBaMM reference cell on a coarse mesh).
const std::vector<std::string> kSmall = {"mesh.cathode=8", "mesh.particle=12", "mesh.separator=3",
                                         "solver.rtol=1e-7", "solver.atol=1e-9", "output.sample_interval=60 s"};

std::string temp_path(const std::string& name) {
    return ::testing::TempDir() + "/ssbsim_validation_" + name;
}

void write_csv(const std::string& path, const Trajectory& t, double noise_V, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> n(0.0, noise_V);
    std::ofstream out(path);
    out << "# source: ssbsim test, simulated with noise " << noise_V * 1000 << " mV\n";
    out << "# mass: " << t.mass * 1e6 << " mg\n";
    out << "time [s],potential [V],current [mA]\n";
    out.precision(12);
    for (std::size_t i = 0; i < t.size(); ++i)
        out << t.time[i] << "," << t.potential[i] + (noise_V > 0 ? n(rng) : 0.0) << "," << t.current[i] * 1000 << "\n";
}

TEST(Validation, SharedAnalysisAgreesWithTheSimulatorsCycleSummary) {
    SimulationConfig cfg = test::load("configs/studies/study_a.yaml");
    CaseResult r = run_case(cfg);
    ASSERT_EQ(r.status, "complete") << r.message;
    ASSERT_FALSE(r.cycles.empty());
    AnalysisOptions o;
    o.shoulder_potential = cfg.protocol.shoulder_potential;
    Analysis a = analyse(r.trajectory, o);
    ASSERT_EQ(a.cycles.size(), 1u);
    const CycleSummary& s = r.cycles[0];
    const CycleMetrics& m = a.cycles[0];
    // Trapezoid on the solver's output steps vs the model's integrated charge: 0.5 %.
    EXPECT_NEAR(m.charge_capacity, s.charge_capacity, 5e-3 * s.charge_capacity);
    EXPECT_NEAR(m.discharge_capacity, s.discharge_capacity, 5e-3 * s.discharge_capacity);
    EXPECT_NEAR(m.coulombic_efficiency, s.coulombic_efficiency, 5e-3);
    EXPECT_NEAR(m.shoulder_capacity, s.shoulder_capacity, 0.05 * s.shoulder_capacity + 0.05);
    // Ledger metrics come from the model's summary.
    double share = simulated_metric("se_oxidation_share", 1, a, r.cycles);
    EXPECT_NEAR(share, s.ledger.se_oxidation_charge / m.charge_capacity, 1e-12);
    EXPECT_GT(share, 0.01);
}

TEST(Validation, SimulatedRecordIsReproducedFromTheProtocolReadOffIt) {
    auto set = kSmall;
    set.push_back(R"(protocol.steps=["Charge at C/2 until 4.2 V", "Hold at 4.2 V for 30 minutes", "Rest for 20 minutes", "Discharge at 1C until 3.0 V", "Rest for 10 minutes"])");
    SimulationConfig cfg = test::load("configs/pybamm_reference.yaml", set);
    CaseResult truth = run_case(cfg);
    ASSERT_EQ(truth.status, "complete") << truth.message;
    std::string csv = temp_path("roundtrip.csv");
    write_csv(csv, truth.trajectory, 0.0, 1);

    MeasuredData data = load_measured(csv);
    ASSERT_EQ(data.kind, MeasuredData::Kind::time_series);
    EXPECT_NEAR(data.trajectory.mass, cfg.cell.cam_mass(), 1e-6 * cfg.cell.cam_mass());
    AnalysisOptions o;
    auto cases = plan_cases(data, cfg, o);
    ASSERT_EQ(cases.size(), 1u);
    // CC charge, CV hold, rest, CC discharge, rest.
    ASSERT_EQ(cases[0].steps.size(), 5u);
    EXPECT_EQ(cases[0].steps[0].kind, Step::Kind::current);
    EXPECT_EQ(cases[0].steps[1].kind, Step::Kind::voltage);
    EXPECT_NEAR(cases[0].steps[1].voltage, 4.2, 2e-3);
    EXPECT_EQ(cases[0].steps[2].kind, Step::Kind::rest);
    EXPECT_EQ(cases[0].steps[3].direction, -1);

    SimulationConfig sim = cfg;
    apply_case(cases[0], sim);
    std::vector<CaseResult> results{run_case(sim)};
    ASSERT_EQ(results[0].status, "complete") << results[0].message;
    Comparison c = compare(data, cases, results, cfg, o);
    ASSERT_FALSE(c.curves.empty());
    EXPECT_LT(c.curve_rmse, 2e-3);  // the same model: curves agree to the protocol rounding
    int compared = 0;
    for (const auto& row : c.rows) {
        ASSERT_TRUE(std::isfinite(row.simulated)) << row.metric;
        if (row.unit == "mAh/g" && row.measured > 1) {
            EXPECT_NEAR(row.simulated, row.measured, 5e-3 * row.measured) << row.metric;
            ++compared;
        }
    }
    EXPECT_GE(compared, 2);
    std::remove(csv.c_str());
}

TEST(Validation, HoldTableChangesTheBottomHoldAndTheDischargeCutOff) {
    SimulationConfig cfg = test::load("configs/studies/study_a.yaml");
    ValidationCase c;
    c.hold_duration = 66 * 3600.0;
    c.hold_potential = 2.0;
    apply_case(c, cfg);
    const auto& st = cfg.protocol.steps;
    ASSERT_EQ(st.size(), 4u);
    EXPECT_DOUBLE_EQ(st[3].voltage, 2.0);
    EXPECT_DOUBLE_EQ(st[3].duration, 66 * 3600.0);
    ASSERT_FALSE(st[2].limits.empty());
    EXPECT_DOUBLE_EQ(st[2].limits[0].value, 2.0);

    // A potential-driven cell (the carbon-only control): the ramp down keeps its sweep rate
    // and ends at the new hold potential.
    SimulationConfig co = test::load("configs/studies/study_a_carbon_only.yaml");
    const double rate = (co.protocol.steps[2].voltage - co.protocol.steps[2].ramp_end) / co.protocol.steps[2].duration;
    apply_case(c, co);
    EXPECT_TRUE(co.protocol.steps[2].ramp);
    EXPECT_DOUBLE_EQ(co.protocol.steps[2].ramp_end, 2.0);
    EXPECT_NEAR((co.protocol.steps[2].voltage - 2.0) / co.protocol.steps[2].duration, rate, 1e-7 * rate);  // 8 digits in the step text
    EXPECT_DOUBLE_EQ(co.protocol.steps[3].voltage, 2.0);
    EXPECT_NEAR(co.protocol.steps[3].duration, 66 * 3600.0, 1e-6);

    SimulationConfig no_hold = test::load("configs/pybamm_reference.yaml");
    EXPECT_THROW(apply_case(c, no_hold), ConfigError);
}

TEST(Validation, LongerLowHoldRaisesTheSimulatedCE) {
    // The planned hold-table cases run and order as the physics says: a 2.0 V hold
    // recovers more than a 2.5 V one.
    SimulationConfig cfg = test::load("configs/studies/study_a.yaml");
    std::string csv = temp_path("holds.csv");
    {
        std::ofstream out(csv);
        out << "hold_duration [h],hold_potential [V],coulombic_efficiency [%]\n33,2.5,87.5\n33,2.0,92.5\n";
    }
    MeasuredData data = load_measured(csv);
    ASSERT_EQ(data.kind, MeasuredData::Kind::hold_table);
    AnalysisOptions o;
    o.shoulder_potential = cfg.protocol.shoulder_potential;
    auto cases = plan_cases(data, cfg, o);
    ASSERT_EQ(cases.size(), 2u);
    std::vector<CaseResult> results;
    for (const auto& c : cases) {
        SimulationConfig s = cfg;
        apply_case(c, s);
        results.push_back(run_case(s));
    }
    Comparison cmp = compare(data, cases, results, cfg, o);
    ASSERT_EQ(cmp.rows.size(), 2u);
    EXPECT_GT(cmp.rows[1].simulated, cmp.rows[0].simulated + 0.02);
    EXPECT_NEAR(cmp.rows[0].measured, 0.875, 1e-12);
    std::remove(csv.c_str());
}

TEST(Fit, RecoversKnownParametersFromNoisySimulatedData) {
    // Truth: the reference cell's D_s and exchange current. Data: a 1C discharge after a
    // C/2 charge, with 2 mV Gaussian noise. The fit starts a factor 3 off in both.
    auto set = kSmall;
    set.push_back(R"(protocol.steps=["Charge at C/2 until 4.2 V", "Rest for 30 minutes", "Discharge at 1C until 3.2 V"])");
    SimulationConfig cfg = test::load("configs/pybamm_reference.yaml", set);
    CaseResult truth = run_case(cfg);
    ASSERT_EQ(truth.status, "complete") << truth.message;
    std::string csv = temp_path("fit_data.csv");
    write_csv(csv, truth.trajectory, 0.002, 42);

    std::string cfg_path = temp_path("fit_cell.yaml");
    {
        std::ifstream in(test::source_path("configs/pybamm_reference.yaml"));
        std::ofstream out(cfg_path);
        out << in.rdbuf();
    }
    std::string fit_path = temp_path("fit.yaml");
    {
        std::ofstream out(fit_path);
        out << "fit:\n  config: " << cfg_path << "\n  set:\n";
        for (const auto& s : set) {
            std::string q = s;
            for (std::size_t p = 0; (p = q.find('\'', p)) != std::string::npos; p += 2) q.insert(p, "'");
            out << "    - '" << q << "'\n";
        }
        out << "  parameters:\n"
               "    - {key: materials.0.diffusivity.reference, unit: m2/s, initial: 2.4e-14, bounds: [1e-16, 1e-12]}\n"
               "    - {key: materials.0.exchange_current.reference, unit: A/m2, initial: 0.9, bounds: [0.01, 100]}\n"
               "  datasets:\n"
               "    - {data: " << csv << ", curve_sigma: 2 mV}\n"
               "  solver: {max_iterations: 30, jobs: 2}\n"
               "  output: " << temp_path("fitted.yaml") << "\n  report: " << temp_path("report.json") << "\n";
    }
    FitSpec spec = load_fit(fit_path);
    ASSERT_EQ(spec.parameters.size(), 2u);
    FitProblem problem(spec);
    EXPECT_GT(problem.residual_count(), 50);
    FitResult r = problem.solve();
    std::cout << problem.format_report(r);
    EXPECT_LT(r.final_cost, r.initial_cost * 0.1);
    const double truth_d = 8e-15, truth_k = 2.698586;
    EXPECT_NEAR(std::log(r.fitted[0] / truth_d), 0.0, 0.05) << r.fitted[0];
    EXPECT_NEAR(std::log(r.fitted[1] / truth_k), 0.0, 0.10) << r.fitted[1];
    // The uncertainty estimate is finite and covers the truth within 4 sigma.
    ASSERT_TRUE(std::isfinite(r.sigma_log10[0]) && r.sigma_log10[0] > 0);
    EXPECT_LT(std::abs(std::log10(r.fitted[0] / truth_d)), 4 * r.sigma_log10[0] + 1e-3);
    EXPECT_LT(std::abs(std::log10(r.fitted[1] / truth_k)), 4 * r.sigma_log10[1] + 1e-3);
    // Reduced chi-square near 1 with the noise level as the curve sigma.
    EXPECT_GT(r.reduced_chi2, 0.5);
    EXPECT_LT(r.reduced_chi2, 2.0);
    // The calibrated config runs.
    std::string yaml = problem.fitted_config_yaml(r);
    ConfigNode fitted = ConfigNode::load_string(yaml, "fitted.yaml");
    MaterialLibrary lib;
    EXPECT_NO_THROW(load_config(fitted, lib));
    for (const auto& p : {csv, cfg_path, fit_path}) std::remove(p.c_str());
}

TEST(Fit, FileErrorsNameTheLineAndKey) {
    std::string path = temp_path("bad_fit.yaml");
    {
        std::ofstream out(path);
        out << "fit:\n  config: " << test::source_path("configs/studies/study_a.yaml")
            << "\n  parameters:\n    - key: chemistry.sites.carbon.rate_constant\n      unit: A/m2\n"
               "      bounds: [1e-6, 1e-10]\n  datasets:\n    - data: x.csv\n";
    }
    try {
        load_fit(path);
        FAIL() << "bad bounds accepted";
    } catch (const ConfigError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("bad_fit.yaml:6"), std::string::npos) << what;
        EXPECT_NE(what.find("bounds"), std::string::npos) << what;
    }
    std::remove(path.c_str());
}

}  // namespace
}  // namespace ssbsim
