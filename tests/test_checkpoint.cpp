// Checkpoints (issue 12): a run restarted from a checkpoint writes what the unbroken run
// writes; a checkpoint of another model, a damaged file or a foreign file is refused with
// a clear error; a sweep that shares its protocol prefix writes the same case files as one
// that does not, with -j 2 and on resume.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "io/checkpoint.hpp"
#include "io/result_writer.hpp"
#include "io/sweep.hpp"
#include "run/checkpoint.hpp"
#include "tests/test_support.hpp"

namespace ssbsim {
namespace {

std::string fresh_dir(const std::string& name) {
    std::string d = ::testing::TempDir() + "/ssbsim_checkpoint_" + name + "_" + std::to_string(getpid());
    std::string cmd = "rm -rf '" + d + "' && mkdir -p '" + d + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    return d;
}

// Study A with chemistry on a coarse mesh, four steps with profiles every hour: a charge
// closing nothing, a hold, a discharge and a hold.
const std::vector<std::string> kSmall = {
    "mesh.cathode=4", "mesh.particle=6", "mesh.separator=2", "output.profile_interval=1 h",
    "protocol.steps.0=Charge at C/5 until 4.3 V", "protocol.steps.1=Hold at 4.3 V for 1 hours",
    "protocol.steps.2=Discharge at C/5 until 2.5 V", "protocol.steps.3=Hold at 2.5 V for 2 hours"};

SimulationConfig small(std::vector<std::string> more = {}) {
    std::vector<std::string> set = kSmall;
    set.insert(set.end(), more.begin(), more.end());
    return test::load("configs/studies/study_a.yaml", set);
}

// Relative agreement to solver tolerance (rtol 1e-6 of the runs, with margin); 0: the same
// numbers.
double g_tol = 1e-6;
void expect_close(double a, double b, const std::string& what) {
    EXPECT_NEAR(a, b, g_tol * std::max(1.0, std::fabs(b))) << what;
}

void expect_same_cycles(const std::vector<CycleSummary>& a, const std::vector<CycleSummary>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        expect_close(a[i].charge_capacity, b[i].charge_capacity, "charge");
        expect_close(a[i].discharge_capacity, b[i].discharge_capacity, "discharge");
        expect_close(a[i].coulombic_efficiency, b[i].coulombic_efficiency, "CE");
        expect_close(a[i].shoulder_capacity, b[i].shoulder_capacity, "shoulder");
        expect_close(a[i].ledger.se_oxidation_irreversible, b[i].ledger.se_oxidation_irreversible, "ledger");
        expect_close(a[i].ledger.cam_kinetic, b[i].ledger.cam_kinetic, "ledger cam");
        EXPECT_EQ(a[i].has_ledger, b[i].has_ledger);
    }
}

void expect_same_samples(const std::vector<Sample>& a, const std::vector<Sample>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        expect_close(a[i].time, b[i].time, "time");
        expect_close(a[i].potential, b[i].potential, "potential");
        expect_close(a[i].current, b[i].current, "current");
        expect_close(a[i].capacity, b[i].capacity, "capacity");
        expect_close(a[i].se_oxidised, b[i].se_oxidised, "se_oxidised");
        EXPECT_EQ(a[i].step, b[i].step);
        EXPECT_EQ(a[i].cycle, b[i].cycle);
    }
}

// Runs cfg, taking a checkpoint after `after` steps (the run goes on).
RunCheckpoint run_with_checkpoint(const SimulationConfig& cfg, int after, RunObserver* obs, RunResult* out) {
    RunCheckpoint ck;
    RunControl control;
    control.checkpoint_after = after;
    control.on_checkpoint = [&](RunCheckpoint&& c) { ck = std::move(c); };
    Simulation sim(cfg);
    RunResult r = sim.run(obs, control);
    if (out) *out = r;
    return ck;
}

