#include "run/runner.hpp"

#include <algorithm>
#include <iomanip>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "numerics/ida_integrator.hpp"
#include "run/checkpoint.hpp"
#include "run/cycle_book.hpp"
#include "run/impedance.hpp"
#include "run/readout.hpp"
#include "run/sampler.hpp"
#include "run/step_setup.hpp"

namespace ssbsim {

namespace {

constexpr double kSecondsPerHour = 3600.0;
constexpr int kMaxRestarts = 3;  // solver restarts per protocol step before giving up
constexpr double kPotentialWindow[2] = {0.0, 6.5};  // [V vs Li/Li+]: check_window
constexpr int kNewtonIterations = 4;  // per corrector solve: IDA's default
constexpr int kNewtonIterationsAfterFailure = 10;

// Keeps the samples and profiles a run reports until its checkpoint is taken (steps and
// cycles the runner keeps itself), passing everything on.
class Recorder : public ForwardingObserver {
public:
    explicit Recorder(RunObserver* next) : ForwardingObserver(next) {}
    void on_sample(const Sample& s) override {
        if (recording) samples.push_back(s);
        ForwardingObserver::on_sample(s);
    }
    // The checkpoint keeps the samples and profiles up to it, whatever the observer after it wants.
    bool wants_samples() const override { return recording || next_wants_samples(); }
    bool wants_profiles() const override { return recording || next_wants_profiles(); }
    void on_profile(double t, const CathodeP2D& m, const double* y) override {
        if (recording) profiles.push_back({t, m.temperature(), std::vector<double>(y, y + m.size())});
        ForwardingObserver::on_profile(t, m, y);
    }
    bool recording = true;
    std::vector<Sample> samples;
    std::vector<RunCheckpoint::ProfileState> profiles;
};

class ProtocolRunner {
public:
    // y, yp: the initial state IDA was started from.
    ProtocolRunner(const SimulationConfig& config, CathodeP2D& model, IdaIntegrator& ida,
                   std::vector<double> y, std::vector<double> yp, const std::atomic<bool>& stop,
                   RunObserver* observer, const RunControl& control, Recorder* recorder);
    RunResult run();

private:
    // A restart: the checkpoint's records go to the observer, its books and grids are ours.
    void resume(const RunCheckpoint& ck);
    void take_checkpoint();
    // The run ends where its checkpoint was taken: no final cycle, no on_finish.
    RunResult finish_at_checkpoint();
    // The next stop time [s] in a step of this duration: a follow step's next break, or t_end.
    double next_stop(double t_end) const;
    // The readouts (RunControl::readout_after) whose time the last solver step, from
    // t_prev, passed inside the last protocol step, short of its end t_end.
    void read_out_passed(const StepSummary& ss, double t_prev, double t_end);
    // The readouts due at time t [s], state y (IDA's interpolant there).
    void read_out(const StepSummary& ss, double t, const double* y);
    void run_step(const Step& st);
    // An EIS step: the spectrum at the present state, no simulated time.
    void run_eis(const Step& st, StepSummary& ss);
    // Solver steps until the step ends; ss.end_reason says why.
    void integrate(const Step& st, StepSummary& ss, double horizon, double t_end);
    // Whether solver step result r ends protocol step st (a duration or a limit); books
    // the shoulder crossing.
    bool ends_step(const Step& st, IdaIntegrator::Result r, StepSummary& ss);
    void restart(const Step& st, double t_prev, double horizon, double t_end);
    void check_window(const Step& st) const;
    // A follow step's breaks (jumps and corners of its profile) as solver times in the step.
    void arm_breaks(const Step& st, double t_end);
    // IDA landed inside the step at a stop time: readouts due, a break passed (a jump
    // re-initialises at the profile's later value), and the next stop time.
    void landed(StepSummary& ss, double t_end);
    void report(const StepSummary& ss);
    void report(const CycleSummary& cs);
    // "at t = ... s (... h), step N 'label', cycle C: "
    std::string where() const;
    void stop_run(RunStatus status, const std::string& message);

