// SE redox, interphase, contact loss and the loss ledger (MODEL.md sections 3-7).
#include <gtest/gtest.h>

#include <cmath>

#include "test_support.hpp"

using namespace ssbsim;

namespace {
constexpr double kLedgerRelTol = 1e-6;  // ledger sum vs gap, relative to the charge capacity

RunResult run(const std::string& file, std::vector<std::string> set = {}) {
    set.push_back("output.profile_interval=0");
    Simulation sim(test::load(file, set));
    RunResult r = sim.run(nullptr);
    EXPECT_EQ(r.status, RunStatus::complete) << r.message;
    return r;
}

void expect_ledger_closes(const RunResult& r) {
    ASSERT_FALSE(r.cycles.empty());
    for (const auto& c : r.cycles) {
        ASSERT_TRUE(c.has_ledger);
        double gap = c.charge_capacity - c.discharge_capacity;
        EXPECT_NEAR(c.ledger.total(), gap, kLedgerRelTol * std::max(1.0, c.charge_capacity))
            << "cycle " << c.cycle;
        double sites = 0;
        for (int s = 0; s < 3; ++s) sites += c.ledger.by_site_reversible[s] + c.ledger.by_site_irreversible[s];
        EXPECT_NEAR(sites, c.ledger.se_oxidation_reversible + c.ledger.se_oxidation_irreversible, 1e-9);
    }
}

const std::vector<std::string> kTwoCycles = {
    "protocol.steps=[\"Charge at C/50 until 4.3 V\", \"Hold at 4.3 V for 10 hours\", "
    "\"Discharge at C/50 until 2.0 V\", \"Hold at 2.0 V for 33 hours\", "
    "\"Charge at C/50 until 4.3 V\", \"Discharge at C/50 until 2.5 V\", \"Hold at 2.5 V for 33 hours\"]"};
}  // namespace

TEST(Chemistry, LedgerSumsToCapacityGapForNmcCell) {
    RunResult r = run("configs/studies/study_a.yaml", kTwoCycles);
    ASSERT_EQ(r.cycles.size(), 2u);
    expect_ledger_closes(r);
    EXPECT_LT(r.lithium_balance_error, 1e-8);  // Li in CAM + intercalation charge / F
}

TEST(Chemistry, LedgerSumsForCarbonOnlyAndInertCamCells) {
    RunResult c = run("configs/studies/study_a_carbon_only.yaml");
    expect_ledger_closes(c);
    // No CAM: every coulomb is SE chemistry at the carbon surface.
    EXPECT_DOUBLE_EQ(c.cycles[0].ledger.cam_kinetic, 0.0);
    EXPECT_GT(c.cycles[0].ledger.by_site_reversible[0] + c.cycles[0].ledger.by_site_irreversible[0], 1.0);
    EXPECT_NEAR(c.cycles[0].ledger.by_site_irreversible[1], 0.0, 1e-12);  // no TPB without CAM
    RunResult m = run("configs/studies/study_b_mno2.yaml");
    expect_ledger_closes(m);
    EXPECT_NEAR(m.cycles[0].ledger.cam_kinetic, 0.0, 1e-9);  // inert CAM stores nothing
    EXPECT_GT(m.cycles[0].ledger.se_oxidation_charge, 0.5);
}

TEST(Chemistry, MoreCarbonSurfaceMeansMoreSeOxidation) {
    // Study B ranking CNF (24 m2/g) < Super P (62) < Ketjen black (1010).
    double cnf = run("configs/studies/study_b_mno2.yaml", {"cell.cathode.carbon=CNF"}).cycles[0].ledger.se_oxidation_charge;
    double sp = run("configs/studies/study_b_mno2.yaml", {"cell.cathode.carbon=SuperP"}).cycles[0].ledger.se_oxidation_charge;
    double kb = run("configs/studies/study_b_mno2.yaml", {"cell.cathode.carbon=KetjenBlack"}).cycles[0].ledger.se_oxidation_charge;
    EXPECT_LT(cnf, sp);
    EXPECT_LT(sp, kb);
}

