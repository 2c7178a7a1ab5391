// A whole config resolved: cell, chemistry, mesh, solver, protocol and output settings.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "core/config.hpp"
#include "params/cell.hpp"
#include "params/materials.hpp"
#include "params/protocol.hpp"
#include "params/settings.hpp"

namespace ssbsim {

struct SimulationConfig {
    std::string name = "ssbsim run";
    std::string description;
    CellSpec cell;
    MeshSpec mesh;
    SolverSettings solver;
    Protocol protocol;
    OutputSpec output;
    YAML::Node materials;  // user material definitions, echoed into the resolved config

    // Every section against its ranges; `fail` gets keys from the top ("cell.cathode.porosity").
    void validate(const FieldError& fail = code_fields("")) const;
};

// Reads a whole config. `root` is the top-level mapping (after --set overrides).
SimulationConfig load_config(const ConfigNode& root, MaterialLibrary& lib);

// Approximate bytes a result file spends per time-series sample, per spatial profile and
// per step row, and for its fixed skeleton (attributes, grids, partly filled chunks).
struct OutputSizes {
    double sample = 0, profile = 0, step = 0, skeleton = 0;
};
OutputSizes output_sizes(const SimulationConfig& c);
// Checks what the protocol's timed steps would write against the output.max_* bounds;
// throws ConfigError naming the step (file:line) and the output key to change.
void check_output_budget(const SimulationConfig& c, const std::string& config_file);
// "2 GB", "350 MB", "12 kB".
std::string format_bytes(double bytes);

}  // namespace ssbsim
