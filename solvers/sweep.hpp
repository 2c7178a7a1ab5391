// Parameter sweeps: a sweep file names a base config and the key paths to vary (lists or
// linear/log ranges, combined as a grid or zipped); every case is one ssbsim run writing
// its own HDF5 file atomically, and a summary table (CSV and HDF5) collects the per-cycle
// metrics and ledger of all cases. Execution (local processes or MPI ranks) is the
// caller's; this module defines cases, runs one, and summarises.
#pragma once

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

std::string case_file(const std::string& dir, int index);  // DIR/cases/case_NNNN.h5
// True when the case's file exists, finished with status complete, and was made from the
// same definition (base config and overrides) as the sweep file now gives.
bool case_complete(const SweepSpec& spec, const std::string& dir, int index);

struct CaseOutcome {
    int index = 0;
    std::string status;   // complete, failed
    std::string message;
    double seconds = 0;
};

// Runs one case in this process: DIR/cases/case_NNNN.h5.part, renamed when the run ends
// (complete or failed), so a killed case leaves no final file and is re-run on resume.
CaseOutcome run_case(const SweepSpec& spec, const SweepCase& c, const std::string& dir);

// Writes DIR/summary.csv and DIR/summary.h5 from the case files present.
void write_summary(const SweepSpec& spec, const std::string& dir);

}  // namespace ssbsim
