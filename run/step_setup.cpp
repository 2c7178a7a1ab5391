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
                              st.ramp ? (st.ramp_end - st.voltage) / st.duration : 0.0, t);
            break;
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
        Event ev{l.kind, 1.0, l.value};
        if (l.kind == Limit::Kind::voltage) {
            // Charge stops rising through the limit, discharge falling through it.
            ev.sign = st.direction >= 0 ? 1.0 : -1.0;
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
                g[k] = ev.sign * (readout_.potential(y) - ev.value);
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
    double from, to;             // control values [A/m2] or [V]
};

StepStarter::StepStarter(CathodeP2D& model, const StateReadout& readout, IdaIntegrator& ida,
                         const SimulationConfig& config)
    : model_(model),
      readout_(readout),
      ida_(ida),
      one_c_(config.protocol.c_rate_basis * config.cell.basis_loading() / kSecondsPerHour),
      y_try_(model.size()),
      yp_try_(model.size()) {}

bool StepStarter::try_ic(double t0, double t_ic, const double* y, const double* yp) {
    ida_.reinit(t0, y, yp);
    try {
        ida_.calc_ic(t_ic);
        return true;
    } catch (const SolverError&) {
        return false;
    }
}

std::string StepStarter::start(const Step& st, double t0, double horizon, double i_set, const double* y0,
                               const double* yp0) {
    const double t_ic = t0 + 1e-4 * horizon;
    const bool cur = st.kind == Step::Kind::current;
    const int n = model_.size();
    const double from = cur ? readout_.current_density(y0) : readout_.potential(y0);
    const Transition tr{st, t0, t_ic, y0, yp0, cur, from, cur ? i_set : st.voltage};
    if (try_ic(t0, t_ic, y0, yp0)) return cur ? passed_at_full(tr) : "";
    if (cur) {
        // The uniform electrode potential that carries the requested current.
        std::copy(y0, y0 + n, y_try_.begin());
        model_.shift_to_current(y_try_.data(), yp0, model_.control_value());
        if (try_ic(t0, t_ic, y_try_.data(), yp0)) return passed_at_full(tr);
    }
    if (!cur && st.kind != Step::Kind::voltage) {
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
    if (tr.cur) {
        model_.set_control(ControlMode::current, value);
    } else {
        const double rate = st.ramp && st.duration > 0 ? (st.ramp_end - st.voltage) / st.duration : 0.0;
        model_.set_control(ControlMode::voltage, value, f >= 1 ? rate : 0.0, tr.t0);
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
        ida_.reinit(tr.t0, y_try_.data(), yp_try_.data());
        try {
            ida_.calc_ic(tr.t_ic);
        } catch (const SolverError&) {
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
    const double v = readout_.potential(y_try_.data());
    for (const Limit& l : st.limits)
        if (l.kind == Limit::Kind::voltage && (st.direction >= 0 ? v >= l.value : v <= l.value)) {
            std::ostringstream os;
            os << std::setprecision(3) << "limit " << l.text << " met at start: the cathode cannot carry "
               << describe_current(tr.to) << " at t = " << tr.t0 / kSecondsPerHour
               << " h, its potential would pass " << l.value << " V at once (" << v
               << " V vs Li/Li+ already at " << describe_current(tr.from + f * (tr.to - tr.from)) << ")";
            return os.str();
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
        os << "the cathode cannot be brought from " << tr.from << " V to " << tr.to << " V vs Li/Li+ at t = "
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
