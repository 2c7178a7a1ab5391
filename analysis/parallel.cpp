#include "analysis/parallel.hpp"

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>

#include "core/error.hpp"

namespace ssbsim {

namespace {

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

TaskResult run_here(int i, const std::function<std::vector<double>(int)>& task) {
    TaskResult r;
    try {
        r.values = task(i);
        r.ok = true;
    } catch (const std::exception& e) {
        r.error = e.what();
    }
    return r;
}

// Reply on the pipe: int32 ok, uint64 count, count doubles (ok) or count chars (error).
void worker_loop(int in, int out, const std::function<std::vector<double>(int)>& task) {
    std::int32_t index;
    while (read_all(in, &index, sizeof index) && index >= 0) {
        TaskResult r = run_here(index, task);
        std::int32_t ok = r.ok ? 1 : 0;
        std::uint64_t count = r.ok ? r.values.size() : r.error.size();
        if (!write_all(out, &ok, sizeof ok) || !write_all(out, &count, sizeof count)) break;
        bool sent = r.ok ? write_all(out, r.values.data(), count * sizeof(double))
                         : write_all(out, r.error.data(), count);
        if (!sent) break;
    }
}

struct Worker {
    pid_t pid = -1;
    int to = -1, from = -1;
    int task = -1;  // running task, -1 idle
};

}  // namespace

int available_cores() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<int>(n) : 1;
}

std::vector<TaskResult> run_parallel(int n, int jobs, const std::function<std::vector<double>(int)>& task) {
    std::vector<TaskResult> results(n);
    if (n <= 0) return results;
    if (jobs <= 1 || n == 1) {
        for (int i = 0; i < n; ++i) results[i] = run_here(i, task);
        return results;
    }
    const int n_workers = std::min(jobs, n);
    std::vector<Worker> workers(n_workers);
    const pid_t parent = getpid();
    for (auto& w : workers) {
        int down[2], up[2];
        if (pipe(down) != 0 || pipe(up) != 0) throw Error("cannot create a pipe for a worker process");
        pid_t pid = fork();
        if (pid < 0) throw Error("cannot fork a worker process");
        if (pid == 0) {
            // Die with the parent (SIGKILL: even in the middle of a long IDA solve), whatever
            // kills it; the getppid() check covers a parent that died before the prctl. (The
            // death signal follows the forking thread: run_parallel reaps its workers before
            // it returns, so they never outlive the call anyway.)
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(1);
            ::close(down[1]);
            ::close(up[0]);
            for (const auto& o : workers)  // earlier workers' pipes are not ours
                if (o.pid > 0) ::close(o.to), ::close(o.from);
            worker_loop(down[0], up[1], task);
            _exit(0);
        }
        ::close(down[0]);
        ::close(up[1]);
        w.pid = pid;
        w.to = down[1];
        w.from = up[0];
    }
    int next = 0, done = 0;
    auto dispatch = [&](Worker& w) {
        if (next >= n) return;
        std::int32_t index = next;
        if (write_all(w.to, &index, sizeof index)) w.task = next++;
    };
    for (auto& w : workers) dispatch(w);
    // A worker that died mid-task: its task fails with the reason; it is not replaced
    // (the remaining workers take the remaining tasks).
    auto fail_worker = [&](Worker& w) {
        int status = 0;
        ::close(w.to), ::close(w.from);
        waitpid(w.pid, &status, 0);
        if (w.task >= 0) {
            results[w.task].ok = false;
            results[w.task].error = WIFSIGNALED(status)
                                        ? std::string("worker killed by signal ") + strsignal(WTERMSIG(status))
                                        : "worker exited unexpectedly";
            ++done;
        }
        w.pid = -1;
        w.task = -1;
    };
    while (done < n) {
        std::vector<pollfd> fds;
        std::vector<Worker*> who;
        for (auto& w : workers)
            if (w.pid > 0 && w.task >= 0) {
                fds.push_back({w.from, POLLIN, 0});
                who.push_back(&w);
            }
        if (fds.empty()) {  // every worker died: run the rest here
            for (; next < n; ++next, ++done) results[next] = run_here(next, task);
            break;
        }
        if (poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            throw Error("poll on worker pipes failed");
        }
        for (std::size_t k = 0; k < fds.size(); ++k) {
            if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            Worker& w = *who[k];
            std::int32_t ok;
            std::uint64_t count;
            if (!read_all(w.from, &ok, sizeof ok) || !read_all(w.from, &count, sizeof count)) {
                fail_worker(w);
                continue;
            }
            TaskResult& r = results[w.task];
            r.ok = ok != 0;
            bool got;
            if (r.ok) {
                r.values.resize(count);
                got = read_all(w.from, r.values.data(), count * sizeof(double));
            } else {
                r.error.resize(count);
                got = read_all(w.from, r.error.data(), count);
            }
            if (!got) {
                fail_worker(w);
                continue;
            }
            ++done;
            w.task = -1;
            dispatch(w);
        }
    }
    for (auto& w : workers)
        if (w.pid > 0) {
            std::int32_t stop = -1;
            write_all(w.to, &stop, sizeof stop);
            ::close(w.to), ::close(w.from);
            waitpid(w.pid, nullptr, 0);
        }
    return results;
}

}  // namespace ssbsim
