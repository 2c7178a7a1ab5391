// The analysis module (analysis/metrics.hpp) against hand-computed metrics of synthetic
// trajectories. Units: time s, potential V, current A (> 0 on charge), mass kg. With a mass
// of 10 mg, 1 C of charge is 1 / (3.6 * 0.01) = 27.78 mAh/g, and 1 mA for 10 h is 1000 mAh/g.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "analysis/metrics.hpp"

using namespace ssbsim;
using Kind = StepSegment::Kind;

namespace {

constexpr double kMass = 1e-5;                       // 10 mg
constexpr double kPerCoulomb = 1.0 / (3.6 * 0.01);  // mAh/g per C at 10 mg

// Relative comparison with a floor for values near zero.
void expect_rel(double actual, double expected, double rel, const std::string& what = "") {
    EXPECT_NEAR(actual, expected, rel * std::max(1.0, std::fabs(expected))) << what;
}

// Appends samples segment by segment. A segment of `duration` sampled every `dt` has its
// samples at start + duration*k/N, k = 0..N (N = round(duration/dt)), so its last sample is
// exactly at its end; with `include_start` its first sample sits at the same time as the
// previous segment's last one (the record switches exactly at the step edge).
struct Builder {
    Trajectory t;
    explicit Builder(double mass) { t.mass = mass; }
    double now() const { return t.time.empty() ? 0.0 : t.time.back(); }
    void sample(double time, double v, double i) {
        t.time.push_back(time);
        t.potential.push_back(v);
        t.current.push_back(i);
    }
    // fn(tau) -> {potential, current}, tau = time since the segment start.
    void segment(double duration, double dt, const std::function<std::pair<double, double>(double)>& fn,
                 bool include_start = true) {
        const double t0 = now();
        const int n = static_cast<int>(std::lround(duration / dt));
        for (int k = include_start ? 0 : 1; k <= n; ++k) {
            const double tau = duration * k / n;
            const auto [v, i] = fn(tau);
            sample(t0 + tau, v, i);
        }
    }
    void rest(double duration, double dt, double v) {
        segment(duration, dt, [v](double) { return std::make_pair(v, 0.0); });
    }
    // Constant current, potential linear from v0 to v1.
    void cc(double duration, double dt, double current, double v0, double v1) {
        segment(duration, dt, [=](double tau) { return std::make_pair(v0 + (v1 - v0) * tau / duration, current); });
    }
    // Constant potential, current i0*exp(-tau/tau_c), continuing from the previous sample.
    void cv(double duration, double dt, double v, double i0, double tau_c, bool include_start = false) {
        segment(duration, dt, [=](double tau) { return std::make_pair(v, i0 * std::exp(-tau / tau_c)); },
                include_start);
    }
};

// Trapezoid rule for i0*exp(-t/tau) on [0, duration] with N = duration/h intervals, exactly:
// h/2 * sum_k (x^k + x^(k+1)) = i0 * h/2 * (1+x)/(1-x) * (1 - exp(-duration/tau)), x = exp(-h/tau).
double trapezoid_exp(double i0, double tau, double duration, double h) {
    const double x = std::exp(-h / tau);
    return i0 * 0.5 * h * (1 + x) / (1 - x) * (1 - std::exp(-duration / tau));
}

double total_charge(const Trajectory& t) {  // trapezoid over the whole record [C]
    double q = 0;
    for (std::size_t i = 1; i < t.size(); ++i) q += 0.5 * (t.current[i - 1] + t.current[i]) * (t.time[i] - t.time[i - 1]);
    return q;
}

// Two cycles on 10 mg, samples at every step edge:
//   cycle 1: rest 600 s at 3.4 V | CC charge 1 mA, 10 h, 3.4 -> 4.2 V (1000 mAh/g)
//            | rest 1 h at 4.0 V | CC discharge 1 mA, 9 h, 3.9 -> 3.0 V (900 mAh/g)
//            | CV hold at 3.0 V, I = -1 mA exp(-t/1 h) for 3 h | rest 30 min at 3.2 V
//   cycle 2: CC charge 1 mA, 9 h, 3.4 -> 4.2 V (900 mAh/g) | rest 1 h | CC discharge 8 h,
//            3.9 -> 3.0 V (800 mAh/g) | the same CV hold | rest 30 min.
constexpr double kHoldTau = 3600, kHoldDuration = 10800, kHoldDt = 72;
Trajectory two_cycles() {
    Builder b(kMass);
    b.rest(600, 60, 3.4);
    b.cc(36000, 400, 1e-3, 3.4, 4.2);
    b.rest(3600, 600, 4.0);
    b.cc(32400, 400, -1e-3, 3.9, 3.0);
    b.cv(kHoldDuration, kHoldDt, 3.0, -1e-3, kHoldTau);
    b.rest(1800, 600, 3.2);
    b.cc(32400, 400, 1e-3, 3.4, 4.2);
    b.rest(3600, 600, 4.0);
    b.cc(28800, 400, -1e-3, 3.9, 3.0);
    b.cv(kHoldDuration, kHoldDt, 3.0, -1e-3, kHoldTau);
    b.rest(1800, 600, 3.2);
    return b.t;
}

}  // namespace

TEST(MetricsSteps, KindsNamesAndDirections) {
    EXPECT_STREQ(to_string(Kind::charge_cc), "charge_cc");
    EXPECT_STREQ(to_string(Kind::charge_cv), "charge_cv");
    EXPECT_STREQ(to_string(Kind::discharge_cc), "discharge_cc");
    EXPECT_STREQ(to_string(Kind::discharge_cv), "discharge_cv");
    EXPECT_STREQ(to_string(Kind::rest), "rest");
    StepSegment s;
    s.kind = Kind::charge_cv;
    EXPECT_EQ(s.direction(), 1);
    s.kind = Kind::discharge_cc;
    EXPECT_EQ(s.direction(), -1);
    s.kind = Kind::rest;
    EXPECT_EQ(s.direction(), 0);
}

