// Files embedded in the binary at build time (configs/default.yaml and the materials
// library), so `ssbsim run` works from any directory.
#pragma once

#include <map>
#include <string>

namespace ssbsim {
// Keyed by path relative to configs/, e.g. "materials/NMC532.yaml".
const std::map<std::string, std::string>& embedded_files();
}  // namespace ssbsim
