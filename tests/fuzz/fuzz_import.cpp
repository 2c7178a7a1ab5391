// Fuzzes the measured-data importers and what validate does with what they return: the
// shared analysis and the plan of simulations (no simulation is run).
#include "analysis/import.hpp"
#include "analysis/metrics.hpp"
#include "analysis/validation.hpp"
#include "core/config.hpp"
#include "fuzz_harness.hpp"
#include "run/simulation.hpp"

namespace ssbsim::fuzz {

int import(const std::uint8_t* data, std::size_t size) {
    return guarded("import", [&] {
        static const SimulationConfig base = [] {
            MaterialLibrary lib;
            return load_config(ConfigNode::load_string(default_config_text(), "<embedded default>"), lib);
        }();
        // The first byte picks the reader, the rest is the file.
        if (size == 0) return;
        ImportOptions options;
        options.format = data[0] % 2 ? "mpt" : "csv";
        const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
        MeasuredData m = parse_measured(text, options.format == "mpt" ? "fuzz.mpt" : "fuzz.csv", options);
        // As validate does: the data's own active mass, else the config's CAM mass.
        AnalysisOptions ao;
        ao.mass = m.trajectory.mass > 0 ? m.trajectory.mass : base.cell.basis_mass();
        if (m.kind == MeasuredData::Kind::time_series && m.trajectory.time.size() >= 2)
            analyse(m.trajectory, ao);
        plan_cases(m, base, ao);
    });
}

}  // namespace ssbsim::fuzz

SSBSIM_FUZZ_ENTRY(import)
