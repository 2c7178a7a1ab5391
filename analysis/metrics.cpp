// Trajectory analysis shared by measured and simulated records (see metrics.hpp).
//
// Rules implemented here (n samples, indices 0..n-1):
//
//  * Sample class. A sample is at rest when |I| <= rest_current_fraction * max|I| of the
//    record and, when rest_current_absolute > 0, also |I| <= rest_current_absolute;
//    otherwise its class is the sign of I (+1 charge, -1 discharge).
//
//  * Runs. A new run starts at sample i when the class changes, or (with
//    use_recorded_numbering and the column present) when the recorded step number or the
//    recorded cycle number changes between samples i-1 and i. A rest run is one rest step.
//    With a recorded step number, a sample at the rest level inside the recorded step of a
//    current run, whose current still flows in the run's direction (the decaying tail of a
//    CV hold), does not change the class: the run goes on. A zero or reversed current does.
//
//  * CC/CV split of a run [b, e) of one current sign. Only a trailing constant-voltage part
//    is recognised (CC then CV, the usual CCCV protocol):
//      1. tail: the longest suffix [k, e) whose potentials all lie within cv_tolerance of the
//         run's final potential V[e-1];
//      2. Imax = max |I| over the tail; j* = the last tail sample with |I| >= 0.99 * Imax
//         (the last sample still at the constant-current level);
//      3. the CV part is [j*+1, e), or the whole run [b, e) when j* == b (a hold that starts
//         the run, e.g. a potentiostatic hold after a rest);
//      4. it is accepted as CV only when it has at least 3 samples and its final current
//         |I[e-1]| <= 0.95 * Imax (the current decays); the rest of the run is CC.
//         Otherwise the whole run is CC (a flat CC plateau keeps a constant current and so
//         stays CC).
//
//  * Integration. Trapezoidal rule between consecutive samples, for charge (I), energy (I*V,
//    trapezoid of the product) and time-weighted means. Interval (i-1, i) belongs to the
//    step of its right sample i, except when sample i starts a rest step and sample i-1 is
//    not at rest: then it belongs to the step of sample i-1 (the step that was passing the
//    current). So a rest with zero current carries exactly zero charge, and every interval
//    belongs to exactly one step: the step capacities sum to the trapezoid integral of the
//    whole record. mean_current and mean_potential are time averages over the step's
//    intervals (plain sample means when no time passes in it); start/end time and potential
//    are those of its first and last sample.
//
//  * Cycles. With use_recorded_numbering and a cycle column: a step's cycle is the recorded
//    cycle number of its first sample (runs are split at cycle changes, so steps never
//    straddle two). Otherwise: cycle 1 at the start (also when the record begins with a
//    discharge or a rest), and a new cycle starts at the first charge step (charge_cc or
//    charge_cv) that follows a discharge step of the current cycle; rests between the
//    discharge and the next charge stay in the earlier cycle.
//
//  * Per cycle: charge_capacity = sum of the positive step capacities, discharge_capacity
//    = |sum of the negative ones| (so charge - discharge is the net charge of the cycle);
//    energies likewise by the sign of the step energies; CE = discharge / charge and energy
//    efficiency = discharge / charge energy, NaN without charge. shoulder_capacity = the
//    charge of the intervals belonging to charge steps, counted over the part of each
//    interval where the potential (linear in time between the samples) is below
//    shoulder_potential, with the current also linear in time over that part. Cycles are
//    listed by cycle number; retention = discharge / discharge of the first listed cycle
//    with discharge > 0 (NaN for the cycles before it), fade = discharge of the previous
//    listed cycle - discharge of this one (NaN for the first).
//
//  * With a recorded stack pressure: stack_pressure_change_at_charge_start = P where the
//    cycle's first charge step has passed kChargeStartFraction of its charge (linear in time
//    between the samples, as the current) minus P at the step's first sample [MPa].
#include "analysis/metrics.hpp"
#include "io/spectra.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

