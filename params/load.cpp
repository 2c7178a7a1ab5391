#include "params/load.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <utility>

#include "core/error.hpp"
#include "core/files.hpp"

namespace ssbsim {

void SimulationConfig::validate(const FieldError& fail) const {
    cell.validate(nested_fields(fail, "cell"));
    cell.chemistry.validate(nested_fields(fail, "chemistry"));
    mesh.validate(nested_fields(fail, "mesh"));
    validate_solver(solver, nested_fields(fail, "solver"));
    output.validate(nested_fields(fail, "output"));
    protocol.validate(nested_fields(fail, "protocol"));
    for (const Step& s : protocol.steps)
        if (s.kind == Step::Kind::current && s.current.unit == CurrentSpec::Unit::c_rate &&
            !(protocol.c_rate_basis > 0))
            fail("protocol.c_rate_basis", "C-rates need protocol.c_rate_basis > 0 [C/kg] (load_config "
                                          "takes the CAM theoretical capacity)");
}

namespace {
// User materials first: they may override library entries of the same name.
void add_user_materials(const ConfigNode& m, MaterialLibrary& lib) {
    if (!m.is_sequence()) m.fail("expected a list of material mappings or file paths");
    for (size_t i = 0; i < m.size(); ++i) {
        ConfigNode item = m[i];
        if (!item.is_scalar()) {
            lib.add(item);
            continue;
        }
        std::string path = item.string();
        // Relative to the config file that wrote it (a base of `extends:` for an entry it holds).
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
    }
}

// The protocol against the cell: rests need an equilibrium, C-rates a basis.
void check_protocol_for_cell(const ConfigNode& root, SimulationConfig& c) {
    // Without an intercalating CAM the model has no equilibrium at zero current (there is no
    // double layer), so a rest is ill-posed; holds, ramps and currents are fine.
    if (!c.cell.has_cam || c.cell.cam.inert)
        for (const auto& st : std::as_const(c.protocol.steps))  // const: no copies of shared steps
            if (st.kind == Step::Kind::rest)
                throw ConfigError(st.source, st.line, "protocol.steps",
                                  "'" + st.label + "': a cell without an intercalating CAM cannot rest "
                                  "(no equilibrium at zero current); hold a potential instead");
    if (c.protocol.c_rate_basis <= 0) c.protocol.c_rate_basis = c.cell.cam.theoretical_capacity;
    for (const auto& s : std::as_const(c.protocol.steps))
        if (s.kind == Step::Kind::current && s.current.unit == CurrentSpec::Unit::c_rate &&
            !(c.protocol.c_rate_basis > 0))
            root.fail("protocol", "C-rates need protocol.c_rate_basis or a CAM theoretical_capacity");
}
}  // namespace

SimulationConfig load_config(const ConfigNode& root, MaterialLibrary& lib) {
    if (!root.is_map()) root.fail("a config is a mapping with cell, protocol, ... at the top");
    root.allow_only({"name", "description", "materials", "cell", "chemistry", "mesh", "solver",
                     "protocol", "output"});
    SimulationConfig c;
    c.name = root.string("name", c.name);
    c.description = root.string("description", "");
    if (root.has("materials")) {
        add_user_materials(root["materials"], lib);
        c.materials = root["materials"].yaml();
    }
    c.cell = parse_cell(root.at("cell"), lib);
    c.cell.chemistry = parse_chemistry(root["chemistry"]);
    // The CAM's and carbon's own SE-oxidation kinetics over the chemistry section's, once,
    // so the model reads final kinetics (docs/config.md, "Site kinetics of materials").
    resolve_material_kinetics(c.cell);
    c.mesh = parse_mesh(root["mesh"]);
    if (root.has("solver")) c.solver = parse_solver(root["solver"]);
    c.protocol = parse_protocol(root.at("protocol"));
    check_protocol_for_cell(root, c);
    if (root.has("output")) c.output = parse_output(root["output"]);
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
    // 20 doubles (coating fracture's one, particle fracture's two, the rock-salt shell's two),
    // 6 rows of 3 (per site; io/schema.cpp), step and cycle.
    z.sample = (20 + 6 * 3) * 8 + 2 * 8;
    z.profile = 8 * (1 + nx + 5 * nc + nc * nr);      // time, phi_e, phi_s, j, x_s, x_m, c_s
    z.step = 8 * 8 + 2 * 64;                          // numbers, label and reason strings
    // Attributes (the resolved config), grids, and the last, partly filled chunk of every
    // dataset (chunks are allocated whole: about 8 kB per time series, 16 profile rows).
    z.skeleton = 64e3 + 19 * 8192 + 6 * 3 * 8192 + 16 * z.profile + 2 * 64 * 8 * 20;
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
}  // namespace ssbsim
