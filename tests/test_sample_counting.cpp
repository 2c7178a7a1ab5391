// Issue 12: an observer that only counts the samples (the CLI's --no-output) gets their
// number without the sampler building them (nor the profiles it does not read), and the
// run is the same as with one that reads them.
#include <gtest/gtest.h>

#include "run/checkpoint.hpp"
#include "test_support.hpp"

using namespace ssbsim;

namespace {

// Counts what it is told; says it wants no sample values and no profiles.
class Counter : public RunObserver {
public:
    long skipped = 0, built = 0, steps = 0, profiles = 0;
    bool wants_samples() const override { return false; }
    bool wants_profiles() const override { return false; }
    void on_sample_skipped() override { ++skipped; }
    void on_sample(const Sample&) override { ++built; }
    void on_profile(double, const CathodeP2D&, const double*) override { ++profiles; }
    void on_step(const StepSummary&) override { ++steps; }
};

// Captures samples and steps and counts profiles.
class ProfileCapture : public test::Capture {
public:
    long profiles = 0;
    void on_profile(double, const CathodeP2D&, const double*) override { ++profiles; }
};

// Runs cfg with a capturing observer and with a counting one: the same solve, the same count.
void expect_same_run(const SimulationConfig& cfg) {
    ProfileCapture cap;
    Counter counter;
    RunResult a = Simulation(cfg).run(&cap);
    RunResult b = Simulation(cfg).run(&counter);
    ASSERT_EQ(a.status, RunStatus::complete) << a.message;
    ASSERT_EQ(b.status, RunStatus::complete) << b.message;
    EXPECT_GT(cap.samples.size(), 2u);
    EXPECT_EQ(counter.skipped, static_cast<long>(cap.samples.size()));
    EXPECT_EQ(counter.built, 0);
    EXPECT_GT(cap.profiles, 1);
    EXPECT_EQ(counter.profiles, 0);
    EXPECT_EQ(counter.steps, static_cast<long>(cap.steps.size()));
    EXPECT_EQ(a.stats.steps, b.stats.steps);
    EXPECT_EQ(a.stats.residual_evaluations, b.stats.residual_evaluations);
    ASSERT_EQ(a.steps.size(), b.steps.size());
    for (std::size_t k = 0; k < a.steps.size(); ++k) {
        EXPECT_EQ(a.steps[k].end_time, b.steps[k].end_time);
        EXPECT_EQ(a.steps[k].capacity, b.steps[k].capacity);
        EXPECT_EQ(a.steps[k].end_potential, b.steps[k].end_potential);
    }
}

TEST(SampleCounting, EverySolverStepIsCountedNotBuilt) {
    expect_same_run(test::load("", {R"(protocol.steps=["Charge at C/2 until 4.3 V", "Rest for 10 minutes"])",
                                    "output.profile_interval=600 s"}));
}

TEST(SampleCounting, GridSamplesAreCountedNotBuilt) {
    expect_same_run(test::load("", {R"(protocol.steps=["Charge at C/2 until 4.3 V", "Rest for 10 minutes"])",
                                    "output.sample_interval=30 s"}));
}

TEST(SampleCounting, CountedSamplesMeetTheSamplesPerStepCap) {
    SimulationConfig c = test::load("", {R"(protocol.steps=["Charge at C/50 until 4.3 V"])",
                                         "output.sample_interval=1 s", "output.max_samples_per_step=500"});
    Counter counter;
    RunResult r = Simulation(c).run(&counter);
    EXPECT_EQ(r.status, RunStatus::output_limit);
    EXPECT_NE(r.message.find("output.max_samples_per_step = 500"), std::string::npos) << r.message;
    EXPECT_EQ(counter.skipped, 500);
    EXPECT_EQ(counter.built, 0);
}

// A forwarding observer may read the samples itself: it gets them unless it says otherwise;
// a checkpoint keeps them whatever its observer wants.
TEST(SampleCounting, ForwardersAndCheckpointsStillGetSamples) {
    Counter counter;
    ForwardingObserver fwd(&counter);
    EXPECT_TRUE(fwd.wants_samples());
    EXPECT_TRUE(fwd.wants_profiles());
    fwd.on_sample_skipped();
    EXPECT_EQ(counter.skipped, 1);

    const SimulationConfig cfg = test::load("", {R"(protocol.steps=["Charge at C/2 until 4.3 V", "Rest for 10 minutes"])"});
    test::Capture cap;
    RunResult whole = Simulation(cfg).run(&cap);
    ASSERT_EQ(whole.status, RunStatus::complete) << whole.message;
    RunCheckpoint ck;
    RunControl control;
    control.checkpoint_after = 1;
    control.on_checkpoint = [&](RunCheckpoint&& c) { ck = std::move(c); };
    Counter after;
    RunResult r = Simulation(cfg).run(&after, control);
    ASSERT_EQ(r.status, RunStatus::complete) << r.message;
    EXPECT_EQ(ck.samples.size(), cap.of_step(0).size());
    EXPECT_EQ(after.built + after.skipped, static_cast<long>(cap.samples.size()));
}

}  // namespace
