// Reads result files back (driven by io/schema.hpp) and summarises them for `ssbsim info`.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "run/simulation.hpp"

namespace ssbsim {

// What `ssbsim info` shows.
// The derived quantities of the cell a result file carries as root attributes (MODEL.md 9),
// so a plot never re-derives them from the config: name (with its SI unit) and a label.
struct DerivedAttribute {
    const char* name;
    const char* label;
};
const std::vector<DerivedAttribute>& derived_attributes();
// Their values for a config, as the model resolves them (areas from its geometry,
// conductivities and the coating from params/cell.hpp), in the order of derived_attributes().
std::vector<std::pair<std::string, double>> derived_values(const SimulationConfig& config);

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
    // The derived_attributes() the file has (older files: none), in that order.
    std::vector<std::pair<std::string, double>> derived;
    std::vector<Spectrum> spectra;  // of the EIS steps (io/spectra.hpp), z per area [ohm m2]
};

// How much of a result the text summary shows: `condensed` (the default) prints every
// cycle up to kCondenseAbove cycles, else the first, the last and every Nth (about
// kCondensedRows rows) with a line saying how many were left out, and the steps of the
// first and the last cycle; `full` everything; `cycles` only the cycle table; `none` nothing.
enum class SummaryMode { condensed, full, cycles, none, fields };  // fields: every cycle field of io/schema.cpp
inline constexpr std::size_t kCondenseAbove = 30, kCondensedRows = 20;
// "condensed"/"default", "full", "cycles", "fields", "none"; throws std::invalid_argument otherwise.
SummaryMode parse_summary_mode(const std::string& s);
// The cycle numbers (indices into r.cycles) a condensed table shows.
std::vector<std::size_t> condensed_cycle_rows(std::size_t n_cycles);

// Reads a result file, checking every dataset it uses against the file's own counts: a file
// of another layout, a tampered or inconsistent file, or one locked by a running writer
// throws IoError naming the file and what is missing or expected.
ResultSummary read_result(const std::string& path);

// The time series of a result file: the named sample fields (schema::sample_fields();
// empty: all of them) read into Sample records, the others left at their defaults. A run
// that did not finish is read up to the rows all the named columns have. Absolute fields
// (capacity_abs) have no member of their own and are checked, not kept.
struct SampleRecord {
    std::vector<Sample> samples;
    double basis_mass_kg = 0;  // the capacity basis (older files: the CAM mass) [kg]
};
SampleRecord read_samples(const std::string& path, const std::vector<std::string>& fields = {});

// The same summary from a run held in memory (output off): what read_result would give
// for the file the run did not write.
ResultSummary summarize_run(const SimulationConfig& config, const RunResult& run, long samples);
std::string format_summary(const ResultSummary& r, SummaryMode mode = SummaryMode::condensed);
std::string summary_json(const ResultSummary& r);
// `info`: the contact, dead fraction, film resistance and the MODEL.md 9 sample fields of
// the file at `path` (those it has): start, min, max and end of each (per-site fields: the
// end per site), over the summary's r.samples rows.
std::string format_timeseries(const std::string& path, const ResultSummary& r);

// How the capacity basis is described in files and summaries.
std::string capacity_basis_text(const SimulationConfig& config);

}  // namespace ssbsim
