// Files embedded in the binary at build time (configs/default.yaml, the files it extends
// and the materials library), so `ssbsim run` works from any directory. A config loaded
// under the name "<embedded default>" or "<embedded configs/PATH>" resolves `extends:`
// among these files (core/config.hpp).
#pragma once

#include <map>
#include <string>

namespace ssbsim {
// Keyed by path relative to configs/, e.g. "materials/NMC532.yaml".
const std::map<std::string, std::string>& embedded_files();
}  // namespace ssbsim
