// Streams a run to HDF5 while it goes (flat memory, periodic flushes so a killed run
// leaves a readable file); the datasets of samples, steps and cycles are io/schema.hpp's.
// The file is created at the start; its root attributes and datasets either then too and
// at the first flush (h5::Series), so a run shorter than kRecordFlushGap creates, writes and
// closes each dataset once, at its end, or (create_in_background, as `ssbsim run` does) in
// a second thread while the run solves, leaving only the rows and the close to its end.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/hdf5_file.hpp"
#include "io/result_reader.hpp"  // read_result and the summaries, for the writer's callers
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
    // A profile row already computed (CathodeP2D::update_profiles, in profiles() order).
    void append_profile(double t, const std::vector<Profile>& rows);
    void on_step(const StepSummary& s) override;
    void on_cycle(const CycleSummary& c) override;
    void on_spectrum(const Spectrum& z) override;  // io/spectra.hpp
    void on_finish(const RunResult& r) override;
    const std::string& path() const { return path_; }
    // For a file that is published only once complete (a sweep case's .part, removed when
    // its run is killed): no flush at each step, cycle and flush_interval, only at the end
    // (rows still go to the file whenever a dataset's buffer fills: flat memory).
    void flush_only_at_finish() { flush_records_ = false; }
    // The file's attributes and datasets made in a second thread while the run solves
    // (h5::run_in_background), not at its first flush: for `ssbsim run`, whose process does
    // nothing else with HDF5 meanwhile. The file itself is still created in on_start, so a
    // path that cannot be written fails the run before it solves.
    void create_in_background() { background_ = true; }
    std::size_t spectra_written() const { return spectra_written_; }
    long samples_written() const { return samples_written_; }

    // A step, cycle or spectrum record is flushed at once unless the last flush (or the
    // start) is less than this [s of wall time] ago (or flush_interval, when shorter): a
    // killed run's file then lags its records by at most that, and neither a short run
    // (~25 ms, flushed once at its end) nor a fast cycling run (hundreds of steps per
    // second) pays a flush of every dataset at every step.
    static constexpr double kRecordFlushGap = 0.1;

private:
    void flush_all();
    // The attributes, groups and datasets of the file on_start created, from values taken
    // in on_start (t_ holds the series, not yet attached to their groups).
    struct FileValues;
    void make_file(const FileValues& v);
    void maybe_flush();    // after a sample: when flush_interval has passed
    void flush_record();   // after a step, cycle or spectrum: when kRecordFlushGap has passed
    double seconds_since_flush() const;

    std::string path_;
    h5::Handle file_;
    struct Tables;
    std::unique_ptr<Tables> t_;
    bool background_ = false;
    std::vector<Profile> profiles_;  // the model's profiles, refilled for each row
    bool exclusive_ = false;
    double area_ = 0;     // cell area [m2], for spectra in ohm
    double basis_g_ = 0;  // capacity basis mass [g]: absolute = specific x basis
    double flush_interval_ = 2.0;
    bool flush_records_ = true;
    std::size_t spectra_written_ = 0;
    long samples_written_ = 0;
    std::chrono::steady_clock::time_point last_flush_;
};

// The attributes that say which program made a file: generator, version, git_commit,
// created (UTC, ISO 8601) and format_version (kResultFormatVersion). Run files and the
// sweep's summary.h5 both carry them.
void write_version_attributes(const h5::Handle& file, const std::string& generator);

}  // namespace ssbsim
