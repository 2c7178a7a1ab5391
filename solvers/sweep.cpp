#include "solvers/sweep.hpp"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <limits>
#include <sstream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/hdf5_file.hpp"
#include "core/units.hpp"
#include "solvers/result_writer.hpp"
#include "solvers/simulation.hpp"

namespace ssbsim {

namespace {

std::string directory_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

std::string resolve(const std::string& base_dir, const std::string& path) {
    return !path.empty() && path[0] == '/' ? path : base_dir + "/" + path;
}

std::string format_number(double v) {
    std::ostringstream os;
    os << std::setprecision(10) << v;
    return os.str();
}

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

// mkdir -p.
void make_dir(const std::string& path) {
    for (size_t pos = 1; pos <= path.size(); ++pos) {
        if (pos < path.size() && path[pos] != '/') continue;
        std::string part = path.substr(0, pos);
        if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST)
            throw IoError("cannot create directory '" + part + "'");
    }
}

// What defines a case: its overrides on its base config. Stored beside the case file so a
// resume re-runs a case whose definition changed in the sweep file.
std::string case_key(const SweepSpec& spec, const SweepCase& c) {
    std::string key = spec.base + "\n";
    for (const auto& o : c.overrides) key += o + "\n";
    return key;
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
                YAML::Emitter em;
                em << YAML::Flow << v[i].yaml();
                out.push_back(em.c_str());
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
        out.push_back(format_number(v));
    }
    return out;
}

std::string expand(const SweepParameter& p, const std::string& value) {
    if (p.value_template.empty()) return value;
    std::string out = p.value_template;
    auto pos = out.find("{}");
    return out.replace(pos, 2, value);
}

}  // namespace

SweepSpec load_sweep(const std::string& path) {
    ConfigNode root = ConfigNode::load_file(path);
    root.allow_only({"name", "description", "base", "set", "combine", "parameters"});
    SweepSpec s;
    s.file = path;
    s.name = root.string("name", path);
    const std::string dir = directory_of(path);
    s.base = resolve(dir, root.string("base"));
    {
        std::ifstream test(s.base);
        if (!test) root.fail("base", "cannot read the base config '" + s.base + "'");
        char canonical[PATH_MAX];
        if (realpath(s.base.c_str(), canonical)) s.base = canonical;  // one spelling per file
    }
    if (root.has("set")) {
        ConfigNode set = root["set"];
        if (!set.is_sequence()) set.fail("expected a list of \"key.path=value\" strings");
        for (size_t i = 0; i < set.size(); ++i) {
            std::string a = set[i].string();
            if (a.find('=') == std::string::npos) set[i].fail("expected \"key.path=value\"");
            s.fixed.push_back(a);
        }
    }
    std::string combine = root.string("combine", "grid");
    if (combine != "grid" && combine != "zip") root.fail("combine", "expected 'grid' or 'zip'");
    s.zip = combine == "zip";
    ConfigNode params = root.at("parameters");
    if (!params.is_sequence() || params.size() == 0)
        params.fail("expected a list of {key, values | range, template}");
    for (size_t i = 0; i < params.size(); ++i) {
        ConfigNode p = params[i];
        p.allow_only({"key", "values", "range", "template"});
        SweepParameter sp;
        sp.key = p.string("key");
        sp.value_template = p.string("template", "");
        if (!sp.value_template.empty() && sp.value_template.find("{}") == std::string::npos)
            p.fail("template", "a template needs a {} where the value goes");
        sp.values = read_values(p);
        s.parameters.push_back(sp);
    }
    // Cases: grid = all combinations (last parameter fastest), zip = lists in lockstep.
    const size_t np = s.parameters.size();
    std::vector<std::vector<size_t>> combos;
    if (s.zip) {
        size_t n = s.parameters[0].values.size();
        for (const auto& p : s.parameters)
            if (p.values.size() != n)
                params.fail("with combine: zip every parameter needs the same number of values");
        for (size_t k = 0; k < n; ++k) combos.push_back(std::vector<size_t>(np, k));
    } else {
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
    }
    for (size_t k = 0; k < combos.size(); ++k) {
        SweepCase c;
        c.index = static_cast<int>(k) + 1;
        c.overrides = s.fixed;
        for (size_t j = 0; j < np; ++j) {
            const auto& p = s.parameters[j];
            const std::string& v = p.values[combos[k][j]];
            c.values.push_back(v);
            c.overrides.push_back(p.key + "=" + yaml_value(expand(p, v)));
        }
        s.cases.push_back(c);
    }
    return s;
}

