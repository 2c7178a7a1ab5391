// The SE lost away from the CAM (carbon site, TPB beyond the CAM's footprint) opens its share
// chemistry.interphase.off_cam_void_share of voids at the CAM/SE contacts (docs/equations.md
// 11.4): the carbon's surface area reaches the contact loss, so a high-surface carbon (Ketjen
// black, ~1010 m2/g) costs more contact per charge than nanofibres (~24 m2/g).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "test_support.hpp"

using namespace ssbsim;

namespace {
struct Charge {
    double contact = 1, carbon_ox = 0, capacity = 0;
};

// Study B's cell with `carbon`, one 1 mA/cm2 charge to 4.3 V, with the given share.
Charge first_charge(const std::string& carbon, double share) {
    const std::vector<std::string> set = {"cell.cathode.carbon=" + carbon,
                                          "chemistry.interphase.off_cam_void_share=" + std::to_string(share),
                                          "protocol.steps=[\"Charge at 1 mA/cm2 until 4.3 V\"]",
                                          "output.profile_interval=0"};
    test::Capture cap;
    const RunResult r = Simulation(test::load("configs/studies/study_b.yaml", set)).run(&cap);
    EXPECT_EQ(r.status, RunStatus::complete) << r.message;
    Charge out;
    if (cap.samples.empty()) return out;
    const Sample& s = cap.samples.back();
    out.contact = s.contact;
    out.carbon_ox = s.se_reversible[0] + s.se_irreversible[0];
    out.capacity = s.capacity;
    return out;
}
}  // namespace

TEST(OffCamVoids, TheCarbonsAreaCostsContactInProportion) {
    const Charge kb0 = first_charge("KetjenBlack", 0.0), kb = first_charge("KetjenBlack", 0.2);
    const Charge cnf0 = first_charge("CNF", 0.0), cnf = first_charge("CNF", 0.2);
    // Off, the carbon's products act on nothing at the CAM: KB and CNF keep about the
    // same contact although KB oxidises far more SE at its carbon.
    EXPECT_GT(kb0.carbon_ox, 10.0 * cnf0.carbon_ox);
    EXPECT_NEAR(kb0.contact, cnf0.contact, 0.05);
    // On, the contact falls with the SE lost at the carbon: KB loses several times CNF's.
    const double kb_loss = kb0.contact - kb.contact, cnf_loss = cnf0.contact - cnf.contact;
    EXPECT_GT(kb_loss, 0.01);
    EXPECT_GE(cnf_loss, 0.0);
    EXPECT_GT(kb_loss, 5.0 * cnf_loss);
}

TEST(OffCamVoids, TheShareIsValidated) {
    EXPECT_THROW(test::load("configs/studies/study_b.yaml", {"chemistry.interphase.off_cam_void_share=1.5"}),
                 ConfigError);
    EXPECT_THROW(test::load("configs/studies/study_b.yaml", {"chemistry.interphase.off_cam_void_share=-0.1"}),
                 ConfigError);
}
