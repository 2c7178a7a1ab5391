#include "params/sweep_spec.hpp"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/format.hpp"
#include "core/units.hpp"
#include "params/yaml_text.hpp"

namespace ssbsim {

namespace {

// A value as YAML for apply_override: flow collections stay as they are, anything else
// becomes a quoted scalar so "30 degC" or a step string cannot be misread.
std::string yaml_value(const std::string& v) {
    if (!v.empty() && (v.front() == '[' || v.front() == '{')) return v;
    std::string out = "\"";
    for (char ch : v) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
    }
    return out + "\"";
}

// A path that must name a readable regular file (a directory or a device would be read
// as an endless or failing stream); "" when fine, else what it is instead.
std::string not_a_regular_file(const std::string& path) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return std::string("cannot read it: ") + std::strerror(errno);
    if (S_ISDIR(st.st_mode)) return "it is a directory";
    if (!S_ISREG(st.st_mode)) return "it is not a regular file";
    return "";
}

std::vector<std::string> read_values(const ConfigNode& p) {
    std::vector<std::string> out;
    bool has_values = p.has("values"), has_range = p.has("range");
    if (has_values == has_range)
        p.fail("give exactly one of 'values' (a list) and 'range' ({from, to, num, scale})");
    if (has_values) {
        ConfigNode v = p["values"];
        if (!v.is_sequence() || v.size() == 0) v.fail("expected a non-empty list of values");
        for (size_t i = 0; i < v.size(); ++i) {
            if (v[i].is_scalar()) {
                out.push_back(v[i].string());
            } else {
                out.push_back(flow_text(v[i]));
            }
        }
        return out;
    }
    ConfigNode r = p["range"];
    r.allow_only({"from", "to", "num", "scale"});
    units::Quantity a, b;
    try {
        a = units::parse(r.string("from"));
        b = units::parse(r.string("to"));
    } catch (const std::invalid_argument& e) {
        r.fail(e.what());
    }
    if (a.dimension != b.dimension) r.fail("'from' and 'to' must have the same unit dimension");
    int num = r.integer("num", 5);
    r.in_range("num", num, 2, 100000, "an integer from 2 to 100000");
    std::string scale = r.string("scale", "linear");
    if (scale != "linear" && scale != "log") r.fail("scale", "expected 'linear' or 'log'");
    if (scale == "log" && !(a.value > 0 && b.value > 0)) r.fail("a log range needs positive ends");
    // Range values are bare SI numbers (configs read a bare number as SI).
    for (int k = 0; k < num; ++k) {
        double f = static_cast<double>(k) / (num - 1);
        double v = scale == "log" ? a.value * std::pow(b.value / a.value, f) : a.value + f * (b.value - a.value);
        out.push_back(format_number(v, 10));
    }
    return out;
}

std::string expand(const SweepParameter& p, const std::string& value) {
    if (p.value_template.empty()) return value;
    std::string out = p.value_template;
    auto pos = out.find("{}");
    return out.replace(pos, 2, value);
}

// The sweep's base config: beside the sweep file, a readable regular file, canonical.
std::string read_base(const ConfigNode& root, const std::string& path) {
    std::string base = resolve_beside(path, root.string("base"));
    std::string why = not_a_regular_file(base);
    std::ifstream test(base);
    if (!why.empty() || !test)
        root.fail("base", "cannot use '" + base + "' as the base config: " + (why.empty() ? "cannot read it" : why) +
                              "; expected the path of a config file (YAML), absolute or relative to the sweep file");
    char canonical[PATH_MAX];
    if (realpath(base.c_str(), canonical)) base = canonical;  // one spelling per file
    return base;
}