TEST(MetricsCycles, TwoCyclesHandComputed) {
    const Trajectory t = two_cycles();
    const Analysis a = analyse(t);
    EXPECT_EQ(a.mass, kMass);

    // Hold capacity: trapezoid of 1 mA exp(-t/1 h) over 3 h in 72 s steps (exact), close to
    // the analytic 1 mA * 1 h * (1 - e^-3) = 100 (1 - e^-3) mAh/g = 95.0213 mAh/g.
    const double q_cv = trapezoid_exp(1e-3, kHoldTau, kHoldDuration, kHoldDt) * kPerCoulomb;
    EXPECT_NEAR(q_cv, 100 * (1 - std::exp(-3.0)), 1e-4 * 95);

    const std::vector<Kind> kinds = {Kind::rest, Kind::charge_cc, Kind::rest, Kind::discharge_cc,
                                     Kind::discharge_cv, Kind::rest, Kind::charge_cc, Kind::rest,
                                     Kind::discharge_cc, Kind::discharge_cv, Kind::rest};
    const std::vector<int> cycles = {1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2};
    ASSERT_EQ(a.steps.size(), kinds.size());
    for (std::size_t k = 0; k < kinds.size(); ++k) {
        EXPECT_EQ(a.steps[k].kind, kinds[k]) << "step " << k + 1 << " is " << to_string(a.steps[k].kind);
        EXPECT_EQ(a.steps[k].cycle, cycles[k]) << "step " << k + 1;
        EXPECT_EQ(a.steps[k].index, int(k) + 1);
        if (kinds[k] == Kind::rest) {
            EXPECT_EQ(a.steps[k].capacity, 0.0) << "step " << k + 1;
        }
    }

    // Step 2: CC charge, 1 mA for 10 h starting at 600 s, 3.4 -> 4.2 V: 1000 mAh/g,
    // energy 1000 mAh/g * mean 3.8 V = 3800 mWh/g (I*V is linear in time: trapezoid exact).
    const StepSegment& c1 = a.steps[1];
    EXPECT_EQ(c1.begin, 11u);   // 11 rest samples at 0, 60, ..., 600 s
    EXPECT_EQ(c1.end, 11u + 91u);
    EXPECT_EQ(c1.start_time, 600.0);
    EXPECT_EQ(c1.end_time, 36600.0);
    expect_rel(c1.capacity, 1000.0, 1e-12);
    expect_rel(c1.energy, 3800.0, 1e-12);
    expect_rel(c1.mean_current, 1e-3, 1e-12);
    expect_rel(c1.mean_potential, 3.8, 1e-12);
    EXPECT_DOUBLE_EQ(c1.start_potential, 3.4);
    EXPECT_DOUBLE_EQ(c1.end_potential, 4.2);

    // Step 4: CC discharge 900 mAh/g at mean 3.45 V; step 5: the hold at 3.0 V.
    expect_rel(a.steps[3].capacity, -900.0, 1e-12);
    expect_rel(a.steps[3].energy, -900.0 * 3.45, 1e-12);
    expect_rel(a.steps[4].capacity, -q_cv, 1e-12);
    expect_rel(a.steps[4].energy, -3.0 * q_cv, 1e-12);
    EXPECT_EQ(a.steps[4].begin, a.steps[3].end);
    EXPECT_EQ(a.steps[4].end - a.steps[4].begin, 150u);  // 10800 s / 72 s
    EXPECT_DOUBLE_EQ(a.steps[4].end_time, 600 + 36000 + 3600 + 32400 + 10800.0);

    ASSERT_EQ(a.cycles.size(), 2u);
    const CycleMetrics& k1 = a.cycles[0];
    const CycleMetrics& k2 = a.cycles[1];
    EXPECT_EQ(k1.cycle, 1);
    EXPECT_EQ(k2.cycle, 2);
    expect_rel(k1.charge_capacity, 1000.0, 1e-12);
    expect_rel(k1.discharge_capacity, 900.0 + q_cv, 1e-12);
    expect_rel(k1.coulombic_efficiency, (900.0 + q_cv) / 1000.0, 1e-12);
    expect_rel(k1.charge_energy, 3800.0, 1e-12);
    expect_rel(k1.discharge_energy, 900 * 3.45 + 3.0 * q_cv, 1e-12);
    expect_rel(k1.energy_efficiency, (900 * 3.45 + 3.0 * q_cv) / 3800.0, 1e-12);
    // Shoulder: the charge ramp crosses 3.6 V a quarter into the step (t = 9000 s into it,
    // between samples at 8800 and 9200 s): 1 mA * 9000 s = 9 C = 250 mAh/g. The discharge
    // below 3.6 V does not count.
    expect_rel(k1.shoulder_capacity, 250.0, 1e-12);
    EXPECT_DOUBLE_EQ(k1.retention, 1.0);
    EXPECT_TRUE(std::isnan(k1.fade));
    EXPECT_EQ(k1.start_time, 0.0);
    EXPECT_DOUBLE_EQ(k1.end_time, 600 + 36000 + 3600 + 32400 + 10800 + 1800.0);

    expect_rel(k2.charge_capacity, 900.0, 1e-12);
    expect_rel(k2.discharge_capacity, 800.0 + q_cv, 1e-12);
    expect_rel(k2.coulombic_efficiency, (800.0 + q_cv) / 900.0, 1e-12);
    expect_rel(k2.charge_energy, 900 * 3.8, 1e-12);
    expect_rel(k2.discharge_energy, 800 * 3.45 + 3.0 * q_cv, 1e-12);
    expect_rel(k2.energy_efficiency, (800 * 3.45 + 3.0 * q_cv) / (900 * 3.8), 1e-12);
    expect_rel(k2.shoulder_capacity, 225.0, 1e-12);  // 1 mA for 2.25 h
    expect_rel(k2.retention, (800.0 + q_cv) / (900.0 + q_cv), 1e-12);
    expect_rel(k2.fade, 100.0, 1e-10);
    EXPECT_DOUBLE_EQ(k2.start_time, k1.end_time);
}

TEST(MetricsCycles, ShoulderPotentialOption) {
    AnalysisOptions o;
    o.shoulder_potential = 4.0;  // 3.4 -> 4.2 V crosses 4.0 V three quarters into the charge
    const Analysis a = analyse(two_cycles(), o);
    expect_rel(a.cycles[0].shoulder_capacity, 750.0, 1e-12);
    expect_rel(a.cycles[1].shoulder_capacity, 675.0, 1e-12);
    o.shoulder_potential = 3.0;  // never below on charge
    EXPECT_EQ(analyse(two_cycles(), o).cycles[0].shoulder_capacity, 0.0);
}

