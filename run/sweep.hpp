// Parameter sweeps, the driving: a sweep file (read and expanded into its cases by
// params/sweep_spec.hpp) names a base config and the key paths to vary; every case
// is one ssbsim run in its own HDF5 file under DIR/cases, run on the process pool
// (core/process_pool.hpp) and resumed from the cases already complete. What a case writes
// and reads back (its result file, the summary) is io's (io/sweep.hpp), handed in here as
// SweepCaseFiles, so this layer never touches a result file itself.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "params/sweep_spec.hpp"  // SweepSpec, load_sweep
#include "run/simulation.hpp"

namespace ssbsim {

// A case's config: the base config with the case's overrides, named after the sweep.
SimulationConfig case_config(const SweepSpec& spec, const SweepCase& c, MaterialLibrary& lib);

// While one of these lives (nested ones count once), a sweep's base config is read once per
// process (and the workers forked meanwhile): every case, its key and the prefix plan see
// the files as the sweep first read them; an edit made during the sweep is seen by the next
// run of it (whose keys then differ, so the cases concerned run again). Without one, every
// call reads the files.
class BaseConfigCache {
public:
    BaseConfigCache();
    ~BaseConfigCache();
    BaseConfigCache(const BaseConfigCache&) = delete;
    BaseConfigCache& operator=(const BaseConfigCache&) = delete;
};
// The base config as parsed (through its `extends:` chain): cached under a BaseConfigCache.
ConfigNode base_config(const std::string& path);
// f(base_config(path)), computed once per path while a BaseConfigCache lives (the case
// keys' digest of the resolved base).
std::string base_config_memo(const std::string& path, const std::function<std::string(const ConfigNode&)>& f);
// f(), computed once per key while a BaseConfigCache lives (each call computes it without).
std::string sweep_memo(const std::string& key, const std::function<std::string()>& f);
// The overrides of case c that are not of single protocol steps ("protocol.steps.N=..."),
// one a line: cases of one base with the same ones differ only in protocol steps.
std::string non_step_overrides(const SweepCase& c);

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

// DIR and DIR/cases, created if needed; a symbolic link or a file at DIR/cases is refused
// with an IoError (the case files would land wherever it points).
void make_cases_dir(const std::string& dir);

std::string case_file(const std::string& dir, int index);  // DIR/cases/case_NNNN.h5
// Why case INDEX failed: the first line of its DIR/cases/case_NNNN.h5.error; "" when none.
std::string case_error(const std::string& dir, int index);

// The output directory a sweep file gets when none is given: beside it, named after its
// stem (sweeps/holds.yaml -> sweeps/holds).
std::string default_sweep_dir(const std::string& sweep_file);

// Cases that share a protocol prefix: their resolved configs are identical except for the
// protocol steps from `steps` on (run/checkpoint.hpp: checkpoint_identity), so the first
// `steps` steps are solved once and every case restarts from that checkpoint.
struct PrefixGroup {
    int steps = 0;           // shared protocol steps (expanded), >= 1
    std::vector<int> cases;  // 1-based case indices, >= 2
    // share_prefix: readout, and the cases differ only in the duration of their last step
    // (steps + 1 steps each): `cases` sorted by that duration [s] (`durations`), the last
    // one the longest, whose run is read out at the others'.
    bool readout = false;
    std::vector<double> durations;
};
// The groups among the cases `todo` (a case whose config does not load is in none); empty
// when the sweep's share_prefix is off.
std::vector<PrefixGroup> plan_prefixes(const SweepSpec& spec, const std::vector<int>& todo);

struct CaseOutcome {
    int index = 0;
    std::string status;   // complete, failed
    std::string message;
    double seconds = 0;
    // What the summary needs from the case file, packed by the files' owner (io) for the
    // process that writes the summary (SweepCaseFiles::received); empty: read the file.
    std::string record;
};

// What a sweep does with its files (io/sweep.hpp gives case_complete and run_case).
struct SweepCaseFiles {
    // True when case INDEX's result file is there, complete, from the current definition.
    std::function<bool(const SweepSpec&, const std::string& dir, int index)> complete;
    // Runs one case in this process, writing its result file (never throws); shared_steps
    // > 0: from the prefix checkpoint of its first shared_steps steps when there is a good
    // one, else from the start.
    std::function<CaseOutcome(const SweepSpec&, const SweepCase&, const std::string& dir, int shared_steps)> run;
    // Solves the first `steps` steps of a case and writes their checkpoint into DIR
    // (throws when the prefix fails; its cases then run from the start).
    std::function<void(const SweepSpec&, const SweepCase&, const std::string& dir, int steps)> prefix;
    // After the prefixes are solved, before the case workers fork (they inherit what this
    // loads): called with the first case of each group and its shared steps. May be empty.
    std::function<void(const SweepSpec&, const SweepCase&, const std::string& dir, int steps)> preload;
    // Runs a readout group (PrefixGroup::readout) in this process, writing every case's
    // file; returns their outcomes (never throws). May be empty: then such groups share
    // their prefix only.
    std::function<std::vector<CaseOutcome>(const SweepSpec&, const PrefixGroup&, const std::string& dir)> readout;
    // In the calling process: the records (CaseOutcome::record, concatenated) of the
    // cases a task completed. May be empty.
    std::function<void(const std::string& records)> received;
};

// The local worker pool that `ssbsim sweep` and the Python package both use (through
// io/sweep.hpp: run_sweep): persistent forked workers (one case at a time each, so a
// crashing case cannot take the others down and memory stays flat; a worker that dies is
// replaced and its case marked failed), resuming from the cases already complete in DIR,
// under DIR's SweepLock. SIGTERM, SIGINT and SIGHUP arriving while it runs kill the
// workers (their .part files are left for the next run to replace) and return with
// `stop_signal` set; the caller's handlers are restored before it returns. The summary is
// not written here: the caller calls write_summary (also after a stop, if it wants one).
struct SweepProgress {
    int total = 0;       // cases in the sweep
    int done = 0;        // complete or failed, including those complete before this run
    int failed = 0;      // failed in this run
    int to_run = 0;      // cases this run started with
    int workers = 0;
    double elapsed = 0;  // wall seconds since the pool started
};
struct SweepRunOptions {
    int jobs = 0;  // worker processes; <= 0: one per available core
    // Called in the calling process: once when the pool starts (before any case), after
    // each case, and at least every `tick` seconds while cases run (0: no ticks).
    std::function<void(const SweepProgress&)> on_progress;
    double tick = 0;
};
struct SweepRunReport {
    SweepProgress progress;
    int stop_signal = 0;  // the signal that stopped the sweep; 0 when it ran to the end
};
SweepRunReport drive_sweep(const SweepSpec& spec, const std::string& dir, const SweepRunOptions& options,
                           const SweepCaseFiles& files);

}  // namespace ssbsim
