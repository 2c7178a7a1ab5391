// Flat memory in long runs (issue 12): a repeat block's steps are stored once, however
// many cycles it expands to; a run whose records go to an observer (the result file) can
// leave them out of its RunResult.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/config.hpp"
#include "params/protocol.hpp"
#include "run/checkpoint.hpp"
#include "run/simulation.hpp"
#include "tests/test_support.hpp"

namespace ssbsim {
namespace {

Protocol cycling(int cycles) {
    const std::string text = "steps:\n  - Charge at C/2 until 4.3 V\n  - repeat: " + std::to_string(cycles) +
                             "\n    steps:\n      - Discharge at C/2 until 2.5 V\n      - repeat: 2\n"
                             "        steps: [Rest for 10 minutes]\n      - Charge at C/2 until 4.3 V\n";
    return parse_protocol(ConfigNode::load_string(text, "p.yaml"));
}

TEST(Memory, RepeatBlocksStoreTheirStepsOnce) {
    const Protocol p = cycling(1500);
    ASSERT_EQ(p.steps.size(), 1u + 1500u * 4u);
    EXPECT_EQ(p.steps.distinct(), 4u);  // the charge, and the block's discharge, rest and charge
    EXPECT_EQ(p.steps[0].label, "Charge at C/2 until 4.3 V");
    for (std::size_t c = 0; c < 1500; ++c) {
        const std::size_t k = 1 + 4 * c;
        ASSERT_EQ(p.steps[k].label, "Discharge at C/2 until 2.5 V") << k;
        ASSERT_EQ(p.steps[k + 1].kind, Step::Kind::rest) << k;
        ASSERT_DOUBLE_EQ(p.steps[k + 2].duration, 600.0) << k;
        ASSERT_EQ(p.steps[k + 3].direction, 1) << k;
    }
    // A copy (as every SimulationConfig copy makes) shares nothing but costs as little.
    const Protocol q = p;
    EXPECT_EQ(q.steps.distinct(), 4u);
    EXPECT_EQ(q.steps.back().label, "Charge at C/2 until 4.3 V");
}

// load_config and the Simulation read the steps without copying the shared ones.
TEST(Memory, AConfigAndItsSimulationKeepTheStepsShared) {
    const SimulationConfig c = test::load(
        "", {"protocol.steps=[\"Charge at C/2 until 4.3 V\", {\"repeat\": 1500, \"steps\": "
             "[\"Discharge at C/2 until 2.5 V\", \"Charge at C/2 until 4.3 V\"]}]"});
    EXPECT_EQ(c.protocol.steps.size(), 3001u);
    EXPECT_EQ(c.protocol.steps.distinct(), 3u);
    Simulation sim(c);
    EXPECT_EQ(sim.config().protocol.steps.distinct(), 3u);
}

TEST(Memory, AStepWrittenThroughTheListChangesOnlyItsPosition) {
    Protocol p = cycling(3);
    const StepList before = p.steps;
    p.steps[5].duration = 1234.0;  // the second cycle's discharge
    EXPECT_DOUBLE_EQ(p.steps[5].duration, 1234.0);
    EXPECT_DOUBLE_EQ(p.steps[1].duration, 0.0);
    EXPECT_DOUBLE_EQ(p.steps[9].duration, 0.0);
    EXPECT_DOUBLE_EQ(before[5].duration, 0.0);  // the copy is a value
    for (Step& s : p.steps) s.source = "cell.yaml";
    for (const Step& s : p.steps) EXPECT_EQ(s.source, "cell.yaml");
    EXPECT_EQ(before[2].source, "p.yaml");
    p.steps.erase(p.steps.begin() + 2);  // the first cycle's first rest
    ASSERT_EQ(p.steps.size(), before.size() - 1);
    EXPECT_EQ(p.steps[2].kind, Step::Kind::rest);
    EXPECT_EQ(p.steps[3].kind, Step::Kind::current);
    EXPECT_EQ(p.steps[4].label, before[5].label);
    p.steps.push_back(parse_step_string("Rest for 1 h"));
    EXPECT_DOUBLE_EQ(p.steps.back().duration, 3600.0);
    const std::vector<Step> plain = {parse_step_string("Rest for 2 h"), parse_step_string("Rest for 3 h")};
    p.steps = plain;
    ASSERT_EQ(p.steps.size(), 2u);
    EXPECT_DOUBLE_EQ(p.steps[1].duration, 3 * 3600.0);
}

TEST(Memory, ARunCanLeaveItsRecordsToTheObserver) {
    const SimulationConfig cfg = test::load(
        "", {"mesh.cathode=4", "mesh.particle=6", "mesh.separator=2", "output.profile_interval=0",
             "protocol.steps=[\"Charge at 1C until 4.3 V\", {\"repeat\": 3, \"steps\": [\"Discharge at 1C until 2.5 V\", "
             "\"Charge at 1C until 4.3 V\"]}]"});
    Simulation kept(cfg), left(cfg);
    test::Capture a, b;
    const RunResult ra = kept.run(&a);
    RunControl control;
    control.keep_records = false;
    const RunResult rb = left.run(&b, control);
    ASSERT_EQ(ra.status, RunStatus::complete);
    ASSERT_EQ(rb.status, RunStatus::complete);
    EXPECT_EQ(ra.steps.size(), 7u);
    EXPECT_EQ(ra.cycles.size(), 4u);
    EXPECT_TRUE(rb.steps.empty());
    EXPECT_TRUE(rb.cycles.empty());
    // The observer sees the same run either way.
    ASSERT_EQ(b.steps.size(), ra.steps.size());
    ASSERT_EQ(b.cycles.size(), ra.cycles.size());
    for (std::size_t i = 0; i < ra.cycles.size(); ++i)
        EXPECT_EQ(b.cycles[i].discharge_capacity, ra.cycles[i].discharge_capacity) << i;
    EXPECT_EQ(rb.stats.steps, ra.stats.steps);
    EXPECT_EQ(rb.lithium_balance_error, ra.lithium_balance_error);
}

}  // namespace
}  // namespace ssbsim
