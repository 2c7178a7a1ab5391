// Shared helpers for the test suite: load configs (with --set style overrides) and capture
// what a run reports.
#pragma once

#include <string>
#include <vector>

#include "core/config.hpp"
#include "run/simulation.hpp"

namespace ssbsim::test {

inline std::string source_path(const std::string& rel) { return std::string(SSBSIM_SOURCE_DIR) + "/" + rel; }

inline SimulationConfig load(const std::string& file, const std::vector<std::string>& set = {}) {
    ConfigNode root = file.empty() ? ConfigNode::load_string(default_config_text(), "<embedded default>")
                                   : ConfigNode::load_file(source_path(file));
    if (!set.empty()) root = root.with_overrides(set);
    MaterialLibrary lib;
    return load_config(root, lib);
}

inline SimulationConfig load_text(const std::string& text, const std::vector<std::string>& set = {}) {
    ConfigNode root = ConfigNode::load_string(text, "test.yaml");
    if (!set.empty()) root = root.with_overrides(set);
    MaterialLibrary lib;
    return load_config(root, lib);
}

// Records samples, steps and cycles in memory.
class Capture : public RunObserver {
public:
    std::vector<Sample> samples;
    std::vector<StepSummary> steps;
    std::vector<CycleSummary> cycles;
    void on_sample(const Sample& s) override { samples.push_back(s); }
    void on_step(const StepSummary& s) override { steps.push_back(s); }
    void on_cycle(const CycleSummary& c) override { cycles.push_back(c); }
    std::vector<Sample> of_step(int step) const {
        std::vector<Sample> out;
        for (const auto& s : samples)
            if (s.step == step) out.push_back(s);
        return out;
    }
};

}  // namespace ssbsim::test
