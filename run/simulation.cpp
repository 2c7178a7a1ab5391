#include "run/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "core/constants.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/resources.hpp"
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

namespace {
// output.max_file_size: "2 GB", "500 MB", "64 kB", "1 GiB" or a plain number of bytes.
double parse_file_size(const ConfigNode& n) {
    const std::string expected = "expected a file size such as \"2 GB\", \"500 MB\" or a number of bytes (at least 1 MB)";
    if (!n.is_scalar()) n.fail(expected);
    std::string text = n.string();
    std::istringstream is(text);
    double v = 0;
    std::string unit;
    if (!(is >> v)) n.fail(expected + ", not '" + text + "'");
    is >> unit;
    std::string rest;
    if (is >> rest) n.fail(expected + ", not '" + text + "'");
    static const std::pair<const char*, double> units[] = {
        {"", 1}, {"B", 1}, {"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
        {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}};
    double scale = 0;
    for (const auto& u : units)
        if (unit == u.first) scale = u.second;
    if (scale == 0) n.fail(expected + "; unknown unit '" + unit + "' (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)");
    double bytes = v * scale;
    if (!(bytes >= 1e6) || !std::isfinite(bytes)) n.fail(expected + ", not '" + text + "'");
    return bytes;
}
}  // namespace

SimulationConfig load_config(const ConfigNode& root, MaterialLibrary& lib) {
    if (!root.is_map()) root.fail("a config is a mapping with cell, protocol, ... at the top");
    root.allow_only({"name", "description", "materials", "cell", "chemistry", "mesh", "solver",
                     "protocol", "output"});
    SimulationConfig c;
    c.name = root.string("name", c.name);
    c.description = root.string("description", "");
    // User materials first: they may override library entries of the same name.
    if (root.has("materials")) {
        ConfigNode m = root["materials"];
        if (!m.is_sequence()) m.fail("expected a list of material mappings or file paths");
        for (size_t i = 0; i < m.size(); ++i) {
            ConfigNode item = m[i];
            if (item.is_scalar()) {
                std::string path = item.string();
                // Relative paths are relative to the config file that wrote them (a base
                // of `extends:` for an entry it holds).
                const std::string file = item.file_name();
                if (file.find('<') == std::string::npos) path = resolve_beside(file, path);
                try {
                    lib.add_file(path);
                } catch (const ConfigError& e) {
                    if (e.line() == 0) {
                        std::string why = e.what();
                        const auto colon = why.find(": ");
                        if (colon != std::string::npos) why = why.substr(colon + 2);
                        item.fail("material file '" + path + "': " + why);
                    }
                    throw;
                }
            } else {
                lib.add(item);
            }
        }
        c.materials = m.yaml();
    }
    c.cell = parse_cell(root.at("cell"), lib);
    c.cell.chemistry = parse_chemistry(root["chemistry"]);
    c.mesh = parse_mesh(root["mesh"]);
    if (root.has("solver")) {
        ConfigNode s = root["solver"];
        s.allow_only({"rtol", "atol", "max_step", "initial_step", "max_order",
                      "nonlinear_convergence_coefficient"});
        c.solver.rtol = s.in_range("rtol", s.number("rtol", c.solver.rtol), 1e-14, 0.1, "in [1e-14, 0.1]");
        c.solver.atol = s.in_range("atol", s.number("atol", c.solver.atol), 1e-16, 0.1, "in [1e-16, 0.1]");
        c.solver.max_step = s.quantity("max_step", dim::time, 0.0);
        c.solver.initial_step = s.quantity("initial_step", dim::time, 0.0);
        if (c.solver.max_step < 0) s.fail("max_step", "must be >= 0 (0: unlimited), such as \"1 h\"");
        if (c.solver.initial_step < 0) s.fail("initial_step", "must be >= 0 (0: IDA chooses)");
        c.solver.max_order = s.integer("max_order", 5);
        s.in_range("max_order", c.solver.max_order, 1, 5, "an integer from 1 to 5");
        c.solver.nonlinear_convergence_coefficient =
            s.in_range("nonlinear_convergence_coefficient",
                       s.number("nonlinear_convergence_coefficient", 0.33), 1e-3, 10.0, "in [0.001, 10]");
    }
    c.protocol = parse_protocol(root.at("protocol"));
    // Without an intercalating CAM the model has no equilibrium at zero current (there is no
    // double layer), so a rest is ill-posed; holds, ramps and currents are fine.
    if (!c.cell.has_cam || c.cell.cam.inert)
        for (const auto& st : c.protocol.steps)
            if (st.kind == Step::Kind::rest)
                throw ConfigError(st.source, st.line, "protocol.steps",
                                  "'" + st.label + "': a cell without an intercalating CAM cannot rest "
                                  "(no equilibrium at zero current); hold a potential instead");
    if (c.protocol.c_rate_basis <= 0) c.protocol.c_rate_basis = c.cell.cam.theoretical_capacity;
    for (const auto& s : c.protocol.steps)
        if (s.kind == Step::Kind::current && s.current.unit == CurrentSpec::Unit::c_rate &&
            !(c.protocol.c_rate_basis > 0))
            root.fail("protocol", "C-rates need protocol.c_rate_basis or a CAM theoretical_capacity");
    if (root.has("output")) {
        ConfigNode o = root["output"];
        o.allow_only({"file", "sample_interval", "profile_interval", "flush_interval", "max_file_size",
                      "max_samples_per_step", "max_profiles_per_step"});
        c.output.file = o.string("file", c.output.file);
        c.output.sample_interval = o.quantity("sample_interval", dim::time, 0.0);
        c.output.profile_interval = o.quantity("profile_interval", dim::time, c.output.profile_interval);
        c.output.flush_interval = o.quantity("flush_interval", dim::time, c.output.flush_interval);
        if (c.output.sample_interval < 0) o.fail("sample_interval", "must be >= 0");
        if (c.output.flush_interval < 0) o.fail("flush_interval", "must be >= 0");
        if (c.output.profile_interval < 0) o.fail("profile_interval", "must be >= 0");
        if (o.has("max_file_size")) c.output.max_file_size = parse_file_size(o["max_file_size"]);
        auto count = [&](const char* key, long fallback) {
            if (!o.has(key)) return fallback;
            double v = o.number(key);
            if (!(v >= 1 && v <= 1e15) || v != std::floor(v))
                o.fail(key, "expected a whole number of rows >= 1, such as 10000");
            return static_cast<long>(v);
        };
        c.output.max_samples_per_step = count("max_samples_per_step", c.output.max_samples_per_step);
        c.output.max_profiles_per_step = count("max_profiles_per_step", c.output.max_profiles_per_step);
    }
    check_output_budget(c, root.source() ? root.source()->name : "");
    return c;
}

std::string format_bytes(double b) {
    std::ostringstream os;
    os << std::setprecision(3);
    if (b >= 1e12) os << b / 1e12 << " TB";
    else if (b >= 1e9) os << b / 1e9 << " GB";
    else if (b >= 1e6) os << b / 1e6 << " MB";
    else if (b >= 1e3) os << b / 1e3 << " kB";
    else os << b << " B";
    return os.str();
}

OutputSizes output_sizes(const SimulationConfig& c) {
    OutputSizes z;
    const double nx = c.mesh.separator + c.mesh.cathode, nc = c.mesh.cathode, nr = c.mesh.particle;
    z.sample = 13 * 8 + 2 * 8;                        // 13 doubles, step and cycle
    z.profile = 8 * (1 + nx + 5 * nc + nc * nr);      // time, phi_e, phi_s, j, x_s, x_m, c_s
    z.step = 8 * 8 + 2 * 64;                          // numbers, label and reason strings
    // Attributes (the resolved config), grids, and the last, partly filled chunk of every
    // dataset (chunks are allocated whole: about 8 kB per time series, 16 profile rows).
    z.skeleton = 64e3 + 15 * 8192 + 16 * z.profile + 2 * 64 * 8 * 20;
    return z;
}

namespace {
// Seconds as the user would read them back.
std::string format_duration(double s) {
    std::ostringstream os;
    os << std::setprecision(3);
    if (s >= 3600) os << s / 3600 << " h";
    else os << s << " s";
    return os.str();
}
}  // namespace

void check_output_budget(const SimulationConfig& c, const std::string& file) {
    const OutputSpec& o = c.output;
    const OutputSizes z = output_sizes(c);
    double total = z.skeleton;
    double profiles_total = 0, samples_total = 0;
    int worst_line = 0;
    std::string worst_source;
    for (const Step& st : c.protocol.steps) {
        total += z.step;
        if (!(st.duration > 0)) continue;  // until a limit: bounded while the run goes
        const std::string where = st.source.empty() ? file : st.source;
        const double profiles = o.profile_interval > 0 ? std::floor(st.duration / o.profile_interval) + 1 : 0;
        // A step's own period ("(1 minute period)") replaces output.sample_interval.
        const double sample_interval = st.period > 0 ? st.period : o.sample_interval;
        const char* sample_key = st.period > 0 ? "period" : "output.sample_interval";
        const double samples = sample_interval > 0 ? std::floor(st.duration / sample_interval) + 2 : 0;
        if (profiles > o.max_profiles_per_step) {
            std::ostringstream os;
            os << std::setprecision(3) << "step '" << st.label << "' (" << format_duration(st.duration)
               << ") would write " << profiles << " spatial profiles, one every "
               << format_duration(o.profile_interval) << " (output.profile_interval), more than "
               << "output.max_profiles_per_step = " << o.max_profiles_per_step << " (about "
               << format_bytes(profiles * z.profile) << "): set output.profile_interval to at least "
               << format_duration(st.duration / o.max_profiles_per_step) << ", or 0 for no profiles, "
               << "or raise output.max_profiles_per_step";
            throw ConfigError(where, st.line, "output.profile_interval", os.str());
        }
        if (samples > o.max_samples_per_step) {
            std::ostringstream os;
            os << std::setprecision(3) << "step '" << st.label << "' (" << format_duration(st.duration)
               << ") would write " << samples << " time-series samples, one every "
               << format_duration(sample_interval) << " (" << sample_key << "), more than "
               << "output.max_samples_per_step = " << o.max_samples_per_step
               << ": set " << sample_key << " to at least "
               << format_duration(st.duration / o.max_samples_per_step)
               << (st.period > 0 ? "" : ", or 0 for one sample per solver step")
               << ", or raise output.max_samples_per_step";
            throw ConfigError(where, st.line, st.period > 0 ? "protocol.steps" : "output.sample_interval",
                              os.str());
        }
        profiles_total += profiles;
        samples_total += samples;
        total += profiles * z.profile + samples * z.sample;
        if (total > o.max_file_size && worst_line == 0) {
            worst_line = st.line;
            worst_source = where;
        }
    }
    if (total > o.max_file_size) {
        std::ostringstream os;
        os << std::setprecision(3) << "the protocol's timed steps alone would write about "
           << format_bytes(total) << " (" << samples_total << " samples, " << profiles_total
           << " spatial profiles; the limit is passed at this step), more than output.max_file_size = "
           << format_bytes(o.max_file_size)
           << ": raise output.max_file_size, or coarsen output.sample_interval or output.profile_interval";
        throw ConfigError(worst_source, worst_line, "output.max_file_size", os.str());
    }
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
        if (st.kind == Step::Kind::temperature) {
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

namespace {
YAML::Node emit_config_node(const SimulationConfig& c, bool with_steps) {
    YAML::Node n;
    n["name"] = c.name;
    if (!c.description.empty()) n["description"] = c.description;
    if (c.materials && c.materials.IsSequence() && c.materials.size() > 0) n["materials"] = c.materials;
    n["cell"] = emit_cell(c.cell);
    if (c.cell.chemistry.enabled) n["chemistry"] = emit_chemistry(c.cell.chemistry);
    n["mesh"] = emit_mesh(c.mesh);
    YAML::Node s;
    s["rtol"] = c.solver.rtol;
    s["atol"] = c.solver.atol;
    s["max_step"] = std::to_string(c.solver.max_step) + " s";
    s["initial_step"] = std::to_string(c.solver.initial_step) + " s";
    s["max_order"] = c.solver.max_order;
    s["nonlinear_convergence_coefficient"] = c.solver.nonlinear_convergence_coefficient;
    n["solver"] = s;
    n["protocol"] = emit_protocol(c.protocol, with_steps);
    YAML::Node o;
    o["file"] = c.output.file;
    o["sample_interval"] = std::to_string(c.output.sample_interval) + " s";
    o["profile_interval"] = std::to_string(c.output.profile_interval) + " s";
    o["flush_interval"] = std::to_string(c.output.flush_interval) + " s";
    o["max_file_size"] = c.output.max_file_size;
    o["max_samples_per_step"] = c.output.max_samples_per_step;
    o["max_profiles_per_step"] = c.output.max_profiles_per_step;
    n["output"] = o;
    return n;
}
}  // namespace

YAML::Node emit_config(const SimulationConfig& c) { return emit_config_node(c, true); }

std::string emit_config_text(const SimulationConfig& c) {
    // The text of `YAML::Emitter << emit_config(c)`, with the protocol's steps emitted one at a
    // time: a node tree of the whole (expanded) protocol costs ~3.5 kB per step in yaml-cpp,
    // 10 MB for a 1500-cycle protocol, which set the peak memory of long runs.
    const YAML::Node n = emit_config_node(c, false);
    YAML::Emitter em;
    em << YAML::BeginMap;
    for (const auto& kv : n) {
        em << YAML::Key << kv.first;
        if (kv.first.as<std::string>() != "protocol") {
            em << YAML::Value << kv.second;
            continue;
        }
        em << YAML::Value << YAML::BeginMap;
        for (const auto& p : kv.second) {
            em << YAML::Key << p.first << YAML::Value;
            if (p.first.as<std::string>() != "steps") {
                em << p.second;
                continue;
            }
            if (c.protocol.steps.empty()) {
                em << p.second;  // an empty sequence, as emit_config writes it
                continue;
            }
            em << YAML::BeginSeq;
            for (const auto& st : c.protocol.steps) em << emit_step(st);
            em << YAML::EndSeq;
        }
        em << YAML::EndMap;
    }
    em << YAML::EndMap;
    return em.c_str();
}

// ---------------------------------------------------------------------------------------

Simulation::Simulation(SimulationConfig config)
    : config_(std::move(config)), model_(config_.cell, config_.mesh) {}

// The step loop and its pieces: run/runner.cpp.
RunResult Simulation::run(RunObserver* obs) { return run_protocol(config_, model_, stop_requested_, obs); }

}  // namespace ssbsim
