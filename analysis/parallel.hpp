// Runs independent tasks on forked worker processes with dynamic dispatch (tasks differ a
// lot in cost: a 132 h hold vs a 10 h one) and collects each task's result as a vector of
// doubles. Processes rather than threads: the simulator keeps per-run state in one object,
// a crashing case cannot take the others down, and there is no shared mutable state.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace ssbsim {

struct TaskResult {
    bool ok = false;
    std::vector<double> values;
    std::string error;  // why it failed (exception text, or the signal that killed the worker)
};

// Runs task(i) for i in [0, n) on up to `jobs` workers (jobs <= 1 or n == 1: in this
// process). Results are in task order.
std::vector<TaskResult> run_parallel(int n, int jobs, const std::function<std::vector<double>(int)>& task);

// Number of cores available to this process (at least 1).
int available_cores();

}  // namespace ssbsim