namespace ssbsim {

namespace {

using Kind = StepSegment::Kind;

constexpr double kCoulombPerMah = 3.6;      // 1 mAh = 3.6 C; 1 mWh = 3.6 J
constexpr double kCcLevelFraction = 0.99;   // |I| >= 99 % of the tail maximum: still CC
constexpr double kCvMinDecay = 0.05;        // a CV part must end >= 5 % below that maximum
constexpr std::size_t kCvMinSamples = 3;    // ... and have at least this many samples
constexpr std::size_t kMaxDqDvBins = 10000000;

bool is_charge(Kind k) { return k == Kind::charge_cc || k == Kind::charge_cv; }
bool is_discharge(Kind k) { return k == Kind::discharge_cc || k == Kind::discharge_cv; }
bool is_cc(Kind k) { return k == Kind::charge_cc || k == Kind::discharge_cc; }

void check_record(const Trajectory& t, const char* what) {
    const std::size_t n = t.time.size();
    if (t.potential.size() != n || t.current.size() != n)
        throw std::invalid_argument(std::string(what) + ": time, potential and current have different lengths (" +
                                    std::to_string(n) + ", " + std::to_string(t.potential.size()) + ", " +
                                    std::to_string(t.current.size()) + ")");
}

double per_gram_factor(double mass) { return 1.0 / (kCoulombPerMah * mass * 1000.0); }

// Intervals (r-1, r) with r in [lo, hi) belong to step `idx` (see the rule at the top).
std::pair<std::size_t, std::size_t> interval_range(const std::vector<StepSegment>& steps, std::size_t idx,
                                                   std::size_t n) {
    const StepSegment& s = steps[idx];
    std::size_t lo = s.begin, hi = s.end;
    const bool rest = s.kind == Kind::rest;
    if (idx > 0 && rest && steps[idx - 1].kind != Kind::rest) ++lo;
    if (idx + 1 < steps.size() && !rest && steps[idx + 1].kind == Kind::rest) ++hi;
    lo = std::max<std::size_t>(lo, 1);
    hi = std::min(hi, n);
    if (hi < lo) hi = lo;
    return {lo, hi};
}

// Charge [C] of interval (r-1, r) over the part where the potential is below vs.
double charge_below(const Trajectory& t, std::size_t r, double vs) {
    const double v0 = t.potential[r - 1], v1 = t.potential[r];
    const double i0 = t.current[r - 1], i1 = t.current[r];
    const double dt = t.time[r] - t.time[r - 1];
    const bool b0 = v0 < vs, b1 = v1 < vs;
    if (b0 && b1) return 0.5 * (i0 + i1) * dt;
    if (!b0 && !b1) return 0.0;
    const double f = (vs - v0) / (v1 - v0);  // crossing, in (0, 1]; v1 != v0 here
    const double ic = i0 + f * (i1 - i0);
    return b0 ? 0.5 * (i0 + ic) * f * dt : 0.5 * (ic + i1) * (1.0 - f) * dt;
}

// P where the intervals [lo, hi) have passed `fraction` of their charge q [C] minus P at
// sample lo - 1 [MPa]; NaN when no charge passes.
double pressure_change_at_start(const Trajectory& t, std::size_t lo, std::size_t hi, double q, double fraction) {
    if (!(q > 0) || lo < 1 || hi <= lo) return kNaN;
    const double target = fraction * q;
    const double p0 = t.stack_pressure[lo - 1];
    double acc = 0.0;
    for (std::size_t r = lo; r < hi; ++r) {
        const double dq = 0.5 * (t.current[r - 1] + t.current[r]) * (t.time[r] - t.time[r - 1]);
        if (acc + dq >= target && dq > 0) {
            const double w = (target - acc) / dq;  // in [0, 1]
            const double p = t.stack_pressure[r - 1] + w * (t.stack_pressure[r] - t.stack_pressure[r - 1]);
            return (p - p0) * 1e-6;
        }
        acc += dq;
    }
    return (t.stack_pressure[hi - 1] - p0) * 1e-6;
}

StepSegment make_step(const Trajectory& t, Kind kind, std::size_t b, std::size_t e) {
    StepSegment s;
    s.kind = kind;
    s.begin = b;
    s.end = e;
    s.start_time = t.time[b];
    s.end_time = t.time[e - 1];
    s.start_potential = t.potential[b];
    s.end_potential = t.potential[e - 1];
    return s;
}

// Splits the current run [b, e) of sign `sign` into CC and CV steps (rule at the top).
void emit_current_run(const Trajectory& t, double cv_tol, int sign, std::size_t b, std::size_t e,
                      std::vector<StepSegment>& steps) {
    const Kind cc = sign > 0 ? Kind::charge_cc : Kind::discharge_cc;
    const Kind cv = sign > 0 ? Kind::charge_cv : Kind::discharge_cv;
    const double vf = t.potential[e - 1];
    std::size_t k = e - 1;
    while (k > b && std::fabs(t.potential[k - 1] - vf) <= cv_tol) --k;
    double imax = 0.0;
    for (std::size_t j = k; j < e; ++j) imax = std::max(imax, std::fabs(t.current[j]));
    std::size_t jstar = k;
    for (std::size_t j = k; j < e; ++j)
        if (std::fabs(t.current[j]) >= kCcLevelFraction * imax) jstar = j;
    const std::size_t cv_begin = jstar == b ? b : jstar + 1;
    const bool is_cv = e - cv_begin >= kCvMinSamples && std::fabs(t.current[e - 1]) <= (1.0 - kCvMinDecay) * imax;
    if (!is_cv) {
        steps.push_back(make_step(t, cc, b, e));
        return;
    }
    if (cv_begin > b) steps.push_back(make_step(t, cc, b, cv_begin));
    steps.push_back(make_step(t, cv, cv_begin, e));
}

}  // namespace

int StepSegment::direction() const {
    if (is_charge(kind)) return +1;
    if (is_discharge(kind)) return -1;
    return 0;
}

const char* to_string(StepSegment::Kind k) {
    switch (k) {
        case Kind::charge_cc: return "charge_cc";
        case Kind::charge_cv: return "charge_cv";
        case Kind::discharge_cc: return "discharge_cc";
        case Kind::discharge_cv: return "discharge_cv";
        case Kind::rest: return "rest";
    }
    return "?";
}

Analysis analyse(const Trajectory& t, const AnalysisOptions& options) {
    check_record(t, "analyse");
    const std::size_t n = t.size();
    if (n < 2)
        throw std::invalid_argument("analyse: a trajectory needs at least 2 samples, got " + std::to_string(n));
    const double mass = options.mass > 0 ? options.mass : t.mass;
    if (!(mass > 0) || !std::isfinite(mass))
        throw std::invalid_argument(
            "analyse: no active mass: set Trajectory::mass or AnalysisOptions::mass to a value > 0 [kg]");
    if (!(options.cv_tolerance >= 0) || !(options.rest_current_fraction >= 0))
        throw std::invalid_argument("analyse: cv_tolerance and rest_current_fraction must be >= 0");
    const bool rec_step = options.use_recorded_numbering && !t.step.empty();
    const bool rec_cycle = options.use_recorded_numbering && !t.cycle.empty();
    if (rec_step && t.step.size() != n)
        throw std::invalid_argument("analyse: step column has " + std::to_string(t.step.size()) +
                                    " entries, expected " + std::to_string(n));
    if (rec_cycle && t.cycle.size() != n)
        throw std::invalid_argument("analyse: cycle column has " + std::to_string(t.cycle.size()) +
                                    " entries, expected " + std::to_string(n));

    double imax = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(t.time[i]) || !std::isfinite(t.potential[i]) || !std::isfinite(t.current[i]))
            throw std::invalid_argument("analyse: non-finite time, potential or current at sample " +
                                        std::to_string(i));
        if (i > 0 && t.time[i] < t.time[i - 1])
            throw std::invalid_argument("analyse: time decreases at sample " + std::to_string(i));
        imax = std::max(imax, std::fabs(t.current[i]));
    }
    double rest_threshold = options.rest_current_fraction * imax;
    if (options.rest_current_absolute > 0) rest_threshold = std::min(rest_threshold, options.rest_current_absolute);
    auto cls = [&](std::size_t i) {
        const double c = t.current[i];
        return std::fabs(c) <= rest_threshold ? 0 : (c > 0 ? 1 : -1);
    };

    Analysis a;
    a.mass = mass;
    // Runs and steps.
    std::size_t b = 0;
    int run_cls = cls(0);
    for (std::size_t i = 1; i <= n; ++i) {
        int c = 0;
        bool boundary = i == n;
        if (!boundary) {
            c = cls(i);
            if (rec_step && c == 0 && run_cls != 0 && t.step[i] == t.step[i - 1] && t.current[i] * run_cls > 0)
                c = run_cls;  // the tail of a CV hold within its recorded step
            boundary = c != run_cls || (rec_step && t.step[i] != t.step[i - 1]) ||
                       (rec_cycle && t.cycle[i] != t.cycle[i - 1]);
        }
        if (!boundary) continue;
        if (run_cls == 0)
            a.steps.push_back(make_step(t, Kind::rest, b, i));
        else
            emit_current_run(t, options.cv_tolerance, run_cls, b, i, a.steps);
        b = i;
        run_cls = c;
    }

    // Cycle of each step.
    int cycle = 1;
    bool discharged = false;
    for (std::size_t s = 0; s < a.steps.size(); ++s) {
        StepSegment& st = a.steps[s];
        st.index = static_cast<int>(s) + 1;
        if (rec_cycle) {
            st.cycle = t.cycle[st.begin];
            continue;
        }
        if (is_charge(st.kind) && discharged) {
            ++cycle;
            discharged = false;
        }
        if (is_discharge(st.kind)) discharged = true;
        st.cycle = cycle;
    }

    // Integrals per step, accumulated into the cycles.
    const double f = per_gram_factor(mass);
    const bool with_pressure = t.stack_pressure.size() == n;
    std::map<int, std::size_t> cycle_pos;
    for (std::size_t s = 0; s < a.steps.size(); ++s) {
        StepSegment& st = a.steps[s];
        const auto [lo, hi] = interval_range(a.steps, s, n);
        const bool charge = is_charge(st.kind);
        double q = 0, e = 0, vt = 0, dur = 0, shoulder = 0;
        for (std::size_t r = lo; r < hi; ++r) {
            const double dt = t.time[r] - t.time[r - 1];
            const double i0 = t.current[r - 1], i1 = t.current[r];
            const double v0 = t.potential[r - 1], v1 = t.potential[r];
            q += 0.5 * (i0 + i1) * dt;
            e += 0.5 * (i0 * v0 + i1 * v1) * dt;
            vt += 0.5 * (v0 + v1) * dt;
            dur += dt;
            if (charge) shoulder += charge_below(t, r, options.shoulder_potential);
        }
        st.capacity = q * f;
        st.energy = e * f;
        if (dur > 0) {
            st.mean_current = q / dur;
            st.mean_potential = vt / dur;
        } else {  // no time passes in the step: plain sample means
            double si = 0, sv = 0;
            for (std::size_t i = st.begin; i < st.end; ++i) {
                si += t.current[i];
                sv += t.potential[i];
            }
            st.mean_current = si / double(st.end - st.begin);
            st.mean_potential = sv / double(st.end - st.begin);
        }

        auto [it, fresh] = cycle_pos.try_emplace(st.cycle, a.cycles.size());
        if (fresh) {
            CycleMetrics c;
            c.cycle = st.cycle;
            c.start_time = st.start_time;
            c.end_time = st.end_time;
            a.cycles.push_back(c);
        }
        CycleMetrics& c = a.cycles[it->second];
        if (st.capacity > 0) c.charge_capacity += st.capacity;
        if (st.capacity < 0) c.discharge_capacity -= st.capacity;
        if (st.energy > 0) c.charge_energy += st.energy;
        if (st.energy < 0) c.discharge_energy -= st.energy;
        c.shoulder_capacity += shoulder * f;
        if (charge && with_pressure && std::isnan(c.stack_pressure_change_at_charge_start))
            c.stack_pressure_change_at_charge_start = pressure_change_at_start(t, lo, hi, q, kChargeStartFraction);
        c.start_time = std::min(c.start_time, st.start_time);
        c.end_time = std::max(c.end_time, st.end_time);
    }

    std::sort(a.cycles.begin(), a.cycles.end(),
              [](const CycleMetrics& x, const CycleMetrics& y) { return x.cycle < y.cycle; });
    double reference = 0.0;
    for (std::size_t k = 0; k < a.cycles.size(); ++k) {
        CycleMetrics& c = a.cycles[k];
        c.coulombic_efficiency = c.charge_capacity > 0 ? c.discharge_capacity / c.charge_capacity : kNaN;
        c.energy_efficiency = c.charge_energy > 0 ? c.discharge_energy / c.charge_energy : kNaN;
        if (reference == 0.0 && c.discharge_capacity > 0) reference = c.discharge_capacity;
        c.retention = reference > 0 ? c.discharge_capacity / reference : kNaN;
        c.fade = k > 0 ? a.cycles[k - 1].discharge_capacity - c.discharge_capacity : kNaN;
    }
    return a;
}

