#include "cli/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/progress.hpp"
#include "core/error.hpp"
#include "io/checkpoint.hpp"
#include "io/result_writer.hpp"
#include "run/checkpoint.hpp"
#include "run/simulation.hpp"

namespace ssbsim::cli {

namespace {

Simulation* g_running = nullptr;

void on_signal(int) {
    if (g_running) g_running->request_stop();
}

ConfigNode load_root(const std::string& path, const std::vector<std::string>& set) {
    ConfigNode root = path.empty()
                          ? ConfigNode::load_string(default_config_text(), "<embedded default>")
                          : ConfigNode::load_file(path);
    return set.empty() ? root : root.with_overrides(set);
}

// Forwards to the writer and draws a one-line progress display: the share of the
// protocol's estimated simulated time done, the wall time elapsed and an ETA from the
// simulated-time rate so far and the estimated simulated time left.
class ProgressObserver : public ForwardingObserver {
public:
    ProgressObserver(RunObserver& inner, bool draw, std::size_t n_steps)
        : ForwardingObserver(&inner), draw_(draw), n_steps_(n_steps) {}
    void on_start(const SimulationConfig& c, const CathodeP2D& m) override {
        estimate_ = estimate_step_durations(c);
        before_.assign(estimate_.size() + 1, 0.0);
        for (std::size_t k = 0; k < estimate_.size(); ++k) before_[k + 1] = before_[k] + estimate_[k];
        t0_ = std::chrono::steady_clock::now();
        ForwardingObserver::on_start(c, m);
    }
    void on_sample(const Sample& s) override {
        ForwardingObserver::on_sample(s);
        if (!draw_) return;
        auto now = std::chrono::steady_clock::now();
        if (drawn_ && now - last_ < std::chrono::milliseconds(200)) return;
        last_ = now;
        const double wall = std::chrono::duration<double>(now - t0_).count();
        const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(std::max(0, s.step)), estimate_.size());
        const double total = before_.back();
        // Simulated time done on the estimate's scale: a step past its estimate counts as
        // its estimate (the ETA then stays at the steps still to come).
        double in_step = k < estimate_.size() ? std::min(std::max(0.0, s.time - step_start_), estimate_[k]) : 0.0;
        double done = before_[k] + in_step;
        double frac = total > 0 ? std::min(1.0, done / total) : static_cast<double>(s.step) / n_steps_;
        std::string eta = "--";
        if (s.time > 0 && wall > 0.2) {
            const double rate = s.time / wall;  // simulated seconds per wall second
            eta = clock_text(std::max(0.0, total - done) / rate);
        }
        char fields[160];
        std::snprintf(fields, sizeof fields, " %3.0f%%  t = %8.2f h  step %d/%zu  cycle %d  %.4f V  elapsed %s  ETA %s  ",
                      100 * frac, s.time / 3600.0, s.step + 1, n_steps_, s.cycle, s.potential,
                      clock_text(wall).c_str(), eta.c_str());
        draw_progress(progress_bar(frac) + fields);
        drawn_ = true;
    }
    // The display reads the samples' time, step and potential.
    bool wants_samples() const override { return draw_ || next_wants_samples(); }
    bool wants_profiles() const override { return next_wants_profiles(); }
    void on_step(const StepSummary& s) override {
        step_start_ = s.end_time;
        ForwardingObserver::on_step(s);
    }
    void on_finish(const RunResult& r) override {
        if (drawn_) clear_progress();
        ForwardingObserver::on_finish(r);
    }

private:
    bool draw_;
    std::size_t n_steps_;
    std::vector<double> estimate_, before_;  // per step, and their running sum
    double step_start_ = 0.0;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_{}, t0_{};
};

// Output off: only counts the samples, for the summary; the sampler builds no samples
// and no profiles for it.
class SampleCounter : public RunObserver {
public:
    long samples = 0;
    bool wants_samples() const override { return false; }
    bool wants_profiles() const override { return false; }
    void on_sample_skipped() override { ++samples; }
    void on_sample(const Sample&) override { ++samples; }  // a restart's recorded samples
};

// --restart and --checkpoint: the checkpoint to start from is read into `from`; the one
// asked for is written when the run reaches it (`written` says whether it did).
RunControl checkpoint_control(const RunOptions& o, RunCheckpoint& from, bool& written) {
    RunControl control;
    if (!o.restart.empty()) {
        from = read_checkpoint(o.restart);
        control.restart = &from;
    }
    if (o.checkpoint.empty() != (o.checkpoint_after < 0))
        throw ConfigError("--checkpoint", 0, "",
                          "give --checkpoint FILE and --checkpoint-after-step N together");
    if (o.checkpoint.empty()) return control;
    if (o.checkpoint_after < 1 || (control.restart && o.checkpoint_after <= from.next_step))
        throw ConfigError("--checkpoint-after-step", 0, "",
                          "must be a step count >= 1" +
                              (control.restart ? " and beyond the restart's " + std::to_string(from.next_step)
                                               : std::string()));
    control.checkpoint_after = o.checkpoint_after;
    const std::string path = o.checkpoint;
    control.on_checkpoint = [path, &written](RunCheckpoint&& ck) {
        try {
            write_checkpoint(path, ck);
        } catch (const IoError& e) {
            const std::string what = e.what();
            if (what.find(path) != std::string::npos) throw;
            throw IoError("cannot write the checkpoint '" + path + "': " + what);
        }
        written = true;
    };
    return control;
}

}  // namespace

// Protocols of at most this many steps keep their step and cycle records for the summary
// (~0.2 kB a step); longer ones read the summary back from the result file.
constexpr std::size_t kSummaryRecordSteps = 4096;

