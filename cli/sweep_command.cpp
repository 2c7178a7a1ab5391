// `ssbsim sweep`: runs the cases of a sweep file on local worker processes (fork, one case
// per process, so a crashing case cannot take the others down and memory stays flat), or
// on MPI ranks with dynamic load balancing when built with MPI and started by mpirun.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <memory>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "solvers/sweep.hpp"

#ifdef SSBSIM_WITH_MPI
#include <mpi.h>
#endif

namespace ssbsim::cli {

namespace {

std::string default_dir(const std::string& sweep_file) {
    std::string stem = sweep_file;
    auto slash = stem.rfind('/');
    std::string dir = slash == std::string::npos ? "." : stem.substr(0, slash);
    if (slash != std::string::npos) stem = stem.substr(slash + 1);
    auto dot = stem.rfind('.');
    if (dot != std::string::npos) stem = stem.substr(0, dot);
    return dir + "/" + stem;
}

// SIGTERM, SIGINT and SIGHUP while workers run: the handler writes the signal number down
// a pipe the main loop polls, which then stops the workers and exits.
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

// The progress line; redrawn every half second while cases run, so it moves (spinner,
// elapsed time, cases running) before the first case has finished. The ETA needs a case
// finished in this session (`finished`: done minus those complete at the start).
void draw(bool tty, int done, int total, int failed, double elapsed, int running = 0, int finished = -1) {
    if (!tty) return;
    static const char spin[] = {'|', '/', '-', '\\'};
    static unsigned tick = 0;
    double frac = total ? static_cast<double>(done) / total : 1.0;
    if (finished < 0) finished = done;
    int width = 30, filled = static_cast<int>(frac * width);
    char eta[32] = "--";
    if (finished > 0) std::snprintf(eta, sizeof eta, "%.0f s", elapsed / finished * (total - done));
    std::fprintf(stderr, "\r%c [%-*s] %d/%d cases  %d running  %d failed  elapsed %.0f s  ETA %s   ",
                 spin[tick++ % 4], width, std::string(filled, '#').c_str(), done, total, running, failed,
                 elapsed, eta);
    std::fflush(stderr);
}

int report(const SweepSpec& spec, const std::string& dir, bool quiet) {
    write_summary(spec, dir);
    int failed = 0;
    for (const auto& c : spec.cases) {
        if (case_complete(spec, dir, c.index)) continue;
        ++failed;
        std::string why = read_error(dir, c.index);
        std::cerr << "case " << c.index << " failed: " << (why.empty() ? "see its result file" : why) << "\n";
    }
    if (!quiet)
        std::cout << spec.cases.size() - failed << " of " << spec.cases.size()
                  << " cases complete; summary: " << dir << "/summary.csv, " << dir << "/summary.h5\n";
    return failed ? 4 : 0;
}

#ifdef SSBSIM_WITH_MPI
bool under_mpi() {
    return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK");
}

// Rank 0 hands out case numbers one at a time as ranks ask (dynamic load balancing: cases
// differ a lot in cost); every rank runs cases in its own process; rank 0 writes the
// summary. With one rank, rank 0 runs everything.
int sweep_mpi(const SweepSpec& spec, const std::string& dir, bool quiet) {
    MPI_Init(nullptr, nullptr);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    constexpr int kRequest = 1, kAssign = 2;
    int rc = 0;
    // Rank 0 holds the output directory's lock for the whole sweep; all ranks give up when
    // another sweep has it.
    std::unique_ptr<SweepLock> lock;
    int locked = 1;
    if (rank == 0) {
        try {
            lock = std::make_unique<SweepLock>(dir);
        } catch (const std::exception& e) {
            std::cerr << "ssbsim: error: " << e.what() << "\n";
            locked = 0;
        }
    }
    MPI_Bcast(&locked, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!locked) {
        MPI_Finalize();
        return 2;
    }
    if (rank == 0) {
        std::vector<int> todo;
        for (const auto& c : spec.cases)
            if (!case_complete(spec, dir, c.index)) todo.push_back(c.index);
        size_t next = 0;
        int active = size - 1;
        if (size == 1) {
            for (int idx : todo) run_case(spec, spec.cases[idx - 1], dir);
        }
        while (active > 0) {
            int dummy = 0;
            MPI_Status st;
            MPI_Recv(&dummy, 1, MPI_INT, MPI_ANY_SOURCE, kRequest, MPI_COMM_WORLD, &st);
            int assign = next < todo.size() ? todo[next++] : 0;  // 0: no more work
            MPI_Send(&assign, 1, MPI_INT, st.MPI_SOURCE, kAssign, MPI_COMM_WORLD);
            if (assign == 0) --active;
        }
        rc = report(spec, dir, quiet);
    } else {
        while (true) {
            int dummy = 0, assign = 0;
            MPI_Send(&dummy, 1, MPI_INT, 0, kRequest, MPI_COMM_WORLD);
            MPI_Recv(&assign, 1, MPI_INT, 0, kAssign, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (assign == 0) break;
            run_case(spec, spec.cases[assign - 1], dir);
        }
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return rc;
}
#endif

}  // namespace

int sweep(const std::string& file, const std::string& out_dir, int jobs, bool quiet) {
    try {
        SweepSpec spec = load_sweep(file);
        const std::string dir = out_dir.empty() ? default_dir(file) : out_dir;
#ifdef SSBSIM_WITH_MPI
        if (under_mpi()) return sweep_mpi(spec, dir, quiet);
#endif
        if (jobs <= 0) jobs = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
        // One sweep per output directory: a second one stops here, having touched nothing.
        SweepLock lock(dir);
        std::vector<int> todo;
        for (const auto& c : spec.cases) {
            if (case_complete(spec, dir, c.index)) continue;
            todo.push_back(c.index);
            std::remove((case_file(dir, c.index) + ".error").c_str());
        }
        const int total = static_cast<int>(spec.cases.size());
        int done = total - static_cast<int>(todo.size()), failed = 0;
        const int done_at_start = done;
        if (!quiet)
            std::cout << spec.name << ": " << total << " cases, " << done << " already complete, "
                      << todo.size() << " to run on " << jobs << " worker" << (jobs > 1 ? "s" : "") << "\n";
        const bool tty = !quiet && isatty(STDERR_FILENO);
        auto t0 = std::chrono::steady_clock::now();
        auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
        // Persistent workers: each is forked once and runs the cases the parent sends it
        // down a pipe, one at a time, so the per-case cost is the run itself (no fork and
        // page-fault storm per case). A worker that dies is replaced; its case is marked.
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
        const pid_t parent = getpid();
        auto spawn = [&](Worker& w) {
            int down[2], up[2];
            if (pipe(down) != 0 || pipe(up) != 0) throw Error("pipe failed");
            std::cout.flush();
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
                for (size_t k = 0; k < std::size(kStopSignals); ++k) sigaction(kStopSignals[k], &old_actions[k], nullptr);
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
        auto restore_signals = [&] {
            for (size_t k = 0; k < std::size(kStopSignals); ++k) sigaction(kStopSignals[k], &old_actions[k], nullptr);
            sigaction(SIGPIPE, &old_pipe, nullptr);
            close(g_signal_pipe[0]);
            close(g_signal_pipe[1]);
            g_signal_pipe[0] = g_signal_pipe[1] = -1;
        };
        // Stopped by a signal: kill the workers (their cases' .part files are left for the
        // next run to replace), reap them, and exit without waiting for any case.
        auto stop = [&](int sig) {
            for (auto& w : workers)
                if (w.pid > 0) kill(w.pid, SIGKILL);
            for (auto& w : workers)
                if (w.pid > 0) {
                    waitpid(w.pid, nullptr, 0);
                    if (w.to >= 0) close(w.to);
                    if (w.from >= 0) close(w.from);
                    w.pid = -1;
                }
            restore_signals();
            if (tty) std::fprintf(stderr, "\n");
            std::cerr << "ssbsim: sweep stopped by signal " << sig << " (" << strsignal(sig) << "): " << done
                      << " of " << total << " cases finished; run the same command again to resume\n";
            return 128 + sig;
        };
        size_t next = 0;
        for (auto& w : workers) {
            spawn(w);
            send(w, todo[next++]);
        }
        int busy = n_workers;
        draw(tty, done, total, failed, elapsed(), busy, 0);
        std::vector<pollfd> fds(n_workers + 1);
        while (busy > 0) {
            for (int k = 0; k < n_workers; ++k)  // idle workers are not polled (poll skips fd -1)
                fds[k] = {workers[k].index != 0 ? workers[k].from : -1, POLLIN, 0};
            fds[n_workers] = {g_signal_pipe[0], POLLIN, 0};
            const int ready = poll(fds.data(), fds.size(), tty ? 500 : -1);
            if (ready < 0) {
                if (errno == EINTR) continue;
                throw Error("poll failed");
            }
            if (ready == 0) {  // nothing finished within half a second: keep the line moving
                draw(tty, done, total, failed, elapsed(), busy, done - done_at_start);
                continue;
            }
            if (fds[n_workers].revents & POLLIN) {
                unsigned char sig = 0;
                if (read(g_signal_pipe[0], &sig, 1) == 1) return stop(sig);
            }
            for (int k = 0; k < n_workers; ++k) {
                if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                Worker& w = workers[k];
                if (w.index == 0) continue;
                int reply = 0;
                ssize_t got = read(w.from, &reply, sizeof reply);
                ++done;
                if (got != static_cast<ssize_t>(sizeof reply)) {
                    // The worker died with its case: mark it, reap, and start a new one.
                    ++failed;
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
                    if (reply < 0) ++failed;
                    w.index = 0;
                    if (next < todo.size()) {
                        send(w, todo[next++]);
                    } else {
                        --busy;
                    }
                }
                draw(tty, done, total, failed, elapsed(), busy, done - done_at_start);
            }
        }
        for (auto& w : workers) {
            if (w.pid < 0) continue;
            int stop = 0;
            if (w.to >= 0) {
                ssize_t ignored = write(w.to, &stop, sizeof stop);
                (void)ignored;
                close(w.to);
            }
            if (w.from >= 0) close(w.from);
            waitpid(w.pid, nullptr, 0);
        }
        restore_signals();
        if (tty) std::fprintf(stderr, "\n");
        return report(spec, dir, quiet);
    } catch (const std::exception& e) {
        std::cerr << "ssbsim: error: " << e.what() << "\n";
        return 2;
    }
}

}  // namespace ssbsim::cli
