// Qualitative trends of Studies B-D beyond the calibration rows (docs/DOMAIN.md; docs/
// calibration.md, "Trends beyond the calibration rows"; scripts/trend_table.py prints them
// all). Each runs a shipped study config with only cell and protocol keys changed, as a user
// would. CTest labels "slow" and "targets"; each takes a few seconds at -j1. The trends the
// table shows FAILing (B5b, C1, C3) have no test here: they are open defects of the model.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace ssbsim {
namespace {

constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

struct Trace {
    RunResult result;
    std::vector<Sample> samples;
};

Trace run(const std::string& config, std::vector<std::string> set) {
    set.push_back("output.profile_interval=0");
    test::Capture cap;
    Trace t{Simulation(test::load("configs/studies/" + config, set)).run(&cap), cap.samples};
    EXPECT_EQ(t.result.status, RunStatus::complete) << config << ": " << t.result.message;
    return t;
}

double discharge(const Trace& t, std::size_t cycle) {
    return t.result.cycles.size() >= cycle ? t.result.cycles[cycle - 1].discharge_capacity : kNoValue;
}

// The potential on the first charge at which the TPB's irreversible (deepest) SE oxidation
// first reaches 10 % of its first-charge peak rate [V]: an onset independent of how much
// reacts (scripts/trend_table.py's deep_onset).
double deep_onset(const Trace& t) {
    double peak = 0.0;
    for (const Sample& s : t.samples)
        if (s.cycle == 1 && s.current > 0) peak = std::max(peak, s.se_current_irreversible[site_tpb]);
    for (const Sample& s : t.samples)
        if (s.cycle == 1 && s.current > 0 && s.se_current_irreversible[site_tpb] >= 0.1 * peak) return s.potential;
    return kNoValue;
}

// Time-weighted mean potential on charge (sign +1) or discharge (-1) of a cycle [V].
double mean_potential(const Trace& t, int cycle, int sign) {
    double area = 0.0, span = 0.0;
    const Sample* prev = nullptr;
    for (const Sample& s : t.samples) {
        const bool in = s.cycle == cycle && s.current * sign > 0;
        if (in && prev) {
            area += 0.5 * (s.potential + prev->potential) * (s.time - prev->time);
            span += s.time - prev->time;
        }
        prev = in ? &s : nullptr;
    }
    return span > 0 ? area / span : kNoValue;
}

}  // namespace

// B1 (Wang et al.): SE decomposition ranks CNF < SP < CNT < KB - the carbons' BET areas (24,
// 62, 315, 1010 m2/g) and kinds (configs/materials/). Simulated first-cycle SE oxidation
// 8.4 < 10.6 < 21.7 < 72.6 mAh/g.
TEST(TrendsStudyB, SeDecompositionRanksNanofibresSuperPNanotubesKetjenBlack) {
    std::vector<double> ox;
    for (const std::string c : {"CNF", "SuperP", "CNT", "KetjenBlack"}) {
        const Trace t = run("study_b.yaml", {"cell.cathode.carbon=" + c, "protocol.steps.0.repeat=1"});
        ASSERT_FALSE(t.result.cycles.empty()) << c;
        ox.push_back(t.result.cycles[0].ledger.se_oxidation_charge);
    }
    for (std::size_t i = 1; i < ox.size(); ++i) EXPECT_LT(ox[i - 1], ox[i]) << "carbon " << i << " of CNF, SP, CNT, KB";
}