TEST(MetricsCycles, DischargeFirstStaysCycleOneAndRetentionNeedsADischarge) {
    // discharge | rest | charge | discharge | charge (charge only): cycles 1, 1, 2, 2, 3.
    Builder b(kMass);
    b.cc(3600, 60, -1e-3, 3.8, 3.2);   // 100 mAh/g
    b.rest(600, 60, 3.3);
    b.cc(7200, 60, 1e-3, 3.4, 4.2);    // 200
    b.cc(5400, 60, -1e-3, 4.1, 3.0);   // 150
    b.cc(1800, 60, 1e-3, 3.4, 3.8);    // 50
    const Analysis a = analyse(b.t);
    ASSERT_EQ(a.steps.size(), 5u);
    EXPECT_EQ(a.steps[0].cycle, 1);
    EXPECT_EQ(a.steps[1].cycle, 1);
    EXPECT_EQ(a.steps[2].cycle, 2);
    EXPECT_EQ(a.steps[3].cycle, 2);
    EXPECT_EQ(a.steps[4].cycle, 3);
    ASSERT_EQ(a.cycles.size(), 3u);
    EXPECT_EQ(a.cycles[0].charge_capacity, 0.0);
    expect_rel(a.cycles[0].discharge_capacity, 100.0, 1e-12);
    EXPECT_TRUE(std::isnan(a.cycles[0].coulombic_efficiency));
    EXPECT_TRUE(std::isnan(a.cycles[0].energy_efficiency));
    EXPECT_DOUBLE_EQ(a.cycles[0].retention, 1.0);
    expect_rel(a.cycles[1].retention, 1.5, 1e-12);
    expect_rel(a.cycles[1].fade, -50.0, 1e-10);
    expect_rel(a.cycles[1].coulombic_efficiency, 0.75, 1e-12);
    EXPECT_EQ(a.cycles[2].discharge_capacity, 0.0);
    EXPECT_EQ(a.cycles[2].retention, 0.0);
    expect_rel(a.cycles[2].fade, 150.0, 1e-10);

    // Charge only: no discharge anywhere, so no retention reference.
    Builder c(kMass);
    c.rest(60, 60, 3.4);
    c.cc(3600, 60, 1e-3, 3.4, 3.9);
    const Analysis ac = analyse(c.t);
    ASSERT_EQ(ac.cycles.size(), 1u);
    expect_rel(ac.cycles[0].charge_capacity, 100.0, 1e-12);
    EXPECT_EQ(ac.cycles[0].coulombic_efficiency, 0.0);
    EXPECT_TRUE(std::isnan(ac.cycles[0].retention));
}

// CCCV: rest 60 s at 3.5 V | CC charge 2 mA for 1 h, 3.5 -> 4.3 V in 10 s samples
// (2.2 mV per sample: its last three samples are already within the 5 mV band of 4.3 V)
// | CV at 4.3 V, I = 2 mA exp(-t/600 s), 30 s samples for 30 min | CC discharge 2 mA for
// 30 min, 4.25 -> 3.5 V.
TEST(MetricsSteps, CcCvChargeDetection) {
    Builder b(kMass);
    b.rest(60, 30, 3.5);
    b.cc(3600, 10, 2e-3, 3.5, 4.3);
    b.cv(1800, 30, 4.3, 2e-3, 600);
    b.cc(1800, 10, -2e-3, 4.25, 3.5);
    ASSERT_EQ(b.t.size(), 3u + 361u + 60u + 181u);
    const Analysis a = analyse(b.t);
    ASSERT_EQ(a.steps.size(), 4u);
    EXPECT_EQ(a.steps[0].kind, Kind::rest);
    EXPECT_EQ(a.steps[1].kind, Kind::charge_cc);
    EXPECT_EQ(a.steps[2].kind, Kind::charge_cv);
    EXPECT_EQ(a.steps[3].kind, Kind::discharge_cc);
    EXPECT_EQ(a.steps[0].begin, 0u);
    EXPECT_EQ(a.steps[0].end, 3u);
    EXPECT_EQ(a.steps[1].begin, 3u);
    EXPECT_EQ(a.steps[1].end, 364u);  // the CC step keeps its last sample at 4.3 V, 2 mA
    EXPECT_EQ(a.steps[2].begin, 364u);
    EXPECT_EQ(a.steps[2].end, 424u);
    EXPECT_EQ(a.steps[3].begin, 424u);
    EXPECT_EQ(a.steps[3].end, b.t.size());
    EXPECT_DOUBLE_EQ(a.steps[1].end_time, 3660.0);
    EXPECT_DOUBLE_EQ(a.steps[2].start_time, 3690.0);
    // CC: 2 mA * 1 h = 7.2 C = 200 mAh/g at mean 3.9 V; CV: trapezoid of the decay.
    expect_rel(a.steps[1].capacity, 200.0, 1e-12);
    expect_rel(a.steps[1].energy, 780.0, 1e-12);
    const double q_cv = trapezoid_exp(2e-3, 600, 1800, 30) * kPerCoulomb;
    expect_rel(a.steps[2].capacity, q_cv, 1e-12);
    EXPECT_NEAR(q_cv, 2e-3 * 600 * (1 - std::exp(-3.0)) * kPerCoulomb, 1e-3 * q_cv);
    expect_rel(a.steps[3].capacity, -100.0, 1e-12);
    ASSERT_EQ(a.cycles.size(), 1u);
    expect_rel(a.cycles[0].charge_capacity, 200.0 + q_cv, 1e-12);

    // With a 1 mV band only the samples at exactly 4.3 V form the tail: same split.
    AnalysisOptions narrow;
    narrow.cv_tolerance = 1e-3;
    const Analysis an = analyse(b.t, narrow);
    ASSERT_EQ(an.steps.size(), 4u);
    EXPECT_EQ(an.steps[2].kind, Kind::charge_cv);
    EXPECT_EQ(an.steps[2].begin, 364u);
}

