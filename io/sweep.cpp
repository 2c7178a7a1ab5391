#include "io/sweep.hpp"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <limits>
#include <memory>
#include <sstream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/hdf5_file.hpp"
#include "core/units.hpp"
#include "io/result_writer.hpp"
#include "io/schema.hpp"
#include "run/simulation.hpp"

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

// mkdir -p; what is there already must be a directory.
void make_dir(const std::string& path) {
    for (size_t pos = 1; pos <= path.size(); ++pos) {
        if (pos < path.size() && path[pos] != '/') continue;
        std::string part = path.substr(0, pos);
        if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST)
            throw IoError("cannot create directory '" + part + "': " + std::strerror(errno));
    }
    struct stat st;
    if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw IoError("the output directory '" + path +
                      "' exists and is not a directory; give -o a directory (a new one, or that of an "
                      "earlier run of this sweep)");
}

// DIR/cases, created if needed; a symbolic link or a file there is refused (the case
// files would land wherever it points).
void make_cases_dir(const std::string& dir) {
    make_dir(dir);
    const std::string cases = dir + "/cases";
    if (mkdir(cases.c_str(), 0755) != 0 && errno != EEXIST)
        throw IoError("cannot create directory '" + cases + "': " + std::strerror(errno));
    struct stat st;
    if (lstat(cases.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw IoError("'" + cases +
                      "' is not a directory (a symbolic link or a file); the case files go into a "
                      "real directory there: remove it and run again");
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
    {
        std::string why = not_a_regular_file(path);
        if (!why.empty())
            throw ConfigError(path, 0, "", why + "; expected a sweep file (YAML with base, parameters and "
                                            "optionally name, set, combine)");
    }
    ConfigNode root = ConfigNode::load_file(path);
    root.allow_only({"name", "description", "base", "set", "combine", "parameters"});
    SweepSpec s;
    s.file = path;
    s.name = root.string("name", path);
    const std::string dir = directory_of(path);
    s.base = resolve(dir, root.string("base"));
    {
        std::string why = not_a_regular_file(s.base);
        std::ifstream test(s.base);
        if (!why.empty() || !test)
            root.fail("base", "cannot use '" + s.base + "' as the base config: " + (why.empty() ? "cannot read it" : why) +
                                  "; expected the path of a config file (YAML), absolute or relative to the sweep file");
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

namespace {
// Which file a path named when this process created it.
struct FileId {
    bool created = false;
    dev_t dev = 0;
    ino_t ino = 0;
    bool same(const std::string& path) const {
        struct stat st;
        return created && lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == dev &&
               st.st_ino == ino;
    }
};

// A case's result writer: creates the .part exclusively (never an existing file, never
// through a symbolic link) and remembers the file it made, so the case renames or removes
// only its own file, never one a later run of the sweep has put at the same path.
class CaseWriter : public ResultWriter {
public:
    explicit CaseWriter(const std::string& path) : ResultWriter(path, true) {}
    void on_start(const SimulationConfig& config, const CathodeP2D& model) override {
        ResultWriter::on_start(config, model);
        struct stat st;
        if (lstat(path().c_str(), &st) == 0) id = {true, st.st_dev, st.st_ino};
    }
    FileId id;
};
}  // namespace

SweepLock::SweepLock(const std::string& dir) : path_(dir + "/.ssbsim-sweep.lock") {
    make_dir(dir);
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        const int e = errno;
        throw IoError("cannot open the sweep lock file '" + path_ + "': " +
                      (e == ELOOP ? std::string("it is a symbolic link (remove it and run again)") : std::strerror(e)));
    }
    struct stat st;
    if (fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd_);
        fd_ = -1;
        throw IoError("the sweep lock file '" + path_ + "' is not a regular file (remove it and run again)");
    }
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int e = errno;
        char buf[32] = {0};
        ssize_t n = pread(fd_, buf, sizeof buf - 1, 0);
        std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
        while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
        if (pid.find_first_not_of("0123456789") != std::string::npos) pid.clear();
        ::close(fd_);
        fd_ = -1;
        if (e == EWOULDBLOCK)
            throw IoError("the output directory '" + dir + "' is in use by another sweep" +
                          (pid.empty() ? std::string() : " (pid " + pid + ")") +
                          "; wait for it to finish, or give this sweep another directory with -o");
        throw IoError("cannot lock '" + path_ + "': " + std::strerror(e));
    }
    const std::string me = std::to_string(getpid()) + "\n";
    if (ftruncate(fd_, 0) != 0 || pwrite(fd_, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size())) {
        // The lock holds regardless; only the pid shown to a second sweep is missing.
    }
    try {
        make_cases_dir(dir);  // refused up front when DIR/cases is a link or a file
    } catch (...) {
        ::close(fd_);
        fd_ = -1;
        throw;
    }
}

SweepLock::~SweepLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock; the file stays (unlinking it would race)
}

void SweepLock::close_in_child() {
    if (fd_ >= 0) ::close(fd_);  // the parent's descriptor keeps the lock
    fd_ = -1;
}

