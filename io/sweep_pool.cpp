// The local worker pool of a sweep (io/sweep.hpp: run_sweep), shared by `ssbsim sweep`
// and the Python package: persistent forked workers, each running the cases the parent
// sends it down a pipe, one at a time, so the per-case cost is the run itself (no fork and
// page-fault storm per case). A worker that dies is replaced; its case is marked failed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "core/error.hpp"
#include "core/files.hpp"
#include "io/sweep.hpp"

namespace ssbsim {

std::string default_sweep_dir(const std::string& sweep_file) {
    std::string stem = sweep_file;
    auto slash = stem.rfind('/');
    std::string dir = slash == std::string::npos ? "." : stem.substr(0, slash);
    if (slash != std::string::npos) stem = stem.substr(slash + 1);
    auto dot = stem.rfind('.');
    if (dot != std::string::npos) stem = stem.substr(0, dot);
    return dir + "/" + stem;
}

namespace {

// SIGTERM, SIGINT and SIGHUP while workers run: the handler writes the signal number down
// a pipe the main loop polls, which then stops the workers and returns.
int g_signal_pipe[2] = {-1, -1};
extern "C" void on_stop_signal(int sig) {
    const int saved = errno;
    unsigned char b = static_cast<unsigned char>(sig);
    ssize_t ignored = write(g_signal_pipe[1], &b, 1);
    (void)ignored;
    errno = saved;
}
const int kStopSignals[] = {SIGTERM, SIGINT, SIGHUP};

std::string read_error(const std::string& dir, int index) {
    std::ifstream in(case_file(dir, index) + ".error");
    std::string msg;
    if (in) std::getline(in, msg);
    return msg;
}

}  // namespace

SweepRunReport run_sweep(const SweepSpec& spec, const std::string& dir, const SweepRunOptions& options) {
    int jobs = options.jobs;
    if (jobs <= 0) jobs = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
    // One sweep per output directory: a second one stops here, having touched nothing.
    SweepLock lock(dir);
    std::vector<int> todo;
    for (const auto& c : spec.cases) {
        if (case_complete(spec, dir, c.index)) continue;
        todo.push_back(c.index);
        std::remove((case_file(dir, c.index) + ".error").c_str());
    }
    SweepRunReport report;
    SweepProgress& p = report.progress;
    p.total = static_cast<int>(spec.cases.size());
    p.done = p.total - static_cast<int>(todo.size());
    p.to_run = static_cast<int>(todo.size());
    p.workers = jobs;
    auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    auto tell = [&] {
        p.elapsed = elapsed();
        if (options.on_progress) options.on_progress(p);
    };
    tell();
    if (todo.empty()) return report;
    struct Worker {
        pid_t pid = -1;
        int to = -1, from = -1, index = 0;  // index: the case it runs, 0 when idle
    };
    const int n_workers = std::min<int>(jobs, static_cast<int>(todo.size()));
    std::vector<Worker> workers(n_workers);
    // Stop signals: handled (below) while workers run; blocked around each fork so a
    // new worker cannot run the parent's handler before it has reset its own.
    if (pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) throw Error("pipe failed");
    sigset_t stop_set, old_set;
    sigemptyset(&stop_set);
    for (int sig : kStopSignals) sigaddset(&stop_set, sig);
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    std::vector<struct sigaction> old_actions(std::size(kStopSignals));
    for (size_t k = 0; k < std::size(kStopSignals); ++k) {
        sigaction(kStopSignals[k], nullptr, &old_actions[k]);
        if (old_actions[k].sa_handler != SIG_IGN)  // ignored at start (nohup, `&`): stays so
            sigaction(kStopSignals[k], &sa, nullptr);
    }
    // A worker that died leaves a closed pipe: writing to it must fail, not kill us.
    struct sigaction ignore {}, old_pipe {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &old_pipe);
    auto restore_signals = [&] {
        for (size_t k = 0; k < std::size(kStopSignals); ++k) sigaction(kStopSignals[k], &old_actions[k], nullptr);
        sigaction(SIGPIPE, &old_pipe, nullptr);
        close(g_signal_pipe[0]);
        close(g_signal_pipe[1]);
        g_signal_pipe[0] = g_signal_pipe[1] = -1;
    };
    // Kills (or, at the end, dismisses) and reaps every worker.
    auto finish = [&](bool kill_them) {
        for (auto& w : workers)
            if (w.pid > 0) {
                if (kill_them) {
                    kill(w.pid, SIGKILL);
                } else if (w.to >= 0) {
                    int stop = 0;
                    ssize_t ignored = write(w.to, &stop, sizeof stop);
                    (void)ignored;
                }
            }
        for (auto& w : workers)
            if (w.pid > 0) {
                if (w.to >= 0) close(w.to);
                if (w.from >= 0) close(w.from);
                waitpid(w.pid, nullptr, 0);
                w.pid = -1;
                w.to = w.from = -1;
            }
        restore_signals();
    };
    const pid_t parent = getpid();
    auto spawn = [&](Worker& w) {
        int down[2], up[2];
        if (pipe(down) != 0 || pipe(up) != 0) throw Error("pipe failed");
        std::cout.flush();
        std::fflush(nullptr);
        sigprocmask(SIG_BLOCK, &stop_set, &old_set);
        pid_t pid = fork();
        if (pid < 0) {
            sigprocmask(SIG_SETMASK, &old_set, nullptr);
            throw Error("fork failed");
        }
        if (pid == 0) {
            // A worker dies with the sweep (SIGKILL, so even mid-solve): the parent's
            // death, by any signal, must not leave it writing into the directory that
            // a restarted sweep is using. The getppid() check covers a parent that died
            // before the prctl.
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(1);
            // The stop signals are the parent's to handle: a worker started from an
            // interpreter must not run the interpreter's handlers (Ctrl-C reaches the
            // whole process group; the parent then kills the workers).
            struct sigaction dfl {};
            dfl.sa_handler = SIG_DFL;
            sigemptyset(&dfl.sa_mask);
            for (size_t k = 0; k < std::size(kStopSignals); ++k)
                sigaction(kStopSignals[k], old_actions[k].sa_handler == SIG_IGN ? &old_actions[k] : &dfl, nullptr);
            sigaction(SIGPIPE, &old_pipe, nullptr);
            sigprocmask(SIG_SETMASK, &old_set, nullptr);
            close(g_signal_pipe[0]);
            close(g_signal_pipe[1]);
            lock.close_in_child();  // the lock is the parent's alone
            for (const auto& o : workers)  // other workers' pipes are not ours
                if (&o != &w && o.pid > 0) {
                    if (o.to >= 0) close(o.to);
                    if (o.from >= 0) close(o.from);
                }
            close(down[1]);
            close(up[0]);
            int index = 0;
            while (read(down[0], &index, sizeof index) == static_cast<ssize_t>(sizeof index) && index > 0) {
                CaseOutcome o = run_case(spec, spec.cases[index - 1], dir);
                int reply = o.status == "complete" ? index : -index;
                if (write(up[1], &reply, sizeof reply) != static_cast<ssize_t>(sizeof reply)) break;
            }
            _exit(0);
        }
        sigprocmask(SIG_SETMASK, &old_set, nullptr);
        close(down[0]);
        close(up[1]);
        fcntl(down[1], F_SETFD, FD_CLOEXEC);
        fcntl(up[0], F_SETFD, FD_CLOEXEC);
        w.pid = pid;
        w.to = down[1];
        w.from = up[0];
        w.index = 0;
    };
    auto send = [&](Worker& w, int index) {
        w.index = index;
        if (write(w.to, &index, sizeof index) != static_cast<ssize_t>(sizeof index)) w.index = -index;
    };
    try {
        size_t next = 0;
        for (auto& w : workers) {
            spawn(w);
            send(w, todo[next++]);
        }
        int busy = n_workers;
        std::vector<pollfd> fds(n_workers + 1);
        const int timeout_ms = options.tick > 0 ? std::max(1, static_cast<int>(options.tick * 1000)) : -1;
        while (busy > 0) {
            for (int k = 0; k < n_workers; ++k)  // idle workers are not polled (poll skips fd -1)
                fds[k] = {workers[k].index != 0 ? workers[k].from : -1, POLLIN, 0};
            fds[n_workers] = {g_signal_pipe[0], POLLIN, 0};
            int ready = poll(fds.data(), fds.size(), timeout_ms);
            if (ready < 0) {
                if (errno == EINTR) continue;
                throw Error("poll failed");
            }
            if (ready == 0) {
                tell();
                continue;
            }
            if (fds[n_workers].revents & POLLIN) {
                unsigned char sig = 0;
                if (read(g_signal_pipe[0], &sig, 1) == 1) {
                    // Stopped by a signal: kill the workers and return without waiting for
                    // any case.
                    finish(true);
                    report.stop_signal = sig;
                    p.elapsed = elapsed();
                    return report;
                }
            }
            for (int k = 0; k < n_workers; ++k) {
                if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                Worker& w = workers[k];
                if (w.index == 0) continue;
                int reply = 0;
                ssize_t got = read(w.from, &reply, sizeof reply);
                ++p.done;
                if (got != static_cast<ssize_t>(sizeof reply)) {
                    // The worker died with its case: mark it, reap, and start a new one.
                    ++p.failed;
                    int status = 0;
                    waitpid(w.pid, &status, 0);
                    w.index = std::abs(w.index);
                    if (read_error(dir, w.index).empty())
                        write_text_atomically(case_file(dir, w.index) + ".error",
                                              "worker died" + (WIFSIGNALED(status) ? " (signal " + std::to_string(WTERMSIG(status)) + ")" : std::string()) + "\n");
                    close(w.to);
                    close(w.from);
                    w.pid = -1;
                    w.to = w.from = -1;
                    w.index = 0;
                    if (next < todo.size()) {
                        spawn(w);
                        send(w, todo[next++]);
                    } else {
                        --busy;
                    }
                } else {
                    if (reply < 0) ++p.failed;
                    w.index = 0;
                    if (next < todo.size()) {
                        send(w, todo[next++]);
                    } else {
                        --busy;
                    }
                }
                tell();
            }
        }
    } catch (...) {
        finish(true);
        throw;
    }
    finish(false);
    p.elapsed = elapsed();
    return report;
}

}  // namespace ssbsim
