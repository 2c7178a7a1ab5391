// Streams a run to HDF5 while it goes (flat memory, periodic flushes so a killed run
// leaves a readable file), and reads result files back for `ssbsim info`.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/hdf5_file.hpp"
#include "run/simulation.hpp"

namespace ssbsim {

class ResultWriter : public RunObserver {
public:
    // exclusive: create PATH with O_EXCL semantics (fail when anything is there, never
    // follow a symbolic link), as for the .part files of a sweep.
    explicit ResultWriter(std::string path, bool exclusive = false);
    ~ResultWriter() override;

    void on_start(const SimulationConfig& config, const CathodeP2D& model) override;
    void on_sample(const Sample& s) override;
    void on_profile(double t, const CathodeP2D& model, const double* y) override;
    void on_step(const StepSummary& s) override;
    void on_cycle(const CycleSummary& c) override;
    void on_finish(const RunResult& r) override;
    const std::string& path() const { return path_; }

private:
    void flush_all();
    void maybe_flush();

    std::string path_;
    h5::Handle file_;
    struct Tables;
    std::unique_ptr<Tables> t_;
    std::vector<Profile> profiles_;  // the model's profiles, refilled for each row
    bool exclusive_ = false;
    double basis_g_ = 0;  // capacity basis mass [g]: absolute = specific x basis
    double flush_interval_ = 2.0;
    std::chrono::steady_clock::time_point last_flush_;
};

// What `ssbsim info` shows.
struct ResultSummary {
    std::string path, status, status_message, version, git_commit, created, name, config;
    std::string title;  // from the resolved values (older files: the name)
    double final_time = 0;
    long samples = 0;
    bool has_ledger = false;
    std::vector<CycleSummary> cycles;
    std::vector<StepSummary> steps;
    // Absolute units: the mass the specific capacities refer to (the CAM mass, loading x
    // area; for a cell without CAM reference_loading x area) and the capacities in mAh,
    // one per cycle / step (read from the *_abs datasets, or for older files computed).
    double basis_mass_kg = 0, cam_mass_kg = 0, area_m2 = 0;
    std::string capacity_basis;
    std::vector<double> cycle_charge_mAh, cycle_discharge_mAh, step_capacity_mAh;
};

// How much of a result the text summary shows: `condensed` (the default) prints every
// cycle up to kCondenseAbove cycles, else the first, the last and every Nth (about
// kCondensedRows rows) with a line saying how many were left out, and the steps of the
// first and the last cycle; `full` everything; `cycles` only the cycle table; `none` nothing.
enum class SummaryMode { condensed, full, cycles, none };
inline constexpr std::size_t kCondenseAbove = 30, kCondensedRows = 20;
// "condensed"/"default", "full", "cycles", "none"; throws std::invalid_argument otherwise.
SummaryMode parse_summary_mode(const std::string& s);
// The cycle numbers (indices into r.cycles) a condensed table shows.
std::vector<std::size_t> condensed_cycle_rows(std::size_t n_cycles);

// Reads a result file, checking every dataset it uses against the file's own counts: a file
// of another layout, a tampered or inconsistent file, or one locked by a running writer
// throws IoError naming the file and what is missing or expected.
ResultSummary read_result(const std::string& path);
// The same summary from a run held in memory (output off): what read_result would give
// for the file the run did not write.
ResultSummary summarize_run(const SimulationConfig& config, const RunResult& run, long samples);
std::string format_summary(const ResultSummary& r, SummaryMode mode = SummaryMode::condensed);
std::string summary_json(const ResultSummary& r);

}  // namespace ssbsim
