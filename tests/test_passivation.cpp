// The Study A mechanisms (issue 10; docs/equations.md 5 and 3): the passivation laws of the
// SE-oxidation sites, the re-opening of a site when its reversible products are reduced,
// and the hindered relithiation of the CAM (faster at a lower hold potential, saturating).
// Small meshes and short protocols: fast tests.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "models/intercalation.hpp"
#include "models/site_oxidation.hpp"
#include "test_support.hpp"

using namespace ssbsim;

namespace {
constexpr double kTight = 1e-12;

RunResult run(const std::string& file, std::vector<std::string> set) {
    set.push_back("output.profile_interval=0");
    Simulation sim(test::load(file, set));
    RunResult r = sim.run(nullptr);
    EXPECT_EQ(r.status, RunStatus::complete) << r.message;
    return r;
}
}  // namespace

TEST(PassivationLaw, EveryLawIsTheFreshRateWithoutProducts) {
    for (PassivationLaw law : {PassivationLaw::hyperbolic, PassivationLaw::film, PassivationLaw::coverage})
        EXPECT_DOUBLE_EQ(passivation_factor(law, 0.0), 1.0) << passivation_law_name(law);
}

TEST(PassivationLaw, FilmFallsExponentiallyAndCoverageShutsAtAMonolayer) {
    EXPECT_NEAR(passivation_factor(PassivationLaw::film, 3.0), std::exp(-3.0), kTight);
    EXPECT_NEAR(passivation_factor(PassivationLaw::hyperbolic, 3.0), 0.25, kTight);
    EXPECT_NEAR(passivation_factor(PassivationLaw::coverage, 0.25), 0.75, kTight);
    EXPECT_EQ(passivation_factor(PassivationLaw::coverage, 1.5), 0.0);
    // Far along, the film law shuts the path much more than the hyperbolic one (the reason
    // for it: MODEL.md 4, a 2.5 V cycle 1 leaves almost no cycle-2 oxidation).
    EXPECT_LT(passivation_factor(PassivationLaw::film, 8.0), 0.01 * passivation_factor(PassivationLaw::hyperbolic, 8.0));
}

TEST(PassivationLaw, ReadFromTheSiteAndRejectedWhenUnknown) {
    SimulationConfig c = test::load("configs/studies/study_a.yaml",
                                    {"chemistry.sites.tpb.passivation={law: coverage, coverage: \"3e-7 mol/m2\", reversible_weight: 0.5}"});
    const SiteKinetics& k = c.cell.chemistry.site[site_tpb];
    EXPECT_EQ(k.law, PassivationLaw::coverage);
    EXPECT_NEAR(k.law_coverage, 3e-7, 1e-20);
    EXPECT_EQ(k.reversible_weight, 0.5);
    EXPECT_THROW(test::load("configs/studies/study_a.yaml", {"chemistry.sites.tpb.passivation={law: tunnel}"}), ConfigError);
}

// Carbon-only control cell with the film law: a second oxidation ramp after a 2.0 V hold
// (reversible products reduced) oxidises more than after a 2.5 V hold (nothing reduced):
// reduction re-opens the surface.
TEST(PassivationLaw, ReducingTheReversibleProductsReopensTheSurface) {
    auto second_ramp = [](const char* low) {
        const std::string l(low);
        RunResult r = run("configs/studies/study_a_carbon_only.yaml",
                          {"mesh.cathode=4", "protocol.steps=[\"Ramp from 2.5 V to 4.3 V over 34 hours\", "
                           "\"Ramp from 4.3 V to " + l + " V over 34 hours\", \"Hold at " + l + " V for 33 hours\", "
                           "\"Ramp from " + l + " V to 4.3 V over 34 hours\"]"});
        return r.steps.at(3).capacity;
    };
    const double after_25 = second_ramp("2.5"), after_20 = second_ramp("2.0");
    EXPECT_GT(after_25, 0.0);
    EXPECT_GT(after_20, 1.2 * after_25);
}