TEST(MetricsSteps, FlatConstantCurrentStaysCcAndAHoldFromRestIsCv) {
    // A CC charge on a perfectly flat plateau (potential constant, current constant): CC.
    Builder b(kMass);
    b.rest(120, 60, 3.45);
    b.cc(3600, 60, 1e-3, 3.45, 3.45);
    b.rest(120, 60, 3.45);
    const Analysis a = analyse(b.t);
    ASSERT_EQ(a.steps.size(), 3u);
    EXPECT_EQ(a.steps[1].kind, Kind::charge_cc);
    expect_rel(a.steps[1].capacity, 100.0, 1e-12);

    // A potentiostatic hold straight after a rest: one CV step, first sample included.
    Builder h(kMass);
    h.rest(120, 60, 3.9);
    h.cv(3600, 60, 4.0, 1e-3, 900, /*include_start=*/true);
    const Analysis ah = analyse(h.t);
    ASSERT_EQ(ah.steps.size(), 2u);
    EXPECT_EQ(ah.steps[1].kind, Kind::charge_cv);
    EXPECT_EQ(ah.steps[1].begin, 3u);
    EXPECT_EQ(ah.steps[1].end, h.t.size());
    expect_rel(ah.steps[1].capacity, trapezoid_exp(1e-3, 900, 3600, 60) * kPerCoulomb, 1e-12);

    // The same hold as a discharge.
    Builder d(kMass);
    d.rest(120, 60, 3.1);
    d.cv(3600, 60, 3.0, -1e-3, 900, true);
    const Analysis ad = analyse(d.t);
    ASSERT_EQ(ad.steps.size(), 2u);
    EXPECT_EQ(ad.steps[1].kind, Kind::discharge_cv);
}

TEST(MetricsSteps, CvNeedsADecayingCurrentAndThreeSamples) {
    // Flat plateau, current stepped down by 3 % half-way (no decay below 95 %): one CC step.
    Builder b(kMass);
    b.rest(120, 60, 3.45);
    b.cc(1800, 60, 1e-3, 3.45, 3.45);
    b.cc(1800, 60, 0.97e-3, 3.45, 3.45);
    const Analysis a = analyse(b.t);
    ASSERT_EQ(a.steps.size(), 2u);
    EXPECT_EQ(a.steps[1].kind, Kind::charge_cc);
    expect_rel(a.steps[1].capacity, (1.8 + 1.8 * 0.97) * kPerCoulomb, 1e-12);

    // A CC charge ending with two samples at its final potential and a falling current:
    // too short for a CV step, it stays part of the CC step.
    Builder c(kMass);
    c.cc(3600, 60, 1e-3, 3.5, 4.2);
    c.sample(3660, 4.2, 0.5e-3);
    c.sample(3720, 4.2, 0.25e-3);
    const Analysis ac = analyse(c.t);
    ASSERT_EQ(ac.steps.size(), 1u);
    EXPECT_EQ(ac.steps[0].kind, Kind::charge_cc);
    // ... with a third such sample it is one.
    c.sample(3780, 4.2, 0.125e-3);
    const Analysis ac3 = analyse(c.t);
    ASSERT_EQ(ac3.steps.size(), 2u);
    EXPECT_EQ(ac3.steps[1].kind, Kind::charge_cv);
    EXPECT_EQ(ac3.steps[1].begin, 61u);
}

TEST(MetricsSteps, TransitionIntervalsBelongToTheCurrentStep) {
    // Samples not at the step edges: rest at 0, 10 s; 1 mA at 20..120 s; rest at 130, 140 s.
    // Charge step: (10,20) 0.5 mA*10 s + 1 mA*100 s + (120,130) 0.5 mA*10 s = 0.11 C.
    Builder b(kMass);
    for (double s : {0.0, 10.0}) b.sample(s, 3.5, 0.0);
    for (int k = 0; k <= 10; ++k) b.sample(20.0 + 10 * k, 3.6, 1e-3);
    for (double s : {130.0, 140.0}) b.sample(s, 3.55, 0.0);
    const Analysis a = analyse(b.t);
    ASSERT_EQ(a.steps.size(), 3u);
    EXPECT_EQ(a.steps[1].begin, 2u);
    EXPECT_EQ(a.steps[1].end, 13u);
    EXPECT_EQ(a.steps[0].capacity, 0.0);
    EXPECT_EQ(a.steps[2].capacity, 0.0);
    expect_rel(a.steps[1].capacity, 0.11 * kPerCoulomb, 1e-12);
    expect_rel(a.steps[1].mean_current, 0.11 / 120.0, 1e-12);  // over the 120 s it owns
    expect_rel(a.steps[1].energy, 0.11 * 3.6 * kPerCoulomb, 1e-12);
}

TEST(MetricsSteps, RestThresholds) {
    // 1 mA charge, then 0.5 uA: at rest with the default fraction (1e-3 * 1 mA = 1 uA); with
    // a 0.1 uA absolute limit it is a (tiny) charge step instead.
    Builder b(kMass);
    b.cc(3600, 60, 1e-3, 3.5, 4.0);
    b.segment(600, 60, [](double) { return std::make_pair(4.0, 5e-7); });
    EXPECT_EQ(analyse(b.t).steps.back().kind, Kind::rest);
    AnalysisOptions o;
    o.rest_current_absolute = 1e-7;
    EXPECT_EQ(analyse(b.t, o).steps.back().kind, Kind::charge_cv);
    EXPECT_EQ(analyse(b.t, o).steps.size(), 2u);
    o.rest_current_absolute = 1e-3;  // looser than the fraction: the fraction decides
    EXPECT_EQ(analyse(b.t, o).steps.back().kind, Kind::rest);
}

