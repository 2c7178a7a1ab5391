// Benchmark harness: Study A's first cycle (the embedded default: C/50 to 4.3 V, 10 h hold,
// C/50 to 2.5 V, 33 h hold, 45 degC), intercalation only.
//
//   ssbsim_bench [--repeat N] [--processes M] [--set key=value ...]
//
// Then the same first cycle with all SE chemistry on (configs/studies/study_a.yaml on the
// same mesh) and the ratio of the two solve times.
//
// Reports, in one run so ratios are comparable on a noisy machine:
//   * per solve: model construction + IDA/KLU solve of the whole protocol, no output
//     (median and min over N repeats), with steps, residual and Jacobian evaluations;
//   * per solve with the HDF5 writer attached;
//   * fresh process: `ssbsim run -q` end to end (exec, config, solve, HDF5), median of M.
//
// Then the studies with everything on, as shipped (configs/studies/; issue #10 "Speed"): the
// Study A first cycle (study_a.yaml, its own mesh) and 500 Study B cycles (study_b.yaml), no
// output. Options: --studies-repeat K (Study A solves, default 3; Study B runs once),
// --study-b-cycles N (default 500), --studies-set key=value (both, repeatable),
// --no-studies / --studies-only.
//
// Between the two: N C/2 cycles of the embedded default, chemistry on (issue #12's 500-cycle
// figure): --cycles N (default 500, 0: none), --cycling-only (just these, with --set).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "io/result_writer.hpp"
#include "run/simulation.hpp"

using namespace ssbsim;
using Clock = std::chrono::steady_clock;

