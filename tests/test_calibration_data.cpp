// The calibration machinery without its long runs: every data file of configs/data/ is read
// by the importer and compares only metrics ssbsim computes; the cells of targets.yaml load;
// the all-studies fit file loads and addresses its parameters in every dataset's config
// (materials.NAME.x in a config's own list and in the library); the metrics the targets
// added (lowest CE from a cycle on, dead fraction); and a two-iteration smoke fit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "analysis/fit.hpp"
#include "analysis/import.hpp"
#include "analysis/validation.hpp"
#include "core/config.hpp"
#include "params/fit_spec.hpp"
#include "params/yaml_text.hpp"
#include "test_support.hpp"

namespace ssbsim {
namespace {

const char* const kMeasuredFiles[] = {"study_b/first_cycle.csv", "study_b/stable_ce.csv", "study_b/retention.csv",
                                      "study_c/first_cycle.csv", "study_d/first_cycle.csv"};

TEST(CalibrationData, MeasuredFilesAreCycleTablesOfKnownMetrics) {
    for (const char* f : kMeasuredFiles) {
        const MeasuredData md = load_measured(test::source_path(std::string("configs/data/") + f));
        EXPECT_EQ(md.kind, MeasuredData::Kind::cycle_table) << f;
        ASSERT_EQ(md.cycles.size(), 1u) << f;
        for (const auto& w : md.warnings) ADD_FAILURE() << f << ": " << w;
        for (const auto& [m, v] : md.cycles[0].extra) {
            EXPECT_TRUE(is_known_metric(m)) << f << ": " << m;
            EXPECT_TRUE(md.cycles[0].sigma.count(m)) << f << ": " << m << " has no sigma";
        }
    }
    // Percent columns become fractions, as for the CE.
    const MeasuredData b = load_measured(test::source_path("configs/data/study_b/stable_ce.csv"));
    EXPECT_DOUBLE_EQ(b.cycles[0].extra.at("coulombic_efficiency_min_from"), 0.9975);
    EXPECT_DOUBLE_EQ(b.cycles[0].sigma.at("coulombic_efficiency_min_from"), 0.0025);
    EXPECT_EQ(b.cycles[0].cycle, 5);
}

TEST(CalibrationData, EveryCellOfTheTargetsLoads) {
    const ConfigNode studies = ConfigNode::load_file(test::source_path("configs/data/targets.yaml")).at("studies");
    for (const auto& name : studies.keys()) {
        const ConfigNode s = studies.at(name);
        const ConfigNode variants = s.at("variants");
        for (const auto& v : variants.keys()) {
            std::vector<std::string> set;
            for (std::size_t i = 0; i < variants.at(v).size(); ++i) set.push_back(variants.at(v)[i].string());
            EXPECT_NO_THROW(test::load("configs/data/" + s.string("config"), set)) << name << "." << v;
        }
        const ConfigNode data = s.at("data");
        for (std::size_t i = 0; i < data.size(); ++i) {
            EXPECT_TRUE(variants.has(data[i].string("variant"))) << data[i].string("file");
            std::ifstream f(test::source_path("configs/data/" + data[i].string("file")));
            EXPECT_TRUE(f.good()) << data[i].string("file");
        }
    }
}

TEST(CalibrationData, MinimumCoulombicEfficiencyFromACycleOn) {
    Analysis a;
    const double ce[] = {0.80, 0.97, 0.996, 0.998, 0.9955, 0.999};
    for (int k = 0; k < 6; ++k) {
        CycleMetrics c;
        c.cycle = k + 1;
        c.charge_capacity = 200;
        c.discharge_capacity = 200 * ce[k];
        c.coulombic_efficiency = ce[k];
        a.cycles.push_back(c);
    }
    // A last cycle without discharge (a record ending mid-cycle) does not count.
    CycleMetrics open;
    open.cycle = 7;
    open.charge_capacity = 100;
    a.cycles.push_back(open);
    EXPECT_TRUE(is_known_metric("coulombic_efficiency_min_from"));
    EXPECT_DOUBLE_EQ(simulated_metric("coulombic_efficiency_min_from", 1, a, {}), 0.80);
    EXPECT_DOUBLE_EQ(simulated_metric("coulombic_efficiency_min_from", 3, a, {}), 0.9955);
    EXPECT_DOUBLE_EQ(simulated_metric("coulombic_efficiency_min_from", 6, a, {}), 0.999);
    EXPECT_TRUE(std::isnan(simulated_metric("coulombic_efficiency_min_from", 8, a, {})));
}

TEST(CalibrationData, DeadFractionIsAMetricOfTheCycleSummary) {
    EXPECT_TRUE(is_known_metric("dead_fraction"));
    CycleSummary c;
    c.cycle = 2;
    c.has_ledger = true;
    c.dead_fraction = 0.125;
    Analysis a;
    EXPECT_DOUBLE_EQ(simulated_metric("dead_fraction", 2, a, {c}), 0.125);
    EXPECT_TRUE(std::isnan(simulated_metric("dead_fraction", 1, a, {c})));
}

TEST(FitKeys, MaterialNameAddressesTheConfigsListAndTheLibrary) {
    // The PyBaMM reference cell (its own materials list) with the library's Super P as carbon.
    const ConfigNode a = ConfigNode::load_file(test::source_path("configs/pybamm_reference.yaml"))
                             .with_overrides({"cell.cathode.carbon=SuperP"});
    const std::size_t n = a["materials"].size();
    ASSERT_GT(n, 0u);
    // An entry of the config's own list: its index.
    ResolvedKey k = resolve_material_key(a, "materials.NMC532_Mohtat2020.c_max");
    EXPECT_EQ(k.key, "materials.0.c_max");
    EXPECT_EQ(scalar_at(k.config, k.key).value_or("absent"), scalar_at(a, "materials.0.c_max").value_or(""));
    // Index keys, other sections and unknown names stay as they are.
    EXPECT_EQ(resolve_material_key(a, "materials.0.c_max").key, "materials.0.c_max");
    EXPECT_EQ(resolve_material_key(a, "chemistry.sites.tpb.rate_constant").key, "chemistry.sites.tpb.rate_constant");
    EXPECT_EQ(resolve_material_key(a, "materials.NoSuchMaterial.c_max").key, "materials.NoSuchMaterial.c_max");
    // A library material: copied behind the config's own entries, and the copy is what the cell uses.
    k = resolve_material_key(a, "materials.SuperP.specific_surface_area");
    EXPECT_EQ(k.key, "materials." + std::to_string(n) + ".specific_surface_area");
    ASSERT_TRUE(has_path(k.config, k.key));
    MaterialLibrary lib, lib2;
    const SimulationConfig plain = load_config(a, lib);
    const SimulationConfig changed = load_config(k.config.with_overrides({k.key + "=\"124 m2/g\""}), lib2);
    EXPECT_EQ(plain.cell.cam.c_max, changed.cell.cam.c_max);
    EXPECT_NE(plain.cell.carbon.specific_surface_area, changed.cell.carbon.specific_surface_area);
    EXPECT_NEAR(changed.cell.carbon.specific_surface_area, 124e3, 1e-6);  // [m2/kg]
    // A config without a materials list gets one.
    const ConfigNode d = a.with_overrides({"cell.cathode.active_material=LiCoO2", "materials=[]"});
    k = resolve_material_key(d, "materials.LiCoO2.c_max");
    EXPECT_EQ(k.key, "materials.0.c_max");
    MaterialLibrary lib3;
    const ConfigNode d2 = k.config.with_overrides({k.key + "=\"40000 mol/m3\""});
    EXPECT_EQ(d2["materials"][0].string("name"), "LiCoO2");
    EXPECT_EQ(scalar_at(d2, "materials.0.c_max").value_or(""), "40000 mol/m3");
}

TEST(FitKeys, AllStudiesFitFileLoadsWithEveryDataset) {
    const FitSpec spec = load_fit(test::source_path("configs/data/fit_all.yaml"));
    EXPECT_EQ(spec.datasets.size(), 10u);
    ASSERT_EQ(spec.parameters.size(), 7u);
    // Initial values from the calibrated chemistry and the library where the file gives none
    // (whatever those files hold: they are calibrated, so no literals here).
    for (const auto& p : spec.parameters) {
        EXPECT_TRUE(std::isfinite(p.initial)) << p.key;
        EXPECT_TRUE(p.initial >= p.lower && p.initial <= p.upper) << p.key;
    }
    EXPECT_EQ(spec.parameters[6].key, "materials.NMC532_StudyA.c_max");
    // Every dataset's config is built and planned (no simulation yet); each parameter acts
    // on some dataset.
    FitProblem problem(spec);
    EXPECT_GE(problem.residual_count(), 21);
}

// The shipped set is the all-studies fit's result: every fitted parameter's value in the
// shipped files (the initial value load_fit reads from calibrated.yaml and the library, as
// the fit started from) equals the fitted value of the committed report
// configs/data/fit_all_report.json to the 4 significant digits calibrated.yaml writes, well
// inside its one sigma. Editing a fitted value by hand, or refitting without shipping the
// result, fails here.
TEST(FitKeys, TheShippedSetIsTheAllStudiesFitResult) {
    const FitSpec spec = load_fit(test::source_path("configs/data/fit_all.yaml"));
    std::ifstream in(test::source_path("configs/data/fit_all_report.json"));
    ASSERT_TRUE(in) << "configs/data/fit_all_report.json is missing";
    const nlohmann::json report = nlohmann::json::parse(in);
    const auto& fitted = report.at("parameters");
    ASSERT_EQ(fitted.size(), spec.parameters.size());
    for (std::size_t j = 0; j < fitted.size(); ++j) {
        const FitParameter& p = spec.parameters[j];
        ASSERT_EQ(fitted[j].at("key").get<std::string>(), p.key);
        const double value = fitted[j].at("fitted").get<double>();
        EXPECT_NEAR(p.initial, value, 1e-3 * std::abs(value)) << p.key;
        EXPECT_LT(std::abs(p.initial - value), fitted[j].at("sigma").get<double>()) << p.key;
    }
}

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "/ssbsim_calibration_" + name; }

TEST(FitKeys, SmokeFitOfASharedChemistryAndALibraryMaterial) {
    // As fit_all.yaml, on two cheap datasets and for two iterations: a chemistry key and a
    // library-material key, datasets with their own configs and overrides.
    const std::string fit = temp_path("fit.yaml"), data = "configs/data/";
    {
        std::ofstream out(fit);
        out << "fit:\n  config: " << test::source_path(data + "../chemistry/calibrated.yaml") << "\n"
            << "  parameters:\n"
               "    - {key: chemistry.sites.cam.rate_constant, unit: A/m2, bounds: [1e-11, 1e-6]}\n"
               "    - {key: materials.LiCoO2.diffusivity.reference, unit: m2/s, bounds: [1e-17, 1e-12]}\n"
               "  datasets:\n"
               "    - {data: " << test::source_path(data + "study_d/first_cycle.csv")
            << ", config: " << test::source_path("configs/studies/study_d.yaml")
            << ", set: [protocol.steps.0.repeat=1, mesh.cathode=5, mesh.particle=6]}\n"
               "    - {data: " << test::source_path(data + "study_a/carbon_only_2p5V.csv")
            << ", config: " << test::source_path("configs/studies/study_a_carbon_only.yaml") << "}\n"
               "  solver: {max_iterations: 2, jobs: 2}\n"
               "  output: " << temp_path("fitted.yaml") << "\n  report: " << temp_path("report.json") << "\n";
    }
    FitProblem problem(load_fit(fit));
    EXPECT_EQ(problem.residual_count(), 2);
    const FitResult r = problem.solve();
    EXPECT_LE(r.iterations, 2);
    EXPECT_LE(r.final_cost, r.initial_cost);
    ASSERT_EQ(r.correlation.size(), 2u);
    // The fitted set is the chemistry file with the fitted values and the varied library material.
    const ConfigNode fitted = ConfigNode::load_string(problem.fitted_config_yaml(r), "fitted.yaml");
    const ResolvedKey k = resolve_material_key(fitted, "materials.LiCoO2.diffusivity.reference");
    EXPECT_NE(k.key, "materials.LiCoO2.diffusivity.reference") << "no LiCoO2 entry in the fitted file";
    EXPECT_TRUE(has_path(fitted, k.key)) << k.key;
    EXPECT_TRUE(has_path(fitted, "chemistry.sites.cam.rate_constant"));
    std::remove(fit.c_str());
}

}  // namespace
}  // namespace ssbsim