// Recorded numbering: two CC charge steps at 2 mA and 1 mA (recorded steps 1 and 2), rest,
// discharge, then the cycler's cycle 2 starts at the rest after the discharge.
TEST(MetricsRecorded, RecordedNumberingHonoured) {
    Builder b(kMass);
    std::vector<int> step, cycle;
    auto tag = [&](int s, int c) {
        while (step.size() < b.t.size()) {
            step.push_back(s);
            cycle.push_back(c);
        }
    };
    b.cc(1800, 60, 2e-3, 3.5, 3.8);   // 100 mAh/g
    tag(1, 1);
    b.cc(1800, 60, 1e-3, 3.8, 4.1);   // 50
    tag(2, 1);
    b.rest(600, 60, 4.0);
    tag(3, 1);
    b.cc(3600, 60, -1e-3, 4.0, 3.4);  // 100
    tag(4, 1);
    b.rest(600, 60, 3.5);
    tag(5, 2);
    b.cc(1800, 60, 1e-3, 3.5, 3.9);   // 50
    tag(6, 2);
    b.cc(1440, 60, -1e-3, 3.9, 3.4);  // 40
    tag(7, 2);
    b.t.step = step;
    b.t.cycle = cycle;

    const Analysis r = analyse(b.t);
    const std::vector<Kind> kinds = {Kind::charge_cc, Kind::charge_cc, Kind::rest,        Kind::discharge_cc,
                                     Kind::rest,      Kind::charge_cc, Kind::discharge_cc};
    const std::vector<int> cycles = {1, 1, 1, 1, 2, 2, 2};
    ASSERT_EQ(r.steps.size(), kinds.size());
    for (std::size_t k = 0; k < kinds.size(); ++k) {
        EXPECT_EQ(r.steps[k].kind, kinds[k]) << k;
        EXPECT_EQ(r.steps[k].cycle, cycles[k]) << k;
    }
    expect_rel(r.steps[0].capacity, 100.0, 1e-12);
    expect_rel(r.steps[1].capacity, 50.0, 1e-12);
    ASSERT_EQ(r.cycles.size(), 2u);
    expect_rel(r.cycles[0].charge_capacity, 150.0, 1e-12);
    expect_rel(r.cycles[0].discharge_capacity, 100.0, 1e-12);
    expect_rel(r.cycles[1].charge_capacity, 50.0, 1e-12);
    expect_rel(r.cycles[1].discharge_capacity, 40.0, 1e-12);
    EXPECT_DOUBLE_EQ(r.cycles[1].start_time, 1800 + 1800 + 600 + 3600.0);  // at the rest

    // Detection instead: the two CC charges merge, the rest stays in cycle 1.
    AnalysisOptions o;
    o.use_recorded_numbering = false;
    const Analysis d = analyse(b.t, o);
    ASSERT_EQ(d.steps.size(), 6u);
    EXPECT_EQ(d.steps[0].kind, Kind::charge_cc);
    expect_rel(d.steps[0].capacity, 150.0, 1e-12);
    EXPECT_EQ(d.steps[3].kind, Kind::rest);
    EXPECT_EQ(d.steps[3].cycle, 1);
    EXPECT_EQ(d.steps[4].cycle, 2);
    EXPECT_DOUBLE_EQ(d.cycles[1].start_time, 1800 + 1800 + 600 + 3600 + 600.0);

    // Recorded cycle numbers alone (no step column) still split the rest from the discharge.
    Trajectory only_cycles = b.t;
    only_cycles.step.clear();
    const Analysis c = analyse(only_cycles);
    ASSERT_EQ(c.steps.size(), 6u);
    EXPECT_EQ(c.steps[3].cycle, 2);
}

TEST(MetricsRecorded, CycleChangeInsideARestSplitsIt) {
    // Discharge, then a 20 min rest during which the recorded cycle number goes 1 -> 2.
    Builder b(kMass);
    b.cc(3600, 60, -1e-3, 3.9, 3.4);  // samples 0..60
    b.rest(1200, 60, 3.5);            // samples 61..81
    b.cc(1800, 60, 1e-3, 3.5, 3.9);   // samples 82..112
    b.t.cycle.assign(b.t.size(), 1);
    for (std::size_t i = 71; i < b.t.size(); ++i) b.t.cycle[i] = 2;
    const Analysis a = analyse(b.t);
    ASSERT_EQ(a.steps.size(), 4u);
    EXPECT_EQ(a.steps[1].kind, Kind::rest);
    EXPECT_EQ(a.steps[1].end, 71u);
    EXPECT_EQ(a.steps[1].cycle, 1);
    EXPECT_EQ(a.steps[2].kind, Kind::rest);
    EXPECT_EQ(a.steps[2].begin, 71u);
    EXPECT_EQ(a.steps[2].cycle, 2);
    ASSERT_EQ(a.cycles.size(), 2u);
    EXPECT_DOUBLE_EQ(a.cycles[1].start_time, 3600 + 600.0);
    expect_rel(a.cycles[0].discharge_capacity, 100.0, 1e-12);
    expect_rel(a.cycles[1].charge_capacity, 50.0, 1e-12);
}

TEST(MetricsRecorded, WrongColumnLengthsThrow) {
    Trajectory t = two_cycles();
    t.cycle.assign(t.size() - 1, 1);
    EXPECT_THROW(analyse(t), std::invalid_argument);
    AnalysisOptions o;
    o.use_recorded_numbering = false;  // ignored then
    EXPECT_NO_THROW(analyse(t, o));
    t.cycle.clear();
    t.step.assign(3, 1);
    EXPECT_THROW(analyse(t), std::invalid_argument);
}

// dQ/dV of a linear V(Q): 1 mA on 10 mg (1/36 mAh/g per s) for 17640 s = 490 mAh/g, with
// V = 3.505 V + 1 mV per mAh/g (slope s = 1e-3 V per mAh/g), sampled every 7 s. Interior
// 10 mV bins get 10 mAh/g: dQ/dV = 1/s = 1000 mAh/g/V; the end bins [3.50, 3.51) and
// [3.99, 4.00) are half covered: 500.
TEST(MetricsDqDv, LinearCurveGivesInverseSlope) {
    Builder b(kMass);
    b.rest(60, 60, 3.5);
    b.cc(17640, 7, 1e-3, 3.505, 3.995);
    b.rest(60, 60, 3.99);
    b.cc(8820, 5, -2e-3, 3.995, 3.505);  // back down at 2 mA
    const Analysis a = analyse(b.t);
    ASSERT_EQ(a.steps.size(), 4u);
    ASSERT_EQ(a.steps[1].kind, Kind::charge_cc);
    ASSERT_EQ(a.steps[3].kind, Kind::discharge_cc);
    for (int step : {2, 4}) {
        const auto d = dqdv(b.t, a, step, 0.01);
        ASSERT_EQ(d.size(), 50u) << step;
        double total = 0;
        for (std::size_t k = 0; k < d.size(); ++k) {
            EXPECT_NEAR(d[k].potential, 3.505 + 0.01 * double(k), 1e-12) << step << " " << k;
            if (k > 0) {
                EXPECT_GT(d[k].potential, d[k - 1].potential);
            }
            const double expected = (k == 0 || k + 1 == d.size()) ? 500.0 : 1000.0;
            EXPECT_NEAR(d[k].dqdv, expected, 1e-6 * expected) << step << " " << k;
            total += d[k].dqdv * 0.01;
        }
        EXPECT_NEAR(total, 490.0, 1e-9);
    }
    // 20 mV bins: [3.50, 3.52) holds 3.505..3.52 -> 15 mAh/g / 0.02 V = 750.
    const auto d2 = dqdv(b.t, a, 2, 0.02);
    ASSERT_EQ(d2.size(), 25u);
    EXPECT_NEAR(d2.front().potential, 3.51, 1e-12);
    EXPECT_NEAR(d2.front().dqdv, 750.0, 1e-6 * 750);
    EXPECT_NEAR(d2[12].dqdv, 1000.0, 1e-6 * 1000);
    EXPECT_NEAR(d2.back().potential, 3.99, 1e-12);
    EXPECT_NEAR(d2.back().dqdv, 750.0, 1e-6 * 750);
    // A rest passes no charge.
    EXPECT_TRUE(dqdv(b.t, a, 1, 0.01).empty());
}