namespace {

void check_analysis_fits(const Trajectory& t, const Analysis& a, const char* what) {
    check_record(t, what);
    if (!a.steps.empty() && a.steps.back().end > t.size())
        throw std::invalid_argument(std::string(what) + ": the analysis does not belong to this trajectory (" +
                                    std::to_string(t.size()) + " samples, steps up to sample " +
                                    std::to_string(a.steps.back().end) + ")");
    if (!(a.mass > 0)) throw std::invalid_argument(std::string(what) + ": analysis without a mass > 0");
}

}  // namespace

// dQ/dV: each interval of the step (by the integration rule above) spreads its |charge|
// uniformly over the potential range it spans (dQ/dV constant within an interval; all into
// one bin when both potentials are equal). Bin k covers [k*bin, (k+1)*bin).
std::vector<DqDvPoint> dqdv(const Trajectory& t, const Analysis& a, int step_index, double bin) {
    check_analysis_fits(t, a, "dqdv");
    if (!(bin > 0) || !std::isfinite(bin))
        throw std::invalid_argument("dqdv: bin width must be > 0 [V], got " + std::to_string(bin));
    if (step_index < 1 || static_cast<std::size_t>(step_index) > a.steps.size())
        throw std::invalid_argument("dqdv: no step " + std::to_string(step_index) + " (the analysis has " +
                                    std::to_string(a.steps.size()) + ")");
    const std::size_t idx = static_cast<std::size_t>(step_index) - 1;
    const auto [lo, hi] = interval_range(a.steps, idx, t.size());
    std::vector<DqDvPoint> out;
    if (lo >= hi) return out;
    double vmin = t.potential[lo - 1], vmax = vmin;
    for (std::size_t r = lo; r < hi; ++r) {
        vmin = std::min(vmin, t.potential[r]);
        vmax = std::max(vmax, t.potential[r]);
    }
    const double kmin = std::floor(vmin / bin), kmax = std::floor(vmax / bin);
    if (kmax - kmin + 1 > double(kMaxDqDvBins))
        throw std::invalid_argument("dqdv: bin width " + std::to_string(bin) + " V gives too many bins over " +
                                    std::to_string(vmin) + ".." + std::to_string(vmax) + " V");
    const std::size_t nb = static_cast<std::size_t>(kmax - kmin) + 1;
    std::vector<double> acc(nb, 0.0);
    auto bin_of = [&](double v) {
        const double k = std::floor(v / bin) - kmin;
        return static_cast<std::size_t>(std::clamp(k, 0.0, double(nb - 1)));
    };
    const double f = per_gram_factor(a.mass);
    for (std::size_t r = lo; r < hi; ++r) {
        const double dq = std::fabs(0.5 * (t.current[r - 1] + t.current[r]) * (t.time[r] - t.time[r - 1])) * f;
        if (dq == 0) continue;
        const double v_lo = std::min(t.potential[r - 1], t.potential[r]);
        const double v_hi = std::max(t.potential[r - 1], t.potential[r]);
        const std::size_t k0 = bin_of(v_lo), k1 = bin_of(v_hi);
        if (k0 == k1 || v_hi == v_lo) {
            acc[k0] += dq;
            continue;
        }
        const double span = v_hi - v_lo;
        for (std::size_t k = k0; k <= k1; ++k) {
            const double edge_lo = (kmin + double(k)) * bin, edge_hi = edge_lo + bin;
            const double part = std::min(v_hi, edge_hi) - std::max(v_lo, edge_lo);
            if (part > 0) acc[k] += dq * part / span;
        }
    }
    for (std::size_t k = 0; k < nb; ++k)
        if (acc[k] > 0) out.push_back({(kmin + double(k) + 0.5) * bin, acc[k] / bin});
    return out;
}