namespace {
SimulationConfig case_config(const SweepSpec& spec, const SweepCase& c, MaterialLibrary& lib) {
    ConfigNode root = ConfigNode::load_file(spec.base).with_overrides(c.overrides);
    SimulationConfig cfg = load_config(root, lib);
    cfg.name = spec.name + " / case " + std::to_string(c.index);
    return cfg;
}
}  // namespace

std::vector<std::string> check_cases(const SweepSpec& spec) {
    std::vector<std::string> out;
    for (const auto& c : spec.cases) {
        try {
            MaterialLibrary lib;
            SimulationConfig cfg = case_config(spec, c, lib);
            Simulation sim(cfg);
            out.emplace_back();
        } catch (const std::exception& e) {
            out.emplace_back(e.what());
        }
    }
    return out;
}

std::string case_file(const std::string& dir, int index) {
    std::ostringstream os;
    os << dir << "/cases/case_" << std::setw(4) << std::setfill('0') << index << ".h5";
    return os.str();
}

bool case_complete(const SweepSpec& spec, const std::string& dir, int index) {
    std::string f = case_file(dir, index);
    std::ifstream test(f);
    if (!test) return false;
    std::ifstream keyf(f + ".key");
    std::stringstream stored;
    stored << keyf.rdbuf();
    if (stored.str() != case_key(spec, spec.cases.at(index - 1))) return false;
    try {
        return read_result(f).status == "complete";
    } catch (const std::exception&) {
        return false;
    }
}

