// The files of a parameter sweep (the planning and the pool are run/sweep.hpp): each
// case's HDF5 result, written atomically, the resume check that reads it back, and the
// summary table (CSV and HDF5) of the per-cycle metrics and ledger of all cases.
// Execution (local processes or MPI ranks) is the caller's: run_sweep is the local pool.
#pragma once

#include <string>
#include <vector>

#include "run/sweep.hpp"

namespace ssbsim {

// True when the case's file exists, finished with status complete, and was made from the
// same definition (base config as resolved through its `extends:` chain, and overrides)
// as the sweep file and the files it names now give.
bool case_complete(const SweepSpec& spec, const std::string& dir, int index);
// The .key beside case INDEX's file is that of its current definition (the rest of
// case_complete, for a caller that has read the file's status already).
bool case_key_current(const SweepSpec& spec, const std::string& dir, int index);

// Runs one case in this process: DIR/cases/case_NNNN.h5.part, renamed when the run ends
// (complete or failed), so a killed case leaves no final file and is re-run on resume.
// The caller holds the SweepLock of DIR: a leftover .part (regular file of this user) is
// replaced; a symbolic link or anything else there fails the case, never written through.
CaseOutcome run_case(const SweepSpec& spec, const SweepCase& c, const std::string& dir);
// The same; shared_steps > 0: restarted from the checkpoint of its first shared_steps
// steps in DIR/prefixes when there is a good one for this case (else from the start).
// The file is the same either way, to solver tolerance.
CaseOutcome run_case(const SweepSpec& spec, const SweepCase& c, const std::string& dir, int shared_steps);

// Solves the first `steps` steps of case c and writes their checkpoint to
// DIR/prefixes/prefix_<digest>.h5 (kept: a resumed sweep reuses it). Throws when the
// prefix does not reach its end (its cases then run from the start).
void run_prefix(const SweepSpec& spec, const SweepCase& c, const std::string& dir, int steps);
// Runs a readout group (run/sweep.hpp: PrefixGroup::readout): one run of its longest case,
// each shorter case's file written from it up to its own end (the same records as the
// case alone, to solver tolerance; with output.sample_interval 0 the samples are at this
// run's solver steps). Cases it cannot finish run alone. Returns how many failed.
std::vector<CaseOutcome> run_readout(const SweepSpec& spec, const PrefixGroup& g, const std::string& dir);
// The records of finished case files (CaseOutcome::record): write_summary then takes a
// case's status and cycles from its record while the file is the one that was written
// (same inode, size and modification time) instead of reading it back.
void receive_case_records(const std::string& records);
// Reads that checkpoint into this process's cache (forked workers inherit it).
void preload_prefix(const SweepSpec& spec, const SweepCase& c, const std::string& dir, int steps);

// Writes DIR/summary.csv and DIR/summary.h5 from the case files present (under the lock);
// returns each case's status as written there (complete, failed, missing, ...).
std::vector<std::string> write_summary(const SweepSpec& spec, const std::string& dir);

// The local worker pool of run/sweep.hpp (drive_sweep) with these case files: what
// `ssbsim sweep` and the Python package both run.
SweepRunReport run_sweep(const SweepSpec& spec, const std::string& dir, const SweepRunOptions& options);

}  // namespace ssbsim