int run(const RunOptions& o) {
    try {
        ConfigNode root = load_root(o.config, o.set);
        MaterialLibrary lib;
        SimulationConfig cfg = load_config(root, lib);
        if (o.no_output && !o.output.empty())
            throw ConfigError("--no-output", 0, "", "contradicts -o " + o.output + "; give one of them");
        if (!o.output.empty()) cfg.output.file = o.output;
        if (o.no_output) cfg.output.file = "none";
        const bool to_file = cfg.output.writes_file();
        RunCheckpoint from;
        bool written = false;
        RunControl control = checkpoint_control(o, from, written);
        // The summary comes from the run's own step and cycle records (the numbers the file
        // holds) when the protocol is short enough to keep them in memory; a longer one is
        // read back from the file, so memory stays flat in the number of steps.
        const bool records_in_memory = !to_file || (!o.quiet && cfg.protocol.steps.size() <= kSummaryRecordSteps);
        control.keep_records = records_in_memory;
        Simulation sim(cfg);
        std::unique_ptr<ResultWriter> writer;
        if (to_file) {
            writer = std::make_unique<ResultWriter>(cfg.output.file);
            writer->create_in_background();  // the file's datasets made while the run solves
        }
        SampleCounter counter;
        RunObserver& sink = to_file ? static_cast<RunObserver&>(*writer) : counter;
        bool tty = !o.quiet && (o.force_progress || (o.progress && isatty(STDERR_FILENO)));
        ProgressObserver progress(sink, tty, cfg.protocol.steps.size());
        g_running = &sim;
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        auto t0 = std::chrono::steady_clock::now();
        RunResult r;
        try {
            r = sim.run(&progress, control);
        } catch (const IoError& e) {
            // A write of the result file failed (a full disk): the h5 layer's message says
            // what and why, not which file.
            const std::string what = e.what();
            if (!to_file || what.rfind("HDF5: ", 0) != 0) throw;
            throw IoError("cannot write the result file '" + cfg.output.file + "': " + what);
        }
        double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        g_running = nullptr;
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
        if (!o.quiet) {
            ResultSummary summary;
            if (records_in_memory) {
                summary = summarize_run(cfg, r, to_file ? writer->samples_written() : counter.samples);
                if (to_file) {  // as read_result would: the file's ledger flag is the chemistry's
                    summary.path = cfg.output.file;
                    summary.has_ledger = cfg.cell.chemistry.enabled;
                }
            } else {
                summary = read_result(cfg.output.file);
            }
            std::cout << format_summary(summary, parse_summary_mode(o.summary));
            std::cout << std::fixed << std::setprecision(3) << "\nWall time " << wall << " s; "
                      << r.stats.steps << " solver steps, " << r.stats.residual_evaluations
                      << " residual and " << r.stats.jacobian_evaluations
                      << " Jacobian evaluations; lithium balance error "
                      << std::scientific << std::setprecision(1) << r.lithium_balance_error
                      << "\nResults: " << (to_file ? cfg.output.file : std::string("none (output off)")) << "\n";
            if (written) std::cout << "Checkpoint after step " << o.checkpoint_after << ": " << o.checkpoint << "\n";
        }
        if (!o.checkpoint.empty() && !written)
            std::cerr << "ssbsim: no checkpoint written: the run ended before step " << o.checkpoint_after << "\n";
        if (r.status == RunStatus::failed) {
            std::cerr << "ssbsim: " << r.message << "\n";
            if (to_file) std::cerr << "(results up to the failure are in " << cfg.output.file << ")\n";
            return 3;
        }
        if (r.status == RunStatus::output_limit) {
            std::cerr << "ssbsim: " << r.message << " (" << cfg.output.file << ")\n";
            return 5;
        }
        if (r.status == RunStatus::interrupted) {
            std::cerr << "ssbsim: " << r.message << "\n";
            return 130;
        }
        return 0;
    } catch (const std::exception& e) {
        return report_error(e);
    }
}

int check(const std::string& config, const std::vector<std::string>& set, bool print) {
    try {
        ConfigNode root = load_root(config, set);
        MaterialLibrary lib;
        SimulationConfig cfg = load_config(root, lib);
        Simulation model_check(cfg);  // model-level checks (mesh, materials) without running
        if (print) {
            std::cout << "# Fully resolved ssbsim config (SI where no unit is written)\n"
                      << emit_config_text(cfg) << "\n";
        } else {
            const CellSpec& c = cfg.cell;
            std::cout << (config.empty() ? std::string("<embedded default>") : config) << ": OK\n"
                      << std::setprecision(4) << "  cathode " << c.thickness * 1e6 << " um, CAM "
                      << c.cam.name << " " << c.loading * 100 << " mg/cm2 (eps " << c.eps_cam
                      << "), SE eps " << c.eps_se << ", carbon eps " << c.eps_carbon
                      << "\n  " << cfg.protocol.steps.size() << " protocol steps\n";
        }
        return 0;
    } catch (const std::exception& e) {
        return report_error(e);
    }
}

int info(const std::string& file, bool json, const std::string& summary) {
    try {
        const SummaryMode mode = parse_summary_mode(summary);
        ResultSummary r = read_result(file);
        std::cout << (json ? summary_json(r) : format_summary(r, mode));
        if (!json && (mode == SummaryMode::condensed || mode == SummaryMode::full))
            std::cout << format_timeseries(file, r);
        return 0;
    } catch (const std::exception& e) {
        return report_error(e);
    }
}

}  // namespace ssbsim::cli
