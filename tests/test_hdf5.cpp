// Result files: what a run reports is what `info` reads back.
#include <gtest/gtest.h>

#include <hdf5.h>

#include <chrono>
#include <cstdio>
#include <thread>

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

// Series are created at their first flush: with the rows buffered so far as their extent,
// in their group even when the caller closed its handle, empty when nothing was appended,
// with the unit and description attributes; rows past the buffer extend them.
TEST(Hdf5, SeriesAreCreatedAtTheirFirstFlush) {
    const std::string path = ::testing::TempDir() + "ssbsim_lazy_series.h5";
    {
        h5::Handle f = h5::create_file(path);
        h5::Series empty, numbers, words;
        {
            h5::Handle g = h5::create_group(f, "g");
            empty = h5::Series(g, "empty", h5::Series::Type::float64, {3}, "V", 4);
            numbers = h5::Series(g, "numbers", h5::Series::Type::int64, {}, "", 4);
            words = h5::Series(g, "words", h5::Series::Type::string, {}, "", 4);
            numbers.describe("counts");
        }  // the group's handle closed: the series still hold it
        EXPECT_FALSE(h5::exists(f, "g/numbers"));  // nothing flushed yet
        for (long k = 0; k < 10; ++k) numbers.append(k);  // two full buffers written, two rows kept
        EXPECT_TRUE(h5::exists(f, "g/numbers"));
        EXPECT_EQ(numbers.rows(), 10u);
        words.append(std::string("a"));
        words.flush();
        words.append(std::string("bc"));
        EXPECT_FALSE(h5::exists(f, "g/empty"));
        empty.flush();
        EXPECT_TRUE(h5::exists(f, "g/empty"));
        h5::set_attribute(f, "status", std::string("running"));
        h5::set_attribute(f, "status", std::string("complete"));  // rewritten in place
        h5::set_attribute(f, "count", 1L);
        h5::set_attribute(f, "count", 2.5);  // another kind: replaced
    }
    h5::Handle f = h5::open_file(path);
    EXPECT_EQ(h5::read_long_vector(f, "g/numbers"), (std::vector<long>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    h5::Handle numbers(H5Dopen2(f.id(), "g/numbers", H5P_DEFAULT));
    EXPECT_EQ(h5::get_string_attribute(numbers, "description"), "counts");
    EXPECT_FALSE(h5::has_attribute(numbers, "unit"));  // no unit given
    EXPECT_EQ(h5::read_strings(f, "g/words"), (std::vector<std::string>{"a", "bc"}));
    EXPECT_EQ(h5::shape(f, "g/empty"), (std::vector<std::uint64_t>{0, 3}));
    EXPECT_EQ(h5::dataset_class(f, "g/empty"), h5::ValueClass::floating);
    EXPECT_EQ(h5::get_string_attribute(f, "status"), "complete");
    EXPECT_EQ(h5::attribute_class(f, "count"), h5::ValueClass::floating);
    EXPECT_DOUBLE_EQ(h5::get_double_attribute(f, "count"), 2.5);
    std::remove(path.c_str());
}

// A result file made in the background (`ssbsim run`: its attributes and datasets created
// in a second thread while the run solves) holds the same datasets, values, shapes and
// attributes as one made at the first flush.
TEST(Hdf5, BackgroundCreationWritesTheSameFile) {
    const std::string dir = ::testing::TempDir();
    const std::string plain = dir + "ssbsim_plain.h5", background = dir + "ssbsim_background.h5";
    SimulationConfig c = test::load("", {"output.profile_interval=5 h"});
    for (const std::string& path : {plain, background}) {
        Simulation sim(c);
        ResultWriter w(path);
        if (path == background) w.create_in_background();
        ASSERT_EQ(sim.run(&w).status, RunStatus::complete);
    }
    h5::Handle a = h5::open_file(plain), b = h5::open_file(background);
    std::size_t compared = 0;
    for (const std::string group : {"timeseries", "steps", "cycles", "profiles"}) {
        const auto names = h5::children(h5::open_group(a, group));
        ASSERT_EQ(names, h5::children(h5::open_group(b, group))) << group;
        for (const std::string& n : names) {
            const std::string p = group + "/" + n;
            ASSERT_EQ(h5::shape(a, p), h5::shape(b, p)) << p;
            if (h5::dataset_class(a, p) == h5::ValueClass::string)
                EXPECT_EQ(h5::read_strings(a, p), h5::read_strings(b, p)) << p;
            else
                EXPECT_EQ(h5::read_vector(a, p), h5::read_vector(b, p)) << p;
            ++compared;
        }
    }
    EXPECT_GT(compared, 50u);
    for (const char* attr : {"status", "name", "title", "capacity_basis", "current_sign"})
        EXPECT_EQ(h5::get_string_attribute(a, attr), h5::get_string_attribute(b, attr)) << attr;
    EXPECT_EQ(h5::get_double_attribute(a, "cam_mass_kg"), h5::get_double_attribute(b, "cam_mass_kg"));
    EXPECT_EQ(h5::get_long_attribute(a, "solver_steps"), h5::get_long_attribute(b, "solver_steps"));
    std::remove(plain.c_str());
    std::remove(background.c_str());
}

// Every call of the HDF5 layer from another thread waits for the background task; the
// first one after a task that failed rethrows its error, once.
TEST(Hdf5, CallsWaitForTheBackgroundTaskAndGetItsError) {
    const std::string path = ::testing::TempDir() + "ssbsim_background_task.h5";
    h5::Handle f = h5::create_file(path);
    h5::run_in_background([&f] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        h5::create_group(f, "made_late");
    });
    EXPECT_TRUE(h5::exists(f, "made_late"));  // waited for the task
    h5::run_in_background([] { throw IoError("disk full while creating timeseries/time"); });
    try {
        h5::set_attribute(f, "status", std::string("running"));
        FAIL() << "the task's error was not rethrown";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find("disk full"), std::string::npos);
    }
    EXPECT_NO_THROW(h5::set_attribute(f, "status", std::string("complete")));  // once only
    EXPECT_EQ(h5::get_string_attribute(f, "status"), "complete");
    f = h5::Handle();
    std::remove(path.c_str());
}
