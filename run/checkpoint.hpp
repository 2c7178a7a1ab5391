// A checkpoint: everything a run needs to go on from the boundary between two protocol
// steps as if it had never stopped, and everything it had reported up to there, so a run
// restarted from it writes the same complete result file as an unbroken one.
//
// It is taken between steps (after `next_step` steps), where the runner restarts IDA with
// consistent initial conditions anyway: the continuation solves exactly what the unbroken
// run solves from there. Its identity (the resolved config without the run's name, its
// output file and the protocol steps from next_step on, plus the state layout's variable
// names) is checked on restart; a mismatch names the first differing line. The file form
// is io/checkpoint.hpp's (docs/data_formats.md).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "models/cathode_p2d.hpp"
#include "numerics/ida_integrator.hpp"
#include "run/simulation.hpp"

namespace ssbsim {

struct RunCheckpoint {
    // Identity.
    std::string identity;                     // checkpoint_identity(config, next_step)
    std::string digest;                       // FNV-1a of identity, 16 hex digits
    std::vector<std::string> variable_names;  // the state layout, one per component
    std::string source;                       // the file it was read from (for messages), or ""

    // Protocol position: the steps [0, next_step) are done; the run is at `time`.
    int next_step = 0;
    double time = 0;          // [s]
    double temperature = 0;   // the model's temperature [K] (temperature steps change it)
    std::vector<double> y, yp;

    // The books (run/cycle_book.hpp: the open cycle's sums and ledger snapshot) and the
    // sampler's grids and output budget (run/sampler.hpp).
    struct Book {
        double li0 = 0;  // lithium in the CAM at the start of the run [mol/m2]
        CycleSummary open_cycle;
        bool seen_discharge = false, any_step = false;
        LedgerCharges ledger0;
        std::vector<double> c_ref;  // mean concentration per cathode cell and population [mol/m3]
    } book;
    struct Grid {
        double bytes_out = 0, next_profile = 0, last_profile = -1.0;
    } sampler;
    SolverStats stats;  // of the steps done

    // What the run reported up to here, replayed into the observer of a restarted run.
    std::vector<Sample> samples;
    struct ProfileState {
        double time = 0, temperature = 0;
        std::vector<double> y;
    };
    std::vector<ProfileState> profiles;
    std::vector<StepSummary> steps;
    std::vector<CycleSummary> cycles;
    std::vector<Spectrum> spectra;  // of the EIS steps done, in step order
};

// The text that identifies a checkpoint of `config` after `next_step` steps: the resolved
// config (params/emit.hpp) without its name, description and output file and without
// protocol steps, then the first next_step steps, one per line.
std::string checkpoint_identity(const SimulationConfig& config, int next_step);
// The same in two parts: identity_rest(config) (the resolved config without the steps: the
// costly part, the same for every case of a sweep group) and then the steps.
std::string identity_rest(const SimulationConfig& config);
std::string checkpoint_identity(const std::string& rest, const SimulationConfig& config, int next_step);
std::string identity_digest(const std::string& identity);

// Throws ConfigError naming what differs (the first differing line of the identity, the
// state size or the first differing variable name) when `ck` cannot continue as a run of
// `config` on `model`; `source` names the checkpoint in the message.
void check_restart(const RunCheckpoint& ck, const SimulationConfig& config, const CathodeP2D& model,
                   const std::string& source);
// The same with the identity of the config after ck.next_step steps already computed (a
// sweep case computes it once to find its checkpoint); n_steps: the config's step count.
void check_restart(const RunCheckpoint& ck, int n_steps, const std::string& identity, const CathodeP2D& model,
                   const std::string& source);

// A run as it would have ended at time t inside its last (timed) step: what a sweep case
// whose last step is shorter than this run's gets after the records this run reported up
// to t (readout, docs/sweeps.md).
struct ReadoutEnd {
    double time = 0;                 // [s]
    const double* y = nullptr;       // the state at `time` (valid during the call)
    Sample last_sample;              // the step's last sample, at `time`
    StepSummary step;                // the last step, closed at `time`
    bool has_cycle = false;          // the cycle it closes
    CycleSummary cycle;
    bool final_profile = false;      // a profile at `time` is due
    RunResult result;                // the run's result (steps and cycles included)
};

// What a run does besides running the protocol from the start.
struct RunControl {
    // Start from this checkpoint instead of the initial state (checked with check_restart
    // by the caller; not owned).
    const RunCheckpoint* restart = nullptr;
    bool restart_checked = false;  // the caller has run check_restart already
    // Take a checkpoint after this many steps (> 0; -1: none) and hand it to on_checkpoint;
    // with stop_after_checkpoint the run ends there (status complete, no final cycle).
    int checkpoint_after = -1;
    std::function<void(RunCheckpoint&&)> on_checkpoint;
    bool stop_after_checkpoint = false;
    // Readout: durations [s] of the last step (ascending, each shorter than its own) at
    // which on_readout(k, end) gets the run as it would have ended there (k: the index in
    // readout_after). IDA steps over those times as in the run alone; the state there is
    // its interpolant.
    std::vector<double> readout_after;
    std::function<void(int, const ReadoutEnd&)> on_readout;
    // false: RunResult.steps and .cycles stay empty (the observer, a result file, has them),
    // so a long run's memory does not grow with its steps. A checkpoint or a readout needs
    // them and keeps them anyway.
    bool keep_records = true;
};

}  // namespace ssbsim
