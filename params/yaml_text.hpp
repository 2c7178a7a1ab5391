// Config trees as text and by key path, for the layers above params that must not touch
// yaml-cpp themselves (sweep values, fit parameters, fitted configs, material listings).
#pragma once

#include <optional>
#include <string>

#include "core/config.hpp"

namespace ssbsim {

// The node as YAML text (block style), as `YAML::Emitter << node` writes it.
std::string yaml_text(const ConfigNode& n);
// The node in flow style ("[1, 2]", "{a: 1}"): a collection as one --set value.
std::string flow_text(const ConfigNode& n);
// Whether a --set style key path ("a.b.2.c") names a node of `root`.
bool has_path(const ConfigNode& root, const std::string& path);
// The scalar text at a key path; empty when the path is absent or not a scalar.
std::optional<std::string> scalar_at(const ConfigNode& root, const std::string& path);

}  // namespace ssbsim
