// The one process pool (core/process_pool.hpp) of sweep, validate and fit: results come
// back in task order whatever order the workers finish in, a task's exception becomes its
// message, a worker that dies with its task (SIGKILL, abort) is named and replaced while
// the other tasks complete, and the progress callback counts every task.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/process_pool.hpp"

namespace ssbsim {
namespace {

// Children of this process not yet reaped (the pool must leave none).
int children_left() {
    int n = 0;
    while (waitpid(-1, nullptr, WNOHANG) > 0) ++n;
    return errno == ECHILD ? n : n + 1;
}

class ProcessPool : public ::testing::TestWithParam<int> {};

TEST_P(ProcessPool, ResultsInTaskOrderWithTheirPayloads) {
    PoolOptions o;
    o.jobs = GetParam();
    // Early tasks take longest, so with two workers they finish out of order.
    PoolReport r = run_in_processes(
        6,
        [](int i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10 * (6 - i)));
            return "task " + std::to_string(i) + " in " + std::to_string(getpid());
        },
        o);
    ASSERT_EQ(r.results.size(), 6u);
    std::set<std::string> pids;
    for (int i = 0; i < 6; ++i) {
        ASSERT_TRUE(r.results[i].ok) << i << ": " << r.results[i].error;
        const std::string& p = r.results[i].payload;
        EXPECT_EQ(p.rfind("task " + std::to_string(i) + " in ", 0), 0u) << p;
        pids.insert(p.substr(p.rfind(' ') + 1));
    }
    EXPECT_EQ(pids.count(std::to_string(getpid())), 0u) << "a task ran in the caller, not in a worker";
    EXPECT_LE(pids.size(), static_cast<std::size_t>(GetParam()));
    EXPECT_EQ(r.progress.done, 6);
    EXPECT_EQ(r.progress.failed, 0);
    EXPECT_EQ(r.stop_signal, 0);
    EXPECT_EQ(children_left(), 0);
}

TEST_P(ProcessPool, AFailingTaskKeepsItsMessage) {
    PoolOptions o;
    o.jobs = GetParam();
    PoolReport r = run_in_processes(
        3,
        [](int i) -> std::string {
            if (i == 1) throw std::runtime_error("case 2: no such unit 'furlong'");
            return std::to_string(i);
        },
        o);
    EXPECT_TRUE(r.results[0].ok);
    EXPECT_FALSE(r.results[1].ok);
    EXPECT_FALSE(r.results[1].worker_died);
    EXPECT_EQ(r.results[1].error, "case 2: no such unit 'furlong'");
    EXPECT_TRUE(r.results[2].ok);
    EXPECT_EQ(r.results[2].payload, "2");
    EXPECT_EQ(r.progress.failed, 1);
}

TEST_P(ProcessPool, AWorkerThatKillsItselfIsNamedAndTheOthersComplete) {
    PoolOptions o;
    o.jobs = GetParam();
    PoolReport r = run_in_processes(
        5,
        [](int i) -> std::string {
            if (i == 1) raise(SIGKILL);
            if (i == 3) std::abort();
            return std::to_string(i * i);
        },
        o);
    ASSERT_EQ(r.results.size(), 5u);
    for (int i : {0, 2, 4}) {
        EXPECT_TRUE(r.results[i].ok) << i << ": " << r.results[i].error;
        EXPECT_EQ(r.results[i].payload, std::to_string(i * i));
    }
    EXPECT_FALSE(r.results[1].ok);
    EXPECT_TRUE(r.results[1].worker_died);
    EXPECT_EQ(r.results[1].signal, SIGKILL);
    EXPECT_EQ(r.results[1].error, "worker died (signal 9: Killed)");
    EXPECT_FALSE(r.results[3].ok);
    EXPECT_TRUE(r.results[3].worker_died);
    EXPECT_EQ(r.results[3].signal, SIGABRT);
    EXPECT_NE(r.results[3].error.find("signal 6"), std::string::npos) << r.results[3].error;
    EXPECT_EQ(r.progress.done, 5);
    EXPECT_EQ(r.progress.failed, 2);
    EXPECT_EQ(children_left(), 0) << "dead or finished workers left unreaped";
}

TEST_P(ProcessPool, ProgressCountsEveryTaskAndResultsArriveOnce) {
    PoolOptions o;
    o.jobs = GetParam();
    std::vector<PoolProgress> seen;
    std::vector<int> ended;
    o.on_progress = [&](const PoolProgress& p) { seen.push_back(p); };
    o.on_result = [&](int task, const TaskResult&) { ended.push_back(task); };
    PoolReport r = run_in_processes(
        4,
        [](int i) -> std::string {
            if (i == 2) throw std::runtime_error("no");
            return "";
        },
        o);
    ASSERT_EQ(seen.size(), 5u);  // the start, then one per task (no ticks asked for)
    EXPECT_EQ(seen.front().done, 0);
    EXPECT_EQ(seen.front().tasks, 4);
    EXPECT_EQ(seen.front().workers, GetParam());
    for (std::size_t k = 0; k < seen.size(); ++k) EXPECT_EQ(seen[k].done, static_cast<int>(k));
    EXPECT_EQ(seen.back().failed, 1);
    EXPECT_EQ(std::set<int>(ended.begin(), ended.end()), (std::set<int>{0, 1, 2, 3}));
    EXPECT_EQ(ended.size(), 4u);
    EXPECT_EQ(r.progress.done, 4);
}

INSTANTIATE_TEST_SUITE_P(Jobs, ProcessPool, ::testing::Values(1, 2));

TEST(ProcessPoolSerial, RunsInThisProcessWhenAskedAndKeepsSideEffects) {
    PoolOptions o;
    o.jobs = 1;
    o.serial_in_process = true;
    std::vector<int> touched;
    PoolReport r = run_in_processes(
        3,
        [&](int i) {
            touched.push_back(i);  // visible only when the task ran here
            return pack_doubles({0.5 * i, -1.0});
        },
        o);
    EXPECT_EQ(touched, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(r.progress.workers, 0);
    ASSERT_TRUE(r.results[2].ok);
    EXPECT_EQ(unpack_doubles(r.results[2].payload), (std::vector<double>{1.0, -1.0}));
}

TEST(ProcessPoolSerial, DoublesRoundTripThroughAWorker) {
    PoolOptions o;
    o.jobs = 2;
    PoolReport r = run_in_processes(
        2, [](int i) { return pack_doubles({1.0 / 3.0, static_cast<double>(i), -0.0, 6.02e23}); }, o);
    ASSERT_TRUE(r.results[1].ok);
    EXPECT_EQ(unpack_doubles(r.results[1].payload), (std::vector<double>{1.0 / 3.0, 1.0, -0.0, 6.02e23}));
}

TEST(ProcessPoolSerial, NoTasksTellsOnceAndForksNothing) {
    int calls = 0;
    PoolOptions o;
    o.on_progress = [&](const PoolProgress& p) {
        ++calls;
        EXPECT_EQ(p.tasks, 0);
    };
    PoolReport r = run_in_processes(0, [](int) { return std::string(); }, o);
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(r.results.empty());
    EXPECT_EQ(children_left(), 0);
}

}  // namespace
}  // namespace ssbsim
