// Fracture of a brittle CAM coating on a breathing CAM (models/coating_fracture.hpp,
// docs/equations.md 3.2): G = Z E' eps^2 h against the fracture energy; above the critical
// thickness the failed share s grows and re-opens the CAM-side SE oxidation.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "models/cathode_p2d.hpp"
#include "models/coating_fracture.hpp"
#include "params/materials.hpp"
#include "test_support.hpp"

using namespace ssbsim;

namespace {
constexpr const char* kStudyC = "configs/studies/study_c.yaml";

SimulationConfig study_c(double mass_fraction, std::vector<std::string> set = {}) {
    set.push_back("cell.cathode.coating.mass_fraction=" + std::to_string(mass_fraction));
    set.push_back("output.profile_interval=0");
    return test::load(kStudyC, set);
}

// A short, fast cycle of Study C's cell: 1C charge, 2 h hold at 4.3 V, 1C discharge.
const std::vector<std::string> kShortCycle = {
    "protocol.steps=[\"Charge at 1C until 4.3 V\", \"Hold at 4.3 V for 2 hours\", \"Discharge at 1C until 2.9 V\"]",
    "mesh.cathode=4", "mesh.particle=8", "mesh.separator=2"};

SimulationConfig without_fracture(SimulationConfig c) {
    c.cell.coating_material.youngs_modulus = 0.0;
    c.cell.coating_material.fracture_energy = 0.0;
    c.cell.coating_material.interface_fracture_energy = 0.0;
    return c;
}

struct Outcome {
    RunResult run;
    std::vector<Sample> samples;
};

Outcome run(const SimulationConfig& c) {
    test::Capture cap;
    Outcome o{Simulation(c).run(&cap), {}};
    EXPECT_EQ(o.run.status, RunStatus::complete) << o.run.message;
    o.samples = cap.samples;
    return o;
}

double cam_side_oxidation(const Sample& s) {  // TPB + CAM site [mAh/g]
    return s.se_reversible[site_tpb] + s.se_irreversible[site_tpb] + s.se_reversible[site_cam] +
           s.se_irreversible[site_cam];
}
}  // namespace

// The mechanics: thicker -> larger G; Study C's h_c falls between Ma et al.'s 0.76 wt%
// (5.3 nm, intact) and 1.38 wt% (9.6 nm, fails) layers; Study D's Li2SnO3 shell on LiCoO2
// (small, tensile strain) stays far below it.
TEST(CoatingFracture, ThickerLayersDriveMoreAndStudyCsCriticalThicknessSitsBetweenItsLayers) {
    double last_g = 0.0, last_h = 0.0;
    for (double w : {0.0036, 0.0076, 0.0138}) {
        const SimulationConfig c = study_c(w);
        const CoatingFractureLaw f = coating_fracture_law(c.cell);
        ASSERT_TRUE(f.defined);
        const double eps = peak_coating_strain(c.cell, f);
        EXPECT_LT(eps, -0.02);  // LiNiO2 shrinks: the layer is compressed (delamination)
        EXPECT_DOUBLE_EQ(f.geometry(eps), kDelaminationZ);
        const double g = f.release_rate(eps);
        EXPECT_GT(f.thickness, last_h);
        EXPECT_GT(g, last_g);  // G ~ h
        EXPECT_NEAR(g / f.thickness, f.release_rate(eps) / f.thickness, 1e-12 * g / f.thickness);
        last_g = g;
        last_h = f.thickness;
        const double hc = f.critical_thickness(eps);
        EXPECT_GT(hc, 5.3e-9);
        EXPECT_LT(hc, 9.6e-9);
        EXPECT_EQ(f.on, f.thickness > hc) << w;
    }
    EXPECT_FALSE(coating_fracture_law(study_c(0.0076).cell).on);
    EXPECT_TRUE(coating_fracture_law(study_c(0.0138).cell).on);
    // Study D: tensile (LiCoO2 expands), channel cracks, far below Gamma_f.
    const SimulationConfig d =
        test::load("configs/studies/study_d.yaml", {"cell.cathode.coating={material: Li2SnO3, mass_fraction: 0.03}"});
    const CoatingFractureLaw fd = coating_fracture_law(d.cell);
    ASSERT_TRUE(fd.defined);
    const double eps_d = peak_coating_strain(d.cell, fd);
    EXPECT_GT(eps_d, 0.0);
    EXPECT_DOUBLE_EQ(fd.geometry(eps_d), kChannelCrackZ);
    EXPECT_LT(fd.release_rate(eps_d), 0.5 * fd.toughness(eps_d));
    EXPECT_FALSE(fd.on);
    CathodeP2D model(d.cell, d.mesh);
    EXPECT_EQ(model.n_chemistry_states(), 10);  // no fracture state
}

