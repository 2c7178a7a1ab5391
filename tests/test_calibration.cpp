// Study A calibration targets (docs/DOMAIN.md, Kaeli et al.; issue 10) for
// configs/studies/study_a.yaml. Labelled "slow" in CTest. Tolerances: the measured spread
// where the paper gives one, otherwise (issue 10) 10 % of the value, 0.5 pp for a CE.
#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace ssbsim;

namespace {
std::vector<CycleSummary> cycles(std::vector<std::string> set = {}) {
    set.push_back("output.profile_interval=0");
    Simulation sim(test::load("configs/studies/study_a.yaml", set));
    RunResult r = sim.run(nullptr);
    EXPECT_EQ(r.status, RunStatus::complete) << r.message;
    return r.cycles;
}
CycleSummary first_cycle(std::vector<std::string> set = {}) { return cycles(std::move(set)).at(0); }

std::vector<std::string> low_hold(int hours) {
    return {"protocol.steps.2=Discharge at C/50 until 2.0 V",
            "protocol.steps.3=Hold at 2.0 V for " + std::to_string(hours) + " hours"};
}

// Cycle 1 down to `low` V with a hold of `hours` there, then a Study A cycle (2.5 V, 33 h).
CycleSummary second_cycle_after(const std::string& low, int hours) {
    const std::string steps = "protocol.steps=[\"Charge at C/50 until 4.3 V\", \"Hold at 4.3 V for 10 hours\", "
                              "\"Discharge at C/50 until " + low + " V\", \"Hold at " + low + " V for " +
                              std::to_string(hours) + " hours\", \"Charge at C/50 until 4.3 V\", "
                              "\"Hold at 4.3 V for 10 hours\", \"Discharge at C/50 until 2.5 V\", "
                              "\"Hold at 2.5 V for 33 hours\"]";
    return cycles({steps}).at(1);
}
}  // namespace

TEST(StudyACalibration, FirstCycleWithTwoPointFiveVoltHold) {
    CycleSummary c = first_cycle();
    EXPECT_NEAR(c.charge_capacity, 203.3, 0.03 * 203.3);               // +-3 % (stated here)
    EXPECT_NEAR(c.coulombic_efficiency, 0.875, 0.017);                  // 87.5 +- 1.7 %
    EXPECT_NEAR(c.charge_capacity - c.discharge_capacity, 25.5, 6.8);   // loss 25.5 +- 6.8 mAh/g
    // Issue 10: no error bar stated, 10 % of the value.
    EXPECT_NEAR(c.ledger.se_oxidation_charge / c.charge_capacity, 0.093, 0.0093);     // ~9.3 %
    EXPECT_NEAR(c.ledger.se_oxidation_reversible / c.charge_capacity, 0.055, 0.0055);  // 5.5 %
    EXPECT_NEAR(c.ledger.se_oxidation_irreversible / c.charge_capacity, 0.038, 0.0038);  // 3.8 %
    EXPECT_NEAR(c.ledger.cam_kinetic / c.charge_capacity, 0.032, 0.0032);  // 3.2 %
    EXPECT_NEAR(c.shoulder_capacity, 3.6, 0.6);                          // 3.6 +- 0.6 mAh/g
}

TEST(StudyACalibration, TwoVoltHoldAddsAboutFivePercent) {
    CycleSummary a = first_cycle();
    CycleSummary b = first_cycle(low_hold(33));
    EXPECT_NEAR((b.discharge_capacity - a.discharge_capacity) / a.charge_capacity, 0.05, 0.005);  // ~5 % +- 10 %
}

// The hold curve: CE rises with the 2.0 V hold, 96.2 +- 1 % at 66 h, and saturates
// (<= 0.3 pp more from 66 to 132 h).
TEST(StudyACalibration, TwoVoltHoldCurveReachesItsPlateauBy66Hours) {
    const double ce33 = first_cycle(low_hold(33)).coulombic_efficiency;
    const double ce66 = first_cycle(low_hold(66)).coulombic_efficiency;
    const double ce132 = first_cycle(low_hold(132)).coulombic_efficiency;
    EXPECT_GT(ce66, ce33);
    EXPECT_NEAR(ce66, 0.962, 0.01);
    EXPECT_GE(ce132, ce66 - 1e-4);
    EXPECT_LE(ce132 - ce66, 0.003);
}

// After a 2.5 V cycle 1 the fresh-surface path is shut: cycle-2 CE 99 +- 0.5 %, no
// charging-onset shoulder (< 0.3 mAh/g).
TEST(StudyACalibration, SecondCycleAfterTwoPointFiveVolts) {
    CycleSummary c = second_cycle_after("2.5", 33);
    EXPECT_NEAR(c.coulombic_efficiency, 0.99, 0.005);
    EXPECT_LT(c.shoulder_capacity, 0.3);
}

// A 2.0 V hold reduces the reversible products and relithiates the CAM: the cycle-2
// shoulder reappears and grows with the hold (33 h < 66 h < 132 h).
TEST(StudyACalibration, SecondCycleShoulderGrowsWithTheTwoVoltHold) {
    const double s25 = second_cycle_after("2.5", 33).shoulder_capacity;
    const double s33 = second_cycle_after("2.0", 33).shoulder_capacity;
    const double s66 = second_cycle_after("2.0", 66).shoulder_capacity;
    const double s132 = second_cycle_after("2.0", 132).shoulder_capacity;
    EXPECT_GT(s33, s25);
    EXPECT_LT(s33, s66);
    EXPECT_LT(s66, s132);
}

TEST(StudyACalibration, CoulombicEfficiencyRisesWithTwoVoltHoldDuration) {
    double prev = 0;
    for (const char* h : {"Hold at 2.0 V for 11 hours", "Hold at 2.0 V for 33 hours", "Hold at 2.0 V for 66 hours"}) {
        CycleSummary c = first_cycle({"protocol.steps.2=Discharge at C/50 until 2.0 V", std::string("protocol.steps.3=") + h});
        EXPECT_GT(c.coulombic_efficiency, prev) << h;
        prev = c.coulombic_efficiency;
    }
}

TEST(StudyACalibration, CarbonOnlyReversibility) {
    // Kaeli et al.: 27 +- 1 % of the SE oxidation is recovered by a 33 h 2.0 V hold, none
    // at 2.5 V ("none" read here as below 2 %).
    auto run = [](std::vector<std::string> set) {
        set.push_back("output.profile_interval=0");
        Simulation sim(test::load("configs/studies/study_a_carbon_only.yaml", set));
        RunResult r = sim.run(nullptr);
        EXPECT_EQ(r.status, RunStatus::complete) << r.message;
        const auto& L = r.cycles.at(0).ledger;
        return L.se_reduction / L.se_oxidation_charge;
    };
    EXPECT_LT(run({}), 0.02);
    EXPECT_NEAR(run({"protocol.steps.2=Ramp from 4.3 V to 2.0 V over 34 hours",
                     "protocol.steps.3=Hold at 2.0 V for 33 hours"}), 0.27, 0.01);
}
