// The files of a parameter sweep (the planning and the pool are run/sweep.hpp): each
// case's HDF5 result, written atomically, the resume check that reads it back, and the
// summary table (CSV and HDF5) of the per-cycle metrics and ledger of all cases.
// Execution (local processes or MPI ranks) is the caller's: run_sweep is the local pool.
#pragma once

#include <string>

#include "run/sweep.hpp"

namespace ssbsim {

// True when the case's file exists, finished with status complete, and was made from the
// same definition (base config as resolved through its `extends:` chain, and overrides)
// as the sweep file and the files it names now give.
bool case_complete(const SweepSpec& spec, const std::string& dir, int index);

// Runs one case in this process: DIR/cases/case_NNNN.h5.part, renamed when the run ends
// (complete or failed), so a killed case leaves no final file and is re-run on resume.
// The caller holds the SweepLock of DIR: a leftover .part (regular file of this user) is
// replaced; a symbolic link or anything else there fails the case, never written through.
CaseOutcome run_case(const SweepSpec& spec, const SweepCase& c, const std::string& dir);

// Writes DIR/summary.csv and DIR/summary.h5 from the case files present (under the lock).
void write_summary(const SweepSpec& spec, const std::string& dir);

// The local worker pool of run/sweep.hpp (drive_sweep) with these case files: what
// `ssbsim sweep` and the Python package both run.
SweepRunReport run_sweep(const SweepSpec& spec, const std::string& dir, const SweepRunOptions& options);

}  // namespace ssbsim