namespace {
double median(std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double spawn_run(const std::string& out) {
    auto t0 = Clock::now();
    pid_t pid = fork();
    if (pid == 0) {
        execl(SSBSIM_BINARY, SSBSIM_BINARY, "run", SSBSIM_SOURCE_DIR "/benchmarks/study_a_intercalation.yaml",
              "-q", "-o", out.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) std::fprintf(stderr, "ssbsim run failed\n");
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A study config as shipped (plus overrides), solved `repeat` times without output; prints
// the median solve time, the solver's work and what the run gave.
bool time_study(const std::string& config, const std::vector<std::string>& set, int repeat, const char* what) {
    ConfigNode r = ConfigNode::load_file(std::string(SSBSIM_SOURCE_DIR) + "/" + config);
    std::vector<std::string> all = {"output.profile_interval=0"};
    all.insert(all.end(), set.begin(), set.end());
    MaterialLibrary lib;
    SimulationConfig c = load_config(r.with_overrides(all), lib);
    std::vector<double> t;
    RunResult res;
    int states = 0;
    for (int k = 0; k < std::max(1, repeat); ++k) {
        auto t0 = Clock::now();
        Simulation sim(c);
        res = sim.run(nullptr);
        t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
        states = sim.model().size();
        if (res.status != RunStatus::complete) {
            std::fprintf(stderr, "%s failed: %s\n", what, res.message.c_str());
            return false;
        }
    }
    const auto& s = res.stats;
    std::printf("%s (%s)\n", what, config.c_str());
    std::printf("  states / cycles            %d / %zu\n", states, res.cycles.size());
    std::printf("  solver steps               %ld\n", s.steps);
    std::printf("  residuals / Jacobians      %ld / %ld\n", s.residual_evaluations, s.jacobian_evaluations);
    if (!res.cycles.empty()) {
        const auto& a = res.cycles.front();
        const auto& b = res.cycles.back();
        std::printf("  cycle 1: charge / CE       %.2f mAh/g / %.2f %%\n", a.charge_capacity,
                    100 * a.coulombic_efficiency);
        if (res.cycles.size() > 1 && a.discharge_capacity > 0)
            std::printf("  last cycle: CE / retention %.3f %% / %.2f %%\n", 100 * b.coulombic_efficiency,
                        100 * b.discharge_capacity / a.discharge_capacity);
    }
    std::printf("  per solve (no output)      median %.3f s, min %.3f s  (%d runs)\n", median(t),
                *std::min_element(t.begin(), t.end()), static_cast<int>(t.size()));
    return true;
}

// N cycles of a C/2 Study A-type cycling protocol on the embedded default's cell, chemistry
// on, no output (issue #12: 500 cycles in <= 2 s): one run, with the solver's work per
// cycle and per step.
bool time_cycling(int cycles, const std::vector<std::string>& set) {
    const std::string steps = "protocol.steps=[\"Charge at C/2 until 4.3 V\", {\"repeat\": " + std::to_string(cycles) +
                              ", \"steps\": [\"Discharge at C/2 until 2.5 V\", \"Charge at C/2 until 4.3 V\"]}]";
    std::vector<std::string> all = {steps, "output.profile_interval=0"};
    all.insert(all.end(), set.begin(), set.end());
    MaterialLibrary lib;
    SimulationConfig c = load_config(
        ConfigNode::load_string(default_config_text(), "<embedded default>").with_overrides(all), lib);
    auto t0 = Clock::now();
    Simulation sim(c);
    RunResult res = sim.run(nullptr);
    const double t = std::chrono::duration<double>(Clock::now() - t0).count();
    const auto& s = res.stats;
    const double n = std::max<std::size_t>(1, res.cycles.size());
    std::printf("%d C/2 cycles, embedded default, chemistry on, no output\n", cycles);
    std::printf("  status / cycles completed  %s / %zu\n", to_string(res.status), res.cycles.size());
    std::printf("  solver steps               %ld (%.1f per cycle)\n", s.steps, s.steps / n);
    std::printf("  residuals / Jacobians      %ld / %ld (%.1f Jacobians per cycle)\n", s.residual_evaluations,
                s.jacobian_evaluations, s.jacobian_evaluations / n);
    std::printf("  Newton iterations / fails  %ld / %ld convergence, %ld error test\n", s.nonlinear_iterations,
                s.convergence_failures, s.error_test_failures);
    std::printf("  Jacobians rebuilt at new cj %ld (setups %ld)\n", s.jacobian_rebuilds, s.linear_setups);
    std::printf("  wall time                  %.3f s (%.1f us per step)\n", t, 1e6 * t / std::max(1L, s.steps));
    return res.status == RunStatus::complete;
}

// The studies with everything on: Study A's first cycle and Study B's 500 cycles.
bool time_studies(const std::vector<std::string>& set, int repeat, int b_cycles) {
    bool ok = time_study("configs/studies/study_a.yaml", set, repeat, "Study A first cycle, everything on");
    std::vector<std::string> b = {"protocol.steps.0.repeat=" + std::to_string(b_cycles)};
    b.insert(b.end(), set.begin(), set.end());
    const std::string what = "Study B, " + std::to_string(b_cycles) + " cycles, everything on";
    return time_study("configs/studies/study_b.yaml", b, 1, what.c_str()) && ok;
}

struct Options {
    int repeat = 20, processes = 10, studies_repeat = 3, b_cycles = 500, cycles = 500;
    bool cycling_only = false;
    bool studies = true, only_studies = false;
    std::vector<std::string> set, studies_set;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const bool more = i + 1 < argc;
        if (!std::strcmp(argv[i], "--repeat") && more) o.repeat = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--processes") && more) o.processes = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--set") && more) o.set.push_back(argv[++i]);
        else if (!std::strcmp(argv[i], "--studies-repeat") && more) o.studies_repeat = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--study-b-cycles") && more) o.b_cycles = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--studies-set") && more) o.studies_set.push_back(argv[++i]);
        else if (!std::strcmp(argv[i], "--cycles") && more) o.cycles = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--cycling-only")) o.cycling_only = true;
        else if (!std::strcmp(argv[i], "--no-studies")) o.studies = false;
        else if (!std::strcmp(argv[i], "--studies-only")) o.only_studies = true;
    }
    return o;
}

}  // namespace

