#include "run/sampler.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace ssbsim {

Sampler::Sampler(const SimulationConfig& config, const StateReadout& readout, RunObserver* observer,
                 double to_mAh_g)
    : output_(config.output),
      readout_(readout),
      observer_(observer),
      to_mAh_g_(to_mAh_g),
      sizes_(output_sizes(config)),
      bytes_out_(sizes_.skeleton),
      y_interp_(readout.model().size()) {}

void Sampler::spend(bool profile) {
    const OutputSpec& o = output_;
    const bool too_many = profile ? ++step_profiles_ > o.max_profiles_per_step
                                  : ++step_samples_ > o.max_samples_per_step;
    const double bytes = profile ? sizes_.profile : sizes_.sample;
    if (!too_many && !(bytes_out_ + bytes > o.max_file_size)) {
        bytes_out_ += bytes;
        return;
    }
    // The message only when the run stops: a stream per sample would cost every solver step.
    std::ostringstream os;
    os << std::setprecision(3);
    if (profile && too_many)
        os << "the step reached output.max_profiles_per_step = " << o.max_profiles_per_step
           << " spatial profiles (raise it, or coarsen output.profile_interval)";
    else if (too_many)
        os << "the step reached output.max_samples_per_step = " << o.max_samples_per_step
           << " samples (raise it, or set output.sample_interval)";
    else
        os << "the result file reached output.max_file_size = " << format_bytes(o.max_file_size)
           << " (raise it, or coarsen output.sample_interval or output.profile_interval)";
    throw OutputLimit{os.str()};
}

Sample Sampler::sample_at(double time, const double* y) const {
    Sample s = readout_.sample(time, y, q_step0_, to_mAh_g_);
    s.step = step_;
    s.cycle = cycle_;
    return s;
}

void Sampler::emit(double time, const double* y) {
    spend(false);
    if (observer_->wants_samples())
        observer_->on_sample(sample_at(time, y));
    else
        observer_->on_sample_skipped();
}

void Sampler::start_step(const Step& st, int step, int cycle, double q_step0, double t, const double* y) {
    step_ = step;
    cycle_ = cycle;
    q_step0_ = q_step0;
    step_samples_ = step_profiles_ = 0;
    // A step's own period ("(1 minute period)") replaces output.sample_interval.
    sample_dt_ = st.period > 0 ? st.period : output_.sample_interval;
    next_sample_ = t + sample_dt_;
    if (!observer_) return;
    emit(t, y);
    if (output_.profile_interval > 0 && next_profile_ <= t) {
        spend(true);
        if (observer_->wants_profiles()) observer_->on_profile(t, readout_.model(), y);
        last_profile_ = t;
        next_profile_ = t + output_.profile_interval;
    }
}

void Sampler::after_solver_step(const IdaIntegrator& ida, double t_prev, bool step_done) {
    if (!observer_) return;
    const double tn = ida.time();
    if (sample_dt_ > 0) {
        emit_grid(ida, t_prev, tn);
        if (step_done) emit(tn, ida.y());
    } else {
        emit(tn, ida.y());
    }
    emit_profiles(ida, t_prev, tn);
}

void Sampler::emit_grid(const IdaIntegrator& ida, double t_prev, double t) {
    for (; next_sample_ < t; next_sample_ += sample_dt_) {
        if (next_sample_ <= t_prev) continue;
        // The state in between only for an observer that reads the sample.
        if (observer_->wants_samples()) ida.interpolate(next_sample_, y_interp_.data());
        emit(next_sample_, y_interp_.data());
    }
}

void Sampler::advance_to(const IdaIntegrator& ida, double t_prev, double t) {
    if (!observer_) return;
    if (sample_dt_ > 0) emit_grid(ida, t_prev, t);
    emit_profiles(ida, t_prev, t);
}

void Sampler::after_landing(const IdaIntegrator& ida) {
    if (!observer_ || sample_dt_ <= 0) return;
    for (; next_sample_ <= ida.time(); next_sample_ += sample_dt_) emit(next_sample_, ida.y());
}

// Profiles on the fixed grid inside the last solver step [t_prev, t_now] (IDA's dense
// output covers it).
void Sampler::emit_profiles(const IdaIntegrator& ida, double t_prev, double t_now) {
    if (output_.profile_interval <= 0) return;
    while (next_profile_ <= t_now) {
        spend(true);
        if (observer_->wants_profiles()) {
            ida.interpolate(std::max(next_profile_, t_prev), y_interp_.data());
            observer_->on_profile(next_profile_, readout_.model(), y_interp_.data());
        }
        last_profile_ = next_profile_;
        next_profile_ += output_.profile_interval;
    }
}

void Sampler::finish(double t, const double* y) {
    if (!observer_ || output_.profile_interval <= 0 || !(last_profile_ < t)) return;
    step_profiles_ = 0;  // one row beyond the last step's bound
    try {
        spend(true);
        if (observer_->wants_profiles()) observer_->on_profile(t, readout_.model(), y);
    } catch (const OutputLimit&) {
        // The protocol is complete; only the final profile does not fit.
    }
}

}  // namespace ssbsim
