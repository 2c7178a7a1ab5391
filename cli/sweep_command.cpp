// `ssbsim sweep`: runs the cases of a sweep file on the library's local worker pool
// (io/sweep.hpp: run_sweep, the same engine as ssbsim.sweep in Python), or on MPI ranks
// with dynamic load balancing when built with MPI and started by mpirun.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "io/sweep.hpp"

#ifdef SSBSIM_WITH_MPI
#include <mpi.h>
#endif

namespace ssbsim::cli {

namespace {

// The progress line; redrawn every half second while cases run, so it moves (spinner,
// elapsed time, cases running) before the first case has finished. The ETA needs a case
// finished in this session.
void draw(bool tty, const SweepProgress& p) {
    if (!tty) return;
    static const char spin[] = {'|', '/', '-', '\\'};
    static unsigned tick = 0;
    const int finished = p.done - (p.total - p.to_run);  // finished in this run
    const int running = std::max(0, std::min(p.workers, p.total - p.done));
    const double frac = p.total ? static_cast<double>(p.done) / p.total : 1.0;
    char eta[32] = "--";
    if (finished > 0) std::snprintf(eta, sizeof eta, "%.0f s", p.elapsed / finished * (p.total - p.done));
    char fields[128];
    std::snprintf(fields, sizeof fields, " %d/%d cases  %d running  %d failed  elapsed %.0f s  ETA %s   ", p.done,
                  p.total, running, p.failed, p.elapsed, eta);
    draw_progress(std::string(1, spin[tick++ % 4]) + " " + progress_bar(frac) + fields);
}

int report(const SweepSpec& spec, const std::string& dir, bool quiet) {
    const std::vector<std::string> status = write_summary(spec, dir);
    int failed = 0;
    for (const auto& c : spec.cases) {
        if (status[c.index - 1] == "complete" && case_key_current(spec, dir, c.index)) continue;
        ++failed;
        std::string why = case_error(dir, c.index);
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

// One round of work: rank 0 hands out tasks (pairs of ints, {0, 0} ends a rank's round)
// one at a time as the other ranks ask (dynamic load balancing: cases differ a lot in
// cost); with one rank, rank 0 does them itself.
using Task = std::array<int, 2>;
void serve(const std::vector<Task>& tasks, int size, const std::function<void(const Task&)>& work) {
    constexpr int kRequest = 1, kAssign = 2;
    if (size == 1) {
        for (const Task& t : tasks) work(t);
        return;
    }
    size_t next = 0;
    for (int active = size - 1; active > 0;) {
        int dummy = 0;
        MPI_Status st;
        MPI_Recv(&dummy, 1, MPI_INT, MPI_ANY_SOURCE, kRequest, MPI_COMM_WORLD, &st);
        Task assign = next < tasks.size() ? tasks[next++] : Task{0, 0};
        MPI_Send(assign.data(), 2, MPI_INT, st.MPI_SOURCE, kAssign, MPI_COMM_WORLD);
        if (assign[0] == 0) --active;
    }
}
void ask(const std::function<void(const Task&)>& work) {
    constexpr int kRequest = 1, kAssign = 2;
    for (;;) {
        int dummy = 0;
        Task assign{0, 0};
        MPI_Send(&dummy, 1, MPI_INT, 0, kRequest, MPI_COMM_WORLD);
        MPI_Recv(assign.data(), 2, MPI_INT, 0, kAssign, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (assign[0] == 0) return;
        work(assign);
    }
}

// Two rounds: the shared prefixes ({first case of the group, shared steps}), then the
// cases ({case, its shared steps}), each handed out by rank 0; rank 0 writes the summary.
int sweep_mpi(const SweepSpec& spec, const std::string& dir, bool quiet) {
    MPI_Init(nullptr, nullptr);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int rc = 0;
    // Rank 0 holds the output directory's lock for the whole sweep; all ranks give up when
    // another sweep has it.
    std::unique_ptr<SweepLock> lock;
    int locked = 1;
    if (rank == 0) {
        try {
            lock = std::make_unique<SweepLock>(dir);
        } catch (const std::exception& e) {
            report_error(e);
            locked = 0;
        }
    }
    MPI_Bcast(&locked, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!locked) {
        MPI_Finalize();
        return 2;
    }
    const auto prefix = [&](const Task& t) {
        try {
            run_prefix(spec, spec.cases[t[0] - 1], dir, t[1]);
        } catch (const std::exception&) {
            // Its cases run from the start and fail, if they do, with their own message.
        }
    };
    const auto one_case = [&](const Task& t) { run_case(spec, spec.cases[t[0] - 1], dir, t[1]); };
    if (rank == 0) {
        std::vector<int> todo;
        for (const auto& c : spec.cases)
            if (!case_complete(spec, dir, c.index)) todo.push_back(c.index);
        std::vector<Task> prefixes, cases;
        std::map<int, int> shared;
        for (const PrefixGroup& g : plan_prefixes(spec, todo)) {
            prefixes.push_back({g.cases[0], g.steps});
            for (int c : g.cases) shared[c] = g.steps;
        }
        for (int c : todo) cases.push_back({c, shared.count(c) ? shared[c] : 0});
        serve(prefixes, size, prefix);
        MPI_Barrier(MPI_COMM_WORLD);
        serve(cases, size, one_case);
        rc = report(spec, dir, quiet);
    } else {
        ask(prefix);
        MPI_Barrier(MPI_COMM_WORLD);
        ask(one_case);
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return rc;
}
#endif

}  // namespace

int sweep(const std::string& file, const std::string& out_dir, int jobs, bool quiet) {
    try {
        const BaseConfigCache once;  // the base config read once for the plan, the cases and the summary
        SweepSpec spec = load_sweep(file);
        const std::string dir = out_dir.empty() ? default_sweep_dir(file) : out_dir;
#ifdef SSBSIM_WITH_MPI
        if (under_mpi()) return sweep_mpi(spec, dir, quiet);
#endif
        const bool tty = !quiet && isatty(STDERR_FILENO);
        SweepRunOptions options;
        options.jobs = jobs;
        bool started = false;
        options.on_progress = [&](const SweepProgress& p) {
            if (!started) {
                started = true;
                if (!quiet)
                    std::cout << spec.name << ": " << p.total << " cases, " << p.done << " already complete, "
                              << p.to_run << " to run on " << p.workers << " worker" << (p.workers > 1 ? "s" : "")
                              << "\n";
                return;
            }
            draw(tty, p);
        };
        options.tick = tty ? 0.5 : 0.0;
        SweepRunReport r = run_sweep(spec, dir, options);
        if (r.stop_signal) {
            const int sig = r.stop_signal;
            if (tty) std::fprintf(stderr, "\n");
            std::cerr << "ssbsim: sweep stopped by signal " << sig << " (" << strsignal(sig) << "): " << r.progress.done
                      << " of " << r.progress.total << " cases finished; run the same command again to resume\n";
            return 128 + sig;
        }
        if (tty && r.progress.to_run > 0) std::fprintf(stderr, "\n");
        return report(spec, dir, quiet);
    } catch (const std::exception& e) {
        return report_error(e);
    }
}

}  // namespace ssbsim::cli
