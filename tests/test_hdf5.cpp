// Result files: what a run reports is what `info` reads back.
#include <gtest/gtest.h>

#include <cstdio>

#include "core/error.hpp"
#include "core/hdf5_file.hpp"
#include "io/result_writer.hpp"
#include "test_support.hpp"

using namespace ssbsim;

TEST(Hdf5, RoundTripOfSummariesAndSeries) {
    const std::string path = ::testing::TempDir() + "ssbsim_roundtrip.h5";
    SimulationConfig c = test::load("", {"output.profile_interval=5 h"});
    Simulation sim(c);
    ResultWriter writer(path);
    struct Both : test::Capture {
        ResultWriter* w;
        void on_start(const SimulationConfig& cf, const CathodeP2D& m) override { w->on_start(cf, m); }
        void on_sample(const Sample& s) override { Capture::on_sample(s); w->on_sample(s); }
        void on_profile(double t, const CathodeP2D& m, const double* y) override { w->on_profile(t, m, y); }
        void on_step(const StepSummary& s) override { Capture::on_step(s); w->on_step(s); }
        void on_cycle(const CycleSummary& cy) override { Capture::on_cycle(cy); w->on_cycle(cy); }
        void on_finish(const RunResult& r) override { w->on_finish(r); }
    } both;
    both.w = &writer;
    RunResult r = sim.run(&both);
    ASSERT_EQ(r.status, RunStatus::complete);

    ResultSummary s = read_result(path);
    EXPECT_EQ(s.status, "complete");
    ASSERT_EQ(s.cycles.size(), r.cycles.size());
    EXPECT_DOUBLE_EQ(s.cycles[0].charge_capacity, r.cycles[0].charge_capacity);
    EXPECT_DOUBLE_EQ(s.cycles[0].coulombic_efficiency, r.cycles[0].coulombic_efficiency);
    ASSERT_EQ(s.steps.size(), 4u);
    EXPECT_EQ(s.steps[1].label, both.steps[1].label);
    EXPECT_EQ(s.samples, static_cast<long>(both.samples.size()));

    h5::Handle f = h5::open_file(path);
    auto V = h5::read_vector(f, "timeseries/potential");
    ASSERT_EQ(V.size(), both.samples.size());
    EXPECT_DOUBLE_EQ(V[V.size() / 2], both.samples[V.size() / 2].potential);
    EXPECT_EQ(h5::get_string_attribute(f, "generator"), "ssbsim");
    EXPECT_EQ(h5::get_long_attribute(f, "format_version"), 1);
    // The resolved config stored in the file is itself a valid config.
    EXPECT_NO_THROW(test::load_text(h5::get_string_attribute(f, "config")));
    auto shape = h5::shape(f, "profiles/c_s");
    ASSERT_EQ(shape.size(), 3u);
    EXPECT_EQ(shape[1], static_cast<std::uint64_t>(c.mesh.cathode));
    EXPECT_EQ(shape[2], static_cast<std::uint64_t>(c.mesh.particle));
    EXPECT_EQ(shape[0], h5::shape(f, "profiles/time")[0]);
    std::remove(path.c_str());
}

TEST(Hdf5, RejectsForeignFiles) {
    const std::string path = ::testing::TempDir() + "ssbsim_foreign.h5";
    { h5::Handle f = h5::create_file(path); }
    EXPECT_THROW(read_result(path), Error);
    EXPECT_THROW(read_result(path + ".missing"), Error);
    std::remove(path.c_str());
}
