// The interphase a CAM's surface forms with the SE (docs/equations.md 11.4, the CAM's
// se_oxidation.interphase_conductivity_factor): bare LiCoO2 | LPSC grows a poorly conducting
// Co/P/S interdiffusion layer (Sakuda et al. 2010), which costs Study D capacity through the
// film resistance, not through isolated particles, and which a Li2SnO3 shell keeps thin.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "params/cell.hpp"
#include "test_support.hpp"

using namespace ssbsim;

namespace {
const char* kStudyD = "configs/studies/study_d.yaml";
const char* kShell = "cell.cathode.coating={material: Li2SnO3, mass_fraction: 0.03}";

// Study D with its LiCoO2's interphase_conductivity_factor set to f (the material ships 1,
// off), resolved as the loader resolves it: the chemistry's values, then the material's keys.
SimulationConfig study_d(double f, std::vector<std::string> set = {}) {
    set.push_back("cell.cathode.material_kinetics=false");
    SimulationConfig c = test::load(kStudyD, set);
    CellSpec& cell = c.cell;
    cell.material_kinetics = true;
    cell.cam.se_oxidation = cell.cam.se_oxidation.with_overrides(
        {"interphase_conductivity_factor=" + std::to_string(f)});
    resolve_material_kinetics(cell);
    return c;
}

struct Cycle1 {
    double discharge = 0, dead = 0, film_end = 0, se_ox = 0;
};

Cycle1 first_cycle(double f, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> set = {"protocol.steps.0.repeat=1", "output.profile_interval=0"};
    set.insert(set.end(), extra.begin(), extra.end());
    test::Capture cap;
    const RunResult r = Simulation(study_d(f, set)).run(&cap);
    EXPECT_EQ(r.status, RunStatus::complete) << r.message;
    Cycle1 out;
    if (r.cycles.empty() || cap.samples.empty()) return out;
    out.discharge = r.cycles[0].discharge_capacity;
    out.dead = r.cycles[0].dead_fraction;
    out.film_end = cap.samples.back().film_resistance;
    out.se_ox = r.cycles[0].ledger.se_oxidation_charge;
    return out;
}
}  // namespace

TEST(CamInterphase, TheFactorScalesOnlyTheFilmConductivity) {
    // Studies A (NMC532) and D (LiCoO2) extend the same calibrated chemistry; LiCoO2 ships
    // 0.023 (0.1 with the former film, 100 mL/mol and 1e-7 S/m: the same resistance per charge).
    const SimulationConfig a = test::load("configs/studies/study_a.yaml");
    const SimulationConfig d = test::load(kStudyD);
    const double k_chem = a.cell.chemistry.film_conductivity.reference;
    EXPECT_NEAR(d.cell.chemistry.film_conductivity.reference, 0.023 * k_chem, 1e-12 * k_chem);
    const SimulationConfig one = study_d(1.0), tenth = study_d(0.1);
    EXPECT_EQ(one.cell.chemistry.film_conductivity.reference, k_chem);
    EXPECT_NEAR(tenth.cell.chemistry.film_conductivity.reference, 0.1 * k_chem, 1e-12 * k_chem);
    EXPECT_EQ(tenth.cell.chemistry.film_conductivity.activation_energy,
              a.cell.chemistry.film_conductivity.activation_energy);
    // The CAM site's kinetics are the material's, as loaded (rate_factor applied once).
    const auto& s1 = d.cell.chemistry.site[site_cam];
    const auto& s2 = tenth.cell.chemistry.site[site_cam];
    EXPECT_EQ(s1.k_ox.reference, s2.k_ox.reference);
    EXPECT_EQ(s1.k_fast.reference, s2.k_fast.reference);
    EXPECT_EQ(s1.reversible_fraction, s2.reversible_fraction);
}

TEST(CamInterphase, TheFactorIsValidated) {
    // A factor of 0 would make the film an insulator; the key belongs to the active material.
    const std::string cam = "materials=[{name: CamX, kind: inert, density: \"5 g/cm3\", "
                            "se_oxidation: {interphase_conductivity_factor: 0}}]";
    try {
        test::load(kStudyD, {cam, "cell.cathode.active_material=CamX"});
        ADD_FAILURE() << "a factor of 0 was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("interphase_conductivity_factor"), std::string::npos) << e.what();
    }
}

TEST(CamInterphase, TheBareLiCoO2LosesCapacityThroughItsFilmAndTheShellKeepsIt) {
    // The shipped factor (0.023; it was 0.1 with the former, 2.2x thicker and 2x less
    // conductive film, docs/equations.md 11.4: the same resistance per charge).
    constexpr double kShipped = 0.023;
    const Cycle1 bare = first_cycle(kShipped);
    const Cycle1 bare_chem = first_cycle(1.0);  // the chemistry's kappa_int
    // About the same products, 1/0.023 = 43x the resistance.
    EXPECT_NEAR(bare.se_ox, bare_chem.se_ox, 0.25 * bare_chem.se_ox);
    EXPECT_GT(bare.film_end, 5.0 * bare_chem.film_end);
    // The loss is kinetic: >= 10 mAh/g less discharge with the same dead share (the unwired
    // one, and within 1 pp what the voids of about the same products unwire during cycling).
    EXPECT_LT(bare.discharge, bare_chem.discharge - 10.0);
    EXPECT_NEAR(bare.dead, bare_chem.dead, 0.01);
    // The Li2SnO3 shell blocks the CAM-site oxidation, so its film stays thin and the
    // factor costs it little; it keeps more capacity than the bare LiCoO2.
    const Cycle1 shell = first_cycle(kShipped, {kShell});
    const Cycle1 shell_chem = first_cycle(1.0, {kShell});
    EXPECT_LT(shell.film_end, 0.5 * bare.film_end);
    EXPECT_GT(shell.discharge, shell_chem.discharge - 2.0);
    EXPECT_GT(shell.discharge, bare.discharge + 10.0);
}
