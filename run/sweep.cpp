#include "run/sweep.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/format.hpp"
#include "core/process_pool.hpp"
#include "params/emit.hpp"
#include "run/checkpoint.hpp"

namespace ssbsim {

namespace {

void make_output_dir(const std::string& dir) {
    make_directories(dir, "output directory",
                     "; give -o a directory (a new one, or that of an earlier run of this sweep)");
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

namespace {
int g_cache_users = 0;
std::map<std::string, ConfigNode>& base_cache() {
    static std::map<std::string, ConfigNode> cache;
    return cache;
}
std::map<std::string, std::string>& memo_cache() {
    static std::map<std::string, std::string> cache;
    return cache;
}
}  // namespace

BaseConfigCache::BaseConfigCache() { ++g_cache_users; }
BaseConfigCache::~BaseConfigCache() {
    if (--g_cache_users > 0) return;
    base_cache().clear();
    memo_cache().clear();
}

std::string base_config_memo(const std::string& path, const std::function<std::string(const ConfigNode&)>& f) {
    return sweep_memo("base\n" + path, [&] { return f(base_config(path)); });
}

std::string sweep_memo(const std::string& key, const std::function<std::string()>& f) {
    if (g_cache_users == 0) return f();
    auto it = memo_cache().find(key);
    if (it == memo_cache().end()) it = memo_cache().emplace(key, f()).first;
    return it->second;
}

ConfigNode base_config(const std::string& path) {
    if (g_cache_users == 0) return ConfigNode::load_file(path);
    auto it = base_cache().find(path);
    if (it == base_cache().end()) it = base_cache().emplace(path, ConfigNode::load_file(path)).first;
    return it->second;
}

SimulationConfig case_config(const SweepSpec& spec, const SweepCase& c, MaterialLibrary& lib) {
    ConfigNode root = base_config(spec.base).with_overrides(c.overrides);
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

namespace {
// An override of one protocol step ("protocol.steps.3=..." or "protocol.steps.3.hold=...").
bool step_override(const std::string& o) {
    static const std::string head = "protocol.steps.";
    if (o.compare(0, head.size(), head) != 0) return false;
    std::size_t i = head.size();
    const std::size_t digits = i;
    while (i < o.size() && std::isdigit(static_cast<unsigned char>(o[i]))) ++i;
    return i > digits && i < o.size() && (o[i] == '=' || o[i] == '.');
}
}  // namespace

namespace {
// A group whose cases have one step beyond the shared ones, the same but for its duration
// (timed, no limits, no ramp), is read out: sorted by that duration.
void readout_plan(PrefixGroup& g, std::map<int, std::vector<std::string>>& steps_of, std::map<int, Step>& last_of) {
    std::string shape;
    std::vector<std::pair<double, int>> by_duration;
    for (int m : g.cases) {
        if (steps_of[m].size() != static_cast<std::size_t>(g.steps) + 1) return;
        Step s = last_of[m];
        if (s.duration <= 0 || !s.limits.empty() || s.ramp || s.kind == Step::Kind::temperature ||
            s.kind == Step::Kind::eis)
            return;
        by_duration.push_back({s.duration, m});
        s.duration = 1;
        s.label.clear();
        const std::string text = emit_step_text(s);
        if (shape.empty()) shape = text;
        if (text != shape) return;
    }
    std::stable_sort(by_duration.begin(), by_duration.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    g.readout = true;
    g.cases.clear();
    for (const auto& [d, m] : by_duration) {
        g.durations.push_back(d);
        g.cases.push_back(m);
    }
}
}  // namespace

std::string non_step_overrides(const SweepCase& c) {
    std::string rest;
    for (const auto& o : c.overrides)
        if (!step_override(o)) rest += o + "\n";
    return rest;
}

// Cases with the same overrides apart from single protocol steps have the same resolved
// config apart from those steps; their (expanded) steps are compared as emitted. A wrong
// guess costs nothing but time: every case checks the checkpoint against its own config.
std::vector<PrefixGroup> plan_prefixes(const SweepSpec& spec, const std::vector<int>& todo) {
    std::vector<PrefixGroup> groups;
    if (!spec.share_prefix || todo.size() < 2) return groups;
    std::map<std::string, std::vector<int>> by_rest;
    std::map<int, std::vector<std::string>> steps_of;
    std::map<int, Step> last_of;
    for (int index : todo) {
        const SweepCase& c = spec.cases.at(index - 1);
        const std::string rest = non_step_overrides(c);
        try {
            const ConfigNode root = base_config(spec.base).with_overrides(c.overrides);
            std::vector<std::string>& st = steps_of[index];
            const Protocol protocol = parse_protocol(root.at("protocol"));
            for (const Step& step : protocol.steps) st.push_back(emit_step_text(step));
            if (!protocol.steps.empty()) last_of[index] = protocol.steps.back();
            by_rest[rest].push_back(index);
        } catch (const std::exception&) {
            // A broken case runs alone and fails with its own message.
        }
    }
    for (const auto& [rest, members] : by_rest) {
        if (members.size() < 2) continue;
        // The steps every member has in common, from the first on.
        const std::vector<std::string>& first = steps_of[members[0]];
        std::size_t k = first.size();
        for (int m : members) {
            const std::vector<std::string>& st = steps_of[m];
            std::size_t j = 0;
            while (j < k && j < st.size() && st[j] == first[j]) ++j;
            k = j;
        }
        if (k == 0) continue;
        PrefixGroup g{static_cast<int>(k), members, false, {}};
        if (spec.readout) readout_plan(g, steps_of, last_of);
        groups.push_back(g);
    }
    return groups;
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

namespace {

// The pool options every phase of a sweep shares: the lock is the parent's alone, and
// signals stop the sweep.
PoolOptions pool_options(int jobs, double tick, SweepLock& lock) {
    PoolOptions po;
    po.jobs = jobs;
    po.tick = tick;
    po.stop_on_signals = true;
    po.in_worker = [&lock] { lock.close_in_child(); };
    return po;
}

// Phase 1: the shared prefixes, one task per group (a failed prefix leaves its cases to
// run from the start). Returns the signal that stopped it, or 0.
int solve_prefixes(const SweepSpec& spec, const std::string& dir, const std::vector<PrefixGroup>& groups,
                   PoolOptions po, const SweepCaseFiles& files, SweepProgress& p,
                   const SweepRunOptions& options) {
    std::vector<const PrefixGroup*> todo;  // readout groups need no prefix of their own
    for (const auto& g : groups)
        if (!g.readout || !files.readout) todo.push_back(&g);
    if (todo.empty() || !files.prefix) return 0;
    po.on_progress = [&](const PoolProgress& pp) {
        p.elapsed = pp.elapsed;
        if (options.on_progress) options.on_progress(p);
    };
    PoolReport pr = run_in_processes(
        static_cast<int>(todo.size()),
        [&](int g) {
            const PrefixGroup& group = *todo[g];
            files.prefix(spec, spec.cases[group.cases[0] - 1], dir, group.steps);
            return std::string();
        },
        po);
    p.elapsed = pr.progress.elapsed;
    return pr.stop_signal;
}

}  // namespace

namespace {

// Phase 2: the cases, one task each, or one task per readout group (all its cases).
// Returns the signal that stopped it, or 0.
int run_cases(const SweepSpec& spec, const std::string& dir, const std::vector<int>& todo,
              const std::vector<PrefixGroup>& groups, PoolOptions po, const SweepCaseFiles& files, SweepProgress& p,
              const SweepRunOptions& options) {
    std::map<int, int> shared;  // case index -> its shared steps
    std::vector<std::vector<int>> tasks;
    std::vector<const PrefixGroup*> task_group;
    for (const auto& g : groups) {
        if (g.readout && files.readout) {
            tasks.push_back(g.cases);
            task_group.push_back(&g);
            for (int c : g.cases) shared[c] = -1;
            continue;
        }
        for (int c : g.cases) shared[c] = g.steps;
    }
    for (int c : todo) {
        if (shared.count(c) && shared[c] < 0) continue;
        tasks.push_back({c});
        task_group.push_back(nullptr);
    }
    int finished = 0, failed = 0;
    po.on_progress = [&, skip = true](const PoolProgress& pp) mutable {
        if (skip) {  // the pool's start: told to the caller already
            skip = false;
            return;
        }
        p.done = p.total - p.to_run + finished;
        p.failed = failed;
        p.elapsed = pp.elapsed;
        if (options.on_progress) options.on_progress(p);
    };
    // A worker that died with its case(s): the case's .error says so, unless the case
    // wrote its own reason (or its file) before it died.
    po.on_result = [&](int task, const TaskResult& r) {
        finished += static_cast<int>(tasks[task].size());
        // ok: "<failed cases>\n<records>"
        const std::size_t nl = r.ok ? r.payload.find('\n') : std::string::npos;
        failed += nl != std::string::npos ? std::atoi(r.payload.substr(0, nl).c_str()) : task_group[task] ? 0 : 1;
        if (nl != std::string::npos && files.received) files.received(r.payload.substr(nl + 1));
        if (!r.worker_died) return;
        for (int index : tasks[task])
            if (case_error(dir, index).empty() && !files.complete(spec, dir, index))
                write_text_atomically(case_file(dir, index) + ".error",
                                      "worker died" +
                                          (r.signal ? " (signal " + std::to_string(r.signal) + ")" : std::string()) +
                                          "\n");
    };
    PoolReport pr = run_in_processes(
        static_cast<int>(tasks.size()),
        [&](int task) {
            if (task_group[task]) {
                int bad = 0;
                std::string records;
                for (const CaseOutcome& o : files.readout(spec, *task_group[task], dir)) {
                    bad += o.status != "complete";
                    records += o.record;
                }
                return std::to_string(bad) + "\n" + records;
            }
            // A failed case records why in its .error file; the pool only counts it.
            const int index = tasks[task][0];
            const auto it = shared.find(index);
            const CaseOutcome o = files.run(spec, spec.cases[index - 1], dir, it == shared.end() ? 0 : it->second);
            if (o.status != "complete") throw Error(o.message);
            return "0\n" + o.record;
        },
        po);
    p.elapsed = pr.progress.elapsed;
    return pr.stop_signal;
}

}  // namespace

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
    const std::vector<PrefixGroup> groups = files.prefix ? plan_prefixes(spec, todo) : std::vector<PrefixGroup>();
    // The caller's first progress call, before any work.
    if (options.on_progress) options.on_progress(p);
    report.stop_signal = solve_prefixes(spec, dir, groups, pool_options(jobs, options.tick, lock), files, p, options);
    if (report.stop_signal) return report;
    if (files.preload)
        for (const auto& g : groups)
            if (!g.readout || !files.readout) files.preload(spec, spec.cases[g.cases[0] - 1], dir, g.steps);
    report.stop_signal = run_cases(spec, dir, todo, groups, pool_options(jobs, options.tick, lock), files, p, options);
    return report;
}

}  // namespace ssbsim