// B2: the MnO2 control cells' only capacity is SE oxidation, larger with KB than with CNF
// (simulated 8.1 and 99.0 mAh/g).
TEST(TrendsStudyB, MnO2ControlCapacityIsSeOxidationLargerWithKetjenBlack) {
    double ox[2] = {0, 0};
    int i = 0;
    for (const std::string c : {"CNF", "KetjenBlack"}) {
        const Trace t = run("study_b_mno2.yaml", {"cell.cathode.carbon=" + c});
        ASSERT_FALSE(t.result.cycles.empty()) << c;
        const CycleSummary& cy = t.result.cycles[0];
        EXPECT_NEAR(cy.charge_capacity, cy.ledger.se_oxidation_charge, 0.01 * cy.charge_capacity) << c;
        ox[i++] = cy.ledger.se_oxidation_charge;
    }
    EXPECT_GT(ox[1], 2.0 * ox[0]) << "KB " << ox[1] << " vs CNF " << ox[0] << " mAh/g";
}

// B3: the deepest decomposition (the TPB's irreversible products) starts at a lower potential
// with KB than with CNF (simulated 3.47 vs 3.64 V).
TEST(TrendsStudyB, DeepestDecompositionStartsLowerWithKetjenBlack) {
    const double kb = deep_onset(run("study_b.yaml", {"cell.cathode.carbon=KetjenBlack", "protocol.steps.0.repeat=1"}));
    const double cnf = deep_onset(run("study_b.yaml", {"cell.cathode.carbon=CNF", "protocol.steps.0.repeat=1"}));
    EXPECT_LT(kb, cnf - 0.05) << "onset KB " << kb << " V, CNF " << cnf << " V";
}

// C2 (Ma et al.): LiNbO3-coated LiNiO2 shows a lower overpotential (mean charge minus mean
// discharge potential of cycle 2: bare 112, 0.36 / 0.76 / 1.38 wt% 88 / 79 / 75 mV) and a
// higher capacity than bare.
TEST(TrendsStudyC, CoatedCellsHaveLowerOverpotentialAndHigherCapacity) {
    auto cell = [](const std::string& coating) {
        const Trace t = run("study_c.yaml", {coating});
        return std::make_pair(mean_potential(t, 2, +1) - mean_potential(t, 2, -1), discharge(t, 1));
    };
    const auto bare = cell("cell.cathode.coating=none");
    for (const std::string w : {"0.0036", "0.0076", "0.0138"}) {
        const auto coated = cell("cell.cathode.coating.mass_fraction=" + w);
        EXPECT_LT(coated.first, bare.first - 0.005) << w << ": gap " << coated.first << " V vs bare " << bare.first;
        EXPECT_GT(coated.second, bare.second) << w << ": discharge " << coated.second << " vs bare " << bare.second;
    }
}

// C4: 0.5C gives less capacity than 0.2C (simulated 181.6 vs 204.8 mAh/g, 1.38 wt% coated).
TEST(TrendsStudyC, HalfCGivesLessCapacityThanFifthC) {
    const double fifth = discharge(run("study_c.yaml", {"protocol.steps.0.repeat=1"}), 1);
    const double half = discharge(run("study_c.yaml", {"protocol.steps.0.repeat=1",
                                                       "protocol.steps.0.steps.0=Charge at 0.5C until 4.3 V",
                                                       "protocol.steps.0.steps.1=Discharge at 0.5C until 2.9 V"}),
                                  1);
    EXPECT_LT(half, fifth - 5.0) << "0.5C " << half << ", 0.2C " << fifth << " mAh/g";
}

// D1 (Kim et al.): the Li2SnO3-shelled LiCoO2 delivers more and keeps it better than bare.
// 20 cycles show it (bare 97.1 -> 66.0 mAh/g, shelled 112.3 -> 111.7; 100 cycles in
// scripts/trend_table.py).
TEST(TrendsStudyD, ShelledLiCoO2DeliversMoreAndKeepsItBetter) {
    constexpr std::size_t n = 20;
    const Trace bare = run("study_d.yaml", {"protocol.steps.0.repeat=20"});
    const Trace shelled = run("study_d.yaml", {"protocol.steps.0.repeat=20",
                                               "cell.cathode.coating={material: Li2SnO3, mass_fraction: 0.03}"});
    ASSERT_EQ(bare.result.cycles.size(), n);
    ASSERT_EQ(shelled.result.cycles.size(), n);
    EXPECT_GT(discharge(shelled, 1), discharge(bare, 1));
    EXPECT_GT(discharge(shelled, n) / discharge(shelled, 1), discharge(bare, n) / discharge(bare, 1) + 0.1)
        << "bare " << discharge(bare, 1) << " -> " << discharge(bare, n) << ", shelled " << discharge(shelled, 1)
        << " -> " << discharge(shelled, n) << " mAh/g";
}

