// Model vs measurement: turns a measured dataset into the simulations that reproduce it,
// runs them, and compares both with the same analysis (analysis/metrics.hpp).
//
//  * time series: the protocol is read off the data (one protocol step per detected step:
//    CC at the measured specific current until the measured cut-off potential, or for the
//    measured duration when the step did not end at a window limit; CV holds and rests for
//    their measured durations); cycle metrics and potential-vs-capacity curves compared;
//  * per-cycle table: the config's own protocol; the table's columns compared per cycle
//    (cycler metrics and, for derived quantities, the loss ledger);
//  * CE vs hold duration: one simulation per row with the config's bottom-of-discharge hold
//    set to the row's duration (and potential; a potential nearer the config's top-of-charge
//    hold varies that hold instead); a 0 h row removes the hold step; CE compared.
//
// `ssbsim validate` and `ssbsim fit` are both built on this module.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "analysis/metrics.hpp"
#include "analysis/trajectory.hpp"
#include "core/json.hpp"
#include "run/simulation.hpp"

namespace ssbsim {

// One simulation needed to reproduce a dataset.
struct ValidationCase {
    std::string label;
    std::vector<Step> steps;        // replaces the protocol when non-empty (time series)
    std::vector<int> measured_step; // per protocol step: the measured step it reproduces
    double hold_duration = kNaN;    // [s] bottom-of-discharge hold (hold tables)
    double hold_potential = kNaN;   // [V] its potential; NaN: as in the config
    int row = -1;                   // the table row it serves
    std::string source;             // the data file and line it comes from (for messages)
    int line = 0;
};

// The simulations a dataset needs. `base` gives the cell (mass) and the protocol to adapt.
std::vector<ValidationCase> plan_cases(const MeasuredData& data, const SimulationConfig& base,
                                       const AnalysisOptions& options);

// Applies a case to a config (protocol replaced or bottom hold changed; a hold of 0 s
// removes the hold step, so the cycle goes straight on). Throws ConfigError when the
// config has no bottom-of-discharge hold to change, DataError when the case's hold cannot
// be a protocol step (non-finite, negative or longer than 1e5 h).
void apply_case(const ValidationCase& c, SimulationConfig& config);

// What a simulation gave: its trajectory (for the shared analysis) and the model's own
// per-cycle summaries (for the loss ledger, which no cycler measures).
struct CaseResult {
    std::string status = "complete";  // complete, failed
    std::string message;
    Trajectory trajectory;
    std::vector<CycleSummary> cycles;
    std::vector<Spectrum> spectra;    // of its EIS steps, per area (the spectrum metrics)
};

// Runs one case in this process; writes the HDF5 result when `output` is not empty.
// Solver failures are reported in the result (status failed), not thrown.
CaseResult run_case(const SimulationConfig& config, const std::string& output = "");

// A metric of one cycle (or of one hold-table row), measured beside simulated.
struct ComparisonRow {
    std::string metric;      // e.g. coulombic_efficiency, charge_capacity, se_oxidation_share
    std::string unit;        // "mAh/g", "1" (fractions), "ohm"
    int cycle = 1;
    double hold_duration = kNaN;   // [s] for hold-table rows
    double hold_potential = kNaN;  // [V]
    double measured = kNaN, simulated = kNaN;
    double sigma = kNaN;     // one-sigma uncertainty of the measurement (from the file or defaults)
    bool sigma_from_data = false;  // the file gave it
    std::string case_label;
    double error() const { return simulated - measured; }
};

// Potential vs capacity of one measured step beside its simulated counterpart.
struct CurveComparison {
    int step = 0, cycle = 0;            // the measured step
    std::string kind;                    // charge_cc, ...
    double rmse = kNaN;                  // [V] over the overlap
    std::vector<double> capacity;        // [mAh/g] grid (from the step start, measured)
    std::vector<double> measured, simulated;  // [V] on the grid (simulated NaN beyond its end)
    // dQ/dV of both steps on 10 mV bins [V] -> [mAh/g/V].
    std::vector<double> dqdv_potential_measured, dqdv_measured;
    std::vector<double> dqdv_potential_simulated, dqdv_simulated;
};

// A whole record (potential and current vs time, holds and rests included), thinned to
// at most kMaxOverlaySamples samples for the overlay plot.
struct TimeSeriesOverlay {
    std::vector<double> time;       // [s] from the record's first sample
    std::vector<double> potential;  // [V]
    std::vector<double> current;    // [A], > 0 on charge
    std::vector<int> step;          // 1-based step of each sample (empty when the record has none)
};
constexpr std::size_t kMaxOverlaySamples = 2000;
// The samples of `t` kept for the overlay: every k-th (k so that at most `max_samples`
// remain) plus the first and last of each step, so that holds and step ends stay sharp.
TimeSeriesOverlay thin_for_overlay(const Trajectory& t, std::size_t max_samples = kMaxOverlaySamples);

struct Comparison {
    std::string dataset;
    MeasuredData::Kind kind = MeasuredData::Kind::time_series;
    std::vector<ComparisonRow> rows;
    std::vector<CurveComparison> curves;
    // Time series only: the whole measured record and the simulation of it.
    TimeSeriesOverlay measured_series, simulated_series;
    double curve_rmse = kNaN;            // [V] over all compared curve points
    std::vector<std::string> warnings;   // e.g. failed cases, cycles missing in the simulation
    std::vector<int> simulated_cycles;   // the cycle numbers the simulations reached (sorted, unique)
};

// How many rows have both a measured and a simulated value.
std::size_t compared_rows(const Comparison& c);
// Why nothing could be compared (for the message when compared_rows is 0): the measured
// and the simulated cycle numbers, and what to check.
std::string nothing_compared(const Comparison& c);

// Default one-sigma uncertainties by metric for rows the file gives none:
// capacities 1 mAh/g, efficiencies and shares 0.005, resistances 5 %.
double default_sigma(const std::string& metric, double measured);

// The value of a named metric for one cycle of a simulation: cycler metrics from the
// shared analysis of its trajectory, ledger quantities from the model's cycle summary.
// Known names: charge_capacity, discharge_capacity, coulombic_efficiency,
// energy_efficiency, shoulder_capacity, retention, fade, charge_energy, discharge_energy,
// se_oxidation_charge, se_reduction, se_oxidation_reversible, se_oxidation_irreversible,
// cam_kinetic, cam_isolated, other_loss, capacity_loss, and *_share (any ledger term or
// se_oxidation / se_oxidation_charge divided by the charge capacity), se_reversibility
// (SE reduction / SE oxidation in the cycle), coulombic_efficiency_min_from (the lowest CE
// of this cycle and every later one), and the schema's cycle fields with a metric name
// (dead_fraction, ...). Returns NaN when unknown or absent. The spectrum metrics
// (arc_width, high_frequency_resistance, arc_end_resistance [ohm]: analysis/metrics.hpp)
// of a cycle are those of its last EIS spectrum: simulated_spectrum_metric.
double simulated_metric(const std::string& metric, int cycle, const Analysis& a,
                        const std::vector<CycleSummary>& cycles);
bool is_known_metric(const std::string& metric);
// A spectrum metric (spectrum_metric_names()) of the last spectrum taken in `cycle`, of a
// cell of `area` [m2], in ohm; NaN when that cycle has no spectrum or the name is another.
double simulated_spectrum_metric(const std::string& metric, int cycle, const std::vector<Spectrum>& spectra,
                                 double area);

// Compares a dataset with the results of its planned cases. Curves are sampled on
// `curve_points` capacities per compared step.
Comparison compare(const MeasuredData& data, const std::vector<ValidationCase>& cases,
                   const std::vector<CaseResult>& results, const SimulationConfig& base,
                   const AnalysisOptions& options, int curve_points = 50);

// Side-by-side table for the terminal.
std::string format_comparison(const Comparison& c);
// The numbers: JSON (rows, curves, RMSE) and CSV (rows).
std::string comparison_json(const Comparison& c);
// The same JSON as a value (a fit report embeds it).
json::Value comparison_value(const Comparison& c);
std::string comparison_csv(const Comparison& c);

// Reads the sample trajectory of an ssbsim result file (time, potential, current, steps,
// cycles; mass from the file) through io's schema reader (read_samples).
Trajectory read_trajectory(const std::string& h5_path);

}  // namespace ssbsim