TEST(MetricsDqDv, BadArgumentsThrow) {
    const Trajectory t = two_cycles();
    const Analysis a = analyse(t);
    EXPECT_THROW(dqdv(t, a, 0), std::invalid_argument);
    EXPECT_THROW(dqdv(t, a, int(a.steps.size()) + 1), std::invalid_argument);
    EXPECT_THROW(dqdv(t, a, 2, 0.0), std::invalid_argument);
    EXPECT_THROW(dqdv(t, a, 2, -0.01), std::invalid_argument);
    EXPECT_THROW(dqdv(t, a, 2, 1e-12), std::invalid_argument);  // far too many bins
    Trajectory shorter = t;
    shorter.time.resize(100);
    shorter.potential.resize(100);
    shorter.current.resize(100);
    EXPECT_THROW(dqdv(shorter, a, 2), std::invalid_argument);
}

// GITT on an equivalent circuit: V = OCV(Q) + R0*I + eta, OCV(Q) = 3.6 V + 10 mV per mAh/g,
// R0 = 25 ohm, eta an RC element (R1 = 40 ohm, tau 300 s) that relaxes during the rests, so
// a rest ends at OCV + eta (not fully relaxed) and the jump at the pulse start is R0*I
// exactly. Pulses 0.1 mA for 600 s (1.6667 mAh/g each): 4 charge, then 3 discharge, the last
// one ending the record.
TEST(MetricsGitt, RecoversSeriesResistance) {
    constexpr double r0 = 25.0, r1 = 40.0, tau = 300.0, ip = 1e-4;
    const double dq = ip * 600 * kPerCoulomb;
    Builder b(kMass);
    double q = 0, eta = 0;  // state at the start of the current segment
    struct Expect { double capacity, current, ocv_before, relaxed_after; };
    std::vector<Expect> expected;
    auto ocv = [](double qq) { return 3.6 + 0.01 * qq; };
    auto rest = [&](double duration) {
        const double q0 = q, e0 = eta;
        b.segment(duration, 300, [&](double s) { return std::make_pair(ocv(q0) + e0 * std::exp(-s / tau), 0.0); });
        eta = e0 * std::exp(-duration / tau);
    };
    auto pulse = [&](double i) {
        const double q0 = q, e0 = eta;
        expected.push_back({q0, i, ocv(q0) + e0, kNaN});
        b.segment(600, 60, [&](double s) {
            const double e = e0 * std::exp(-s / tau) + r1 * i * (1 - std::exp(-s / tau));
            return std::make_pair(ocv(q0 + i * s * kPerCoulomb) + r0 * i + e, i);
        });
        q = q0 + i * 600 * kPerCoulomb;
        eta = e0 * std::exp(-600 / tau) + r1 * i * (1 - std::exp(-600 / tau));
    };
    rest(1800);
    for (int k = 0; k < 4; ++k) {
        pulse(ip);
        rest(1800);
        expected.back().relaxed_after = b.t.potential.back();
    }
    for (int k = 0; k < 3; ++k) {
        pulse(-ip);
        if (k < 2) {
            rest(1800);
            expected.back().relaxed_after = b.t.potential.back();
        }
    }
    const Analysis a = analyse(b.t);
    const auto pulses = gitt(b.t, a);
    ASSERT_EQ(pulses.size(), expected.size());
    for (std::size_t k = 0; k < pulses.size(); ++k) {
        const GittPulse& p = pulses[k];
        EXPECT_NEAR(p.resistance, r0, 1e-9 * r0) << k;
        EXPECT_NEAR(p.ir_drop, r0 * expected[k].current, 1e-12) << k;
        EXPECT_EQ(p.current, expected[k].current) << k;
        EXPECT_NEAR(p.ocv_before, expected[k].ocv_before, 1e-12) << k;
        EXPECT_NEAR(p.capacity, expected[k].capacity, 1e-9) << k;
        EXPECT_EQ(p.step, int(2 * k + 2)) << k;  // rest, pulse, rest, pulse, ...
        EXPECT_DOUBLE_EQ(p.time, 1800.0 + 2400.0 * double(k)) << k;
        if (std::isnan(expected[k].relaxed_after)) {
            EXPECT_TRUE(std::isnan(p.relaxed_after)) << k;
        } else {
            EXPECT_DOUBLE_EQ(p.relaxed_after, expected[k].relaxed_after) << k;
        }
    }
    EXPECT_NEAR(pulses[4].capacity, 4 * dq, 1e-9);
    EXPECT_NEAR(pulses[6].capacity, 2 * dq, 1e-9);
    EXPECT_LT(pulses[4].ir_drop, 0.0);
    EXPECT_GT(pulses[4].ocv_before, ocv(4 * dq));  // not fully relaxed after charging
}

TEST(MetricsGitt, OnlyPulsesAfterARest) {
    // CC charge straight after a discharge (no rest between): not a GITT pulse.
    Builder b(kMass);
    b.rest(600, 60, 3.7);
    b.cc(600, 60, -1e-4, 3.69, 3.68);
    b.cc(600, 60, 1e-4, 3.71, 3.72);
    const Analysis a = analyse(b.t);
    const auto p = gitt(b.t, a);
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].step, 2);
    EXPECT_NEAR(p[0].resistance, 100.0, 1e-9);  // -10 mV / -0.1 mA
    EXPECT_TRUE(std::isnan(p[0].relaxed_after));
}