// chemistry.sites.*.activation_potential (docs/equations.md 11.2, "Where the activation energy
// holds"): at the chemistry's reference temperature (45 degC) it changes nothing ...
TEST(ActivationPotential, ChangesNothingAtTheReferenceTemperature) {
    auto ox = [](const std::string& u_act) {
        std::vector<std::string> set = {"cell.temperature=45 degC", "protocol.steps.0.repeat=2"};
        for (const std::string s : {"carbon", "tpb", "cam"})
            set.push_back("chemistry.sites." + s + ".activation_potential=" + u_act);
        const Trace t = run("study_b.yaml", set);
        return t.result.cycles.size() == 2 ? t.result.cycles[1].ledger.se_oxidation_charge : kNoValue;
    };
    const double at_43 = ox("4.3 V"), at_35 = ox("3.5 V");
    EXPECT_NEAR(at_43, at_35, 1e-6 * at_35);
}

// ... and away from it the SE oxidation follows its activation energy at U_a: in Study B's
// cycle 10 (the slow, transport-limited side current) at 80 against 30 degC it is 3.6x with
// U_a = 4.3 V (40 kJ/mol at 4.3 V would be 9.5x; the cell spends most of the charge below),
// where U_a = U_ox (the law without the key: the Tafel factor cancels most of the Arrhenius
// factor) gives 1.3x.
TEST(ActivationPotential, HotCellsOxidiseTheirSeFaster) {
    auto late = [](int celsius, const std::string& u_act) {
        std::vector<std::string> set = {"cell.temperature=" + std::to_string(celsius) + " degC",
                                        "protocol.steps.0.repeat=10"};
        for (const std::string s : {"carbon", "tpb", "cam"})
            set.push_back("chemistry.sites." + s + ".activation_potential=" + u_act);
        const Trace t = run("study_b.yaml", set);
        return t.result.cycles.size() == 10 ? t.result.cycles[9].ledger.se_oxidation_charge : kNoValue;
    };
    const double shifted = late(80, "4.3 V") / late(30, "4.3 V");
    const double at_onset = late(80, "2.3 V") / late(30, "2.3 V");  // U_a = U_ox: the law without it
    EXPECT_GT(shifted, 2.5) << "80 / 30 degC with U_a = 4.3 V";
    EXPECT_GT(shifted, 1.5 * at_onset) << shifted << " with U_a = 4.3 V; U_a = U_ox gives " << at_onset;
}

// Outside [1, 6] V the key is refused, naming it; a site's own value replaces the chemistry's.
TEST(ActivationPotential, IsValidatedAndASiteValueReplacesTheChemistrys) {
    EXPECT_ANY_THROW(test::load("configs/studies/study_b.yaml", {"chemistry.activation_potential=9 V"}));
    EXPECT_ANY_THROW(test::load("configs/studies/study_b.yaml", {"chemistry.sites.tpb.activation_potential=0.5 V"}));
    const SimulationConfig c = test::load("configs/studies/study_b.yaml", {"chemistry.sites.tpb.activation_potential=4 V"});
    EXPECT_DOUBLE_EQ(c.cell.chemistry.site[site_tpb].U_act, 4.0);
    EXPECT_DOUBLE_EQ(c.cell.chemistry.site[site_cam].U_act, 4.3);  // calibrated.yaml's chemistry value
}

}  // namespace ssbsim