CaseOutcome run_case(const SweepSpec& spec, const SweepCase& c, const std::string& dir) {
    CaseOutcome out;
    out.index = c.index;
    auto t0 = std::chrono::steady_clock::now();
    make_dir(dir);
    make_dir(dir + "/cases");
    const std::string final_path = case_file(dir, c.index), part = final_path + ".part";
    try {
        MaterialLibrary lib;
        SimulationConfig cfg = case_config(spec, c, lib);
        cfg.output.file = part;
        Simulation sim(cfg);
        RunResult r;
        {
            ResultWriter writer(part);
            r = sim.run(&writer);
        }
        std::ofstream(final_path + ".key") << case_key(spec, c);
        if (std::rename(part.c_str(), final_path.c_str()) != 0)
            throw IoError("cannot rename '" + part + "' to '" + final_path + "'");
        out.status = to_string(r.status);
        out.message = r.message;
    } catch (const std::exception& e) {
        std::remove(part.c_str());
        out.status = "failed";
        out.message = e.what();
        // Record the failure in a small file so the summary can name it.
        std::ofstream(final_path + ".error") << e.what() << "\n";
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

namespace {
const char* kMetrics[] = {"charge_mAh_g", "discharge_mAh_g", "coulombic_efficiency",
                          "shoulder_mAh_g", "se_oxidation_reversible_mAh_g",
                          "se_oxidation_irreversible_mAh_g", "cam_kinetic_mAh_g",
                          "cam_isolated_mAh_g", "other_mAh_g", "se_oxidation_charge_mAh_g",
                          "se_reduction_mAh_g"};
constexpr int kNumMetrics = 11;

std::array<double, kNumMetrics> metrics(const CycleSummary& c) {
    const auto& L = c.ledger;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    bool l = c.has_ledger;
    return {c.charge_capacity, c.discharge_capacity, c.coulombic_efficiency, c.shoulder_capacity,
            l ? L.se_oxidation_reversible : nan, l ? L.se_oxidation_irreversible : nan,
            l ? L.cam_kinetic : nan, l ? L.cam_isolated : nan, l ? L.other : nan,
            l ? L.se_oxidation_charge : nan, l ? L.se_reduction : nan};
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char ch : s) {
        if (ch == '"') out += '"';
        out += ch == '\n' ? ' ' : ch;
    }
    return out + "\"";
}
}  // namespace

void write_summary(const SweepSpec& spec, const std::string& dir) {
    struct Row {
        std::string status, message;
        std::vector<CycleSummary> cycles;
    };
    std::vector<Row> rows;
    size_t max_cycles = 0;
    for (const auto& c : spec.cases) {
        Row row;
        const std::string f = case_file(dir, c.index);
        std::ifstream test(f);
        if (test) {
            try {
                ResultSummary r = read_result(f);
                row.status = r.status;
                row.message = r.status_message;
                row.cycles = r.cycles;
            } catch (const std::exception& e) {
                row.status = "failed";
                row.message = e.what();
            }
        } else {
            std::ifstream err(f + ".error");
            std::string msg;
            if (err) std::getline(err, msg);
            row.status = err ? "failed" : "missing";
            row.message = msg;
        }
        max_cycles = std::max(max_cycles, row.cycles.size());
        rows.push_back(row);
    }
    // CSV.
    const std::string csv_path = dir + "/summary.csv";
    {
        std::ofstream csv(csv_path + ".part");
        csv << "case,status,message";
        for (const auto& p : spec.parameters) csv << "," << csv_field(p.key);
        for (size_t n = 1; n <= max_cycles; ++n)
            for (const char* m : kMetrics) csv << ",c" << n << "_" << m;
        csv << "\n" << std::setprecision(10);
        for (size_t k = 0; k < rows.size(); ++k) {
            const Row& r = rows[k];
            csv << spec.cases[k].index << "," << r.status << "," << csv_field(r.message);
            for (const auto& v : spec.cases[k].values) csv << "," << csv_field(v);
            for (size_t n = 0; n < max_cycles; ++n) {
                if (n < r.cycles.size()) {
                    for (double v : metrics(r.cycles[n])) {
                        csv << ",";
                        if (std::isfinite(v)) csv << v;
                    }
                } else {
                    for (int j = 0; j < kNumMetrics; ++j) csv << ",";
                }
            }
            csv << "\n";
        }
    }
    std::rename((csv_path + ".part").c_str(), csv_path.c_str());
    // HDF5: the same table, one dataset per column.
    const std::string h5_path = dir + "/summary.h5";
    {
        h5::Handle f = h5::create_file(h5_path + ".part");
        h5::set_attribute(f, "generator", std::string("ssbsim sweep"));
        h5::set_attribute(f, "sweep_file", spec.file);
        h5::set_attribute(f, "name", spec.name);
        h5::set_attribute(f, "base_config", spec.base);
        using T = h5::Series::Type;
        h5::Series idx(f, "case", T::int64, {}, "", 64), st(f, "status", T::string, {}, "", 64),
            msg(f, "message", T::string, {}, "", 64);
        h5::Handle pg = h5::create_group(f, "parameters");
        std::vector<h5::Series> par;
        for (const auto& p : spec.parameters) par.emplace_back(pg, p.key, T::string, std::vector<std::uint64_t>{}, "", 64);
        h5::Handle cg = h5::create_group(f, "cycles");
        std::vector<h5::Series> met;
        for (const char* m : kMetrics)
            met.emplace_back(cg, m, T::float64, std::vector<std::uint64_t>{static_cast<std::uint64_t>(std::max<size_t>(1, max_cycles))},
                             "per case and cycle; NaN where absent", 64);
        std::vector<double> row(std::max<size_t>(1, max_cycles));
        for (size_t k = 0; k < rows.size(); ++k) {
            idx.append(static_cast<long>(spec.cases[k].index));
            st.append(rows[k].status);
            msg.append(rows[k].message);
            for (size_t j = 0; j < par.size(); ++j) par[j].append(spec.cases[k].values[j]);
            for (int m = 0; m < kNumMetrics; ++m) {
                std::fill(row.begin(), row.end(), std::numeric_limits<double>::quiet_NaN());
                for (size_t n = 0; n < rows[k].cycles.size(); ++n) row[n] = metrics(rows[k].cycles[n])[m];
                met[m].append_row(row.data());
            }
        }
    }
    std::rename((h5_path + ".part").c_str(), h5_path.c_str());
}

}  // namespace ssbsim
