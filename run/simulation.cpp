#include "run/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "core/constants.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/resources.hpp"
#include "run/checkpoint.hpp"
#include "run/runner.hpp"

namespace ssbsim {

using namespace units;

const char* to_string(RunStatus s) {
    switch (s) {
        case RunStatus::complete: return "complete";
        case RunStatus::failed: return "failed";
        case RunStatus::interrupted: return "interrupted";
        case RunStatus::output_limit: return "output_limit";
    }
    return "unknown";
}

const std::string& default_config_text() {
    static const std::string text = embedded_files().at("default.yaml");
    return text;
}

// Simulated seconds each step is expected to take: its duration when timed; for a step
// ending at a limit, the capacity window (the C-rate basis of the cell, or a capacity
// limit when smaller) over its current, so a C/50 charge counts 50 h at most; a hold until
// a current limit counts a tenth of the window over that current; temperature steps 0.
std::vector<double> estimate_step_durations(const SimulationConfig& c) {
    const CellSpec& cell = c.cell;
    const double loading = cell.basis_loading(), basis = c.protocol.c_rate_basis;
    const double window = basis * loading;  // [C/m2]
    std::vector<double> est;
    est.reserve(c.protocol.steps.size());
    for (const Step& st : c.protocol.steps) {
        double t = 0;
        if (st.kind == Step::Kind::temperature || st.kind == Step::Kind::eis) {
            t = 0;
        } else if (st.duration > 0) {
            t = st.duration;
        } else {
            double q = window;
            for (const Limit& l : st.limits)
                if (l.kind == Limit::Kind::capacity)
                    q = std::min(q, l.capacity_absolute ? l.value / cell.area : l.value * loading);
            double i = 0;  // [A/m2]
            if (st.kind == Step::Kind::current) {
                i = st.current.density_for(loading, cell.area, basis);
            } else if (st.kind == Step::Kind::power) {
                i = st.power / cell.area / 3.7;  // at a typical cathode potential
            } else if (st.kind == Step::Kind::voltage) {
                for (const Limit& l : st.limits)
                    if (l.kind == Limit::Kind::current) i = 10 * l.current.density_for(loading, cell.area, basis);
            }
            t = i > 0 && q > 0 ? q / i : 3600.0;  // unknown: an hour
        }
        est.push_back(std::isfinite(t) && t > 0 ? t : 0.0);
    }
    return est;
}


std::string run_title(const SimulationConfig& c) {
    const CellSpec& cell = c.cell;
    std::ostringstream os;
    os << std::setprecision(4);
    std::vector<std::string> parts;
    if (cell.has_cam) parts.push_back(cell.cam.name);
    parts.push_back(cell.electrolyte.name);
    if (cell.has_carbon) parts.push_back(cell.carbon.name);
    for (size_t i = 0; i < parts.size(); ++i) os << (i ? " | " : "") << parts[i];
    os << ", " << cell.temperature - 273.15 << " degC, " << cell.stack_pressure / 1e6 << " MPa";
    if (cell.has_cam) os << ", " << cell.loading * 100 << " mg/cm2";
    return os.str();
}

// ---------------------------------------------------------------------------------------

namespace {
// A config built in code (tests, fits) meets the ranges a config file must.
SimulationConfig validated(SimulationConfig c) {
    c.validate();
    return c;
}
}  // namespace

Simulation::Simulation(SimulationConfig config)
    : config_(validated(std::move(config))), model_(config_.cell, config_.mesh) {}

// The step loop and its pieces: run/runner.cpp.
RunResult Simulation::run(RunObserver* obs) { return run_protocol(config_, model_, stop_requested_, obs); }

RunResult Simulation::run(RunObserver* obs, const RunControl& control) {
    if (control.restart && !control.restart_checked) {
        const RunCheckpoint& ck = *control.restart;
        check_restart(ck, config_, model_, ck.source.empty() ? std::string("checkpoint") : ck.source);
    }
    return run_protocol(config_, model_, stop_requested_, obs, control);
}

}  // namespace ssbsim