TEST(Checkpoint, RestartEqualsTheUnbrokenRunInMemoryAndThroughTheFile) {
    const SimulationConfig cfg = small();
    test::Capture whole;
    RunResult unbroken;
    const RunCheckpoint ck = run_with_checkpoint(cfg, 2, &whole, &unbroken);
    ASSERT_EQ(unbroken.status, RunStatus::complete) << unbroken.message;
    ASSERT_EQ(ck.next_step, 2);
    EXPECT_EQ(ck.steps.size(), 2u);
    EXPECT_FALSE(ck.samples.empty());
    EXPECT_FALSE(ck.profiles.empty());

    const std::string dir = fresh_dir("roundtrip");
    write_checkpoint(dir + "/ck.h5", ck);
    const RunCheckpoint back = read_checkpoint(dir + "/ck.h5");
    EXPECT_EQ(back.identity, ck.identity);
    EXPECT_EQ(back.y, ck.y);
    EXPECT_EQ(back.samples.size(), ck.samples.size());
    for (const RunCheckpoint* from : {&ck, &back}) {
        Simulation sim(cfg);
        test::Capture cont;
        RunControl control;
        control.restart = from;
        RunResult r = sim.run(&cont, control);
        ASSERT_EQ(r.status, RunStatus::complete) << r.message;
        expect_same_samples(cont.samples, whole.samples);
        ASSERT_EQ(cont.steps.size(), whole.steps.size());
        for (size_t i = 0; i < cont.steps.size(); ++i)
            expect_close(cont.steps[i].capacity, whole.steps[i].capacity, "step capacity");
        expect_same_cycles(cont.cycles, whole.cycles);
        expect_close(r.final_time, unbroken.final_time, "final time");
        expect_close(r.lithium_balance_error, unbroken.lithium_balance_error, "Li balance");
    }
}

TEST(Checkpoint, RestartedResultFileIsCompleteAndEqualsTheUnbrokenOne) {
    const std::string dir = fresh_dir("files");
    SimulationConfig cfg = small();
    RunCheckpoint ck;
    {
        ResultWriter w(dir + "/whole.h5");
        ck = run_with_checkpoint(cfg, 3, &w, nullptr);
    }
    Simulation sim(cfg);
    {
        ResultWriter w(dir + "/restarted.h5");
        RunControl control;
        control.restart = &ck;
        sim.run(&w, control);
    }
    const ResultSummary a = read_result(dir + "/whole.h5"), b = read_result(dir + "/restarted.h5");
    EXPECT_EQ(b.status, "complete");
    EXPECT_EQ(a.samples, b.samples);
    EXPECT_EQ(a.steps.size(), b.steps.size());
    expect_same_cycles(b.cycles, a.cycles);
    expect_same_samples(read_samples(dir + "/restarted.h5").samples, read_samples(dir + "/whole.h5").samples);
}

