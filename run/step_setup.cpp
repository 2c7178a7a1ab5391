#include "run/step_setup.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "core/error.hpp"

namespace ssbsim {

namespace {
constexpr double kSecondsPerHour = 3600.0;
}  // namespace

// A follow step's control from its start time t [s]: file time tau0 = the first row +
// offset; currents from the file's unit to i_app [A/m2]. Returns the current at t (0 for a
// potential).
double apply_follow(CathodeP2D& model, const SimulationConfig& config, const Step& st, double t) {
    const FollowSpec& f = st.follow;
    FollowedProfile p;
    p.profile = f.profile.get();
    p.t0 = p.right_at = t;
    p.tau0 = f.profile->time.front() + f.offset;
    p.dtau_dt = 1.0 / f.time_scale;
    if (f.quantity == FollowSpec::Quantity::potential) {
        model.follow_control(ControlMode::voltage, p, f.reference == Reference::cell);
        return 0.0;
    }
    const CellSpec& cell = config.cell;
    switch (f.profile->unit) {
        case RecordedProfile::Unit::current: p.scale = 1.0 / cell.area; break;
        case RecordedProfile::Unit::specific_current: p.scale = cell.basis_loading(); break;
        default: p.scale = 1.0; break;  // A/m2
    }
    model.follow_control(ControlMode::current, p);
    return p.at(t);
}

double apply_step_control(CathodeP2D& model, const SimulationConfig& config, const Step& st, double t) {
    const CellSpec& cell = config.cell;
    double i_set = 0.0;
    switch (st.kind) {
        case Step::Kind::current:
            i_set = st.direction *
                    st.current.density_for(cell.basis_loading(), cell.area, config.protocol.c_rate_basis);
            model.set_control(ControlMode::current, i_set);
            break;
        case Step::Kind::voltage:
            model.set_control(ControlMode::voltage, st.voltage,
                              st.ramp ? (st.ramp_end - st.voltage) / st.duration : 0.0, t,
                              st.reference == Reference::cell);
            break;
        case Step::Kind::follow: i_set = apply_follow(model, config, st, t); break;
        case Step::Kind::power:
            model.set_control(ControlMode::power, st.direction * st.power / cell.area);
            break;
        default: model.set_control(ControlMode::rest, 0.0); break;
    }
    return i_set;
}

// ---------------------------------------------------------------------------------------

void StepEvents::arm(const SimulationConfig& config, const Step& st, double q_step0) {
    const CellSpec& cell = config.cell;
    const double loading = cell.basis_loading();
    events_.clear();
    for (const auto& l : st.limits) {
        Event ev{l.kind, 1.0, l.value, l.reference};
        if (l.kind == Limit::Kind::voltage) {
            // Charge stops rising through the limit, discharge falling through it; a follow
            // step through it from where it starts (set by met_at_start).
            ev.sign = st.kind == Step::Kind::follow ? 0.0 : st.direction >= 0 ? 1.0 : -1.0;
        } else if (l.kind == Limit::Kind::current) {
            ev.value = l.current.density_for(loading, cell.area, config.protocol.c_rate_basis);
        } else {
            ev.value = l.capacity_absolute ? l.value / cell.area : l.value * loading;
        }
        events_.push_back(ev);
    }
    q_step0_ = q_step0;
    shoulder_V_ = config.protocol.shoulder_potential;
    track_shoulder_ = st.direction > 0;
    shoulder_done_ = shoulder_active_ = false;
}

void StepEvents::evaluate(const double* y, double* g) const {
    const int n_term = n_limits();
    for (int k = 0; k < n_term; ++k) {
        const Event& ev = events_[k];
        switch (ev.kind) {
            case Limit::Kind::voltage:
                g[k] = ev.sign * (readout_.potential(y, ev.reference) - ev.value);
                break;
            case Limit::Kind::current:
                g[k] = ev.value - std::fabs(readout_.current_density(y));
                break;
            case Limit::Kind::capacity:
                g[k] = std::fabs(readout_.charge(y) - q_step0_) - ev.value;
                break;
        }
    }
    if (track_shoulder_) g[n_term] = shoulder_done_ ? 1.0 : readout_.potential(y) - shoulder_V_;
}

std::string StepEvents::met_at_start(const Step& st, const double* y) {
    const int n_term = n_limits();
    for (Event& ev : events_)
        if (ev.kind == Limit::Kind::voltage && ev.sign == 0.0)
            ev.sign = ev.value >= readout_.potential(y, ev.reference) ? 1.0 : -1.0;
    g0_.assign(n_term + 1, 0.0);
    evaluate(y, g0_.data());
    shoulder_active_ = track_shoulder_ && g0_[n_term] < 0;
    if (track_shoulder_ && !shoulder_active_) shoulder_done_ = true;
    for (int k = 0; k < n_term; ++k)
        if (g0_[k] >= 0) return "limit " + st.limits[k].text + " met at start";
    return "";
}

std::string StepEvents::limit_passed(const Step& st, const double* y) const {
    const int n_term = n_limits();
    std::vector<double> g(n_term + 1, 0.0);
    evaluate(y, g.data());
    for (int k = 0; k < n_term; ++k)
        if (g[k] >= 0) return "limit " + st.limits[k].text;
    return "";
}

// ---------------------------------------------------------------------------------------

// The way from the previous control to a current or voltage step's own.
struct StepStarter::Transition {
    const Step& st;
    double t0, t_ic;             // start and IC time [s]
    const double *y0, *yp0;      // the previous state
    bool cur;                    // a current step (else a voltage step)
    bool cell;                   // a voltage step in cell voltage
    double from, to;             // control values [A/m2] or [V]
};

StepStarter::StepStarter(CathodeP2D& model, const StateReadout& readout, IdaIntegrator& ida,
                         const SimulationConfig& config)
    : model_(model),
      readout_(readout),
      ida_(ida),
      config_(config),
      one_c_(config.protocol.c_rate_basis * config.cell.basis_loading() / kSecondsPerHour),
      y_try_(model.size()),
      yp_try_(model.size()),
      y_guess_(model.size()) {}

bool StepStarter::try_ic(double t0, double t_ic, const double* y, const double* yp, int step_sizes) {
    ida_.reinit(t0, y, yp);
    try {
        ida_.calc_ic(t_ic, step_sizes);
        return true;
    } catch (const SolverError&) {
        return false;
    }
}

std::string StepStarter::start(const Step& st, double t0, double horizon, double i_set, const double* y0,
                               const double* yp0) {
    const double t_ic = t0 + 1e-4 * horizon;
    const bool follow = st.kind == Step::Kind::follow;
    const bool cur = st.kind == Step::Kind::current || (follow && st.follow.quantity == FollowSpec::Quantity::current);
    const bool volt = st.kind == Step::Kind::voltage || (follow && !cur);
    const Reference ref = follow ? st.follow.reference : st.reference;
    const int n = model_.size();
    const double from = cur ? readout_.current_density(y0) : readout_.potential(y0, ref);
    const double to = cur ? i_set : follow ? model_.control_value() : st.voltage;
    const Transition tr{st, t0, t_ic, y0, yp0, cur, ref == Reference::cell, from, to};
    // A current from a state that carries none (the initial state): Newton from j = 0 meets
    // the insertion drop's kink at j = 0 (models/intercalation.hpp), and smaller IC steps
    // only retry the same jump. On the embedded default all five of IDA's step sizes missed
    // (285 residuals, 7 % of the solve) before the shifted start below converged at once;
    // one step size is tried here, then the shift. A start Newton reaches at the first step
    // size (Study B, C, D, the intercalation analogue) is as before.
    const bool from_none = cur && model_.carries_no_current(y0);
    if (try_ic(t0, t_ic, y0, yp0, from_none ? 1 : 5)) return cur ? passed_at_full(tr) : "";
    if (cur) {
        // The uniform electrode potential that carries the requested current.
        std::copy(y0, y0 + n, y_try_.begin());
        model_.shift_to_current(y_try_.data(), yp0, model_.control_value());
        if (try_ic(t0, t_ic, y_try_.data(), yp0)) return passed_at_full(tr);
    }
    if (!cur && !volt) {
        ida_.reinit(t0, y0, yp0);
        ida_.calc_ic(t_ic);  // throws the solver's own message
        return "";
    }
    std::string met;
    const double f = approach(tr, met);
    if (met.empty() && f >= 1) return "";  // consistent at the step's own control
    apply_fraction(tr, 1.0);
    ida_.reinit(t0, y0, yp0);  // the step ends where it began
    if (met.empty()) fail(tr, f);
    return met;
}

// A current step consistent at once: a voltage limit its potential is already past ends
// it where it began, as on the way there (approach).
std::string StepStarter::passed_at_full(const Transition& tr) {
    const int n = model_.size();
    std::copy(ida_.y(), ida_.y() + n, y_try_.begin());
    std::string met = limit_passed(tr, 1.0);
    if (!met.empty()) ida_.reinit(tr.t0, tr.y0, tr.yp0);
    return met;
}

void StepStarter::apply_fraction(const Transition& tr, double f) {
    const Step& st = tr.st;
    const double value = tr.from + f * (tr.to - tr.from);
    if (st.kind == Step::Kind::follow && f >= 1) {
        apply_step_control(model_, config_, st, tr.t0);
    } else if (tr.cur) {
        model_.set_control(ControlMode::current, value);
    } else {
        const double rate = st.ramp && st.duration > 0 ? (st.ramp_end - st.voltage) / st.duration : 0.0;
        model_.set_control(ControlMode::voltage, value, f >= 1 ? rate : 0.0, tr.t0, tr.cell);
    }
}

// Continuation in the control from the previous state's value to the step's, with steps
// that grow on success and shrink on failure; y_try_ holds the last consistent state.
double StepStarter::approach(const Transition& tr, std::string& met) {
    const int n = model_.size();
    std::copy(tr.y0, tr.y0 + n, y_try_.begin());
    std::copy(tr.yp0, tr.yp0 + n, yp_try_.begin());
    double f = 0, df = 1.0 / 16;
    while (f < 1) {
        const double ft = std::min(1.0, f + df);
        apply_fraction(tr, ft);
        // From the last consistent state; for a current, else from the uniform potential
        // that carries it (far from the last state at a large current).
        bool ok = try_ic(tr.t0, tr.t_ic, y_try_.data(), yp_try_.data());
        if (!ok && tr.cur) {
            std::copy(y_try_.begin(), y_try_.end(), y_guess_.begin());
            model_.shift_to_current(y_guess_.data(), yp_try_.data(), model_.control_value());
            ok = try_ic(tr.t0, tr.t_ic, y_guess_.data(), yp_try_.data());
        }
        if (!ok) {
            df *= 0.25;
            if (df < 1e-4) break;
            continue;
        }
        std::copy(ida_.y(), ida_.y() + n, y_try_.begin());
        std::copy(ida_.yp(), ida_.yp() + n, yp_try_.begin());
        f = ft;
        df = std::min(0.25, 2 * df);
        if (!tr.cur) continue;
        met = limit_passed(tr, ft);
        if (!met.empty()) break;
    }
    return f;
}

// On the way to a current, at fraction f of it: a voltage limit the potential has passed.
// At fixed concentrations the potential moves monotonically with the current: with the
// full current it would pass the limit at once.
std::string StepStarter::limit_passed(const Transition& tr, double f) const {
    const Step& st = tr.st;
    if (st.kind == Step::Kind::follow) return "";  // its limits face both ways: met_at_start
    for (const Limit& l : st.limits) {
        if (l.kind != Limit::Kind::voltage) continue;
        const double v = readout_.potential(y_try_.data(), l.reference);
        if (!(st.direction >= 0 ? v >= l.value : v <= l.value)) continue;
        {
            std::ostringstream os;
            os << std::setprecision(3) << "limit " << l.text << " met at start: the cathode cannot carry "
               << describe_current(tr.to) << " at t = " << tr.t0 / kSecondsPerHour
               << " h, its potential would pass " << l.value << " V at once (" << v
               << (l.reference == Reference::cell ? " V cell" : " V vs Li/Li+") << " already at "
               << describe_current(tr.from + f * (tr.to - tr.from)) << ")";
            return os.str();
        }
    }
    return "";
}

void StepStarter::fail(const Transition& tr, double f) const {
    std::ostringstream os;
    os << std::setprecision(3);
    const double reached = tr.from + f * (tr.to - tr.from);
    const double* y_last = y_try_.data();  // the last consistent state
    if (tr.cur) {
        os << "the cathode cannot carry " << describe_current(tr.to) << " at t = " << tr.t0 / kSecondsPerHour
           << " h: no consistent state of the electrode was found beyond " << describe_current(reached)
           << ", where its potential is " << readout_.potential(y_last)
           << " V vs Li/Li+ (lower the current, or reach it in smaller steps)";
    } else {
        os << "the cathode cannot be brought from " << tr.from << " V to " << tr.to
           << (tr.cell ? " V cell voltage" : " V vs Li/Li+") << " at t = "
           << tr.t0 / kSecondsPerHour << " h: no consistent state of the electrode was found beyond "
           << reached << " V, where the current is already "
           << describe_current(readout_.current_density(y_last))
           << " (approach the potential with a ramp or a current step)";
    }
    throw SolverError(os.str());
}

std::string StepStarter::describe_current(double i) const {
    std::ostringstream os;
    os << std::setprecision(3);
    if (one_c_ > 0) os << std::fabs(i) / one_c_ << "C (" << std::fabs(i) * 0.1 << " mA/cm2)";
    else os << std::fabs(i) * 0.1 << " mA/cm2";
    return os.str();
}

}  // namespace ssbsim
