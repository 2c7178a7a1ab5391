// When the runner tells the observer about the state: time-series samples (every solver
// step, or on a grid of output.sample_interval or the step's own period) and spatial
// profiles (on a grid of output.profile_interval), both interpolated inside the last solver
// step with IDA's dense output. Also enforces the output.max_* bounds while the run goes
// (the timed steps were checked against them before the run: check_output_budget).
// Without an observer it does nothing.
#pragma once

#include <string>
#include <vector>

#include "numerics/ida_integrator.hpp"
#include "params/protocol.hpp"
#include "run/checkpoint.hpp"
#include "run/readout.hpp"
#include "run/simulation.hpp"

namespace ssbsim {

// Thrown when the run reaches an output.max_* bound: the run stops cleanly there.
struct OutputLimit {
    std::string why;
};

class Sampler {
public:
    // to_mAh_g: capacity scale of the samples [mAh/g per C/m2].
    Sampler(const SimulationConfig& config, const StateReadout& readout, RunObserver* observer,
            double to_mAh_g);

    // At the start of protocol step `st` (index step, in cycle), after its initial
    // conditions, at time t [s] and state y; q_step0 the charge at the step start [C/m2].
    // The first sample, a profile when one is due, and the step's sample grid.
    void start_step(const Step& st, int step, int cycle, double q_step0, double t, const double* y);
    // After a solver step from t_prev to ida.time(): the samples and profiles in between;
    // with step_done the last sample of the step at ida.time().
    void after_solver_step(const IdaIntegrator& ida, double t_prev, bool step_done);
    // A step row written.
    void end_step() { bytes_out_ += sizes_.step; }
    // The end of a complete run at t [s], state y: the final profile when the grid did not
    // land on it (dropped when it alone would pass an output bound).
    void finish(double t, const double* y);
    // A readout (a sweep case ending at t inside this step, run/checkpoint.hpp): the last
    // sample its own run adds at t, and whether its final profile is due.
    Sample sample_at(double t, const double* y) const;
    bool final_profile_due(double t) const { return output_.profile_interval > 0 && last_profile_ < t; }
    // After a solver step landed on a stop time (a follow step's break): the grid sample at
    // exactly that time, which after_solver_step leaves to the step's end (the run goes on).
    void after_landing(const IdaIntegrator& ida);
    // A readout at t inside the last solver step [t_prev, ida.time()]: the grid samples
    // before t and the profiles up to t, from IDA's interpolant (after_solver_step then
    // goes on from there).
    void advance_to(const IdaIntegrator& ida, double t_prev, double t);
    // The profile grid and the output spent, between steps (a checkpoint), and back.
    RunCheckpoint::Grid grid() const { return {bytes_out_, next_profile_, last_profile_}; }
    void restore(const RunCheckpoint::Grid& g) {
        bytes_out_ = g.bytes_out, next_profile_ = g.next_profile, last_profile_ = g.last_profile;
    }

private:
    // Counts one sample or profile against the bounds; throws OutputLimit past one.
    void spend(bool profile);
    // One sample at `time` of state y (not read when the observer wants no values).
    void emit(double time, const double* y);
    void emit_profiles(const IdaIntegrator& ida, double t_prev, double t_now);
    // The grid samples in (t_prev, t) of the last solver step.
    void emit_grid(const IdaIntegrator& ida, double t_prev, double t);

    const OutputSpec& output_;
    const StateReadout& readout_;
    RunObserver* const observer_;
    const double to_mAh_g_;
    const OutputSizes sizes_;
    double bytes_out_;
    long step_samples_ = 0, step_profiles_ = 0;
    // The open step.
    int step_ = 0, cycle_ = 0;
    double q_step0_ = 0;
    double sample_dt_ = 0;  // [s], 0: every solver step
    // The grids [s].
    double next_sample_ = 0, next_profile_ = 0, last_profile_ = -1.0;
    std::vector<double> y_interp_;  // state interpolated inside the last solver step
};

}  // namespace ssbsim
