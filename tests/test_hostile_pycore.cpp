// The sweep worker pool as a library function (io/sweep.hpp: run_sweep), which
// `ssbsim sweep` and the Python package's ssbsim.sweep both call (issue 13): it runs and
// resumes, reports progress, counts failed cases with their message, and a stop signal
// ends it promptly with the workers reaped and the caller's signal handlers restored.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/sweep.hpp"

namespace ssbsim {
namespace {

std::string fresh_dir(const std::string& name) {
    std::string d = ::testing::TempDir() + "/ssbsim_hostile_pycore_" + name + "_" + std::to_string(getpid());
    std::string cmd = "rm -rf '" + d + "' && mkdir -p '" + d + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    return d;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool exists(const std::string& path) { return std::ifstream(path).good(); }

// A sweep of short runs of the embedded-default cell: one charge of `hours` each.
std::string write_sweep(const std::string& dir, const std::string& values, const std::string& steps_template) {
    const std::string path = dir + "/sweep.yaml";
    std::ofstream(path) << "name: pool test\n"
                        << "base: " << SSBSIM_SOURCE_DIR << "/configs/studies/study_a.yaml\n"
                        << "set:\n  - \"output.profile_interval=0\"\n"
                        << "parameters:\n  - key: protocol.steps\n    template: '" << steps_template << "'\n"
                        << "    values: " << values << "\n";
    return path;
}

int children_left() {
    int n = 0;
    while (waitpid(-1, nullptr, WNOHANG) > 0) ++n;  // reap any stray (there should be none)
    return errno == ECHILD ? n : n + 1;
}

TEST(HostilePycore, RunSweepRunsReportsAndResumes) {
    const std::string d = fresh_dir("run");
    SweepSpec spec = load_sweep(write_sweep(d, "[0.05, 0.1, 0.15]", "[\"Charge at C/10 for {} h\"]"));
    std::vector<SweepProgress> seen;
    SweepRunOptions o;
    o.jobs = 2;
    o.on_progress = [&](const SweepProgress& p) { seen.push_back(p); };
    SweepRunReport r = run_sweep(spec, d + "/out", o);
    EXPECT_EQ(r.stop_signal, 0);
    EXPECT_EQ(r.progress.total, 3);
    EXPECT_EQ(r.progress.done, 3);
    EXPECT_EQ(r.progress.failed, 0);
    ASSERT_GE(seen.size(), 4u);  // the start, then one call per case
    EXPECT_EQ(seen.front().done, 0);
    EXPECT_EQ(seen.front().to_run, 3);
    EXPECT_EQ(seen.front().workers, 2);
    EXPECT_EQ(seen.back().done, 3);
    for (int i = 1; i <= 3; ++i) EXPECT_TRUE(case_complete(spec, d + "/out", i)) << i;
    EXPECT_EQ(children_left(), 0) << "workers left unreaped";
    // Run again: everything is complete, nothing is started.
    seen.clear();
    r = run_sweep(spec, d + "/out", o);
    EXPECT_EQ(r.progress.to_run, 0);
    EXPECT_EQ(r.progress.done, 3);
    ASSERT_EQ(seen.size(), 1u);
    write_summary(spec, d + "/out");
    const std::string csv = slurp(d + "/out/summary.csv");
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4) << csv;
}

TEST(HostilePycore, RunSweepCountsAFailedCaseAndKeepsItsMessage) {
    const std::string d = fresh_dir("fail");
    // The second value is no duration: that case's config is rejected, the others run.
    SweepSpec spec = load_sweep(write_sweep(d, "[\"0.05\", \"soon\", \"0.1\"]", "[\"Charge at C/10 for {} h\"]"));
    SweepRunOptions o;
    o.jobs = 2;
    SweepRunReport r = run_sweep(spec, d + "/out", o);
    EXPECT_EQ(r.progress.done, 3);
    EXPECT_EQ(r.progress.failed, 1);
    EXPECT_TRUE(case_complete(spec, d + "/out", 1));
    EXPECT_FALSE(case_complete(spec, d + "/out", 2));
    const std::string why = slurp(case_file(d + "/out", 2) + ".error");
    EXPECT_NE(why.find("protocol.steps"), std::string::npos) << why;
    EXPECT_FALSE(exists(case_file(d + "/out", 2)));
}

struct sigaction g_caller_action {};
volatile sig_atomic_t g_caller_handler_ran = 0;
extern "C" void caller_handler(int) { g_caller_handler_ran = 1; }

TEST(HostilePycore, SigintStopsThePoolPromptlyAndRestoresTheCallersHandler) {
    const std::string d = fresh_dir("stop");
    // Long cases (hundreds of cycles), so the stop comes while they run.
    SweepSpec spec = load_sweep(write_sweep(
        d, "[1, 2, 3, 4]",
        "[\"Charge at C/50 until 4.3 V\", {\"repeat\": 400, \"steps\": [\"Discharge at 1C until 3.0 V\", "
        "\"Charge at 1C until 4.2 V\"]}, \"Rest for {} h\"]"));
    struct sigaction mine {};
    mine.sa_handler = caller_handler;
    sigemptyset(&mine.sa_mask);
    ASSERT_EQ(sigaction(SIGINT, &mine, &g_caller_action), 0);
    SweepRunOptions o;
    o.jobs = 2;
    o.tick = 0.05;
    int ticks = 0;
    o.on_progress = [&](const SweepProgress& p) {
        if (p.elapsed > 0 && ++ticks == 3) raise(SIGINT);  // Ctrl-C while both workers solve
    };
    auto t0 = std::chrono::steady_clock::now();
    SweepRunReport r = run_sweep(spec, d + "/out", o);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.stop_signal, SIGINT);
    EXPECT_LT(r.progress.done, 4);
    EXPECT_LT(seconds, 5.0);
    EXPECT_EQ(g_caller_handler_ran, 0) << "the pool's handler should have taken the signal";
    EXPECT_EQ(children_left(), 0) << "workers left behind after the stop";
    struct sigaction now {};
    sigaction(SIGINT, nullptr, &now);
    EXPECT_EQ(now.sa_handler, caller_handler) << "the caller's SIGINT handler was not restored";
    raise(SIGINT);
    EXPECT_EQ(g_caller_handler_ran, 1);
    sigaction(SIGINT, &g_caller_action, nullptr);
    // The directory is not locked any more: a second run resumes (and is stopped at once).
    int calls = 0;
    o.on_progress = [&](const SweepProgress&) {
        if (++calls == 2) raise(SIGTERM);  // the first call comes before the pool starts
    };
    o.tick = 0.01;
    r = run_sweep(spec, d + "/out", o);
    EXPECT_EQ(r.stop_signal, SIGTERM);
    EXPECT_EQ(children_left(), 0);
}

}  // namespace
}  // namespace ssbsim
