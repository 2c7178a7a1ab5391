// Parameter sweeps: a sweep file names a base config and the key paths to vary (lists or
// linear/log ranges, combined as a grid or zipped); every case is one ssbsim run writing
// its own HDF5 file atomically, and a summary table (CSV and HDF5) collects the per-cycle
// metrics and ledger of all cases. Execution (local processes or MPI ranks) is the
// caller's; this module defines cases, runs one, and summarises.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace ssbsim {

struct SweepParameter {
    std::string key;                  // config key path, as for --set
    std::string value_template;       // "{}" replaced by each value; empty: the value itself
    std::vector<std::string> values;  // as given (ranges: SI numbers)
};

struct SweepCase {
    int index = 0;                        // 1-based
    std::vector<std::string> values;      // one per parameter
    std::vector<std::string> overrides;   // fixed + swept, "key=value"
};

struct SweepSpec {
    std::string file;                 // the sweep file
    std::string name;
    std::string base;                 // base config path (resolved)
    std::vector<std::string> fixed;   // fixed overrides
    bool zip = false;
    std::vector<SweepParameter> parameters;
    std::vector<SweepCase> cases;
};

// Reads and expands a sweep file; errors name the file, line and key.
SweepSpec load_sweep(const std::string& path);

// Validates every case's config (without running), so a broken value is reported up front;
// returns one message per broken case ("" for good ones).
std::vector<std::string> check_cases(const SweepSpec& spec);

// The output directory's lock: DIR/.ssbsim-sweep.lock (created with DIR and DIR/cases
// if needed; DIR/cases must be a real directory, not a symbolic link),
// flock()ed for the life of this object by the process that runs the sweep, with its pid
// inside. A second sweep into the same directory fails at once with an IoError naming the
// directory and that pid, before touching anything. Forked workers call close_in_child():
// the lock belongs to the parent and goes with it, however long a worker lingers.
class SweepLock {
public:
    explicit SweepLock(const std::string& dir);
    ~SweepLock();
    SweepLock(const SweepLock&) = delete;
    SweepLock& operator=(const SweepLock&) = delete;
    void close_in_child();
    const std::string& path() const { return path_; }

private:
    std::string path_;
    int fd_ = -1;
};

std::string case_file(const std::string& dir, int index);  // DIR/cases/case_NNNN.h5
// True when the case's file exists, finished with status complete, and was made from the
// same definition (base config as resolved through its `extends:` chain, and overrides)
// as the sweep file and the files it names now give.
bool case_complete(const SweepSpec& spec, const std::string& dir, int index);

struct CaseOutcome {
    int index = 0;
    std::string status;   // complete, failed
    std::string message;
    double seconds = 0;
};

// Runs one case in this process: DIR/cases/case_NNNN.h5.part, renamed when the run ends
// (complete or failed), so a killed case leaves no final file and is re-run on resume.
// The caller holds the SweepLock of DIR: a leftover .part (regular file of this user) is
// replaced; a symbolic link or anything else there fails the case, never written through.
CaseOutcome run_case(const SweepSpec& spec, const SweepCase& c, const std::string& dir);

// Writes DIR/summary.csv and DIR/summary.h5 from the case files present (under the lock).
void write_summary(const SweepSpec& spec, const std::string& dir);

// The output directory a sweep file gets when none is given: beside it, named after its
// stem (sweeps/holds.yaml -> sweeps/holds).
std::string default_sweep_dir(const std::string& sweep_file);

// The local worker pool that `ssbsim sweep` and the Python package both use: persistent
// forked workers (one case at a time each, so a crashing case cannot take the others down
// and memory stays flat), resuming from the cases already complete in DIR, under DIR's
// SweepLock. SIGTERM, SIGINT and SIGHUP arriving while it runs kill the workers (their
// .part files are left for the next run to replace) and return with `stop_signal` set;
// the caller's handlers are restored before it returns. The summary is not written here:
// the caller calls write_summary (also after a stop, if it wants one).
struct SweepProgress {
    int total = 0;       // cases in the sweep
    int done = 0;        // complete or failed, including those complete before this run
    int failed = 0;      // failed in this run
    int to_run = 0;      // cases this run started with
    int workers = 0;
    double elapsed = 0;  // wall seconds since the pool started
};
struct SweepRunOptions {
    int jobs = 0;  // worker processes; <= 0: one per online CPU
    // Called in the calling process: once when the pool starts (before any case), after
    // each case, and at least every `tick` seconds while cases run (0: no ticks).
    std::function<void(const SweepProgress&)> on_progress;
    double tick = 0;
};
struct SweepRunReport {
    SweepProgress progress;
    int stop_signal = 0;  // the signal that stopped the sweep; 0 when it ran to the end
};
SweepRunReport run_sweep(const SweepSpec& spec, const std::string& dir, const SweepRunOptions& options);

}  // namespace ssbsim