namespace {
// Study A on a small mesh with no product reduction (the relithiation alone carries the
// hold's current): charge to 4.3 V, discharge to 2.5 V, then a hold at `V` for `hours`;
// the charge the hold puts back into the CAM [mAh/g] (> 0). (The SE chemistry stays on:
// it carries the first current of the pristine, kinetically hindered NMC.)
double hold_relithiation(const char* V, int hours) {
    RunResult r = run("configs/studies/study_a.yaml",
                      {"mesh.cathode=3", "mesh.particle=8", "mesh.separator=2",
                       "chemistry.sites.carbon.reduction_rate_constant=0 A/m2",
                       "chemistry.sites.tpb.reduction_rate_constant=0 A/m2",
                       "chemistry.sites.cam.reduction_rate_constant=0 A/m2",
                       "protocol.steps=[\"Charge at C/50 until 4.3 V\", \"Discharge at C/50 until 2.5 V\", "
                       "\"Hold at " + std::string(V) + " V for " + std::to_string(hours) + " hours\"]"});
    return -r.steps.at(2).capacity;
}
}  // namespace

TEST(HinderedRelithiation, ALowerHoldPotentialRelithiatesFaster) {
    const double at_20 = hold_relithiation("2.0", 20), at_23 = hold_relithiation("2.3", 20);
    EXPECT_GT(at_23, 0.0);
    EXPECT_GT(at_20, 1.1 * at_23);
}

TEST(HinderedRelithiation, RecoverySaturates) {
    const double h66 = hold_relithiation("2.0", 66), h132 = hold_relithiation("2.0", 132);
    EXPECT_GT(h66, 1.0);                 // mAh/g recovered by the hold
    EXPECT_LT(h132 - h66, 0.05 * h66);   // doubling the hold adds under 5 %
}

TEST(HinderedRelithiation, OffWithoutTheMaterialSection) {
    SimulationConfig lib = test::load("", {"materials.0.relithiation=~"});
    EXPECT_EQ(lib.cell.cam.relithiation.exponent, 0.0);
    EXPECT_EQ(lib.cell.cam.relithiation.resistance.reference, 0.0);
    SimulationConfig c = test::load("configs/studies/study_a.yaml");
    EXPECT_GT(c.cell.cam.relithiation.resistance.reference, 0.0);  // the calibrated NMC532_StudyA
}

// The Study A first charge at the calibrated mesh runs through x_s ~ 0.94, where the
// insertion drop engages around j = 0 in the cells that carry little current; with a TPB
// reversible fraction of 0.5 a residual whose form switched over ~4e-6 A/m2 of j stopped
// IDA's corrector there at 3.24 h (a small fit starts from that value: cli_end_to_end).
// The whole charge and the 2.5 V hold complete, with the capacities of the neighbours.
TEST(HinderedRelithiation, FirstChargeRunsThroughTheInsertionOnsetForAnyProductSplit) {
    std::vector<double> ce;
    for (const char* rf : {"0.49", "0.5", "0.51"}) {
        RunResult r = run("configs/studies/study_a.yaml", {std::string("chemistry.sites.tpb.reversible_fraction=") + rf});
        ASSERT_EQ(r.cycles.size(), 1u) << rf;
        ce.push_back(r.cycles[0].coulombic_efficiency);
    }
    EXPECT_NEAR(ce[1], ce[0], 0.005);
    EXPECT_NEAR(ce[1], ce[2], 0.005);
}

namespace {
// The carbon site of the carbon-only control cell with only one oxidation path (the other
// sites have no area without a CAM), held at 3.5 V for 1 h and 3 h more; the cumulative
// SE-oxidation charge [mAh/g] at the end of each hold.
std::pair<double, double> held_oxidation(const std::vector<std::string>& path) {
    std::vector<std::string> set = {"mesh.cathode=4", "output.profile_interval=0",
                                    "chemistry.sites.carbon.reduction_rate_constant=0 A/m2",
                                    "protocol.steps=[\"Hold at 3.5 V for 1 hours\", \"Hold at 3.5 V for 3 hours\"]"};
    set.insert(set.end(), path.begin(), path.end());
    Simulation sim(test::load("configs/studies/study_a_carbon_only.yaml", set));
    test::Capture cap;
    RunResult r = sim.run(&cap);
    EXPECT_EQ(r.status, RunStatus::complete) << r.message;
    const auto one = cap.of_step(0), four = cap.of_step(1);
    if (one.empty() || four.empty()) return {0.0, 0.0};
    return {one.back().se_oxidised, four.back().se_oxidised};
}
}  // namespace