    const SimulationConfig& config_;
    CathodeP2D& model_;
    IdaIntegrator& ida_;
    const std::atomic<bool>& stop_;
    RunObserver* const observer_;
    const StateReadout readout_;
    CycleBook book_;
    Sampler sampler_;
    StepEvents events_;
    StepStarter starter_;
    // The state at the end of the last protocol step, and at t_: the time it ended [s].
    std::vector<double> y_, yp_;
    double t_ = 0.0;
    std::vector<double> y_last_, yp_last_;  // the last good solver state, for restarts
    std::vector<double> y_readout_;         // the state at a readout time
    int step_index_ = 0;
    RunResult result_;
    const RunControl& control_;
    Recorder* const recorder_;  // records for the checkpoint, or nullptr
    SolverStats stats0_;        // of the steps before a restart
    std::size_t next_readout_ = 0;  // into control_.readout_after
    double step_start_ = 0;         // [s] the open step's start
    const bool keep_records_;       // RunResult.steps and .cycles (RunControl::keep_records)
    std::vector<double> breaks_;    // [s] a follow step's break times, ascending
    std::vector<char> jumps_;       // per break: the profile jumps there
    std::size_t next_break_ = 0;
};

ProtocolRunner::ProtocolRunner(const SimulationConfig& config, CathodeP2D& model, IdaIntegrator& ida,
                               std::vector<double> y, std::vector<double> yp, const std::atomic<bool>& stop,
                               RunObserver* observer, const RunControl& control, Recorder* recorder)
    : config_(config),
      model_(model),
      ida_(ida),
      stop_(stop),
      observer_(observer),
      readout_(model),
      book_(readout_, config.cell.basis_loading()),
      sampler_(config, readout_, observer, 1.0 / (config.cell.basis_loading() * 3600.0)),
      events_(readout_),
      starter_(model, readout_, ida, config),
      y_(std::move(y)),
      yp_(std::move(yp)),
      y_last_(y_.size()),
      yp_last_(y_.size()),
      y_readout_(control.on_readout ? y_.size() : 0),
      control_(control),
      recorder_(recorder),
      keep_records_(control.keep_records || recorder || control.on_readout) {
    ida_.set_reported_components(readout_.physical_components());
    if (observer_) observer_->on_start(config_, model_);
    if (control_.restart) resume(*control_.restart);
    else book_.start_run(y_.data());
}

void ProtocolRunner::resume(const RunCheckpoint& ck) {
    if (observer_) {
        for (const Sample& s : ck.samples) observer_->on_sample(s);
        for (const auto& p : ck.profiles) {
            model_.set_temperature(p.temperature);
            observer_->on_profile(p.time, model_, p.y.data());
        }
        model_.set_temperature(ck.temperature);
    }
    for (const StepSummary& ss : ck.steps) report(ss);
    for (const CycleSummary& cs : ck.cycles) report(cs);
    for (const Spectrum& z : ck.spectra) {
        if (observer_) observer_->on_spectrum(z);
        result_.spectra.push_back(z);
    }
    if (recorder_) {  // a checkpoint taken later holds these records too
        recorder_->samples = ck.samples;
        recorder_->profiles = ck.profiles;
    }
    book_.restore(ck.book);
    sampler_.restore(ck.sampler);
    t_ = ck.time;
    step_index_ = ck.next_step;
    stats0_ = ck.stats;
}

void ProtocolRunner::take_checkpoint() {
    RunCheckpoint ck;
    ck.identity = checkpoint_identity(config_, step_index_);
    ck.digest = identity_digest(ck.identity);
    const int n = model_.size();
    ck.variable_names.reserve(n);
    for (int i = 0; i < n; ++i) ck.variable_names.push_back(model_.variable_name(i));
    ck.next_step = step_index_;
    ck.time = t_;
    ck.temperature = model_.temperature();
    ck.y = y_;
    ck.yp = yp_;
    book_.save(ck.book);
    ck.sampler = sampler_.grid();
    ck.stats = stats0_;
    ck.stats += ida_.stats();
    ck.samples = std::move(recorder_->samples);
    ck.profiles = std::move(recorder_->profiles);
    recorder_->recording = false;
    ck.steps = result_.steps;
    ck.cycles = result_.cycles;
    ck.spectra = result_.spectra;
    control_.on_checkpoint(std::move(ck));
}

RunResult ProtocolRunner::run() {
    const auto& steps = config_.protocol.steps;
    try {
        for (; step_index_ < static_cast<int>(steps.size()); ++step_index_) {
            if (recorder_ && step_index_ == control_.checkpoint_after) {
                take_checkpoint();
                if (control_.stop_after_checkpoint) return finish_at_checkpoint();
            }
            run_step(steps[step_index_]);
        }
        if (recorder_ && step_index_ == control_.checkpoint_after) take_checkpoint();
        sampler_.finish(t_, y_.data());  // the final state, when the grid did not land on it
        result_.status = RunStatus::complete;
    } catch (const SolverError& e) {
        stop_run(RunStatus::failed, "solver failed " + where() + e.what());
    } catch (const OutputLimit& e) {
        stop_run(RunStatus::output_limit,
                 "output limit reached " + where() + e.why +
                     "; the run stopped there and the file holds everything up to it");
    } catch (const Error& e) {
        if (std::string(e.what()) != "interrupted") throw;
        std::ostringstream os;
        os << "interrupted at t = " << ida_.time() << " s, step " << step_index_ + 1;
        stop_run(RunStatus::interrupted, os.str());
    }
    if (book_.has_open_cycle()) report(book_.close_cycle(y_.data()));
    result_.final_time = t_;
    result_.stats = stats0_;
    result_.stats += ida_.stats();
    result_.lithium_balance_error = book_.lithium_balance_error(y_.data());
    if (observer_) observer_->on_finish(result_);
    return std::move(result_);
}

RunResult ProtocolRunner::finish_at_checkpoint() {
    result_.status = RunStatus::complete;
    result_.message = "stopped at the checkpoint after step " + std::to_string(step_index_);
    result_.final_time = t_;
    result_.stats = stats0_;
    result_.stats += ida_.stats();
    return std::move(result_);
}

void ProtocolRunner::run_step(const Step& st) {
    if (stop_) throw Error("interrupted");
    if (book_.begin_step(st, y_.data())) report(book_.closed_cycle());
    StepSummary ss = book_.open_step(step_index_, st, t_, y_.data());
    if (st.kind == Step::Kind::temperature) {
        model_.set_temperature(st.temperature);
        book_.close_temperature_step(ss, t_, y_.data());
        report(ss);
        return;
    }
    if (st.kind == Step::Kind::eis) {
        run_eis(st, ss);
        return;
    }
    const double i_set = apply_step_control(model_, config_, st, t_);
    const double q0 = book_.step_start_charge();
    events_.arm(config_, st, q0);
    // Restart IDA with consistent initial conditions for the new control.
    const double horizon = st.duration > 0 ? st.duration : kSecondsPerHour;
    const std::string met_on_the_way = starter_.start(st, t_, horizon, i_set, y_.data(), yp_.data());
    const int n = model_.size();
    std::copy(ida_.y(), ida_.y() + n, y_.begin());
    std::copy(ida_.yp(), ida_.yp() + n, yp_.begin());
    ida_.set_roots(events_.count(), events_.function());
    const double t_end = st.duration > 0 ? t_ + st.duration : 0.0;
    step_start_ = t_;
    arm_breaks(st, t_end);
    if (st.duration > 0) ida_.set_stop_time(next_stop(t_end));
    else ida_.clear_stop_time();

    // Limits already met at the start end the step at once.
    const std::string met_at_start = events_.met_at_start(st, y_.data());
    ss.end_reason = met_on_the_way.empty() ? met_at_start : met_on_the_way;
    sampler_.start_step(st, step_index_, book_.cycle(), q0, t_, y_.data());
    if (ss.end_reason.empty()) integrate(st, ss, horizon, t_end);

    t_ = ida_.time();
    std::copy(ida_.y(), ida_.y() + n, y_.begin());
    std::copy(ida_.yp(), ida_.yp() + n, yp_.begin());
    if (events_.shoulder_active()) book_.add_shoulder(y_.data());  // ended below the shoulder
    book_.close_step(ss, t_, y_.data());
    sampler_.end_step();
    report(ss);
}

void ProtocolRunner::run_eis(const Step& st, StepSummary& ss) {
    Spectrum z = impedance_spectrum(model_, st.eis, t_, y_.data(), yp_.data());
    z.step = step_index_;
    z.cycle = book_.cycle();
    z.label = st.label;
    ss.end_time = t_;
    ss.end_reason = "impedance spectrum";
    ss.end_potential = z.potential;
    if (observer_) observer_->on_spectrum(z);
    result_.spectra.push_back(std::move(z));
    report(ss);
}

void ProtocolRunner::integrate(const Step& st, StepSummary& ss, double horizon, double t_end) {
    const double t_out = st.duration > 0 ? t_end : t_ + 1e10;
    int restarts = 0;
    ida_.set_max_newton_iterations(kNewtonIterations);  // a restart of the last step raised it
    for (;;) {
        if (stop_) throw Error("interrupted");
        const double t_prev = ida_.time();
        IdaIntegrator::Result r;
        try {
            r = ida_.step(t_out);
        } catch (const SolverError& step_failure) {
            // A convergence failure at a kink of the material functions often passes after
            // a restart at order 1 with a fresh Jacobian from the last good state; give up
            // after a few.
            if (++restarts > kMaxRestarts) throw;
            try {
                restart(st, t_prev, horizon, t_end);
            } catch (const SolverError& restart_failure) {
                // The step's own failure is the cause; the restart's says why it did not pass.
                throw SolverError(std::string(step_failure.what()) + "; restarting from the last good state failed: " +
                                  restart_failure.what());
            }
            // The restarted state may already be past a limit (the failure was at the
            // kink where it is crossed); IDA would then never see the crossing.
            const std::string passed = events_.limit_passed(st, ida_.y());
            if (!passed.empty()) {
                ss.end_reason = passed;
                sampler_.after_solver_step(ida_, t_prev, true);
                return;
            }
            continue;
        }
        const bool done = ends_step(st, r, ss);
        read_out_passed(ss, t_prev, t_end);
        sampler_.after_solver_step(ida_, t_prev, done);
        check_window(st);
        if (done) return;
        if (r == IdaIntegrator::Result::stop_time) landed(ss, t_end);  // not the step's end
    }
}

void ProtocolRunner::arm_breaks(const Step& st, double t_end) {
    breaks_.clear();
    jumps_.clear();
    next_break_ = 0;
    const FollowedProfile* f = model_.followed_profile();
    if (st.kind != Step::Kind::follow || !f) return;
    const RecordedProfile& p = *f->profile;
    for (std::size_t k : p.breaks) {
        const double t = f->solver_time(p.time[k]);
        if (!(t > t_ && t < t_end) || (!breaks_.empty() && t <= breaks_.back())) continue;
        breaks_.push_back(t);
        jumps_.push_back(k + 1 < p.time.size() && p.time[k + 1] == p.time[k] ? 1 : 0);
    }
}

void ProtocolRunner::landed(StepSummary& ss, double t_end) {
    const double t = ida_.time();
    bool jump = false, at_break = false;
    for (; next_break_ < breaks_.size() && breaks_[next_break_] <= t; ++next_break_) {
        at_break = true;
        jump = jump || jumps_[next_break_];
    }
    sampler_.after_landing(ida_);
    // At a break IDA starts afresh: the target jumps (a consistent state at its later value)
    // or bends, and an interpolant through history from before a corner would miss the
    // profile between the next solver steps (the potentials are algebraic: IDA's error
    // test does not watch them).
    if (at_break) {
        if (jump) model_.follow_jump_at(t);
        const int n = model_.size();
        std::copy(ida_.y(), ida_.y() + n, y_last_.begin());
        std::copy(ida_.yp(), ida_.yp() + n, yp_last_.begin());
        ida_.reinit(t, y_last_.data(), yp_last_.data());
        ida_.calc_ic(t + 1e-6 * (t_end - step_start_));
        ida_.set_roots(events_.count(), events_.function());
    }
    ida_.set_stop_time(next_stop(t_end));
}

double ProtocolRunner::next_stop(double t_end) const {
    return next_break_ < breaks_.size() ? std::min(t_end, breaks_[next_break_]) : t_end;
}

// IDA steps over a readout time as it would in the case solved alone: a stop there cuts the
// solver step short, and growing it back took ~40 more steps per readout in a long hold (a
// Study A hold sweep: 1327 steps against 1095). A readout at the step's end is the run's
// own end (on_finish).
void ProtocolRunner::read_out_passed(const StepSummary& ss, double t_prev, double t_end) {
    const auto& after = control_.readout_after;
    if (!control_.on_readout || step_index_ + 1 != static_cast<int>(config_.protocol.steps.size())) return;
    while (next_readout_ < after.size()) {
        const double t = step_start_ + after[next_readout_];
        if (t > ida_.time() || t >= t_end) return;
        sampler_.advance_to(ida_, t_prev, t);
        ida_.interpolate(t, y_readout_.data());
        read_out(ss, t, y_readout_.data());
    }
}

// As the run would have ended at t: the step closed (with the shoulder it has passed so
// far), its cycle closed, the final profile, on copies of the books.
void ProtocolRunner::read_out(const StepSummary& ss, double t, const double* y) {
    const auto& after = control_.readout_after;
    ReadoutEnd end;
    end.time = t;
    end.y = y;
    end.last_sample = sampler_.sample_at(t, y);
    CycleBook book = book_;
    if (events_.shoulder_active()) book.add_shoulder(y);
    end.step = ss;
    end.step.end_reason = "duration";
    book.close_step(end.step, t, y);
    end.has_cycle = book.has_open_cycle();
    if (end.has_cycle) end.cycle = book.close_cycle(y);
    end.final_profile = sampler_.final_profile_due(t);
    end.result.status = RunStatus::complete;
    end.result.steps = result_.steps;
    end.result.steps.push_back(end.step);
    end.result.cycles = result_.cycles;
    if (end.has_cycle) end.result.cycles.push_back(end.cycle);
    end.result.final_time = t;
    end.result.stats = stats0_;
    end.result.stats += ida_.stats();
    end.result.lithium_balance_error = book.lithium_balance_error(y);
    // Every readout due by now (equal durations end together).
    while (next_readout_ < after.size() && step_start_ + after[next_readout_] <= t)
        control_.on_readout(static_cast<int>(next_readout_++), end);
}

bool ProtocolRunner::ends_step(const Step& st, IdaIntegrator::Result r, StepSummary& ss) {
    // IDA stops short of the step's end only at a follow step's break.
    if (r == IdaIntegrator::Result::stop_time && ida_.time() < step_start_ + st.duration) return false;
    if (r == IdaIntegrator::Result::stop_time) {
        ss.end_reason = "duration";
        return true;
    }
    if (r != IdaIntegrator::Result::root) return false;
    bool done = false;
    const std::vector<int> info = ida_.roots_found();
    const int n_term = events_.n_limits();
    for (int k = 0; k < n_term; ++k)
        if (info[k] != 0) {
            done = true;
            ss.end_reason = "limit " + st.limits[k].text;
        }
    if (events_.tracks_shoulder() && info[n_term] > 0 && events_.shoulder_active()) {
        book_.add_shoulder(ida_.y());
        events_.shoulder_crossed();
    }
    return done;
}

// No cathode runs outside 0-6.5 V vs Li/Li+ (lithium plates below 0 V; above 6.5 V no
// material or electrolyte of the model has a meaning): a current the cathode cannot carry
// drives the potential there and the solver would crawl on without end. The file keeps
// every sample up to here.
void ProtocolRunner::check_window(const Step& st) const {
    const double v = readout_.potential(ida_.y());
    if (v >= kPotentialWindow[0] && v <= kPotentialWindow[1]) return;
    std::ostringstream os;
    os << std::setprecision(3) << "the cathode potential left the physical window (" << kPotentialWindow[0]
       << "-" << kPotentialWindow[1] << " V vs Li/Li+): " << v << " V"
       << (st.kind == Step::Kind::current ? "; the cathode cannot carry this current (lower it, or add a voltage limit)"
                                          : "");
    throw SolverError(os.str());
}

void ProtocolRunner::restart(const Step& st, double t_prev, double horizon, double t_end) {
    const int n = model_.size();
    std::copy(ida_.y(), ida_.y() + n, y_last_.begin());
    std::copy(ida_.yp(), ida_.yp() + n, yp_last_.begin());
    ida_.reinit(t_prev, y_last_.data(), yp_last_.data());
    ida_.set_max_newton_iterations(kNewtonIterationsAfterFailure);  // for the rest of this protocol step
    try {
        ida_.calc_ic(t_prev + 1e-6 * horizon);
    } catch (const SolverError&) {
        // The last accepted step's state is consistent to the solver's tolerance already:
        // start afresh (order 1, new Jacobian) from it as it is.
        ida_.reinit(t_prev, y_last_.data(), yp_last_.data());
    }
    ida_.set_roots(events_.count(), events_.function());
    if (st.duration > 0) ida_.set_stop_time(next_stop(t_end));
}

void ProtocolRunner::report(const StepSummary& ss) {
    if (keep_records_) result_.steps.push_back(ss);
    if (observer_) observer_->on_step(ss);
}

void ProtocolRunner::report(const CycleSummary& cs) {
    if (keep_records_) result_.cycles.push_back(cs);
    if (observer_) observer_->on_cycle(cs);
}

std::string ProtocolRunner::where() const {
    const auto& steps = config_.protocol.steps;
    std::ostringstream os;
    os << "at t = " << ida_.time() << " s (" << ida_.time() / 3600.0 << " h), step " << step_index_ + 1
       << " '" << (step_index_ < static_cast<int>(steps.size()) ? steps[step_index_].label : "") << "', cycle "
       << book_.cycle() << ": ";
    return os.str();
}

// The run ends early: the state where the solver stopped is the final one.
void ProtocolRunner::stop_run(RunStatus status, const std::string& message) {
    result_.status = status;
    result_.message = message;
    std::copy(ida_.y(), ida_.y() + model_.size(), y_.begin());
    t_ = ida_.time();
}

}  // namespace

RunResult run_protocol(const SimulationConfig& config, CathodeP2D& model, const std::atomic<bool>& stop,
                       RunObserver* observer, const RunControl& control) {
    const CellSpec& cell = config.cell;
    const int n = model.size();
    std::vector<double> y(n), yp(n);
    double t0 = 0.0;
    model.set_temperature(cell.temperature);
    model.set_control(ControlMode::rest, 0.0);
    if (const RunCheckpoint* ck = control.restart) {
        model.set_temperature(ck->temperature);
        y = ck->y;
        yp = ck->yp;
        t0 = ck->time;
    } else {
        model.initial_state(cell.initial_stoichiometry, y.data(), yp.data());
    }
    IdaIntegrator ida(model, config.solver, t0, y.data(), yp.data());
    // A checkpoint needs the samples and profiles reported before it.
    std::unique_ptr<Recorder> recorder;
    if (control.checkpoint_after > 0 && control.on_checkpoint) recorder = std::make_unique<Recorder>(observer);
    ProtocolRunner runner(config, model, ida, std::move(y), std::move(yp), stop,
                          recorder ? recorder.get() : observer, control, recorder.get());
    return runner.run();
}

RunResult run_protocol(const SimulationConfig& config, CathodeP2D& model, const std::atomic<bool>& stop,
                       RunObserver* observer) {
    return run_protocol(config, model, stop, observer, RunControl());
}

}  // namespace ssbsim