std::vector<std::string> read_fixed(const ConfigNode& root) {
    std::vector<std::string> fixed;
    if (!root.has("set")) return fixed;
    ConfigNode set = root["set"];
    if (!set.is_sequence()) set.fail("expected a list of \"key.path=value\" strings");
    for (size_t i = 0; i < set.size(); ++i) {
        std::string a = set[i].string();
        if (a.find('=') == std::string::npos) set[i].fail("expected \"key.path=value\"");
        fixed.push_back(a);
    }
    return fixed;
}

std::vector<SweepParameter> read_parameters(const ConfigNode& params) {
    if (!params.is_sequence() || params.size() == 0)
        params.fail("expected a list of {key, values | range, template}");
    std::vector<SweepParameter> out;
    for (size_t i = 0; i < params.size(); ++i) {
        ConfigNode p = params[i];
        p.allow_only({"key", "values", "range", "template"});
        SweepParameter sp;
        sp.key = p.string("key");
        sp.value_template = p.string("template", "");
        if (!sp.value_template.empty() && sp.value_template.find("{}") == std::string::npos)
            p.fail("template", "a template needs a {} where the value goes");
        sp.values = read_values(p);
        out.push_back(sp);
    }
    return out;
}

// The value index of every parameter for every case: grid = all combinations (last
// parameter fastest), zip = lists in lockstep. Errors are reported at `params`.
std::vector<std::vector<size_t>> combinations(const SweepSpec& s, const ConfigNode& params) {
    const size_t np = s.parameters.size();
    std::vector<std::vector<size_t>> combos;
    if (s.zip) {
        size_t n = s.parameters[0].values.size();
        for (const auto& p : s.parameters)
            if (p.values.size() != n)
                params.fail("with combine: zip every parameter needs the same number of values");
        for (size_t k = 0; k < n; ++k) combos.push_back(std::vector<size_t>(np, k));
        return combos;
    }
    size_t total = 1;
    for (const auto& p : s.parameters) total *= p.values.size();
    if (total > 1000000) params.fail("the grid has more than a million cases");
    for (size_t k = 0; k < total; ++k) {
        std::vector<size_t> idx(np);
        size_t rest = k;
        for (size_t j = np; j-- > 0;) {
            idx[j] = rest % s.parameters[j].values.size();
            rest /= s.parameters[j].values.size();
        }
        combos.push_back(idx);
    }
    return combos;
}

}  // namespace

SweepSpec load_sweep(const std::string& path) {
    {
        std::string why = not_a_regular_file(path);
        if (!why.empty())
            throw ConfigError(path, 0, "", why + "; expected a sweep file (YAML with base, parameters and "
                                            "optionally name, set, combine)");
    }
    ConfigNode root = ConfigNode::load_file(path);
    root.allow_only({"name", "description", "base", "set", "combine", "parameters", "share_prefix"});
    SweepSpec s;
    s.file = path;
    s.name = root.string("name", path);
    s.base = read_base(root, path);
    s.fixed = read_fixed(root);
    std::string combine = root.string("combine", "grid");
    if (combine != "grid" && combine != "zip") root.fail("combine", "expected 'grid' or 'zip'");
    s.zip = combine == "zip";
    const std::string share = root.string("share_prefix", "auto");
    if (share != "auto" && share != "off" && share != "readout")
        root.fail("share_prefix", "expected 'auto', 'off' or 'readout'");
    s.share_prefix = share != "off";
    s.readout = share == "readout";
    ConfigNode params = root.at("parameters");
    s.parameters = read_parameters(params);
    const std::vector<std::vector<size_t>> combos = combinations(s, params);
    for (size_t k = 0; k < combos.size(); ++k) {
        SweepCase c;
        c.index = static_cast<int>(k) + 1;
        c.overrides = s.fixed;
        for (size_t j = 0; j < s.parameters.size(); ++j) {
            const auto& p = s.parameters[j];
            const std::string& v = p.values[combos[k][j]];
            c.values.push_back(v);
            c.overrides.push_back(p.key + "=" + yaml_value(expand(p, v)));
        }
        s.cases.push_back(c);
    }
    return s;
}

}  // namespace ssbsim
