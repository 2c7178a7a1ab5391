// Solver and output settings: the `solver` and `output` sections of a config.
#pragma once

#include <string>

#include "core/config.hpp"
#include "numerics/ida_integrator.hpp"
#include "params/check.hpp"

namespace ssbsim {

struct OutputSpec {
    std::string file = "ssbsim.h5";  // "none": no result file (benchmarks, summary-only callers)
    bool writes_file() const { return file != "none"; }
    double sample_interval = 0.0;     // [s]; 0: every solver step
    double profile_interval = 3600.0; // [s]; 0: no spatial profiles
    double flush_interval = 2.0;      // wall-clock seconds between HDF5 flushes
    // Bounds on what a run may write (docs/config.md section 10): checked against the
    // protocol before the run, and enforced while it runs.
    double max_file_size = 2e9;         // [bytes]
    long max_samples_per_step = 1000000;
    long max_profiles_per_step = 10000;
    void validate(const FieldError& fail) const;  // keys as in `output`
};

// SolverSettings (numerics/ida_integrator.hpp, the integrator's own struct) against the
// ranges a config may give; keys as in `solver`.
void validate_solver(const SolverSettings& s, const FieldError& fail);

// A given `solver` or `output` section, read and validated.
SolverSettings parse_solver(const ConfigNode& solver);
OutputSpec parse_output(const ConfigNode& output);

}  // namespace ssbsim
