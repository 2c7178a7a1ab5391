// Setting up one protocol step: its control (current, voltage or ramp, power, rest), its
// events (the terminating limits and the shoulder crossing, found by IDA root finding) and
// consistent initial conditions for the new control (IDACalcIC, with a fallback by
// continuation when Newton from the previous state misses).
#pragma once

#include <string>
#include <vector>

#include "models/cathode_p2d.hpp"
#include "numerics/ida_integrator.hpp"
#include "params/protocol.hpp"
#include "run/readout.hpp"
#include "run/simulation.hpp"

namespace ssbsim {

// Sets the model's control for step `st` starting at time t [s]; returns the current
// density a current step asks for [A/m2] (0 for other kinds).
double apply_step_control(CathodeP2D& model, const SimulationConfig& config, const Step& st, double t);

// The event functions of one step: g[k] for the step's limits k (>= 0 past the limit), then
// on a charge the shoulder crossing g = V - V_shoulder, which fires once per step.
class StepEvents {
public:
    explicit StepEvents(const StateReadout& readout) : readout_(readout) {}

    // Arms the events of step `st` whose charge at the start is q_step0 [C/m2]; reuses the
    // storage of earlier steps.
    void arm(const SimulationConfig& config, const Step& st, double q_step0);
    int count() const { return n_limits() + (track_shoulder_ ? 1 : 0); }
    int n_limits() const { return static_cast<int>(events_.size()); }
    bool tracks_shoulder() const { return track_shoulder_; }
    void evaluate(const double* y, double* g) const;
    // For IdaIntegrator::set_roots; refers to this object, which must outlive its use.
    IdaIntegrator::RootFunction function() const {
        return [this](double, const double* y, const double*, double* g) { evaluate(y, g); };
    }
    // At the step start (state y): the reason a limit ends the step at once, or "" (then
    // the step runs). Starts the shoulder tracking below the shoulder potential.
    std::string met_at_start(const Step& st, const double* y);
    // The first limit that state y is at or past ("limit 2.5 V"), "" if none; no side effects.
    // After a solver restart: IDA only sees sign changes from the restarted state on.
    std::string limit_passed(const Step& st, const double* y) const;

    // Below the shoulder potential on this charge step, not yet crossed.
    bool shoulder_active() const { return shoulder_active_; }
    // The shoulder was crossed: its event function is held constant from now on so a
    // potential hovering at the threshold cannot retrigger it.
    void shoulder_crossed() { shoulder_active_ = false, shoulder_done_ = true; }

private:
    struct Event {
        Limit::Kind kind;
        double sign, value;  // value in SI: [V], [A/m2], [C/m2]; sign 0: set at the start
        Reference reference;
    };
    const StateReadout& readout_;
    std::vector<Event> events_;
    std::vector<double> g0_;
    double q_step0_ = 0, shoulder_V_ = 0;
    bool track_shoulder_ = false, shoulder_done_ = false, shoulder_active_ = false;
};

// Consistent initial conditions for a step's control. Newton from the previous state can
// miss when the new control is far from it (a large current, or a hold far from the present
// potential); then the control is approached by continuation from the previous state, and a
// charge or discharge whose potential passes the step's voltage limit on the way ends at
// once ("met at start"). Failures are told in terms of the cell.
class StepStarter {
public:
    StepStarter(CathodeP2D& model, const StateReadout& readout, IdaIntegrator& ida,
                const SimulationConfig& config);

    // Restarts IDA at t0 from (y0, yp0) with consistent values for the control already set
    // (i_set: a current step's current [A/m2]); horizon [s] scales the IC time. Returns the
    // reason the step ends at once, or "". Throws SolverError when no consistent state is
    // found. Afterwards IDA holds the step's starting state.
    std::string start(const Step& st, double t0, double horizon, double i_set, const double* y0,
                      const double* yp0);

private:
    struct Transition;
    // step_sizes: IDA's IC step sizes to try (IdaIntegrator::calc_ic).
    bool try_ic(double t0, double t_ic, const double* y, const double* yp, int step_sizes = 5);
    // Continuation from the previous control to the step's: returns the fraction of the way
    // reached (1: done); sets `met` and stops when a voltage limit is passed on the way.
    double approach(const Transition& tr, std::string& met);
    void apply_fraction(const Transition& tr, double f);
    std::string limit_passed(const Transition& tr, double f) const;
    [[noreturn]] void fail(const Transition& tr, double f) const;
    std::string passed_at_full(const Transition& tr);
    std::string describe_current(double i) const;

    CathodeP2D& model_;
    const StateReadout& readout_;
    IdaIntegrator& ida_;
    const SimulationConfig& config_;
    double one_c_;  // current density of 1C [A/m2]
    // Scratch states (sized once): the shifted start and the continuation's last good one.
    std::vector<double> y_try_, yp_try_;
    std::vector<double> y_guess_;  // a start guess at the current tried (approach)
};

}  // namespace ssbsim
