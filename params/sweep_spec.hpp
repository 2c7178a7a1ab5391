// A sweep file read into its plan: a base config and the key paths to vary (lists or
// linear/log ranges, combined as a grid or zipped), expanded into the cases to run, each a
// list of --set overrides. Running the cases is run/sweep.hpp's.
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
    // share_prefix: auto (true): cases whose resolved configs differ only in the protocol
    // steps from some index on solve those first steps once and restart from the checkpoint;
    // off (false): every case is solved from the start.
    bool share_prefix = true;
    // share_prefix: readout: cases that differ only in the duration of their last step (a
    // timed step without limits or ramp) are one run of the longest, read out at each duration.
    bool readout = false;
    std::vector<SweepParameter> parameters;
    std::vector<SweepCase> cases;
};

// Reads and expands a sweep file; errors name the file, line and key.
SweepSpec load_sweep(const std::string& path);

}  // namespace ssbsim
