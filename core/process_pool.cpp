#include "core/process_pool.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <iterator>

#include "core/error.hpp"

namespace ssbsim {

namespace {

// SIGTERM, SIGINT and SIGHUP while workers run (stop_on_signals): the handler writes the
// signal number down a pipe the main loop polls, which then stops the workers and returns.
int g_signal_pipe[2] = {-1, -1};
extern "C" void on_stop_signal(int sig) {
    const int saved = errno;
    unsigned char b = static_cast<unsigned char>(sig);
    ssize_t ignored = write(g_signal_pipe[1], &b, 1);
    (void)ignored;
    errno = saved;
}
const int kStopSignals[] = {SIGTERM, SIGINT, SIGHUP};

bool write_all(int fd, const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

bool read_all(int fd, void* data, std::size_t n) {
    char* p = static_cast<char*>(data);
    while (n > 0) {
        ssize_t r = ::read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

TaskResult run_here(int i, const std::function<std::string(int)>& task) {
    TaskResult r;
    try {
        r.payload = task(i);
        r.ok = true;
    } catch (const std::exception& e) {
        r.error = e.what();
    } catch (...) {
        r.error = "the task threw something that is not a std::exception";
    }
    return r;
}

// The wire: parent -> worker an int32 task index (-1: stop); worker -> parent an int32 ok,
// a uint64 byte count and that many bytes (the payload, or the error message).
void worker_loop(int in, int out, const std::function<std::string(int)>& task) {
    std::int32_t index = -1;
    while (read_all(in, &index, sizeof index) && index >= 0) {
        TaskResult r = run_here(index, task);
        const std::int32_t ok = r.ok ? 1 : 0;
        const std::string& bytes = r.ok ? r.payload : r.error;
        const std::uint64_t count = bytes.size();
        if (!write_all(out, &ok, sizeof ok) || !write_all(out, &count, sizeof count) ||
            !write_all(out, bytes.data(), bytes.size()))
            break;
    }
}

std::string death_message(int status) {
    if (WIFSIGNALED(status))
        return "worker died (signal " + std::to_string(WTERMSIG(status)) + ": " + strsignal(WTERMSIG(status)) + ")";
    if (WIFEXITED(status)) return "worker died (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
    return "worker died";
}

// The calling process's signal state for the life of a pool: SIGPIPE ignored (a worker
// that died leaves a closed pipe; writing to it must fail, not kill us), and with
// `handle_stops` the stop signals caught into g_signal_pipe. Restored on destruction.
class SignalGuard {
public:
    explicit SignalGuard(bool handle_stops) : handle_(handle_stops) {
        sigemptyset(&stop_set_);
        for (int sig : kStopSignals) sigaddset(&stop_set_, sig);
        for (std::size_t k = 0; k < std::size(kStopSignals); ++k) sigaction(kStopSignals[k], nullptr, &old_[k]);
        if (handle_) {
            if (pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) throw Error("cannot create a pipe for the worker pool");
            struct sigaction sa {};
            sa.sa_handler = on_stop_signal;
            sigemptyset(&sa.sa_mask);
            for (std::size_t k = 0; k < std::size(kStopSignals); ++k)
                if (old_[k].sa_handler != SIG_IGN)  // ignored at start (nohup, `&`): stays so
                    sigaction(kStopSignals[k], &sa, nullptr);
        }
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        sigaction(SIGPIPE, &ignore, &old_pipe_);
    }
    ~SignalGuard() {
        if (handle_) {
            for (std::size_t k = 0; k < std::size(kStopSignals); ++k) sigaction(kStopSignals[k], &old_[k], nullptr);
            ::close(g_signal_pipe[0]);
            ::close(g_signal_pipe[1]);
            g_signal_pipe[0] = g_signal_pipe[1] = -1;
        }
        sigaction(SIGPIPE, &old_pipe_, nullptr);
    }
    SignalGuard(const SignalGuard&) = delete;
    SignalGuard& operator=(const SignalGuard&) = delete;
    int stop_fd() const { return handle_ ? g_signal_pipe[0] : -1; }
    // Around a fork, so a new worker cannot run the parent's handler before it has reset
    // its own.
    void block() { sigprocmask(SIG_BLOCK, &stop_set_, &saved_mask_); }
    void unblock() { sigprocmask(SIG_SETMASK, &saved_mask_, nullptr); }
    // In a new worker: the stop signals are the parent's to handle, so a worker started
    // from an interpreter does not run the interpreter's handlers (Ctrl-C reaches the
    // whole process group; the parent then kills the workers).
    void reset_in_worker() {
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        for (std::size_t k = 0; k < std::size(kStopSignals); ++k)
            sigaction(kStopSignals[k], old_[k].sa_handler == SIG_IGN ? &old_[k] : &dfl, nullptr);
        sigaction(SIGPIPE, &old_pipe_, nullptr);
        unblock();
        if (handle_) {
            ::close(g_signal_pipe[0]);
            ::close(g_signal_pipe[1]);
        }
    }

private:
    bool handle_;
    sigset_t stop_set_, saved_mask_;
    struct sigaction old_[std::size(kStopSignals)] {};
    struct sigaction old_pipe_ {};
};

class Pool {
public:
    Pool(int n_tasks, int n_workers, const std::function<std::string(int)>& task, const PoolOptions& options,
         SignalGuard& signals, PoolReport& report)
        : task_(task), options_(options), signals_(signals), report_(report), workers_(n_workers) {
        report_.results.resize(n_tasks);
    }
    ~Pool() { finish(true); }  // only live workers after an exception
    void run();
    void tell() {
        report_.progress.elapsed = seconds();
        if (options_.on_progress) options_.on_progress(report_.progress);
    }

private:
    struct Worker {
        pid_t pid = -1;
        int to = -1, from = -1;
        int task = -1;  // the task it runs, -1 when idle
    };
    void spawn(Worker& w);
    void send(Worker& w);
    void receive(Worker& w);
    void task_ended(int task, TaskResult r);
    void finish(bool kill_them);
    bool stopped();

    const std::function<std::string(int)>& task_;
    const PoolOptions& options_;
    SignalGuard& signals_;
    PoolReport& report_;
    std::vector<Worker> workers_;
    int next_ = 0;  // the next task to hand out
    const pid_t parent_ = getpid();
    const std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
    double seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    }
};

void Pool::spawn(Worker& w) {
    int down[2], up[2];
    if (pipe2(down, O_CLOEXEC) != 0) throw Error("cannot create a pipe for a worker process");
    if (pipe2(up, O_CLOEXEC) != 0) {
        ::close(down[0]), ::close(down[1]);
        throw Error("cannot create a pipe for a worker process");
    }
    std::cout.flush();
    std::fflush(nullptr);  // nothing buffered is written twice
    signals_.block();
    const pid_t pid = fork();
    if (pid < 0) {
        signals_.unblock();
        for (int fd : {down[0], down[1], up[0], up[1]}) ::close(fd);
        throw Error("cannot fork a worker process");
    }
    if (pid == 0) {
        // A worker dies with the caller (SIGKILL, so even mid-solve): a caller killed by
        // any signal must not leave it running on, writing where a restarted run writes.
        // The getppid() check covers a caller that died before the prctl.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent_) _exit(1);
        signals_.reset_in_worker();
        for (const auto& o : workers_)  // other workers' pipes are not ours
            if (&o != &w && o.pid > 0) ::close(o.to), ::close(o.from);
        ::close(down[1]);
        ::close(up[0]);
        if (options_.in_worker) options_.in_worker();
        worker_loop(down[0], up[1], task_);
        _exit(0);
    }
    signals_.unblock();
    ::close(down[0]);
    ::close(up[1]);
    w.pid = pid;
    w.to = down[1];
    w.from = up[0];
    w.task = -1;
}

// Hands the next task to an idle worker. A write that fails (the worker died) shows up as
// its pipe closing, which receive() then handles.
void Pool::send(Worker& w) {
    const std::int32_t index = next_++;
    w.task = index;
    write_all(w.to, &index, sizeof index);
}

void Pool::task_ended(int task, TaskResult r) {
    PoolProgress& p = report_.progress;
    ++p.done;
    if (!r.ok) ++p.failed;
    report_.results[task] = std::move(r);
    if (options_.on_result) options_.on_result(task, report_.results[task]);
    tell();
}

// A worker's reply; a worker that died with its task: the task fails naming how, the
// worker is reaped and replaced while tasks remain.
void Pool::receive(Worker& w) {
    std::int32_t ok = 0;
    std::uint64_t count = 0;
    std::string bytes;
    bool got = read_all(w.from, &ok, sizeof ok) && read_all(w.from, &count, sizeof count);
    if (got) {
        bytes.resize(count);
        got = read_all(w.from, &bytes[0], count);
    }
    const int task = w.task;
    TaskResult r;
    if (got) {
        r.ok = ok != 0;
        (r.ok ? r.payload : r.error) = std::move(bytes);
        w.task = -1;
    } else {
        int status = 0;
        ::close(w.to), ::close(w.from);
        waitpid(w.pid, &status, 0);
        w = Worker();
        r.worker_died = true;
        r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        r.error = death_message(status);
    }
    task_ended(task, std::move(r));
    if (next_ < static_cast<int>(report_.results.size())) {
        if (w.pid < 0) spawn(w);
        send(w);
    }
}

// Kills (or, at the end, dismisses) and reaps every worker.
void Pool::finish(bool kill_them) {
    for (auto& w : workers_)
        if (w.pid > 0) {
            if (kill_them) {
                kill(w.pid, SIGKILL);
            } else {
                const std::int32_t stop = -1;
                write_all(w.to, &stop, sizeof stop);
            }
        }
    for (auto& w : workers_)
        if (w.pid > 0) {
            ::close(w.to), ::close(w.from);
            waitpid(w.pid, nullptr, 0);
            w = Worker();
        }
}

// A stop signal arrived: the workers are killed, the tasks not finished fail.
bool Pool::stopped() {
    unsigned char sig = 0;
    if (read(signals_.stop_fd(), &sig, 1) != 1) return false;
    finish(true);
    report_.stop_signal = sig;
    for (auto& r : report_.results)
        if (!r.ok && r.error.empty()) r.error = "not run (stopped by signal " + std::to_string(sig) + ")";
    report_.progress.elapsed = seconds();
    return true;
}

void Pool::run() {
    const int n = static_cast<int>(report_.results.size());
    for (auto& w : workers_) {
        spawn(w);
        send(w);
    }
    const int n_workers = static_cast<int>(workers_.size());
    std::vector<pollfd> fds(n_workers + 1);
    const int timeout_ms = options_.tick > 0 ? std::max(1, static_cast<int>(options_.tick * 1000)) : -1;
    while (report_.progress.done < n) {
        for (int k = 0; k < n_workers; ++k)  // idle workers are not polled (poll skips fd -1)
            fds[k] = {workers_[k].task >= 0 ? workers_[k].from : -1, POLLIN, 0};
        fds[n_workers] = {signals_.stop_fd(), POLLIN, 0};
        const int ready = poll(fds.data(), fds.size(), timeout_ms);
        if (ready < 0) {
            if (errno == EINTR) continue;
            throw Error("poll on the worker pipes failed");
        }
        if (ready == 0) {
            tell();
            continue;
        }
        if ((fds[n_workers].revents & POLLIN) && stopped()) return;
        for (int k = 0; k < n_workers; ++k)
            if ((fds[k].revents & (POLLIN | POLLHUP | POLLERR)) && workers_[k].task >= 0) receive(workers_[k]);
    }
    finish(false);
}

}  // namespace

int available_cores() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<int>(n) : 1;
}

PoolReport run_in_processes(int n_tasks, const std::function<std::string(int)>& task, const PoolOptions& options) {
    const int n = std::max(0, n_tasks);
    const int jobs = options.jobs > 0 ? options.jobs : available_cores();
    const bool here = options.serial_in_process && (jobs == 1 || n == 1);
    PoolReport report;
    report.progress.tasks = n;
    report.progress.workers = here ? 0 : std::min(jobs, n);
    if (here || n == 0) {
        const auto t0 = std::chrono::steady_clock::now();
        auto tell = [&] {
            report.progress.elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (options.on_progress) options.on_progress(report.progress);
        };
        tell();
        for (int i = 0; i < n; ++i) {
            report.results.push_back(run_here(i, task));
            ++report.progress.done;
            if (!report.results.back().ok) ++report.progress.failed;
            if (options.on_result) options.on_result(i, report.results.back());
            tell();
        }
        return report;
    }
    SignalGuard signals(options.stop_on_signals);
    Pool pool(n, report.progress.workers, task, options, signals, report);
    pool.tell();
    pool.run();
    return report;
}

std::string pack_doubles(const std::vector<double>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
}

std::vector<double> unpack_doubles(const std::string& bytes) {
    std::vector<double> v(bytes.size() / sizeof(double));
    if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * sizeof(double));
    return v;
}

}  // namespace ssbsim