TEST(Chemistry, CoatingSuppressesCamSideOxidation) {
    RunResult bare = run("configs/studies/study_a.yaml");
    RunResult coated = run("configs/studies/study_a.yaml", {"cell.cathode.coating=LiNbO3"});
    const auto& b = bare.cycles[0].ledger;
    const auto& c = coated.cycles[0].ledger;
    EXPECT_LT(c.se_oxidation_charge, b.se_oxidation_charge);
    EXPECT_LT(c.by_site_reversible[1] + c.by_site_irreversible[1], 0.5 * (b.by_site_reversible[1] + b.by_site_irreversible[1]));
    EXPECT_LT(c.by_site_reversible[2] + c.by_site_irreversible[2], 0.5 * (b.by_site_reversible[2] + b.by_site_irreversible[2]));
}

TEST(Chemistry, StackPressureLimitsContactLoss) {
    // Small void scale so SE shrinkage isolates particles within the first charge, with every
    // TPB product at the CAM (tpb_footprint 0: the most void per charge).
    // (Complete isolation of every particle stalls the integrator; this case stays below it.)
    std::vector<std::string> base = {"chemistry.contact.void_scale=5 nm", "chemistry.interphase.tpb_footprint=0",
                                     "protocol.steps=[\"Charge at C/50 until 4.3 V\", \"Discharge at C/50 until 3.0 V\"]"};
    auto low = base, high = base;
    low.push_back("cell.stack_pressure=2 MPa");
    high.push_back("cell.stack_pressure=50 MPa");
    RunResult lo = run("configs/studies/study_a.yaml", low), hi = run("configs/studies/study_a.yaml", high);
    EXPECT_GT(lo.cycles[0].dead_fraction, hi.cycles[0].dead_fraction);
    EXPECT_GT(lo.cycles[0].dead_fraction, 0.01);
    EXPECT_GT(lo.cycles[0].ledger.cam_isolated, hi.cycles[0].ledger.cam_isolated);
    expect_ledger_closes(lo);
    // Trapped lithium is accounted for. Isolation moves lithium between a nonlinear
    // algebraic inventory ((1 - phi_dead(v)) eps c) and an integrated one, so the balance
    // holds to the integrator's tolerance (rtol 1e-6), not to round-off.
    EXPECT_LT(lo.lithium_balance_error, 1e-5);
}

TEST(Chemistry, LowVoltageHoldReducesReversibleProducts) {
    RunResult h25 = run("configs/studies/study_a.yaml");
    RunResult h20 = run("configs/studies/study_a.yaml", {"protocol.steps.2=Discharge at C/50 until 2.0 V",
                                                         "protocol.steps.3=Hold at 2.0 V for 66 hours"});
    const auto& a = h25.cycles[0];
    const auto& b = h20.cycles[0];
    // Same charge; the 2.0 V hold reduces most reversible products, the 2.5 V hold few.
    // (66 h: the calibrated TPB reduction is zero order and still running at 33 h, where
    // about a quarter is left - Kaeli et al.'s CE still rises from 33 to 66 h.)
    EXPECT_NEAR(a.charge_capacity, b.charge_capacity, 1e-6 * a.charge_capacity);
    EXPECT_GT(b.ledger.se_reduction, 3.0 * a.ledger.se_reduction);
    EXPECT_LT(b.ledger.se_oxidation_reversible, 0.2 * a.ledger.se_oxidation_reversible);
    EXPECT_GT(b.coulombic_efficiency, a.coulombic_efficiency + 0.03);
}

TEST(Chemistry, SecondCycleShoulderAfterLowVoltageHold) {
    // Reduced products re-activate the surface: more oxidation below 3.6 V on cycle 2.
    RunResult h20 = run("configs/studies/study_a.yaml", kTwoCycles);
    std::vector<std::string> high = {
        "protocol.steps=[\"Charge at C/50 until 4.3 V\", \"Hold at 4.3 V for 10 hours\", "
        "\"Discharge at C/50 until 2.5 V\", \"Hold at 2.5 V for 33 hours\", "
        "\"Charge at C/50 until 4.3 V\", \"Discharge at C/50 until 2.5 V\", \"Hold at 2.5 V for 33 hours\"]"};
    RunResult h25 = run("configs/studies/study_a.yaml", high);
    ASSERT_EQ(h20.cycles.size(), 2u);
    ASSERT_EQ(h25.cycles.size(), 2u);
    EXPECT_GT(h20.cycles[1].ledger.se_oxidation_charge, h25.cycles[1].ledger.se_oxidation_charge);
    EXPECT_GT(h20.cycles[1].shoulder_capacity, h25.cycles[1].shoulder_capacity);
}
