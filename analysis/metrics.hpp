// One analysis module for measured and simulated trajectories alike: step and cycle
// detection, capacities per active mass, Coulombic and energy efficiency, the
// charging-onset shoulder, dQ/dV, retention and fade, GITT internal resistance.
// Capacities in mAh/g of active material (= Trajectory::mass), energies in mWh/g,
// efficiencies as fractions. Integrals use the trapezoidal rule on the samples given.
#pragma once

#include <string>
#include <vector>

#include "analysis/trajectory.hpp"
#include "run/simulation.hpp"

namespace ssbsim {

struct AnalysisOptions {
    // A sample is at rest when |I| <= rest_current_fraction * max|I| of the record
    // (and at most rest_current_absolute when that is > 0) [A].
    double rest_current_fraction = 1e-3;
    double rest_current_absolute = 0.0;
    // A segment of one current sign is a constant-voltage step when its potential stays
    // within this band [V]; otherwise constant-current.
    double cv_tolerance = 5e-3;
    double shoulder_potential = 3.6;   // [V] charge passed below this on charge = shoulder
    double mass = 0.0;                 // overrides Trajectory::mass when > 0 [kg]
    // Use the trajectory's cycle/step columns when present (true) or always detect (false).
    bool use_recorded_numbering = true;
};

struct StepSegment {
    enum class Kind { charge_cc, charge_cv, discharge_cc, discharge_cv, rest };
    Kind kind = Kind::rest;
    int index = 0;                 // 1-based, in order
    int cycle = 0;                 // 1-based
    std::size_t begin = 0, end = 0;  // sample range [begin, end)
    double start_time = 0, end_time = 0;   // [s]
    double capacity = 0;           // net charge passed [mAh/g], > 0 on charge
    double energy = 0;             // net [mWh/g], > 0 on charge
    double mean_current = 0;       // [A], signed
    double mean_potential = 0, start_potential = 0, end_potential = 0;  // [V]
    int direction() const;         // +1 charge, -1 discharge, 0 rest
};
const char* to_string(StepSegment::Kind k);

struct CycleMetrics {
    int cycle = 0;
    double charge_capacity = 0, discharge_capacity = 0;    // [mAh/g], both >= 0
    double coulombic_efficiency = kNaN;                     // discharge/charge; NaN without charge
    double charge_energy = 0, discharge_energy = 0;        // [mWh/g], both >= 0
    double energy_efficiency = kNaN;
    double shoulder_capacity = 0;      // charge passed while potential < shoulder_potential [mAh/g]
    double retention = kNaN;           // discharge / discharge of the first cycle with one
    double fade = kNaN;                // discharge(previous cycle) - discharge(this) [mAh/g]
    // Stack-pressure change over the first kChargeStartFraction of the cycle's first charge
    // step [MPa] (< 0: the pressure falls); NaN without a recorded stack pressure.
    double stack_pressure_change_at_charge_start = kNaN;
    double start_time = 0, end_time = 0;
};

// The "start of charge" of CycleMetrics::stack_pressure_change_at_charge_start: this share
// of the step's charge. Early enough that the CAM's own breathing is still small, late enough
// that the fresh-surface SE oxidation at the charging onset has happened.
inline constexpr double kChargeStartFraction = 0.1;

struct Analysis {
    double mass = 0;                   // [kg] used
    std::vector<StepSegment> steps;
    std::vector<CycleMetrics> cycles;
};

// Detects steps and cycles and computes the per-cycle metrics. A cycle starts at the first
// charge after a discharge (cathode-first convention: charge then discharge), unless the
// trajectory carries its own cycle numbers. Throws std::invalid_argument without a mass
// (> 0) or with fewer than two samples.
Analysis analyse(const Trajectory& t, const AnalysisOptions& options = {});

struct DqDvPoint {
    double potential;  // [V], bin centre
    double dqdv;       // [mAh/g/V], > 0 on charge and on discharge alike
};
// dQ/dV of one step, on potential bins of width `bin` [V] (charge in a bin / bin width).
std::vector<DqDvPoint> dqdv(const Trajectory& t, const Analysis& a, int step_index, double bin = 0.01);

struct GittPulse {
    int step = 0;                 // index of the current pulse
    double time = 0;              // pulse start [s]
    double capacity = 0;          // cumulative net capacity at the pulse start [mAh/g]
    double current = 0;           // pulse current [A], signed
    double ocv_before = 0;        // relaxed potential at the end of the preceding rest [V]
    double ir_drop = 0;           // potential jump at the pulse start [V]
    double resistance = 0;        // ir_drop / current [ohm]; internal resistance
    double relaxed_after = kNaN;  // potential at the end of the following rest [V]
};
// GITT: every current pulse preceded by a rest. The IR drop is the difference between the
// first sample of the pulse and the last sample of the rest before it.
std::vector<GittPulse> gitt(const Trajectory& t, const Analysis& a);

// Curve comparison: root-mean-square difference of potential vs capacity of matching
// steps, the simulated curve interpolated at the measured capacities (within the overlap).
double curve_rmse(const Trajectory& measured, const StepSegment& ms, const Trajectory& simulated,
                  const StepSegment& ss, double mass_measured, double mass_simulated);

// Impedance-spectrum metrics (issue #14), by one rule for simulated and measured spectra
// alike (validate compares them: analysis/spectrum_import.hpp). In the unit of z's values:
// ohm m2 for a simulated spectrum per area, ohm for a measured one.
struct SpectrumMetrics {
    double arc_width = 0;    // the high-to-mid-frequency arcs: io/spectra.hpp arc_width
    double high_frequency_resistance = kNaN;  // Re Z at the highest frequency (R_s)
    double arc_end_resistance = kNaN;         // Re Z where the arcs end (R_s + arc width)
};
// z's frequencies descending (as simulated spectra are; a measured one sorted first).
SpectrumMetrics spectrum_metrics(const Spectrum& z);
// The spectrum metrics by name, as the cycle metrics are named: arc_width,
// high_frequency_resistance, arc_end_resistance; NaN for another name.
double spectrum_metric(const std::string& metric, const Spectrum& z);
// The spectrum metric names (for messages and the known-metric checks).
const std::vector<std::string>& spectrum_metric_names();

}  // namespace ssbsim
