// Particle fatigue fracture (models/particle_fracture.hpp, docs/equations.md 11.10): off is
// no state and no damage; no damage below the critical strain; above it the damage grows
// cycle by cycle towards its saturation, removes contact, and lithium stays conserved with
// the ledger closed; a compliant binder film removes the constraint.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "models/particle_fracture.hpp"
#include "test_support.hpp"

using namespace ssbsim;

namespace {
constexpr double kConservationTol = 1e-8;  // MODEL.md section 10
constexpr double kLedgerRelTol = 1e-6;     // as in test_populations.cpp

// Study C's pelletised LiNiO2 cell (fracture in LiNiO2.yaml), coarser and shorter.
SimulationConfig study_c(int cycles, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> set = {"mesh.cathode=5", "mesh.particle=10", "output.profile_interval=0",
                                    "protocol.steps.0.repeat=" + std::to_string(cycles)};
    set.insert(set.end(), extra.begin(), extra.end());
    return test::load("configs/studies/study_c.yaml", set);
}

struct FractureRun {
    RunResult r;
    test::Capture cap;
};

FractureRun run(SimulationConfig cfg) {
    FractureRun out;
    Simulation sim(std::move(cfg));
    out.r = sim.run(&out.cap);
    return out;
}

double max_damage(const FractureRun& x) {
    double d = 0.0;
    for (const auto& s : x.cap.samples) d = std::max(d, s.fracture_damage);
    return d;
}

// Damage at the end of each cycle (the last sample of the cycle).
std::vector<double> damage_per_cycle(const FractureRun& x) {
    std::vector<double> d;
    for (const auto& s : x.cap.samples) {
        if (static_cast<int>(d.size()) < s.cycle) d.push_back(0.0);
        if (s.cycle >= 1) d[s.cycle - 1] = s.fracture_damage;
    }
    return d;
}
}  // namespace

TEST(ParticleFracture, ShippedOnLiNiO2OnlyAndParsed) {
    const SimulationConfig c = study_c(1);
    EXPECT_TRUE(c.cell.cam.fracture.on());
    EXPECT_GT(c.cell.cam.fracture.critical_strain, 0.0);
    EXPECT_EQ(c.cell.cam.fracture.exponent, 2.0);
    // Single-crystal NMC83 (Study B), NMC532 (Study A) and LiCoO2 (Study D): off.
    for (const char* f : {"configs/studies/study_b.yaml", "configs/studies/study_a.yaml", "configs/studies/study_d.yaml"})
        EXPECT_FALSE(test::load(f).cell.cam.fracture.on()) << f;
    EXPECT_THROW(test::load("configs/studies/study_c.yaml", {"materials=[{name: X, kind: active, density: 4 g/cm3, "
                                                             "c_max: 40000 mol/m3, theoretical_capacity: 270 mAh/g, "
                                                             "ocv: {type: nmc532_mohtat2020}, diffusivity: {reference: 1e-14 m2/s}, "
                                                             "exchange_current: {reference: 1 A/m2}, fracture: {rate: 1, bogus: 2}}]",
                                                             "cell.cathode.active_material=X"}),
                 std::exception);
    // Fracture needs the strain table.
    EXPECT_THROW(test::load("configs/studies/study_c.yaml", {"materials=[{name: X, kind: active, density: 4 g/cm3, "
                                                             "c_max: 40000 mol/m3, theoretical_capacity: 270 mAh/g, "
                                                             "ocv: {type: nmc532_mohtat2020}, diffusivity: {reference: 1e-14 m2/s}, "
                                                             "exchange_current: {reference: 1 A/m2}, fracture: {rate: 1}}]",
                                                             "cell.cathode.active_material=X"}),
                 std::exception);
}

TEST(ParticleFracture, OffHasNoDamageAndBelowTheThresholdNone) {
    SimulationConfig off = study_c(1);
    off.cell.cam.fracture.rate = 0.0;
    SimulationConfig high = study_c(1);
    high.cell.cam.fracture.critical_strain = 0.2;  // beyond LiNiO2's 9 % at x = 0
    high.cell.cam.fracture.transition_strain = 0.0;  // (LiNiO2's end of H2-H3 lies below it)
    const FractureRun a = run(off), b = run(high);
    ASSERT_EQ(a.r.status, RunStatus::complete) << a.r.message;
    ASSERT_EQ(b.r.status, RunStatus::complete) << b.r.message;
    EXPECT_EQ(max_damage(a), 0.0);
    EXPECT_EQ(max_damage(b), 0.0);  // the state exists, its rate is exactly 0
    ASSERT_EQ(a.r.cycles.size(), 1u);
    ASSERT_EQ(b.r.cycles.size(), 1u);
    // The damage state at 0 changes nothing but the integrator's error norm.
    EXPECT_NEAR(b.r.cycles[0].discharge_capacity, a.r.cycles[0].discharge_capacity,
                1e-4 * a.r.cycles[0].discharge_capacity);
    EXPECT_NEAR(b.r.cycles[0].charge_capacity, a.r.cycles[0].charge_capacity, 1e-4 * a.r.cycles[0].charge_capacity);
}