// GITT: every CC step directly preceded by a rest step. The IR drop is taken between the
// rest's last sample and the pulse's first sample; the resistance divides it by the current
// of that first sample (the current the jump belongs to), which is also reported as
// `current`. `capacity` is the net capacity of all steps before the pulse.
std::vector<GittPulse> gitt(const Trajectory& t, const Analysis& a) {
    check_analysis_fits(t, a, "gitt");
    std::vector<GittPulse> out;
    double cumulative = 0.0;
    for (std::size_t k = 0; k < a.steps.size(); ++k) {
        const StepSegment& s = a.steps[k];
        if (k > 0 && is_cc(s.kind) && a.steps[k - 1].kind == Kind::rest) {
            const StepSegment& rest = a.steps[k - 1];
            GittPulse p;
            p.step = s.index;
            p.time = s.start_time;
            p.capacity = cumulative;
            p.current = t.current[s.begin];
            p.ocv_before = t.potential[rest.end - 1];
            p.ir_drop = t.potential[s.begin] - p.ocv_before;
            p.resistance = p.ir_drop / p.current;
            if (k + 1 < a.steps.size() && a.steps[k + 1].kind == Kind::rest)
                p.relaxed_after = t.potential[a.steps[k + 1].end - 1];
            out.push_back(p);
        }
        cumulative += s.capacity;
    }
    return out;
}

