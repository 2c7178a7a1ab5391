// The resolved config written back as YAML: what `check --print` prints and the result
// file's `config` attribute holds. Valid input for `ssbsim run`: it loads back to the same
// SimulationConfig (numbers in the shortest text that reads back exactly, the user's
// composition basis and sizing kept).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "params/load.hpp"

namespace ssbsim {

YAML::Node emit_cell(const CellSpec& c);
YAML::Node emit_mesh(const MeshSpec& m);
YAML::Node emit_chemistry(const ChemistrySpec& c);
YAML::Node emit_solver(const SolverSettings& s);
YAML::Node emit_output(const OutputSpec& o);

// The fully resolved config as a YAML tree.
YAML::Node emit_config(const SimulationConfig& c);
// The same as YAML text (what `YAML::Emitter << emit_config(c)` writes), built without a
// node tree of the whole protocol: memory O(1) per step beyond the text itself.
std::string emit_config_text(const SimulationConfig& c);
// One entry `key: value` of a top-level mapping as `YAML::Emitter` writes it (block style at
// column 0): written directly when the tree is block mappings of plain-safe scalars, else by
// yaml-cpp. emit_config_text's sections, and tests.
std::string emit_entry_text(const YAML::Node& key, const YAML::Node& value);
// One protocol step as YAML text on one line (flow style): what checkpoints compare.
std::string emit_step_text(const Step& s);

}  // namespace ssbsim
