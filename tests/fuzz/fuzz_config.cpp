// Fuzzes a whole config file: YAML parsing, key checks, units, materials, cell, protocol.
#include "core/config.hpp"
#include "fuzz_harness.hpp"
#include "run/simulation.hpp"

namespace ssbsim::fuzz {

int config(const std::uint8_t* data, std::size_t size) {
    return guarded("config", [&] {
        const std::string text(reinterpret_cast<const char*>(data), size);
        ConfigNode root = ConfigNode::load_string(text, "fuzz.yaml");
        MaterialLibrary lib;
        SimulationConfig c = load_config(root, lib);
        // What `check --print` does with a config that loaded.
        YAML::Emitter out;
        out << emit_config(c);
    });
}

}  // namespace ssbsim::fuzz

SSBSIM_FUZZ_ENTRY(config)