int run_benchmarks(int argc, char** argv) {
    const Options opt = parse(argc, argv);
    const int repeat = opt.repeat, processes = opt.processes;
    const std::vector<std::string>& set = opt.set;
    if (opt.only_studies) return time_studies(opt.studies_set, opt.studies_repeat, opt.b_cycles) ? 0 : 1;
    if (opt.cycling_only) return time_cycling(opt.cycles, opt.set) ? 0 : 1;
    // The intercalation-only analogue of the brief's PyBaMM figure.
    const std::string analogue = std::string(SSBSIM_SOURCE_DIR) + "/benchmarks/study_a_intercalation.yaml";
    ConfigNode root = ConfigNode::load_file(analogue);
    if (!set.empty()) root = root.with_overrides(set);
    MaterialLibrary lib;
    SimulationConfig cfg = load_config(root, lib);

    std::vector<double> solve, with_output;
    RunResult last;
    int states = 0;
    for (int k = 0; k < repeat; ++k) {
        auto t0 = Clock::now();
        Simulation sim(cfg);
        last = sim.run(nullptr);
        solve.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
        states = sim.model().size();
        if (last.status != RunStatus::complete) {
            std::fprintf(stderr, "run failed: %s\n", last.message.c_str());
            return 1;
        }
    }
    const std::string out = "/tmp/ssbsim_bench.h5";
    for (int k = 0; k < std::max(3, repeat / 4); ++k) {
        auto t0 = Clock::now();
        Simulation sim(cfg);
        ResultWriter w(out);
        w.create_in_background();  // as `ssbsim run` does
        sim.run(&w);
        with_output.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    std::vector<double> fresh;
    for (int k = 0; k < processes; ++k) fresh.push_back(spawn_run(out));
    std::remove(out.c_str());

    // The calibrated Study A cell (the embedded default) with the SE chemistry on and off:
    // the cost of the chemistry on one cell, mesh and tolerance.
    auto time_default = [&](bool chemistry, RunResult& res, int& states) {
        ConfigNode r = ConfigNode::load_string(default_config_text(), "<embedded default>")
                           .with_overrides({std::string("chemistry.enabled=") + (chemistry ? "true" : "false"),
                                            "mesh.cathode=20", "output.profile_interval=0"});
        MaterialLibrary l;
        SimulationConfig c = load_config(r, l);
        std::vector<double> t;
        for (int k = 0; k < repeat; ++k) {
            auto t0 = Clock::now();
            Simulation sim(c);
            res = sim.run(nullptr);
            t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
            states = sim.model().size();
        }
        return median(t);
    };
    RunResult chem_last, plain_last;
    int chem_states = 0, plain_states = 0;
    const double t_chem = time_default(true, chem_last, chem_states);
    const double t_plain = time_default(false, plain_last, plain_states);
    const auto& s = last.stats;
    std::printf("Study A first cycle, intercalation only (%s)\n", cfg.name.c_str());
    std::printf("  states                     %d\n", states);
    std::printf("  solver steps               %ld\n", s.steps);
    std::printf("  residual evaluations       %ld\n", s.residual_evaluations);
    std::printf("  Jacobian evaluations       %ld\n", s.jacobian_evaluations);
    std::printf("  first-cycle charge / CE    %.2f mAh/g / %.2f %%\n", last.cycles[0].charge_capacity,
                100 * last.cycles[0].coulombic_efficiency);
    std::printf("  per solve (no output)      median %.2f ms, min %.2f ms  (%d repeats)\n",
                1e3 * median(solve), 1e3 * *std::min_element(solve.begin(), solve.end()), repeat);
    std::printf("  per solve with HDF5 output median %.2f ms\n", 1e3 * median(with_output));
    std::printf("  fresh process (ssbsim run) median %.2f ms, min %.2f ms  (%d runs)\n",
                1e3 * median(fresh), fresh.empty() ? 0.0 : 1e3 * *std::min_element(fresh.begin(), fresh.end()), processes);
    const auto& cs = chem_last.stats;
    const auto& ps = plain_last.stats;
    std::printf("Calibrated Study A (embedded default, 20 x 20 mesh), SE chemistry on / off\n");
    std::printf("  states                     %d / %d\n", chem_states, plain_states);
    std::printf("  solver steps               %ld / %ld\n", cs.steps, ps.steps);
    std::printf("  residuals / Jacobians      %ld / %ld  and  %ld / %ld\n", cs.residual_evaluations,
                cs.jacobian_evaluations, ps.residual_evaluations, ps.jacobian_evaluations);
    std::printf("  per solve (no output)      median %.2f ms / %.2f ms\n", 1e3 * t_chem, 1e3 * t_plain);
    std::printf("  chemistry on / off         %.2f\n", t_chem / t_plain);
    if (opt.cycles > 0 && !time_cycling(opt.cycles, {})) return 1;
    if (opt.studies && !time_studies(opt.studies_set, opt.studies_repeat, opt.b_cycles)) return 1;
    return 0;
}

// A bad --set or config is reported, not left to std::terminate.
int main(int argc, char** argv) {
    try {
        return run_benchmarks(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ssbsim_bench: error: %s\n", e.what());
        return 2;
    }
}
