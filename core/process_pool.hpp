// The one process pool (sweep, validate, fit): independent tasks on persistent forked
// worker processes, handed out one at a time as workers become free (tasks differ a lot
// in cost: a 132 h hold vs a 10 h one). Processes rather than threads: the simulator keeps
// per-run state in one object, a crashing task cannot take the others down, and memory
// stays flat (a worker runs one task at a time; no fork and page-fault storm per task).
//
// Every task ends with a result in task order: ok with the bytes the task returned, or
// failed with a message (the exception's text, or "worker died (signal 9: Killed)" when
// the worker died with the task; that worker is replaced and the other tasks go on).
// Workers die with the calling process (PR_SET_PDEATHSIG, SIGKILL: even mid-solve), so a
// killed caller never leaves them running, and they are reaped before the call returns.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace ssbsim {

struct TaskResult {
    bool ok = false;
    std::string payload;       // what the task returned (ok only)
    std::string error;         // why it failed
    bool worker_died = false;  // the worker process died while running the task
    int signal = 0;            // the signal that killed that worker; 0 when it exited
};

struct PoolProgress {
    int tasks = 0;    // in this call
    int done = 0;     // finished, ok or failed
    int failed = 0;
    int workers = 0;  // worker processes (0: the tasks run in this process)
    double elapsed = 0;  // [s] wall time since the pool started
};

struct PoolOptions {
    int jobs = 0;  // worker processes; <= 0: available_cores()
    // jobs == 1 or a single task: run in this process (no fork; a crash takes the caller
    // down, but side effects of the task stay visible). false: always in workers.
    bool serial_in_process = false;
    // Called in the calling process: once before any task, after each task, and at least
    // every `tick` seconds while tasks run (0: no ticks).
    std::function<void(const PoolProgress&)> on_progress;
    double tick = 0;  // [s]
    // Called in the calling process when a task ends, before on_progress.
    std::function<void(int task, const TaskResult&)> on_result;
    // Called in each new worker right after the fork (to drop what is the parent's alone,
    // such as a lock's descriptor).
    std::function<void()> in_worker;
    // SIGTERM, SIGINT and SIGHUP while the pool runs kill the workers and end the call
    // with PoolReport::stop_signal set (tasks not finished: failed, "not run"); the
    // caller's handlers are restored before it returns. A signal ignored at the start
    // (nohup) stays ignored. false: the caller's handlers stay in force.
    bool stop_on_signals = false;
};

struct PoolReport {
    std::vector<TaskResult> results;  // one per task, in task order
    PoolProgress progress;
    int stop_signal = 0;  // the signal that stopped the pool; 0 when every task ran
};

// Runs task(i) for i in [0, n_tasks); a task fails by throwing. Throws Error when a pipe
// or a fork cannot be made (the workers are killed and reaped first).
PoolReport run_in_processes(int n_tasks, const std::function<std::string(int)>& task,
                            const PoolOptions& options = {});

// Doubles as task payload bytes, and back.
std::string pack_doubles(const std::vector<double>& v);
std::vector<double> unpack_doubles(const std::string& bytes);

// Number of cores available to this process (its CPU affinity; at least 1).
int available_cores();

}  // namespace ssbsim
