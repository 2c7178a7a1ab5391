#include "run/sweep.hpp"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/format.hpp"
#include "core/process_pool.hpp"
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

void make_output_dir(const std::string& dir) {
    make_directories(dir, "output directory",
                     "; give -o a directory (a new one, or that of an earlier run of this sweep)");
}

std::string expand(const SweepParameter& p, const std::string& value) {
    if (p.value_template.empty()) return value;
    std::string out = p.value_template;
    auto pos = out.find("{}");
    return out.replace(pos, 2, value);
}

}  // namespace

void make_cases_dir(const std::string& dir) {
    make_output_dir(dir);
    const std::string cases = dir + "/cases";
    if (mkdir(cases.c_str(), 0755) != 0 && errno != EEXIST)
        throw IoError("cannot create directory '" + cases + "': " + std::strerror(errno));
    struct stat st;
    if (lstat(cases.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw IoError("'" + cases +
                      "' is not a directory (a symbolic link or a file); the case files go into a "
                      "real directory there: remove it and run again");
}

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
    s.base = resolve_beside(path, root.string("base"));
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

SimulationConfig case_config(const SweepSpec& spec, const SweepCase& c, MaterialLibrary& lib) {
    ConfigNode root = ConfigNode::load_file(spec.base).with_overrides(c.overrides);
    SimulationConfig cfg = load_config(root, lib);
    cfg.name = spec.name + " / case " + std::to_string(c.index);
    return cfg;
}

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

SweepLock::SweepLock(const std::string& dir) : path_(dir + "/.ssbsim-sweep.lock") {
    make_output_dir(dir);
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

std::string default_sweep_dir(const std::string& sweep_file) {
    return directory_of(sweep_file) + "/" + file_stem(sweep_file);
}

std::string case_error(const std::string& dir, int index) {
    std::ifstream in(case_file(dir, index) + ".error");
    std::string msg;
    if (in) std::getline(in, msg);
    return msg;
}

SweepRunReport drive_sweep(const SweepSpec& spec, const std::string& dir, const SweepRunOptions& options,
                           const SweepCaseFiles& files) {
    const int jobs = options.jobs > 0 ? options.jobs : available_cores();
    // One sweep per output directory: a second one stops here, having touched nothing.
    SweepLock lock(dir);
    std::vector<int> todo;
    for (const auto& c : spec.cases) {
        if (files.complete(spec, dir, c.index)) continue;
        todo.push_back(c.index);
        std::remove((case_file(dir, c.index) + ".error").c_str());
    }
    SweepRunReport report;
    SweepProgress& p = report.progress;
    p.total = static_cast<int>(spec.cases.size());
    p.done = p.total - static_cast<int>(todo.size());
    p.to_run = static_cast<int>(todo.size());
    p.workers = jobs;
    PoolOptions po;
    po.jobs = jobs;
    po.tick = options.tick;
    po.stop_on_signals = true;
    po.in_worker = [&] { lock.close_in_child(); };  // the lock is the parent's alone
    po.on_progress = [&](const PoolProgress& pp) {
        p.done = p.total - p.to_run + pp.done;
        p.failed = pp.failed;
        p.elapsed = pp.elapsed;
        if (options.on_progress) options.on_progress(p);
    };
    // A worker that died with its case: the case's .error says so, unless the case wrote
    // its own reason before it died.
    po.on_result = [&](int task, const TaskResult& r) {
        const int index = todo[task];
        if (r.worker_died && case_error(dir, index).empty())
            write_text_atomically(case_file(dir, index) + ".error",
                                  "worker died" +
                                      (r.signal ? " (signal " + std::to_string(r.signal) + ")" : std::string()) + "\n");
    };
    PoolReport pr = run_in_processes(
        p.to_run,
        [&](int task) {
            // A failed case records why in its .error file; the pool only counts it.
            const CaseOutcome o = files.run(spec, spec.cases[todo[task] - 1], dir);
            if (o.status != "complete") throw Error(o.message);
            return std::string();
        },
        po);
    report.stop_signal = pr.stop_signal;
    p.elapsed = pr.progress.elapsed;
    return report;
}

}  // namespace ssbsim
