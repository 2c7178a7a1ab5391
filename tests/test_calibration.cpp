// Study A calibration targets (docs/DOMAIN.md, Kaeli et al.) for configs/studies/study_a.yaml.
// Labelled "slow" in CTest. Tolerances: the measured spread where the paper gives one,
// otherwise stated here.
#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace ssbsim;

namespace {
CycleSummary first_cycle(std::vector<std::string> set = {}) {
    set.push_back("output.profile_interval=0");
    Simulation sim(test::load("configs/studies/study_a.yaml", set));
    RunResult r = sim.run(nullptr);
    EXPECT_EQ(r.status, RunStatus::complete) << r.message;
    return r.cycles.at(0);
}
}  // namespace

TEST(StudyACalibration, FirstCycleWithTwoPointFiveVoltHold) {
    CycleSummary c = first_cycle();
    EXPECT_NEAR(c.charge_capacity, 203.3, 0.03 * 203.3);               // +-3 % (stated here)
    EXPECT_NEAR(c.coulombic_efficiency, 0.875, 0.017);                  // 87.5 +- 1.7 %
    EXPECT_NEAR(c.ledger.se_oxidation_charge / c.charge_capacity, 0.093, 0.015);   // ~9.3 %
    EXPECT_NEAR(c.ledger.se_oxidation_reversible / c.charge_capacity, 0.055, 0.015);  // 5.5 %
    EXPECT_NEAR(c.ledger.se_oxidation_irreversible / c.charge_capacity, 0.038, 0.015);  // 3.8 %
    EXPECT_NEAR(c.ledger.cam_kinetic / c.charge_capacity, 0.032, 0.01);  // 3.2 %
    EXPECT_NEAR(c.shoulder_capacity, 3.6, 0.6);                          // 3.6 +- 0.6 mAh/g
}

TEST(StudyACalibration, TwoVoltHoldAddsAboutFivePercent) {
    CycleSummary a = first_cycle();
    CycleSummary b = first_cycle({"protocol.steps.2=Discharge at C/50 until 2.0 V",
                                  "protocol.steps.3=Hold at 2.0 V for 33 hours"});
    EXPECT_NEAR((b.discharge_capacity - a.discharge_capacity) / a.charge_capacity, 0.05, 0.015);
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