namespace {

// Walks the curve (|Q from the step's first sample|, V) of one step sample by sample
// (trapezoid within the step's own samples), without storing it.
struct CurveCursor {
    const Trajectory& t;
    std::size_t i, end;
    double f, q_signed = 0.0;
    CurveCursor(const Trajectory& tr, const StepSegment& s, double mass)
        : t(tr), i(s.begin), end(s.end), f(per_gram_factor(mass)) {}
    double q() const { return std::fabs(q_signed); }
    double v() const { return t.potential[i]; }
    bool next() {
        if (i + 1 >= end) return false;
        ++i;
        q_signed += 0.5 * (t.current[i - 1] + t.current[i]) * (t.time[i] - t.time[i - 1]) * f;
        return true;
    }
};

void check_step(const Trajectory& t, const StepSegment& s, double mass, const char* which) {
    check_record(t, "curve_rmse");
    if (!(mass > 0) || !std::isfinite(mass))
        throw std::invalid_argument(std::string("curve_rmse: ") + which + " mass must be > 0 [kg]");
    if (s.end <= s.begin || s.end > t.size())
        throw std::invalid_argument(std::string("curve_rmse: ") + which + " step [" + std::to_string(s.begin) +
                                    ", " + std::to_string(s.end) + ") is not within its trajectory of " +
                                    std::to_string(t.size()) + " samples");
}

}  // namespace