// Curve comparison: measured 1 mA on 10 mg for 17640 s (490 mAh/g), V = 3.5 + 1 mV per
// mAh/g, 7 s samples; simulated 3 mA on 20 mg (1/24 mAh/g per s) for 9600 s (400 mAh/g),
// 20 mV higher, 13 s samples. Overlap 0..400 mAh/g, RMSE 20 mV.
TEST(MetricsCurve, ConstantOffsetGivesOffset) {
    Builder m(kMass);
    m.rest(60, 60, 3.4);
    m.cc(17640, 7, 1e-3, 3.5, 3.5 + 0.49);
    Builder s(2e-5);
    s.rest(60, 60, 3.4);
    s.segment(9600, 13, [](double tau) { return std::make_pair(3.52 + 1e-3 * tau / 24.0, 3e-3); });
    const Analysis am = analyse(m.t), as = analyse(s.t);
    ASSERT_EQ(am.steps.size(), 2u);
    ASSERT_EQ(as.steps.size(), 2u);
    const double rmse = curve_rmse(m.t, am.steps[1], s.t, as.steps[1], m.t.mass, s.t.mass);
    EXPECT_NEAR(rmse, 0.02, 1e-9);
    // Roles swapped (the simulated curve is now the longer one): the same.
    EXPECT_NEAR(curve_rmse(s.t, as.steps[1], m.t, am.steps[1], s.t.mass, m.t.mass), 0.02, 1e-9);
    // A curve against itself.
    EXPECT_NEAR(curve_rmse(m.t, am.steps[1], m.t, am.steps[1], kMass, kMass), 0.0, 1e-12);
    // Wrong mass for the simulated record: its capacities double, the curves no longer match.
    EXPECT_GT(curve_rmse(m.t, am.steps[1], s.t, as.steps[1], m.t.mass, 1e-5), 0.1);
}

TEST(MetricsCurve, DischargeStepsAndErrors) {
    // Discharge: V = 4.0 - 2 mV per mAh/g vs the same 5 mV lower, different sampling.
    Builder m(kMass), s(kMass);
    m.cc(3600, 10, -1e-3, 4.0, 3.8);   // 100 mAh/g
    s.cc(3600, 45, -1e-3, 3.995, 3.795);
    const Analysis am = analyse(m.t), as = analyse(s.t);
    ASSERT_EQ(am.steps.size(), 1u);
    EXPECT_NEAR(curve_rmse(m.t, am.steps[0], s.t, as.steps[0], kMass, kMass), 0.005, 1e-9);
    EXPECT_THROW(curve_rmse(m.t, am.steps[0], s.t, as.steps[0], 0.0, kMass), std::invalid_argument);
    EXPECT_THROW(curve_rmse(m.t, am.steps[0], s.t, as.steps[0], kMass, -1.0), std::invalid_argument);
    StepSegment beyond = as.steps[0];
    beyond.end = s.t.size() + 1;
    EXPECT_THROW(curve_rmse(m.t, am.steps[0], s.t, beyond, kMass, kMass), std::invalid_argument);
}

TEST(MetricsErrors, MassAndSampleCount) {
    Trajectory t = two_cycles();
    t.mass = 0;
    try {
        analyse(t);
        FAIL() << "no exception without a mass";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("mass"), std::string::npos) << e.what();
    }
    t.mass = -1e-5;
    EXPECT_THROW(analyse(t), std::invalid_argument);
    AnalysisOptions o;
    o.mass = kMass;  // the option supplies the mass
    const Analysis a = analyse(t, o);
    EXPECT_EQ(a.mass, kMass);
    expect_rel(a.cycles[0].charge_capacity, 1000.0, 1e-12);
    t.mass = 2 * kMass;  // ... and overrides the record's
    expect_rel(analyse(t, o).cycles[0].charge_capacity, 1000.0, 1e-12);
    expect_rel(analyse(t).cycles[0].charge_capacity, 500.0, 1e-12);

    Trajectory one;
    one.mass = kMass;
    EXPECT_THROW(analyse(one), std::invalid_argument);
    one.time = {0};
    one.potential = {3.5};
    one.current = {1e-3};
    try {
        analyse(one);
        FAIL() << "no exception with one sample";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("2 samples"), std::string::npos) << e.what();
    }
    one.time.push_back(10);
    one.potential.push_back(3.6);
    one.current.push_back(1e-3);
    const Analysis two = analyse(one);  // two samples are enough
    ASSERT_EQ(two.steps.size(), 1u);
    expect_rel(two.steps[0].capacity, 0.01 * kPerCoulomb, 1e-12);
}

TEST(MetricsErrors, MalformedRecords) {
    Trajectory t;
    t.mass = kMass;
    t.time = {0, 1, 2};
    t.potential = {3.5, 3.6};
    t.current = {1e-3, 1e-3, 1e-3};
    EXPECT_THROW(analyse(t), std::invalid_argument);
    t.potential = {3.5, 3.6, 3.7};
    EXPECT_NO_THROW(analyse(t));
    t.time = {0, 2, 1};
    EXPECT_THROW(analyse(t), std::invalid_argument);
    t.time = {0, 1, 2};
    t.current[1] = kNaN;
    EXPECT_THROW(analyse(t), std::invalid_argument);
}

TEST(MetricsErrors, AllRestGivesOneEmptyCycle) {
    Builder b(kMass);
    b.rest(600, 60, 3.5);
    const Analysis a = analyse(b.t);
    ASSERT_EQ(a.steps.size(), 1u);
    EXPECT_EQ(a.steps[0].kind, Kind::rest);
    ASSERT_EQ(a.cycles.size(), 1u);
    EXPECT_EQ(a.cycles[0].charge_capacity, 0.0);
    EXPECT_TRUE(std::isnan(a.cycles[0].coulombic_efficiency));
    EXPECT_TRUE(std::isnan(a.cycles[0].retention));
    EXPECT_TRUE(gitt(b.t, a).empty());
}

