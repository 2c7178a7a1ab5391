// Fuzzes --set assignments (one per line) applied to the embedded default config.
#include <sstream>
#include <vector>

#include "core/config.hpp"
#include "fuzz_harness.hpp"
#include "run/simulation.hpp"

namespace ssbsim::fuzz {

int set(const std::uint8_t* data, std::size_t size) {
    return guarded("set", [&] {
        static const ConfigNode base =
            ConfigNode::load_string(default_config_text(), "<embedded default>");
        std::vector<std::string> assignments;
        std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
        for (std::string line; std::getline(in, line) && assignments.size() < 8;)
            assignments.push_back(line);
        ConfigNode root = base.with_overrides(assignments);
        MaterialLibrary lib;
        SimulationConfig c = load_config(root, lib);
        YAML::Emitter out;
        out << emit_config(c);
    });
}

}  // namespace ssbsim::fuzz

SSBSIM_FUZZ_ENTRY(set)
