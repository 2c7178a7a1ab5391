#include "run/sweep.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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