CaseOutcome run_case(const SweepSpec& spec, const SweepCase& c, const std::string& dir) {
    CaseOutcome out;
    out.index = c.index;
    auto t0 = std::chrono::steady_clock::now();
    const std::string final_path = case_file(dir, c.index), part = final_path + ".part";
    std::unique_ptr<CaseWriter> writer;
    FileId id;
    try {
        make_cases_dir(dir);
        MaterialLibrary lib;
        SimulationConfig cfg = case_config(spec, c, lib);
        cfg.output.file = part;
        Simulation sim(cfg);
        // A .part here is the leftover of a killed run of this sweep (the caller holds the
        // directory's lock): replaced if it is our regular file, refused otherwise.
        clear_stale_part(part);
        writer = std::make_unique<CaseWriter>(part);
        RunResult r = sim.run(writer.get());
        id = writer->id;
        writer.reset();  // closes the file
        if (!id.same(part))
            throw IoError("the result file '" + part +
                          "' was replaced or removed by another process while the case ran; the case "
                          "runs again on resume");
        write_text_atomically(final_path + ".key", case_key(spec, c));
        if (std::rename(part.c_str(), final_path.c_str()) != 0)
            throw IoError("cannot rename '" + part + "' to '" + final_path + "': " + std::strerror(errno));
        id = FileId();  // renamed: no longer at the .part path
        out.status = to_string(r.status);
        out.message = r.message;
    } catch (const std::exception& e) {
        if (writer) {
            id = writer->id;
            writer.reset();
        }
        if (id.same(part)) ::unlink(part.c_str());  // only the file this run created
        out.status = "failed";
        out.message = e.what();
        // Record the failure in a small file so the summary can name it.
        try {
            write_text_atomically(final_path + ".error", std::string(e.what()) + "\n");
        } catch (const std::exception&) {
        }
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

namespace {
// The summary's metric columns: the cycle fields with a sweep name (io/schema.hpp); ledger
// terms are NaN for a cycle without a ledger.
const std::vector<const schema::Field<CycleSummary>*>& sweep_metrics() {
    static const auto m = [] {
        std::vector<const schema::Field<CycleSummary>*> out;
        for (const auto& f : schema::cycle_fields())
            if (f.sweep) out.push_back(&f);
        return out;
    }();
    return m;
}

double metric_value(const schema::Field<CycleSummary>& f, const CycleSummary& c) {
    if (f.presence == schema::Presence::ledger && !c.has_ledger) return std::numeric_limits<double>::quiet_NaN();
    double v[schema::kMaxColumns];
    f.access.get(c, 0.0, v);  // specific values: no basis mass needed
    return v[0];
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
        std::ostringstream csv;
        csv << "case,status,message";
        for (const auto& p : spec.parameters) csv << "," << csv_field(p.key);
        for (size_t n = 1; n <= max_cycles; ++n)
            for (const auto* m : sweep_metrics()) csv << ",c" << n << "_" << m->sweep;
        csv << "\n" << std::setprecision(10);
        for (size_t k = 0; k < rows.size(); ++k) {
            const Row& r = rows[k];
            csv << spec.cases[k].index << "," << r.status << "," << csv_field(r.message);
            for (const auto& v : spec.cases[k].values) csv << "," << csv_field(v);
            for (size_t n = 0; n < max_cycles; ++n) {
                if (n < r.cycles.size()) {
                    for (const auto* m : sweep_metrics()) {
                        const double v = metric_value(*m, r.cycles[n]);
                        csv << ",";
                        if (std::isfinite(v)) csv << v;
                    }
                } else {
                    for (std::size_t j = 0; j < sweep_metrics().size(); ++j) csv << ",";
                }
            }
            csv << "\n";
        }
        write_text_atomically(csv_path, csv.str());
    }
    // HDF5: the same table, one dataset per column.
    const std::string h5_path = dir + "/summary.h5", h5_part = h5_path + ".part";
    clear_stale_part(h5_part);  // the caller holds the directory's lock
    {
        h5::Handle f = h5::create_file(h5_part, true);
        write_version_attributes(f, "ssbsim sweep");
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
        for (const auto* m : sweep_metrics()) {
            met.emplace_back(cg, m->sweep, T::float64,
                             std::vector<std::uint64_t>{static_cast<std::uint64_t>(std::max<size_t>(1, max_cycles))},
                             m->unit, 64);
            h5::set_attribute(met.back().handle(), "description",
                              std::string("per case and cycle; NaN where absent"));
        }
        std::vector<double> row(std::max<size_t>(1, max_cycles));
        for (size_t k = 0; k < rows.size(); ++k) {
            idx.append(static_cast<long>(spec.cases[k].index));
            st.append(rows[k].status);
            msg.append(rows[k].message);
            for (size_t j = 0; j < par.size(); ++j) par[j].append(spec.cases[k].values[j]);
            for (std::size_t m = 0; m < met.size(); ++m) {
                std::fill(row.begin(), row.end(), std::numeric_limits<double>::quiet_NaN());
                for (size_t n = 0; n < rows[k].cycles.size(); ++n) row[n] = metric_value(*sweep_metrics()[m], rows[k].cycles[n]);
                met[m].append_row(row.data());
            }
        }
    }
    if (std::rename(h5_part.c_str(), h5_path.c_str()) != 0)
        throw IoError("cannot rename '" + h5_part + "' to '" + h5_path + "': " + std::strerror(errno));
}

}  // namespace ssbsim