TEST(Checkpoint, AnotherModelOrProtocolPrefixIsRefusedNamingTheMismatch) {
    const RunCheckpoint ck = run_with_checkpoint(small(), 2, nullptr, nullptr);
    auto refusal = [&](const SimulationConfig& other) {
        Simulation sim(other);
        RunControl control;
        control.restart = &ck;
        try {
            sim.run(nullptr, control);
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    const std::string temp = refusal(small({"cell.temperature=30 degC"}));
    EXPECT_NE(temp.find("another model"), std::string::npos) << temp;
    EXPECT_NE(temp.find("temperature"), std::string::npos) << temp;
    const std::string mesh = refusal(small({"mesh.particle=7"}));
    EXPECT_NE(mesh.find("states"), std::string::npos) << mesh;
    const std::string step = refusal(small({"protocol.steps.1=Hold at 4.3 V for 2 hours"}));
    EXPECT_NE(step.find("Hold at 4.3 V for 1 hours"), std::string::npos) << step;
    const std::string chem = refusal(small({"chemistry.enabled=false"}));
    EXPECT_NE(chem.find("cannot continue"), std::string::npos) << chem;
    // A later step, the output file and the name may differ.
    SimulationConfig later = small({"protocol.steps.3=Hold at 2.5 V for 5 hours", "output.file=other.h5"});
    later.name = "another name";
    EXPECT_EQ(refusal(later), "accepted");
}

TEST(Checkpoint, DamagedOrForeignFilesAreRefusedWithAClearError) {
    const std::string dir = fresh_dir("damaged");
    const RunCheckpoint ck = run_with_checkpoint(small(), 1, nullptr, nullptr);
    write_checkpoint(dir + "/ck.h5", ck);
    auto why = [](const std::string& path) {
        try {
            read_checkpoint(path);
        } catch (const IoError& e) {
            return std::string(e.what());
        }
        return std::string("read");
    };
    EXPECT_EQ(why(dir + "/ck.h5"), "read");
    EXPECT_NE(why(dir + "/missing.h5").find("cannot restart from"), std::string::npos);
    std::ofstream(dir + "/garbage.h5") << "not hdf5 at all\n";
    EXPECT_NE(why(dir + "/garbage.h5").find("cannot restart from"), std::string::npos);
    // Truncated: the first half of a good file.
    {
        std::ifstream in(dir + "/ck.h5", std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string bytes = ss.str();
        std::ofstream(dir + "/half.h5", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    }
    EXPECT_NE(why(dir + "/half.h5").find("cannot restart from"), std::string::npos) << why(dir + "/half.h5");
    // A result file is not a checkpoint.
    {
        SimulationConfig cfg = small({"protocol.steps.3=Hold at 2.5 V for 0.1 hours"});
        ResultWriter w(dir + "/result.h5");
        Simulation(cfg).run(&w);
    }
    EXPECT_NE(why(dir + "/result.h5").find("not an ssbsim checkpoint"), std::string::npos);
}

// ---- shared-prefix sweeps -------------------------------------------------------------

std::string sweep_file(const std::string& dir, const std::string& share, const std::string& extra = "") {
    std::ostringstream os;
    os << "name: prefix test\nbase: " << test::source_path("configs/studies/study_a.yaml") << "\n"
       << "share_prefix: " << share << "\nset:\n" << extra;
    for (const auto& s : kSmall)
        if (s.rfind("protocol.steps.3", 0) != 0) os << "  - \"" << s << "\"\n";
    os << "parameters:\n  - key: protocol.steps.3\n    template: \"Hold at 2.5 V for {} hours\"\n"
       << "    values: [0.5, 2, 4]\n";
    const std::string path = dir + "/sweep_" + share + (extra.empty() ? "" : "_x") + ".yaml";
    std::ofstream(path) << os.str();
    return path;
}

void expect_same_case_files(const std::string& a, const std::string& b) {
    const ResultSummary ra = read_result(a), rb = read_result(b);
    EXPECT_EQ(ra.status, "complete");
    EXPECT_EQ(rb.status, "complete");
    EXPECT_EQ(ra.steps.size(), rb.steps.size());
    expect_same_cycles(rb.cycles, ra.cycles);
    expect_same_samples(read_samples(b).samples, read_samples(a).samples);
}

TEST(Checkpoint, SharedPrefixSweepEqualsUnsharedPerCaseWithTwoWorkersAndOnResume) {
    const std::string dir = fresh_dir("sweep");
    const SweepSpec shared = load_sweep(sweep_file(dir, "auto")), alone = load_sweep(sweep_file(dir, "off"));
    ASSERT_TRUE(shared.share_prefix);
    ASSERT_FALSE(alone.share_prefix);
    const std::vector<PrefixGroup> plan = plan_prefixes(shared, {1, 2, 3});
    ASSERT_EQ(plan.size(), 1u);
    EXPECT_EQ(plan[0].steps, 3);
    EXPECT_EQ(plan[0].cases.size(), 3u);
    EXPECT_TRUE(plan_prefixes(alone, {1, 2, 3}).empty());

    SweepRunOptions two;
    two.jobs = 2;
    SweepRunOptions one;
    one.jobs = 1;
    run_sweep(shared, dir + "/shared", two);
    run_sweep(alone, dir + "/alone", one);
    std::ifstream prefix_dir_probe(dir + "/shared/prefixes");
    EXPECT_EQ(std::system(("ls " + dir + "/shared/prefixes/prefix_*.h5 >/dev/null 2>&1").c_str()), 0);
    EXPECT_NE(std::system(("ls " + dir + "/alone/prefixes/prefix_*.h5 >/dev/null 2>&1").c_str()), 0);
    for (int c = 1; c <= 3; ++c) {
        SCOPED_TRACE("case " + std::to_string(c));
        expect_same_case_files(case_file(dir + "/alone", c), case_file(dir + "/shared", c));
    }
    // Resume: a removed case runs again from the kept prefix, the others are skipped; with
    // the prefix removed too it is solved again.
    std::remove(case_file(dir + "/shared", 2).c_str());
    SweepRunReport r = run_sweep(shared, dir + "/shared", one);
    EXPECT_EQ(r.progress.to_run, 1);
    expect_same_case_files(case_file(dir + "/alone", 2), case_file(dir + "/shared", 2));
    ASSERT_EQ(std::system(("rm -f " + dir + "/shared/prefixes/* && rm " + case_file(dir + "/shared", 1) + " " +
                           case_file(dir + "/shared", 3))
                              .c_str()),
              0);
    r = run_sweep(shared, dir + "/shared", two);
    EXPECT_EQ(r.progress.to_run, 2);
    for (int c : {1, 3}) expect_same_case_files(case_file(dir + "/alone", c), case_file(dir + "/shared", c));
}

TEST(Checkpoint, ADamagedPrefixCheckpointFallsBackToSolvingTheCaseAlone) {
    const std::string dir = fresh_dir("fallback");
    const SweepSpec shared = load_sweep(sweep_file(dir, "auto")), alone = load_sweep(sweep_file(dir, "off"));
    SweepRunOptions one;
    one.jobs = 1;
    run_sweep(alone, dir + "/alone", one);
    {
        SweepLock lock(dir + "/shared");
        run_prefix(shared, shared.cases[0], dir + "/shared", 3);
    }
    ASSERT_EQ(std::system(("for f in " + dir + "/shared/prefixes/prefix_*.h5; do echo broken > $f; done").c_str()), 0);
    {
        SweepLock lock(dir + "/shared");
        ASSERT_EQ(run_case(shared, shared.cases[1], dir + "/shared", 3).status, "complete");
    }
    expect_same_case_files(case_file(dir + "/alone", 2), case_file(dir + "/shared", 2));
}

TEST(Checkpoint, ReadoutSweepEqualsUnsharedPerCaseOnAGridAndResumes) {
    const std::string dir = fresh_dir("readout");
    const std::string grid = "  - \"output.sample_interval=5 min\"\n";
    const SweepSpec readout = load_sweep(sweep_file(dir, "readout", grid)),
                    alone = load_sweep(sweep_file(dir, "off", grid));
    ASSERT_TRUE(readout.readout);
    const std::vector<PrefixGroup> plan = plan_prefixes(readout, {1, 2, 3});
    ASSERT_EQ(plan.size(), 1u);
    EXPECT_TRUE(plan[0].readout);
    EXPECT_EQ(plan[0].cases, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(plan[0].durations, (std::vector<double>{1800, 7200, 14400}));
    SweepRunOptions one;
    one.jobs = 1;
    run_sweep(readout, dir + "/readout", one);
    run_sweep(alone, dir + "/alone", one);
    // The longest case is the run itself: IDA steps over the readout times (no stop there),
    // so its file holds the very numbers of the case solved alone.
    g_tol = 0;
    {
        SCOPED_TRACE("case 3, the longest");
        expect_same_case_files(case_file(dir + "/alone", 3), case_file(dir + "/readout", 3));
    }
    // A shorter case ends on IDA's interpolant inside a solver step of the longest.
    g_tol = 1e-6;
    for (int c = 1; c <= 2; ++c) {
        SCOPED_TRACE("case " + std::to_string(c));
        expect_same_case_files(case_file(dir + "/alone", c), case_file(dir + "/readout", c));
    }
    std::remove(case_file(dir + "/readout", 1).c_str());
    EXPECT_EQ(run_sweep(readout, dir + "/readout", one).progress.to_run, 1);
    expect_same_case_files(case_file(dir + "/alone", 1), case_file(dir + "/readout", 1));
}

}  // namespace
}  // namespace ssbsim