// Both curves start at capacity 0; the overlap is [0, min(final |Q| of each)], assuming
// |Q| grows monotonically within a step (one current sign). Measured samples inside the
// overlap are compared with the simulated potential interpolated linearly in capacity.
double curve_rmse(const Trajectory& measured, const StepSegment& ms, const Trajectory& simulated,
                  const StepSegment& ss, double mass_measured, double mass_simulated) {
    check_step(measured, ms, mass_measured, "measured");
    check_step(simulated, ss, mass_simulated, "simulated");
    double qm_end = 0, qs_end = 0;
    {
        CurveCursor m(measured, ms, mass_measured);
        while (m.next()) qm_end = std::max(qm_end, m.q());
        CurveCursor s(simulated, ss, mass_simulated);
        while (s.next()) qs_end = std::max(qs_end, s.q());
    }
    const double q_hi = std::min(qm_end, qs_end);
    CurveCursor m(measured, ms, mass_measured);
    CurveCursor cur(simulated, ss, mass_simulated);
    double q_prev = cur.q(), v_prev = cur.v();
    double sum = 0.0;
    std::size_t count = 0;
    do {
        const double q = m.q();
        if (q > q_hi) continue;
        while (cur.q() < q) {
            q_prev = cur.q();
            v_prev = cur.v();
            if (!cur.next()) break;
        }
        double vs = cur.v();
        if (cur.q() > q_prev && q >= q_prev && q <= cur.q())
            vs = v_prev + (cur.v() - v_prev) * (q - q_prev) / (cur.q() - q_prev);
        const double d = m.v() - vs;
        sum += d * d;
        ++count;
    } while (m.next());
    return count > 0 ? std::sqrt(sum / double(count)) : kNaN;
}

SpectrumMetrics spectrum_metrics(const Spectrum& z) {
    SpectrumMetrics m;
    if (z.frequency.empty()) return m;
    m.arc_width = arc_width(z);
    m.high_frequency_resistance = z.z_real.front();
    m.arc_end_resistance = m.high_frequency_resistance + m.arc_width;
    return m;
}

const std::vector<std::string>& spectrum_metric_names() {
    static const std::vector<std::string> names = {"arc_width", "high_frequency_resistance", "arc_end_resistance"};
    return names;
}

double spectrum_metric(const std::string& metric, const Spectrum& z) {
    const SpectrumMetrics m = spectrum_metrics(z);
    if (metric == "arc_width") return m.arc_width;
    if (metric == "high_frequency_resistance") return m.high_frequency_resistance;
    if (metric == "arc_end_resistance") return m.arc_end_resistance;
    return kNaN;
}

}  // namespace ssbsim