namespace {
// Irregular record: deterministic pseudo-random step lengths, sampling intervals (some 0,
// i.e. repeated times), current levels of both signs and rests, noisy currents and a
// random-walk potential. Nothing is aligned with the step edges.
Trajectory irregular(std::size_t n, std::uint64_t seed) {
    std::uint64_t x = seed;
    auto uniform = [&x]() {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        return double(x >> 11) * (1.0 / 9007199254740992.0);
    };
    Trajectory t;
    t.mass = 7.3e-6;
    double time = 0, v = 3.7, level = 0;
    int left = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (left-- <= 0) {
            left = 5 + int(uniform() * 200);
            const double r = uniform();
            level = r < 0.3 ? 0.0 : (r < 0.65 ? 1e-3 : -1e-3) * (0.2 + uniform());
        }
        const double dt = uniform() < 0.05 ? 0.0 : 0.5 + 20 * uniform();
        time += dt;
        v += (level > 0 ? 1e-4 : level < 0 ? -1e-4 : 0) * dt * uniform();
        const double i_noise = level == 0 ? 1e-8 * (uniform() - 0.5) : level * (1 + 0.002 * (uniform() - 0.5));
        t.time.push_back(time);
        t.potential.push_back(v);
        t.current.push_back(i_noise);
    }
    return t;
}
}  // namespace

TEST(MetricsTotals, StepCapacitiesSumToTheTotal) {
    for (std::uint64_t seed : {1ULL, 2ULL, 3ULL}) {
        const Trajectory t = irregular(20000, seed);
        const Analysis a = analyse(t);
        const double f = 1.0 / (3.6 * t.mass * 1000);
        double total_abs = 0, total_e = 0;
        for (std::size_t i = 1; i < t.size(); ++i) {
            const double dt = t.time[i] - t.time[i - 1];
            total_abs += 0.5 * std::fabs(t.current[i - 1] + t.current[i]) * dt;
            total_e += 0.5 * (t.current[i - 1] * t.potential[i - 1] + t.current[i] * t.potential[i]) * dt;
        }
        const double total = total_charge(t) * f;
        double sum = 0, sum_e = 0, net_cycles = 0;
        std::size_t expect_begin = 0;
        ASSERT_GT(a.steps.size(), 100u);
        for (const StepSegment& s : a.steps) {
            EXPECT_EQ(s.begin, expect_begin);
            EXPECT_GT(s.end, s.begin);
            expect_begin = s.end;
            sum += s.capacity;
            sum_e += s.energy;
        }
        EXPECT_EQ(expect_begin, t.size());
        for (const CycleMetrics& c : a.cycles) net_cycles += c.charge_capacity - c.discharge_capacity;
        EXPECT_NEAR(sum, total, 1e-12 * total_abs * f) << seed;
        EXPECT_NEAR(net_cycles, total, 1e-12 * total_abs * f) << seed;
        EXPECT_NEAR(sum_e, total_e * f, 1e-12 * total_abs * f * 5) << seed;
        ASSERT_GT(a.cycles.size(), 5u);
        for (std::size_t k = 1; k < a.cycles.size(); ++k) EXPECT_GT(a.cycles[k].cycle, a.cycles[k - 1].cycle);
    }
    // The two-cycle record too: charge 1000 + 900, discharge 2 * (q_cv) + 900 + 800.
    const Trajectory t2 = two_cycles();
    const Analysis a2 = analyse(t2);
    double sum = 0;
    for (const StepSegment& s : a2.steps) sum += s.capacity;
    EXPECT_NEAR(sum, total_charge(t2) * kPerCoulomb, 1e-9);
    const double q_cv = trapezoid_exp(1e-3, kHoldTau, kHoldDuration, kHoldDt) * kPerCoulomb;
    EXPECT_NEAR(sum, 1900.0 - 1700.0 - 2 * q_cv, 1e-9);
}

TEST(MetricsTotals, MillionSamplesLinearTime) {
    // 1e6 samples: 250 cycles of (CC charge 1000 samples, rest 1000, CC discharge 1000,
    // rest 1000) at 1 s spacing, 1 mA on 10 mg: each half-cycle 999 s -> 27.75 mAh/g.
    Trajectory t;
    t.mass = kMass;
    t.time.reserve(1000000);
    t.potential.reserve(1000000);
    t.current.reserve(1000000);
    double time = 0;
    for (int c = 0; c < 250; ++c)
        for (int part = 0; part < 4; ++part)
            for (int k = 0; k < 1000; ++k) {
                const double i = part == 0 ? 1e-3 : part == 2 ? -1e-3 : 0.0;
                const double v = part == 0 ? 3.5 + 0.5e-3 * k : part == 2 ? 4.0 - 0.5e-3 * k : (part == 1 ? 4.0 : 3.5);
                t.time.push_back(time);
                t.potential.push_back(v);
                t.current.push_back(i);
                time += (k == 999) ? 0.0 : 1.0;  // edges share a time
            }
    const auto t0 = std::chrono::steady_clock::now();
    const Analysis a = analyse(t);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_EQ(a.steps.size(), 1000u);
    ASSERT_EQ(a.cycles.size(), 250u);
    for (const CycleMetrics& c : a.cycles) {
        ASSERT_NEAR(c.charge_capacity, 999e-3 * kPerCoulomb, 1e-9);
        ASSERT_NEAR(c.discharge_capacity, 999e-3 * kPerCoulomb, 1e-9);
    }
    RecordProperty("analyse_seconds", std::to_string(seconds));
}

TEST(MetricsCycles, StackPressureChangeAtTheStartOfTheFirstCharge) {
    // Rest 600 s, CC charge 1 mA for 10 h, CC discharge 1 mA for 9 h (samples every 400 s);
    // the pressure falls by 1 MPa per hour for the first 2 h of the charge, then rises. At
    // kChargeStartFraction (10 %) of the charge, 1 h in, it has fallen by 1 MPa.
    Builder b(kMass);
    b.rest(600, 60, 3.4);
    b.cc(36000, 400, 1e-3, 3.4, 4.2);
    b.cc(32400, 400, -1e-3, 3.9, 3.0);
    EXPECT_TRUE(std::isnan(analyse(b.t).cycles.front().stack_pressure_change_at_charge_start));  // none recorded
    const double t0 = 600;  // the charge starts here
    for (double time : b.t.time) {
        const double h = std::max(0.0, time - t0) / 3600.0;
        b.t.stack_pressure.push_back(50e6 - 1e6 * std::min(h, 2.0) + 0.5e6 * std::max(0.0, h - 2.0));
    }
    const Analysis a = analyse(b.t);
    ASSERT_EQ(a.cycles.size(), 1u);
    EXPECT_NEAR(kChargeStartFraction, 0.1, 1e-12);
    EXPECT_NEAR(a.cycles[0].stack_pressure_change_at_charge_start, -1.0, 1e-6);  // [MPa]
}