TEST(ParticleFracture, GrowsWithCyclingAboveTheThresholdAndConservesLithium) {
    SimulationConfig cfg = study_c(3);
    cfg.cell.cam.fracture.rate = 50.0;  // a fast fatigue, so 3 cycles show it
    const FractureRun x = run(cfg);
    ASSERT_EQ(x.r.status, RunStatus::complete) << x.r.message;
    const std::vector<double> d = damage_per_cycle(x);
    ASSERT_EQ(d.size(), 3u);
    EXPECT_GT(d[0], 0.0);
    EXPECT_GT(d[1], d[0]);
    EXPECT_GT(d[2], d[1]);
    // Saturating: each cycle adds less, and D stays below D_sat.
    EXPECT_LT(d[2] - d[1], d[1] - d[0]);
    EXPECT_LT(d[2], cfg.cell.cam.fracture.saturation);
    // Damage only grows (discharge and rest add nothing)
    double last = 0.0, drop = 0.0, lost = 0.0;
    for (const auto& s : x.cap.samples) {
        drop = std::max(drop, last - s.fracture_damage);
        last = s.fracture_damage;
        lost = std::max(lost, s.fracture_contact_lost);
    }
    // (to the integrator's tolerance: its Newton corrections move D by ~1e-8 while the rate is 0)
    EXPECT_LE(drop, 1e-6);
    EXPECT_GT(lost, 0.0);
    // Lithium conserved, the ledger closes.
    EXPECT_LT(x.r.lithium_balance_error, kConservationTol);
    for (const auto& c : x.r.cycles) {
        ASSERT_TRUE(c.has_ledger);
        EXPECT_NEAR(c.ledger.total(), c.charge_capacity - c.discharge_capacity,
                    kLedgerRelTol * std::max(1.0, c.charge_capacity))
            << "cycle " << c.cycle;
    }
}

TEST(ParticleFracture, ACompliantBinderRemovesTheConstraint) {
    // Ma et al.'s slurry-cast electrode (1 wt% PIB) against the pellet (no binder).
    const SimulationConfig pellet = study_c(1);
    const SimulationConfig slurry = study_c(1, {"cell.cathode.binder_material=PIB", "cell.cathode.composition.binder=0.01",
                                                "cell.cathode.composition.normalize=true"});
    EXPECT_EQ(ParticleFracture::constraint_factor(pellet.cell), 1.0);
    const double f = ParticleFracture::constraint_factor(slurry.cell);
    EXPECT_GT(f, 0.0);
    EXPECT_LT(f, 0.01);
    // A stiffer binder constrains more: f rises towards 1 with its modulus.
    CellSpec stiff = slurry.cell;
    stiff.binder.youngs_modulus *= 1e4;
    EXPECT_GT(ParticleFracture::constraint_factor(stiff), 10.0 * f);
    EXPECT_LT(ParticleFracture::constraint_factor(stiff), 1.0);
    // No modulus given: the binder is not compliant (f = 1).
    CellSpec unknown = slurry.cell;
    unknown.binder.youngs_modulus = 0.0;
    EXPECT_EQ(ParticleFracture::constraint_factor(unknown), 1.0);
}

// A transition strain ends the growth where the two-phase collapse that drives it is
// complete: every charge past it adds the same k_D f_c (eps_t - eps_c)^m, however far the
// charge goes on; without it a deeper charge cracks more. One charge of the pellet, to
// 4.3 V and to 4.4 V (both past LiNiO2's eps_t at x ~ 0.12).
TEST(ParticleFracture, ATransitionStrainCapsTheDamageOfACharge) {
    auto charge = [](double v, bool cap) {
        SimulationConfig c = study_c(1, {"protocol.steps=[\"Charge at 0.2C until " + std::to_string(v) + " V\"]"});
        if (!cap) c.cell.cam.fracture.transition_strain = 0.0;
        return c;
    };
    // An end below the onset is refused, naming the key.
    const std::string x = "materials=[{name: X, kind: active, density: 4 g/cm3, c_max: 40000 mol/m3, "
                          "theoretical_capacity: 270 mAh/g, ocv: {type: nmc532_mohtat2020}, diffusivity: {reference: 1e-14 m2/s}, "
                          "exchange_current: {reference: 1 A/m2}, volume_change: {stoichiometry: [0, 1], relative: [-0.05, 0]}, "
                          "fracture: {rate: 1, critical_strain: 0.03, transition_strain: ";
    EXPECT_NO_THROW(test::load("configs/studies/study_c.yaml", {x + "0.04}}]", "cell.cathode.active_material=X"}));
    try {
        test::load("configs/studies/study_c.yaml", {x + "0.02}}]", "cell.cathode.active_material=X"});
        ADD_FAILURE() << "transition_strain below critical_strain accepted";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("fracture.transition_strain"), std::string::npos) << e.what();
    }
    const SimulationConfig probe = charge(4.3, true);
    const auto& f = probe.cell.cam.fracture;
    ASSERT_GT(f.transition_strain, f.critical_strain);
    const FractureRun a = run(charge(4.3, true)), b = run(charge(4.4, true));
    const FractureRun c = run(charge(4.3, false)), d = run(charge(4.4, false));
    for (const FractureRun* x : {&a, &b, &c, &d}) ASSERT_EQ(x->r.status, RunStatus::complete) << x->r.message;
    const double da = max_damage(a), db = max_damage(b), dc = max_damage(c), dd = max_damage(d);
    EXPECT_GT(da, 0.0);
    EXPECT_NEAR(db, da, 1e-3 * da);   // capped: the deeper charge adds nothing
    EXPECT_GT(dd, 1.05 * dc);         // uncapped: it does
    EXPECT_LT(da, dc);                // the cap takes off the strain beyond eps_t
    // The closed form of one charge past eps_t (f_c = 1: a pellet without binder):
    // D = D_sat (1 - exp(-k_D (eps_t - eps_c)^m / D_sat)) for every population that passed it,
    // to 10 %: the rate reads the mean stoichiometry's rate at the surface composition, so
    // the strain it integrates is not exactly eps(x_s) (+7 % here).
    const double k = f.rate * ParticleFracture::constraint_factor(probe.cell);
    const double expect = f.saturation * (1.0 - std::exp(-k * std::pow(f.transition_strain - f.critical_strain, f.exponent) /
                                                         f.saturation));
    EXPECT_NEAR(da, expect, 0.1 * expect);
}
