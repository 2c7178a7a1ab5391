#include "params/fit_spec.hpp"

#include <cmath>
#include <optional>

#include <yaml-cpp/yaml.h>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/format.hpp"
#include "core/text.hpp"
#include "core/units.hpp"
#include "params/materials.hpp"
#include "params/yaml_text.hpp"

namespace ssbsim {

namespace {

constexpr double kUnset = std::numeric_limits<double>::quiet_NaN();

// Value of `text` ("1.5e-8 A/m2", "0.27") expressed in `unit`.
double in_unit(const std::string& text, const std::string& unit) {
    units::Quantity q = units::parse(text);
    if (unit.empty()) {
        if (q.dimension != units::dim::dimensionless)
            throw std::invalid_argument("'" + text + "' has a unit; give the parameter a unit: key");
        return q.value;
    }
    if (unit == "degC") return q.value - 273.15;
    units::Quantity u = units::parse("1 " + unit);
    bool bare = text.find_first_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ%") == std::string::npos ||
                q.dimension == units::dim::dimensionless;
    if (bare) return q.value;  // a bare number is in the parameter's unit
    if (q.dimension != u.dimension)
        throw std::invalid_argument("'" + text + "' is not in units of " + unit);
    return q.value / u.value;
}

// Ten digits, as the fitted config and the report give values.
std::string with_unit(double v, const std::string& unit) { return format_quantity(v, unit, 10); }

// A list of "key.path=value" overrides at `key` (absent: none).
std::vector<std::string> overrides_at(const ConfigNode& n, const std::string& key) {
    std::vector<std::string> out;
    if (!n.has(key)) return out;
    ConfigNode l = n[key];
    if (!l.is_sequence()) l.fail("expected a list of overrides such as [\"solver.rtol=1e-7\"]");
    for (std::size_t i = 0; i < l.size(); ++i) {
        std::string v = l[i].string();
        if (v.find('=') == std::string::npos) l[i].fail("expected key.path=value");
        out.push_back(v);
    }
    return out;
}

// The parameter's initial value: given, or the base config's value at its key.
double initial_value(const ConfigNode& p, const FitParameter& fp, const ConfigNode& base_node,
                     const std::string& config) {
    if (p.has("initial")) {
        try {
            return in_unit(p["initial"].string(), fp.unit);
        } catch (const std::invalid_argument& e) {
            p["initial"].fail(std::string("initial value: ") + e.what());
        }
    }
    const ResolvedKey r = resolve_material_key(base_node, fp.key);
    const std::optional<std::string> v = scalar_at(r.config, r.key);
    if (!v)
        p.fail("key", "'" + fp.key + "' is not a value in the config " + config +
                          "; give an initial value or a key path that exists there");
    try {
        return in_unit(*v, fp.unit);
    } catch (const std::invalid_argument& e) {
        p.fail("key", "the config's value of '" + fp.key + "': " + e.what());
    }
    return kUnset;
}

FitParameter read_parameter(const ConfigNode& p, const ConfigNode& base_node, const std::string& config) {
    p.allow_only({"key", "unit", "initial", "bounds", "scale"});
    FitParameter fp;
    fp.key = p.string("key");
    fp.unit = p.string("unit", "");
    fp.line = p.line();
    if (!fp.unit.empty()) {
        try {
            if (fp.unit != "degC") units::parse("1 " + fp.unit);
        } catch (const std::invalid_argument& e) {
            p.fail("unit", std::string(e.what()));
        }
    }
    auto value = [&](const ConfigNode& n, const std::string& what) {
        try {
            return in_unit(n.string(), fp.unit);
        } catch (const std::invalid_argument& e) {
            n.fail(what + ": " + e.what());
        }
        return kUnset;
    };
    fp.initial = initial_value(p, fp, base_node, config);
    ConfigNode b = p.at("bounds");
    if (!b.is_sequence() || b.size() != 2) b.fail("expected [lower, upper]");
    fp.lower = value(b[0], "lower bound");
    fp.upper = value(b[1], "upper bound");
    if (!(fp.lower < fp.upper)) b.fail("the lower bound must be below the upper bound");
    std::string scale = p.string("scale", fp.lower > 0 ? "log" : "linear");
    if (scale != "log" && scale != "linear") p.fail("scale", "expected log or linear");
    fp.log = scale == "log";
    if (fp.log && fp.lower <= 0) b.fail("a log-scaled parameter needs positive bounds");
    if (!(fp.initial >= fp.lower && fp.initial <= fp.upper))
        p.fail(p.has("initial") ? "initial" : "key",
               "initial value " + with_unit(fp.initial, fp.unit) + " is outside the bounds");
    return fp;
}

FitDataset read_dataset(const ConfigNode& d, const std::string& path, const FitSpec& s,
                        const std::function<bool(const std::string&)>& known_metric) {
    d.allow_only({"data", "config", "set", "metrics", "sigma", "weight", "curve_sigma", "mass",
                  "format", "current_sign", "reference", "spectrum", "spectrum_sigma"});
    FitDataset fd;
    fd.line = d.line();
    fd.data = resolve_beside(path, d.string("data"));
    fd.config = d.has("config") ? resolve_beside(path, d.string("config")) : s.config;
    fd.set = overrides_at(d, "set");
    if (d.has("metrics")) {
        ConfigNode m = d["metrics"];
        if (!m.is_sequence()) m.fail("expected a list of metric names");
        for (std::size_t k = 0; k < m.size(); ++k) {
            std::string name = m[k].string();
            if (!known_metric(name))
                m[k].fail("unknown metric '" + name + "'; known: charge_capacity, discharge_capacity, "
                          "coulombic_efficiency, energy_efficiency, shoulder_capacity, retention, fade, "
                          "se_oxidation_share, se_reversibility, cam_kinetic_share, ...");
            fd.metrics.push_back(name);
        }
    }
    if (d.has("sigma")) {
        ConfigNode sg = d["sigma"];
        if (!sg.is_map()) sg.fail("expected a mapping metric: sigma");
        for (const auto& k : sg.keys()) fd.sigma[k] = sg.number(k);
    }
    fd.weight = d.number("weight", 1.0);
    if (!(fd.weight > 0)) d.fail("weight", "must be > 0");
    fd.curve_sigma = d.quantity("curve_sigma", units::dim::voltage, 0.005);
    fd.import.mass = d.quantity("mass", units::dim::mass, 0.0);
    fd.import.format = d.string("format", "auto");
    fd.import.current_sign = d.integer("current_sign", 1);
    // What the record's potentials refer to, as `validate --reference`: a cell-voltage record
    // (against the config's counter electrode) is compared as such.
    fd.import.reference = d.string("reference", "auto");
    if (fd.import.reference != "auto" && fd.import.reference != "cell" && fd.import.reference != "li")
        d.fail("reference", "expected auto, cell (cell voltages) or li (vs Li/Li+), not '" + fd.import.reference + "'");
    fd.spectrum_given = d.has("spectrum");
    fd.spectrum_line = fd.spectrum_given ? d["spectrum"].line() : fd.line;
    if (fd.spectrum_given && !(d["spectrum"].is_scalar() && lower(d["spectrum"].string()) == "last")) {
        fd.spectrum = d.integer("spectrum", 0);
        if (fd.spectrum < 1) d.fail("spectrum", "expected the number of the run's spectrum (1 = the first EIS step's) or 'last'");
    }
    fd.spectrum_sigma = d.number("spectrum_sigma", 0.01);
    if (!(fd.spectrum_sigma > 0) || !std::isfinite(fd.spectrum_sigma))
        d.fail("spectrum_sigma", "must be a relative sigma > 0 (0.01: 1 % of |Z|)");
    return fd;
}

void read_solver(const ConfigNode& so, FitSpec& s) {
    so.allow_only({"max_iterations", "jobs", "relative_step", "function_tolerance"});
    s.max_iterations = so.integer("max_iterations", s.max_iterations);
    s.jobs = so.integer("jobs", 0);
    s.relative_step = so.in_range("relative_step", so.number("relative_step", s.relative_step), 1e-8, 0.1,
                                  "in [1e-8, 0.1]");
    s.function_tolerance = so.number("function_tolerance", s.function_tolerance);
}

}  // namespace

ResolvedKey resolve_material_key(const ConfigNode& config, const std::string& key) {
    const std::string prefix = "materials.";
    if (key.rfind(prefix, 0) != 0) return {config, key};
    const std::size_t dot = key.find('.', prefix.size());
    const std::string name = key.substr(prefix.size(), dot == std::string::npos ? dot : dot - prefix.size());
    if (name.empty() || name.find_first_not_of("0123456789") == std::string::npos) return {config, key};
    const std::string rest = dot == std::string::npos ? "" : key.substr(dot);
    std::size_t n = 0;
    if (config.has("materials") && config["materials"].is_sequence()) {
        const ConfigNode list = config["materials"];
        n = list.size();
        for (std::size_t i = 0; i < n; ++i)
            if (list[i].is_map() && list[i].has("name") && list[i]["name"].string() == name)
                return {config, prefix + std::to_string(i) + rest};
    }
    MaterialLibrary lib;
    if (!lib.has(name)) return {config, key};
    for (const auto& d : lib.definitions()) {
        if (d.name != name) continue;
        // The list in block style: nodes read from block text keep that style in flow output.
        YAML::Node list(YAML::NodeType::Sequence);
        for (std::size_t i = 0; i < n; ++i) list.push_back(YAML::Clone(config["materials"][i].yaml()));
        list.push_back(YAML::Load(d.text));
        YAML::Emitter em;
        em << YAML::Block << list;
        return {config.with_overrides({std::string("materials=") + em.c_str()}), prefix + std::to_string(n) + rest};
    }
    return {config, key};
}

FitSpec load_fit(const std::string& path, const std::function<bool(const std::string&)>& known_metric) {
    FitSpec s;
    s.file = path;
    ConfigNode root = ConfigNode::load_file(path);
    root.allow_only({"fit"});
    ConfigNode f = root.at("fit");
    f.allow_only({"name", "config", "set", "parameters", "datasets", "solver", "output", "report"});
    s.name = f.string("name", file_stem(path));
    s.config = resolve_beside(path, f.string("config"));
    s.set = overrides_at(f, "set");
    ConfigNode base_node;
    try {
        base_node = ConfigNode::load_file(s.config).with_overrides(s.set);
    } catch (const ConfigError& e) {
        if (e.line() == 0 && e.key().empty()) f.fail("config", "cannot read the config '" + s.config + "'");
        throw;
    }
    ConfigNode params = f.at("parameters");
    if (!params.is_sequence() || params.size() == 0) params.fail("expected a list of parameters to fit");
    for (std::size_t i = 0; i < params.size(); ++i) s.parameters.push_back(read_parameter(params[i], base_node, s.config));
    ConfigNode ds = f.at("datasets");
    if (!ds.is_sequence() || ds.size() == 0) ds.fail("expected a list of datasets");
    for (std::size_t i = 0; i < ds.size(); ++i) s.datasets.push_back(read_dataset(ds[i], path, s, known_metric));
    if (f.has("solver")) read_solver(f["solver"], s);
    s.output = resolve_beside(path, f.string("output", file_stem(path) + "_fitted.yaml"));
    s.report = resolve_beside(path, f.string("report", file_stem(path) + "_report.json"));
    return s;
}

}  // namespace ssbsim
