#include "run/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "core/constants.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/resources.hpp"

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

namespace {

constexpr double kSecondsPerHour = 3600.0;
constexpr int kMaxRestarts = 3;  // solver restarts per protocol step before giving up

double model_current_target(const CathodeP2D& m) { return m.control_value(); }

struct CycleAccumulator {
    CycleSummary s;
    bool seen_discharge = false;
    bool any = false;
    void add_step(double dq, double de) {
        any = true;
        if (dq > 0) s.charge_capacity += dq; else s.discharge_capacity -= dq;
        if (de > 0) s.charge_energy += de; else s.discharge_energy -= de;
    }
    CycleSummary finish() {
        s.coulombic_efficiency = s.charge_capacity > 0 ? s.discharge_capacity / s.charge_capacity : 0.0;
        s.energy_efficiency = s.charge_energy > 0 ? s.discharge_energy / s.charge_energy : 0.0;
        return s;
    }
};

}  // namespace

RunResult Simulation::run(RunObserver* obs) {
    RunResult result;
    CathodeP2D& model = model_;
    const CellSpec& cell = config_.cell;
    const int n = model.size();
    const double loading = cell.basis_loading();      // mass basis of capacities [kg/m2]
    const double to_mAh_g = 1.0 / (loading * 3600.0);  // C/m2 -> mAh/g
    const double to_mWh_g = 1.0 / (loading * 3600.0);  // J/m2 -> mWh/g

    std::vector<double> y(n), yp(n), ybuf(n);
    model.set_temperature(cell.temperature);
    model.set_control(ControlMode::rest, 0.0);
    model.initial_state(cell.initial_stoichiometry, y.data(), yp.data());
    const double li0 = model.lithium_in_solid(y.data());

    IdaIntegrator ida(model, config_.solver, 0.0, y.data(), yp.data());
    // Failure reports name potentials, currents and concentrations only: the charge and
    // energy passed, the ledger integrals and the chemistry tallies are book-keeping.
    ida.set_reported_components(model.reported_components());
    if (obs) obs->on_start(config_, model);

    // Output bounds (the timed steps were checked against them before the run).
    struct OutputLimit {
        std::string why;
    };
    const OutputSizes sizes = output_sizes(config_);
    double bytes_out = sizes.skeleton;
    long step_samples = 0, step_profiles = 0;
    auto spend = [&](bool profile) {
        const OutputSpec& o = config_.output;
        std::ostringstream os;
        os << std::setprecision(3);
        if (profile && ++step_profiles > o.max_profiles_per_step)
            os << "the step reached output.max_profiles_per_step = " << o.max_profiles_per_step
               << " spatial profiles (raise it, or coarsen output.profile_interval)";
        else if (!profile && ++step_samples > o.max_samples_per_step)
            os << "the step reached output.max_samples_per_step = " << o.max_samples_per_step
               << " samples (raise it, or set output.sample_interval)";
        else if (bytes_out + (profile ? sizes.profile : sizes.sample) > o.max_file_size)
            os << "the result file reached output.max_file_size = " << format_bytes(o.max_file_size)
               << " (raise it, or coarsen output.sample_interval or output.profile_interval)";
        else {
            bytes_out += profile ? sizes.profile : sizes.sample;
            return;
        }
        throw OutputLimit{os.str()};
    };

    const double shoulder_V = config_.protocol.shoulder_potential;
    double next_sample = 0.0, next_profile = 0.0;
    const double sample_dt = config_.output.sample_interval;
    const double profile_dt = config_.output.profile_interval;
    int cycle = 1;
    CycleAccumulator acc;
    acc.s.cycle = 1;
    // Ledger: cumulative charges and isolated-CAM deficit at the start of the cycle.
    const bool chem = model.chemistry();
    LedgerCharges ledger0;
    double deficit0 = 0.0;
    std::vector<double> c_ref;  // connected CAM concentration per cell at the cycle start
    auto snapshot_ledger = [&](const double* yy) {
        if (!chem) return;
        ledger0 = model.ledger(yy);
        c_ref = model.connected_concentration(yy);
        deficit0 = model.isolated_deficit(yy, c_ref);
    };
    snapshot_ledger(y.data());
    auto close_ledger = [&](CycleSummary& cs, const double* yy) {
        cs.dead_fraction = model.dead_fraction(yy);
        if (!chem) return;
        const LedgerCharges q = model.ledger(yy);
        auto d = [&](double now, double start) { return (now - start) * to_mAh_g; };
        auto& L = cs.ledger;
        cs.has_ledger = true;
        for (int s = 0; s < 3; ++s) {
            L.by_site_reversible[s] =
                d(q.ox_reversible[s], ledger0.ox_reversible[s]) + d(q.reduction[s], ledger0.reduction[s]);
            L.by_site_irreversible[s] = d(q.ox_irreversible[s], ledger0.ox_irreversible[s]);
            L.se_oxidation_reversible += L.by_site_reversible[s];
            L.se_oxidation_irreversible += L.by_site_irreversible[s];
            L.se_oxidation_charge += d(q.ox_reversible[s], ledger0.ox_reversible[s]) +
                                     d(q.ox_irreversible[s], ledger0.ox_irreversible[s]);
            L.se_reduction -= d(q.reduction[s], ledger0.reduction[s]);
        }
        // Lattice-oxygen-driven oxidation is irreversible and sits at the CAM surface.
        const double oxygen = d(q.lattice_oxygen, ledger0.lattice_oxygen);
        L.by_site_irreversible[2] += oxygen;
        L.se_oxidation_irreversible += oxygen;
        L.se_oxidation_charge += oxygen;
        L.other = d(q.pristine_reduction, ledger0.pristine_reduction);
        L.se_reduction -= L.other;
        // Lithium the newly isolated particles would hold had they returned to the cycle's
        // starting state; the rest of the intercalation gap is kinetic.
        L.cam_isolated = (model.isolated_deficit(yy, c_ref) - deficit0) * constants::F * to_mAh_g;
        L.cam_kinetic = d(q.intercalation, ledger0.intercalation) - L.cam_isolated;
    };
    double t = 0.0;

    auto make_sample = [&](double time, const double* yy, int step_index, double q_step0) {
        Sample s;
        s.time = time;
        const Observables o = model.observe(yy);
        s.potential = o.potential;
        s.cell_voltage = o.cell_voltage;
        s.current = o.current_density * cell.area;
        s.temperature = o.temperature;
        s.capacity = o.charge * to_mAh_g;
        s.step_capacity = (o.charge - q_step0) * to_mAh_g;
        s.mean_stoichiometry = o.mean_stoichiometry;
        s.dead_fraction = o.dead_fraction;
        s.contact = o.contact;
        s.film_resistance = o.film_resistance;
        s.se_oxidised = o.se_oxidised * to_mAh_g;
        s.step = step_index;
        s.cycle = cycle;
        return s;
    };
    // Spatial profiles on a fixed time grid, interpolated inside the last solver step
    // [t_prev, t_now] (IDA's dense output covers it).
    double last_profile = -1.0;
    auto emit_profiles = [&](double t_prev, double t_now) {
        if (!obs || profile_dt <= 0) return;
        while (next_profile <= t_now) {
            spend(true);
            ida.interpolate(std::max(next_profile, t_prev), ybuf.data());
            obs->on_profile(next_profile, model, ybuf.data());
            last_profile = next_profile;
            next_profile += profile_dt;
        }
    };

    // Consistent initial conditions for a step's control. Newton from the previous state
    // can miss when the new control is far from it (a large current, or a hold far from the
    // present potential); then the control is approached by continuation from the previous
    // state, and a charge or discharge whose potential passes the step's voltage limit on
    // the way ends at once ("met at start"). Failures are told in terms of the cell.
    const double one_c = config_.protocol.c_rate_basis * loading / kSecondsPerHour;  // [A/m2]
    auto start_step = [&](const Step& st, double t0, double horizon, double i_set,
                          const std::vector<double>& y0, const std::vector<double>& yp0,
                          std::string& met) {
        const double t_ic = t0 + 1e-4 * horizon;
        auto try_ic = [&](const double* ya, const double* ypa) {
            ida.reinit(t0, ya, ypa);
            try {
                ida.calc_ic(t_ic);
                return true;
            } catch (const SolverError&) {
                return false;
            }
        };
        if (try_ic(y0.data(), yp0.data())) return;
        const bool cur = st.kind == Step::Kind::current;
        if (cur) {
            // The uniform electrode potential that carries the requested current.
            std::vector<double> ys(y0), yps(yp0);
            model.shift_to_current(ys.data(), yps.data(), model_current_target(model));
            if (try_ic(ys.data(), yps.data())) return;
        }
        if (!cur && st.kind != Step::Kind::voltage) {
            ida.reinit(t0, y0.data(), yp0.data());
            ida.calc_ic(t_ic);  // throws the solver's own message
            return;
        }
        const double rate = st.ramp && st.duration > 0 ? (st.ramp_end - st.voltage) / st.duration : 0.0;
        const double from = cur ? model.current_density(y0.data()) : model.potential_vs_li(y0.data());
        const double to = cur ? i_set : st.voltage;
        auto apply = [&](double f) {
            if (cur) model.set_control(ControlMode::current, from + f * (to - from));
            else model.set_control(ControlMode::voltage, from + f * (to - from), f >= 1 ? rate : 0.0, t0);
        };
        auto describe_current = [&](double i) {
            std::ostringstream os;
            os << std::setprecision(3);
            if (one_c > 0) os << std::fabs(i) / one_c << "C (" << std::fabs(i) * 0.1 << " mA/cm2)";
            else os << std::fabs(i) * 0.1 << " mA/cm2";
            return os.str();
        };
        std::vector<double> yg(y0), ypg(yp0);
        double f = 0, df = 1.0 / 16;
        while (f < 1) {
            const double ft = std::min(1.0, f + df);
            apply(ft);
            ida.reinit(t0, yg.data(), ypg.data());
            try {
                ida.calc_ic(t_ic);
            } catch (const SolverError&) {
                df *= 0.25;
                if (df < 1e-4) break;
                continue;
            }
            std::copy(ida.y(), ida.y() + n, yg.begin());
            std::copy(ida.yp(), ida.yp() + n, ypg.begin());
            f = ft;
            df = std::min(0.25, 2 * df);
            if (!cur) continue;
            const double v = model.potential_vs_li(yg.data());
            for (const Limit& l : st.limits)
                if (l.kind == Limit::Kind::voltage && (st.direction >= 0 ? v >= l.value : v <= l.value)) {
                    // At fixed concentrations the potential moves monotonically with the
                    // current: with the full current it would pass the limit at once.
                    apply(1.0);
                    ida.reinit(t0, y0.data(), yp0.data());  // the step ends where it began
                    std::ostringstream os;
                    os << std::setprecision(3) << "limit " << l.text << " met at start: the cathode cannot carry "
                       << describe_current(to) << " at t = " << t0 / kSecondsPerHour
                       << " h, its potential would pass " << l.value << " V at once (" << v
                       << " V vs Li/Li+ already at " << describe_current(from + ft * (to - from)) << ")";
                    met = os.str();
                    return;
                }
        }
        if (f >= 1) return;  // consistent at the step's own control
        apply(1.0);
        ida.reinit(t0, y0.data(), yp0.data());
        std::ostringstream os;
        os << std::setprecision(3);
        const double reached = from + f * (to - from);
        if (cur) {
            os << "the cathode cannot carry " << describe_current(to) << " at t = " << t0 / kSecondsPerHour
               << " h: no consistent state of the electrode was found beyond " << describe_current(reached)
               << ", where its potential is " << model.potential_vs_li(yg.data())
               << " V vs Li/Li+ (lower the current, or reach it in smaller steps)";
        } else {
            os << "the cathode cannot be brought from " << from << " V to " << to << " V vs Li/Li+ at t = "
               << t0 / kSecondsPerHour << " h: no consistent state of the electrode was found beyond "
               << reached << " V, where the current is already " << describe_current(model.current_density(yg.data()))
               << " (approach the potential with a ramp or a current step)";
        }
        throw SolverError(os.str());
    };

    const auto& steps = config_.protocol.steps;
    int step_index = 0;
    try {
        for (step_index = 0; step_index < static_cast<int>(steps.size()); ++step_index) {
            const Step& st = steps[step_index];
            if (stop_requested_) throw Error("interrupted");
            // Cycle boundary: a charge after a discharge starts a new cycle.
            if (st.direction > 0 && acc.seen_discharge) {
                CycleSummary cs = acc.finish();
                close_ledger(cs, y.data());
                snapshot_ledger(y.data());
                result.cycles.push_back(cs);
                if (obs) obs->on_cycle(cs);
                acc = CycleAccumulator();
                acc.s.cycle = ++cycle;
            }
            if (st.direction < 0) acc.seen_discharge = true;

            StepSummary ss;
            ss.index = step_index;
            ss.cycle = cycle;
            ss.label = st.label;
            ss.start_time = t;
            const double q0 = model.charge_passed(y.data()), e0 = model.energy_passed(y.data());

            if (st.kind == Step::Kind::temperature) {
                model.set_temperature(st.temperature);
                ss.end_time = t;
                ss.end_reason = "temperature set";
                ss.end_potential = model.potential_vs_li(y.data());
                result.steps.push_back(ss);
                if (obs) obs->on_step(ss);
                continue;
            }
            // Control for this step.
            double i_set = 0.0;
            switch (st.kind) {
                case Step::Kind::current:
                    i_set = st.direction *
                            st.current.density_for(loading, cell.area, config_.protocol.c_rate_basis);
                    model.set_control(ControlMode::current, i_set);
                    break;
                case Step::Kind::voltage:
                    model.set_control(ControlMode::voltage, st.voltage,
                                      st.ramp ? (st.ramp_end - st.voltage) / st.duration : 0.0, t);
                    break;
                case Step::Kind::power:
                    model.set_control(ControlMode::power, st.direction * st.power / cell.area);
                    break;
                default: model.set_control(ControlMode::rest, 0.0); break;
            }
            // Event functions: terminating limits, then the shoulder crossing.
            struct Event {
                Limit::Kind kind;
                double sign, value;
            };
            std::vector<Event> events;
            for (const auto& l : st.limits) {
                Event ev{l.kind, 1.0, l.value};
                if (l.kind == Limit::Kind::voltage) {
                    // Charge stops rising through the limit, discharge falling through it.
                    ev.sign = st.direction >= 0 ? 1.0 : -1.0;
                } else if (l.kind == Limit::Kind::current) {
                    ev.value = l.current.density_for(loading, cell.area, config_.protocol.c_rate_basis);
                } else {
                    ev.value = l.capacity_absolute ? l.value / cell.area : l.value * loading;
                }
                events.push_back(ev);
            }
            const bool track_shoulder = st.direction > 0;
            const int n_term = static_cast<int>(events.size());
            // The shoulder event fires once per charge step; afterwards its function is held
            // constant so a potential hovering at the threshold cannot retrigger it.
            bool shoulder_done = false;
            auto root_fn = [&, q0](double, const double* yy, const double*, double* g) {
                for (int k = 0; k < n_term; ++k) {
                    const Event& ev = events[k];
                    switch (ev.kind) {
                        case Limit::Kind::voltage:
                            g[k] = ev.sign * (model.potential_vs_li(yy) - ev.value);
                            break;
                        case Limit::Kind::current:
                            g[k] = ev.value - std::fabs(model.current_density(yy));
                            break;
                        case Limit::Kind::capacity:
                            g[k] = std::fabs(model.charge_passed(yy) - q0) - ev.value;
                            break;
                    }
                }
                if (track_shoulder) g[n_term] = shoulder_done ? 1.0 : model.potential_vs_li(yy) - shoulder_V;
            };

            // Restart IDA with consistent initial conditions for the new control.
            const double horizon = st.duration > 0 ? st.duration : kSecondsPerHour;
            std::string met_at_start;  // a limit passed on the way to the new control
            start_step(st, t, horizon, i_set, y, yp, met_at_start);
            std::copy(ida.y(), ida.y() + n, y.begin());
            std::copy(ida.yp(), ida.yp() + n, yp.begin());
            ida.set_roots(n_term + (track_shoulder ? 1 : 0), root_fn);
            const double t_end = st.duration > 0 ? t + st.duration : 0.0;
            if (st.duration > 0) ida.set_stop_time(t_end);
            else ida.clear_stop_time();

            // Limits already met at the start end the step at once.
            std::vector<double> g0(n_term + 1, 0.0);
            root_fn(t, y.data(), yp.data(), g0.data());
            bool ended = false;
            if (!met_at_start.empty()) {
                ended = true;
                ss.end_reason = met_at_start;
            }
            for (int k = 0; k < n_term && !ended; ++k)
                if (g0[k] >= 0) {
                    ended = true;
                    ss.end_reason = "limit " + st.limits[k].text + " met at start";
                }
            bool shoulder_active = track_shoulder && g0[n_term] < 0;
            if (track_shoulder && !shoulder_active) shoulder_done = true;
            double q_shoulder0 = q0;
            step_samples = step_profiles = 0;
            if (obs) {
                Sample s0 = make_sample(t, y.data(), step_index, q0);
                spend(false);
                obs->on_sample(s0);
                if (profile_dt > 0 && next_profile <= t) {
                    spend(true);
                    obs->on_profile(t, model, y.data());
                    last_profile = t;
                    next_profile = t + profile_dt;
                }
            }
            const double step_dt = st.period > 0 ? st.period : sample_dt;
            next_sample = t + step_dt;
            int restarts = 0;
            while (!ended) {
                if (stop_requested_) throw Error("interrupted");
                double t_prev = ida.time();
                IdaIntegrator::Result r;
                try {
                    r = ida.step(st.duration > 0 ? t_end : t + 1e10);
                } catch (const SolverError&) {
                    // A convergence failure at a kink of the material functions often
                    // passes after a restart at order 1 with a fresh Jacobian from the last
                    // good state; give up after a few.
                    if (++restarts > kMaxRestarts) throw;
                    std::copy(ida.y(), ida.y() + n, ybuf.begin());
                    std::vector<double> yp_last(ida.yp(), ida.yp() + n);
                    ida.reinit(t_prev, ybuf.data(), yp_last.data());
                    ida.calc_ic(t_prev + 1e-6 * horizon);
                    ida.set_roots(n_term + (track_shoulder ? 1 : 0), root_fn);
                    if (st.duration > 0) ida.set_stop_time(t_end);
                    continue;
                }
                double tn = ida.time();
                bool step_done = false;
                if (r == IdaIntegrator::Result::stop_time) {
                    step_done = true;
                    ss.end_reason = "duration";
                } else if (r == IdaIntegrator::Result::root) {
                    auto info = ida.roots_found();
                    for (int k = 0; k < n_term; ++k)
                        if (info[k] != 0) {
                            step_done = true;
                            ss.end_reason = "limit " + st.limits[k].text;
                        }
                    if (track_shoulder && info[n_term] > 0 && shoulder_active) {
                        acc.s.shoulder_capacity += (model.charge_passed(ida.y()) - q_shoulder0) * to_mAh_g;
                        shoulder_active = false;
                        shoulder_done = true;
                    }
                }
                // Output.
                if (obs) {
                    if (step_dt > 0) {
                        while (next_sample < tn) {
                            if (next_sample > t_prev) {
                                spend(false);
                                ida.interpolate(next_sample, ybuf.data());
                                obs->on_sample(make_sample(next_sample, ybuf.data(), step_index, q0));
                            }
                            next_sample += step_dt;
                        }
                        if (step_done) {
                            spend(false);
                            obs->on_sample(make_sample(tn, ida.y(), step_index, q0));
                        }
                    } else {
                        spend(false);
                        obs->on_sample(make_sample(tn, ida.y(), step_index, q0));
                    }
                    emit_profiles(t_prev, tn);
                }
                if (step_done) break;
            }
            t = ida.time();
            std::copy(ida.y(), ida.y() + n, y.begin());
            std::copy(ida.yp(), ida.yp() + n, yp.begin());
            if (shoulder_active) acc.s.shoulder_capacity += (model.charge_passed(y.data()) - q_shoulder0) * to_mAh_g;
            ss.end_time = t;
            ss.capacity = (model.charge_passed(y.data()) - q0) * to_mAh_g;
            ss.energy = (model.energy_passed(y.data()) - e0) * to_mWh_g;
            ss.end_potential = model.potential_vs_li(y.data());
            ss.end_current = model.current_density(y.data()) * cell.area;
            acc.add_step(ss.capacity, ss.energy);
            bytes_out += sizes.step;
            result.steps.push_back(ss);
            if (obs) obs->on_step(ss);
        }
        // The final state, when the grid did not land on it.
        if (obs && profile_dt > 0 && last_profile < t) {
            step_profiles = 0;  // one row beyond the last step's bound
            try {
                spend(true);
                obs->on_profile(t, model, y.data());
            } catch (const OutputLimit&) {
                // The protocol is complete; only the final profile does not fit.
            }
        }
        result.status = RunStatus::complete;
    } catch (const SolverError& e) {
        std::ostringstream os;
        os << "solver failed at t = " << ida.time() << " s (" << ida.time() / 3600.0 << " h), step "
           << step_index + 1 << " '" << (step_index < (int)steps.size() ? steps[step_index].label : "")
           << "', cycle " << cycle << ": " << e.what();
        result.status = RunStatus::failed;
        result.message = os.str();
        std::copy(ida.y(), ida.y() + n, y.begin());
        t = ida.time();
    } catch (const OutputLimit& e) {
        std::ostringstream os;
        os << "output limit reached at t = " << ida.time() << " s (" << ida.time() / 3600.0
           << " h), step " << step_index + 1 << " '"
           << (step_index < (int)steps.size() ? steps[step_index].label : "") << "', cycle " << cycle
           << ": " << e.why << "; the run stopped there and the file holds everything up to it";
        result.status = RunStatus::output_limit;
        result.message = os.str();
        std::copy(ida.y(), ida.y() + n, y.begin());
        t = ida.time();
    } catch (const Error& e) {
        if (std::string(e.what()) != "interrupted") throw;
        std::ostringstream os;
        os << "interrupted at t = " << ida.time() << " s, step " << step_index + 1;
        result.status = RunStatus::interrupted;
        result.message = os.str();
        std::copy(ida.y(), ida.y() + n, y.begin());
        t = ida.time();
    }
    if (acc.any) {
        CycleSummary cs = acc.finish();
        close_ledger(cs, y.data());
        result.cycles.push_back(cs);
        if (obs) obs->on_cycle(cs);
    }
    result.final_time = t;
    result.stats = ida.stats();
    // Lithium leaving the CAM is the intercalation charge (all of Q without side reactions).
    double q_int = model.intercalation_charge(y.data());
    double li = model.lithium_in_solid(y.data()) + q_int / constants::F;
    result.lithium_balance_error = li0 > 0 ? std::fabs(li - li0) / li0 : 0.0;
    if (obs) obs->on_finish(result);
    return result;
}

}  // namespace ssbsim