// The transport-limited path (docs/equations.md 11.2): at constant potential its rate falls
// as 1 / thickness, d Gamma/dt = c / (1 + Gamma/Gamma_par), so Gamma + Gamma^2 / (2 Gamma_par)
// = c t: with Gamma >> Gamma_par the products grow as sqrt(t) (4x the time, 2x the charge;
// 2.02x here, u + u^2/2 = c t / Gamma_par = 1.2e3 after 1 h), with Gamma << Gamma_par
// linearly (4x).
TEST(PassivationLaw, TransportThroughTheFilmGrowsItParabolically) {
    const auto [q1, q4] = held_oxidation({"chemistry.sites.carbon.rate_constant=0 A/m2",
                                          "chemistry.sites.carbon.parabolic_rate_constant=1e-9 A/m2",
                                          "chemistry.sites.carbon.parabolic_coverage=1e-10 mol/m2"});
    ASSERT_GT(q1, 0.0);
    EXPECT_NEAR(q4 / q1, 2.0, 0.03);
    const auto [l1, l4] = held_oxidation({"chemistry.sites.carbon.rate_constant=0 A/m2",
                                          "chemistry.sites.carbon.parabolic_rate_constant=1e-9 A/m2",
                                          "chemistry.sites.carbon.parabolic_coverage=1e-3 mol/m2"});
    ASSERT_GT(l1, 0.0);
    EXPECT_NEAR(l4 / l1, 4.0, 0.01);
    // Off by default: a site without the key keeps the film law alone.
    EXPECT_EQ(test::load("configs/studies/study_a.yaml", {}).cell.chemistry.site[site_carbon].k_par.reference, 0.0);
    EXPECT_THROW(test::load("configs/studies/study_a.yaml", {"chemistry.sites.cam.parabolic_coverage=0 mol/m2"}),
                 ConfigError);
}

// The residual's shortcuts (T = double) give the values of the full formulas, which the
// Jacobian's Dual path still evaluates: the film law past its underflow, j_- past
// |j| = 50 j_eps, and eta without the insertion drop where drop_below_rounding says so.
TEST(KineticsShortcuts, TheFilmLawPastItsUnderflowIsExpsZero) {
    for (double theta : {745.0, 746.5, 800.0, 1e6}) {
        const double full = passivation_factor(PassivationLaw::film, Dual<1>::variable(theta, 0)).v;
        EXPECT_EQ(passivation_factor(PassivationLaw::film, theta), full) << theta;
    }
}

TEST(KineticsShortcuts, SkippedInsertionDropTermsLeaveTheResidualBitForBit) {
    const double r_h = 1500.0, j_eps = 1e-4, onset = 0.935, width = 0.003, cut = 0.05, cut_width = 0.06;
    int skipped = 0, checked = 0;
    for (double xs : {0.3, 0.6, 0.75, 0.8, 0.85, 0.9, 0.93, 0.94, 0.99}) {
        for (double j : {-3.0, -0.2, -1e-2, -6e-3, -1e-4, 0.0, 1e-7, 1e-3, 5.1e-3, 0.3, 2.0}) {
            for (double eta : {-0.4, -0.02, -1e-6, 0.0, 1e-9, 3e-4, 0.05, 0.7}) {
                const Dual<1> xd = Dual<1>::variable(xs, 0), ed(eta), jd(j);
                const auto gd = detail::insertion_gates(xd, ed, onset, width, cut, cut_width);
                const auto g = detail::insertion_gates(xs, eta, onset, width, cut, cut_width);
                // j_-: the double path (exp skipped past |z| = 50) against the full formula.
                const double drop = detail::insertion_drop(g, j, r_h, j_eps);
                EXPECT_EQ(drop, detail::insertion_drop(gd, jd, r_h, j_eps).v) << xs << " " << j << " " << eta;
                const double y = (xs - onset) / width;
                if (detail::drop_below_rounding(eta, j, y, r_h, j_eps)) {
                    ++skipped;
                    EXPECT_EQ(eta - drop, eta) << xs << " " << j << " " << eta;
                }
                ++checked;
            }
        }
    }
    EXPECT_GT(skipped, checked / 4);  // the shortcut is taken far below the onset
    EXPECT_LT(skipped, checked);      // and not near it, nor at eta = 0
    // Near the onset the drop is volts' worth of an ulp: never skipped.
    EXPECT_FALSE(detail::drop_below_rounding(0.05, 0.3, (0.93 - onset) / width, r_h, j_eps));
    EXPECT_FALSE(detail::drop_below_rounding(0.0, 0.3, -300.0, r_h, j_eps));
}