// Off (no keys) and below h_c: no state, the same layout and bit-identical results.
TEST(CoatingFracture, BelowTheCriticalThicknessAndOffNothingChanges) {
    const SimulationConfig on = study_c(0.0076, kShortCycle), off = without_fracture(on);
    EXPECT_FALSE(coating_fracture_law(off.cell).defined);
    CathodeP2D a(on.cell, on.mesh), b(off.cell, off.mesh);
    EXPECT_EQ(a.size(), b.size());
    // The interphase's 10, then LiNiO2's particle-fracture damage and rock-salt shell per population.
    EXPECT_EQ(a.n_chemistry_states(), 10 + 2 * on.mesh.populations);
    const Outcome x = run(on), y = run(off);
    ASSERT_EQ(x.samples.size(), y.samples.size());
    for (std::size_t i = 0; i < x.samples.size(); ++i) {
        EXPECT_EQ(x.samples[i].potential, y.samples[i].potential) << i;
        EXPECT_EQ(x.samples[i].capacity, y.samples[i].capacity) << i;
        EXPECT_EQ(x.samples[i].coating_exposed, 0.0);
    }
}

// Above h_c: s grows from 0 while the layer is strained beyond its critical strain, stays
// below 1 - Gamma/G_max < 1, never falls (no healing), and the re-exposed CAM surface
// oxidises more SE than the intact layer; the ledger still closes.
TEST(CoatingFracture, AboveTheCriticalThicknessTheExposedShareGrowsAndReopensSeOxidation) {
    SimulationConfig on = study_c(0.0138, kShortCycle);
    on.cell.coating_material.fracture_time = 3600.0;  // fast, for a short test
    const CoatingFractureLaw f = coating_fracture_law(on.cell);
    ASSERT_TRUE(f.on);
    const double eps_max = f.strain(on.cell.cam.volume_change(0.0));
    const double s_cap = 1.0 - f.toughness(eps_max) / f.release_rate(eps_max);
    CathodeP2D model(on.cell, on.mesh);
    EXPECT_EQ(model.n_chemistry_states(), 11 + 2 * on.mesh.populations);  // + s
    const Outcome x = run(on), y = run(without_fracture(on));
    ASSERT_FALSE(x.samples.empty());
    double last = 0.0, worst_drop = 0.0;
    for (const Sample& s : x.samples) {
        worst_drop = std::max(worst_drop, last - s.coating_exposed);
        last = s.coating_exposed;
    }
    EXPECT_LT(worst_drop, 1e-6);  // within the integration tolerance of s (atol 1e-6)
    EXPECT_GT(last, 0.02);
    EXPECT_LT(last, s_cap);
    EXPECT_LT(last, 1.0);
    EXPECT_GT(cam_side_oxidation(x.samples.back()), 1.5 * cam_side_oxidation(y.samples.back()));
    // The ledger closes with the fracture on.
    for (const auto& c : x.run.cycles) {
        ASSERT_TRUE(c.has_ledger);
        EXPECT_NEAR(c.ledger.total(), c.charge_capacity - c.discharge_capacity, 1e-6 * std::max(1.0, c.charge_capacity));
    }
    EXPECT_LT(x.run.lithium_balance_error, 1e-8);
}

// The keys come together: a fracture energy without a modulus (or the reverse) is an error
// naming the key; an implausible value too.
TEST(CoatingFracture, TheMaterialKeysAreValidated) {
    auto coating = [](const std::string& extra) {
        MaterialLibrary lib;
        const ConfigNode n = ConfigNode::load_string(
            "name: TestCoat\nkind: coating\ndensity: \"4.6 g/cm3\"\n" + extra, "test_coat.yaml");
        lib.add(n);
        return lib.coating("TestCoat", n);
    };
    EXPECT_NO_THROW(coating(""));
    EXPECT_FALSE(coating("").fractures());
    const Coating ok = coating("youngs_modulus: \"100 GPa\"\nfracture_energy: \"2 J/m2\"\n"
                               "interface_fracture_energy: \"0.2 J/m2\"\nfracture_time: \"10 h\"\n");
    EXPECT_TRUE(ok.fractures());
    EXPECT_DOUBLE_EQ(ok.youngs_modulus, 100e9);
    EXPECT_DOUBLE_EQ(ok.fracture_energy, 2.0);
    EXPECT_DOUBLE_EQ(ok.interface_fracture_energy, 0.2);
    EXPECT_DOUBLE_EQ(ok.fracture_time, 36000.0);
    EXPECT_THROW(coating("fracture_energy: \"2 J/m2\"\n"), ConfigError);
    EXPECT_THROW(coating("youngs_modulus: \"100 GPa\"\n"), ConfigError);
    EXPECT_THROW(coating("youngs_modulus: \"100 GPa\"\nfracture_energy: \"2 J/m2\"\npoisson_ratio: 0.7\n"), ConfigError);
    EXPECT_THROW(coating("youngs_modulus: \"100 GPa\"\nfracture_energy: \"2 V\"\n"), ConfigError);
    EXPECT_THROW(coating("youngs_modulus: \"100 Pa\"\nfracture_energy: \"2 J/m2\"\n"), ConfigError);
}
