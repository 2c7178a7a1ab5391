#include "analysis/validation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <map>
#include <sstream>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/json.hpp"
#include "io/result_reader.hpp"
#include "io/result_writer.hpp"
#include "io/schema.hpp"

namespace ssbsim {

namespace {

constexpr double kHour = 3600.0;

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

double data_mass(const MeasuredData& d, const SimulationConfig& base, const AnalysisOptions& o) {
    if (o.mass > 0) return o.mass;
    if (d.trajectory.mass > 0) return d.trajectory.mass;
    return base.cell.basis_mass();
}

// Index of the hold that follows the first step of direction `sign`: -1 gives the
// bottom-of-discharge hold of the first cycle (the first constant-voltage step after the
// first discharge step), +1 the top-of-charge hold (after the first charge step). -1 when
// there is none.
int hold_after(const Protocol& p, int sign) {
    bool passed = false;
    for (std::size_t i = 0; i < p.steps.size(); ++i) {
        const Step& s = p.steps[i];
        const bool ramp = s.kind == Step::Kind::voltage && s.ramp && (sign < 0 ? s.ramp_end < s.voltage : s.ramp_end > s.voltage);
        if ((s.kind == Step::Kind::current && s.direction == sign) || ramp) passed = true;
        else if (passed && s.kind == Step::Kind::voltage && !s.ramp) return static_cast<int>(i);
        else if (passed && s.direction == -sign) break;
    }
    return -1;
}

// The hold a CE-vs-hold row varies: the bottom-of-discharge hold; but when the row gives a
// potential nearer the top-of-charge hold's than the bottom of discharge (above the midpoint
// of the two: the bottom hold's potential, else the lowest discharge cut-off), the
// top-of-charge hold. Sets `sign` to the direction of the step that leads to it.
int varied_hold(const Protocol& p, double potential, int& sign) {
    const int bottom = hold_after(p, -1), top = hold_after(p, +1);
    sign = -1;
    if (!std::isfinite(potential) || top < 0) return bottom;
    double low = bottom >= 0 ? p.steps[bottom].voltage : kNaN;
    if (bottom < 0)
        for (const Step& s : p.steps)
            if (s.kind == Step::Kind::current && s.direction < 0)
                for (const Limit& l : s.limits)
                    if (l.kind == Limit::Kind::voltage && !(l.value >= low)) low = l.value;
    if (std::isfinite(low) && potential > 0.5 * (p.steps[top].voltage + low)) {
        sign = +1;
        return top;
    }
    return bottom;
}

// Protocol steps read off a measured time series (see the header for the rule).
std::vector<ValidationCase> plan_time_series(const MeasuredData& d, const SimulationConfig& base,
                                             const AnalysisOptions& o) {
    AnalysisOptions ao = o;
    ao.mass = data_mass(d, base, o);
    if (d.trajectory.size() < 2)
        throw DataError(d.path, 0, "time",
                        "a time series to validate needs at least 2 samples (rows of time, potential and current); "
                        "the data have " + std::to_string(d.trajectory.size()));
    Analysis a;
    try {
        a = analyse(d.trajectory, ao);
    } catch (const std::invalid_argument& e) {  // the importer checks files; this is for other callers
        throw DataError(d.path, 0, "", std::string(e.what()) +
                                           "; expected a time series of at least 2 samples with finite, "
                                           "non-decreasing time and finite potential and current");
    }
    // Window limits: the extreme end potentials of CC steps.
    double top = -1e9, bottom = 1e9;
    for (const auto& s : a.steps) {
        if (s.kind == StepSegment::Kind::charge_cc) top = std::max(top, s.end_potential);
        if (s.kind == StepSegment::Kind::discharge_cc) bottom = std::min(bottom, s.end_potential);
    }
    constexpr double kAtLimit = 0.010;  // [V] a CC step ending this close to a window limit hit it
    ValidationCase c;
    c.label = "protocol of " + d.path;
    for (const auto& s : a.steps) {
        double duration = s.end_time - s.start_time;
        if (duration <= 0) continue;
        std::string text;
        switch (s.kind) {
            case StepSegment::Kind::rest: text = "Rest for " + fmt("%.6g", duration) + " s"; break;
            case StepSegment::Kind::charge_cv:
            case StepSegment::Kind::discharge_cv:
                text = "Hold at " + fmt("%.6g", s.mean_potential) + " V for " + fmt("%.6g", duration) + " s";
                break;
            case StepSegment::Kind::charge_cc:
            case StepSegment::Kind::discharge_cc: {
                bool charge = s.kind == StepSegment::Kind::charge_cc;
                double specific = std::abs(s.mean_current) / ao.mass;  // A/kg = mA/g
                text = std::string(charge ? "Charge" : "Discharge") + " at " + fmt("%.8g", specific) + " mA/g";
                bool at_limit = charge ? s.end_potential > top - kAtLimit : s.end_potential < bottom + kAtLimit;
                if (at_limit)  // the cut-off, with a generous time limit against runaway
                    text += " for " + fmt("%.6g", 3 * duration + kHour) + " s or until " +
                            fmt("%.6g", s.end_potential) + " V";
                else
                    text += " for " + fmt("%.6g", duration) + " s";
                break;
            }
        }
        Step st;
        try {
            st = parse_step_string(text);
        } catch (const std::invalid_argument& e) {
            // Measured values the simulator cannot take as a step (a cut-off at 0 V, a
            // current of 1e-300 mA/g): name the step by its time in the record.
            throw DataError(d.path, 0, "",
                            "the measured step starting at t = " + fmt("%.6g", s.start_time) + " s (" +
                                to_string(s.kind) + ") cannot be simulated as '" + text + "': " + e.what() +
                                "; expected potentials above 0 V and currents and durations a cycler records");
        }
        st.source = d.path;
        c.steps.push_back(st);
        c.measured_step.push_back(s.index);
    }
    if (c.steps.empty())
        throw DataError(d.path, 0, "time",
                        "no time passes in the time series (" + std::to_string(d.trajectory.size()) +
                            " samples, all at " + fmt("%g", d.trajectory.time.empty() ? 0.0 : d.trajectory.time[0]) +
                            " s); expected increasing times covering at least one current or rest step");
    return {c};
}

// Metrics of the shared analysis of a trajectory (what a cycler measures too).
struct CyclerMetric {
    const char* name;
    const char* unit;
    double (*get)(const CycleMetrics&);
};
const CyclerMetric kCyclerMetrics[] = {
    {"charge_capacity", "mAh/g", [](const CycleMetrics& c) { return c.charge_capacity; }},
    {"discharge_capacity", "mAh/g", [](const CycleMetrics& c) { return c.discharge_capacity; }},
    {"coulombic_efficiency", "1", [](const CycleMetrics& c) { return c.coulombic_efficiency; }},
    {"energy_efficiency", "1", [](const CycleMetrics& c) { return c.energy_efficiency; }},
    {"shoulder_capacity", "mAh/g", [](const CycleMetrics& c) { return c.shoulder_capacity; }},
    {"retention", "1", [](const CycleMetrics& c) { return c.retention; }},
    {"fade", "mAh/g", [](const CycleMetrics& c) { return c.fade; }},
    {"charge_energy", "mWh/g", [](const CycleMetrics& c) { return c.charge_energy; }},
    {"discharge_energy", "mWh/g", [](const CycleMetrics& c) { return c.discharge_energy; }},
    {"stack_pressure_change_at_charge_start", "MPa",
     [](const CycleMetrics& c) { return c.stack_pressure_change_at_charge_start; }},
    {"capacity_loss", "mAh/g", [](const CycleMetrics& c) { return c.charge_capacity - c.discharge_capacity; }},
};

// Metrics only the model knows, from its cycle summary (with a ledger): the result
// schema's cycle fields that name a metric (io/schema.hpp), and what derives from them.
struct ModelMetric {
    std::string name, unit;
    const schema::Field<CycleSummary>* field;  // nullptr: derived, see `derived`
    double (*derived)(const CycleSummary&);
};
const std::vector<ModelMetric>& model_metrics() {
    static const auto m = [] {
        std::vector<ModelMetric> out;
        for (const auto& f : schema::cycle_fields())
            if (f.metric) out.push_back({f.metric, schema::display_unit(f.unit), &f, nullptr});
        out.push_back({"se_reversibility", "1", nullptr, [](const CycleSummary& c) {
                           const auto& L = c.ledger;
                           return L.se_oxidation_charge > 0 ? L.se_reduction / L.se_oxidation_charge : kNaN;
                       }});
        return out;
    }();
    return m;
}

const CyclerMetric* cycler_metric(const std::string& m) {
    for (const auto& c : kCyclerMetrics)
        if (m == c.name) return &c;
    return nullptr;
}
const ModelMetric* model_metric(const std::string& m) {
    for (const auto& c : model_metrics())
        if (m == c.name) return &c;
    return nullptr;
}

// The lowest CE of a cycle and every later one (a table row of cycle k: "CE > 99.5 % from
// cycle k on"). Cycles without a discharge (a record ending mid-cycle) do not count.
constexpr const char* kMinCeFrom = "coulombic_efficiency_min_from";

double min_ce_from(int cycle, const Analysis& a) {
    double lowest = kNaN;
    for (const auto& c : a.cycles)
        if (c.cycle >= cycle && c.discharge_capacity > 0 && std::isfinite(c.coulombic_efficiency))
            lowest = std::isfinite(lowest) ? std::min(lowest, c.coulombic_efficiency) : c.coulombic_efficiency;
    return lowest;
}

bool is_share(const std::string& m) {
    const std::string suffix = "_share";
    return m.size() > suffix.size() && m.compare(m.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_spectrum_metric(const std::string& m) {
    const auto& names = spectrum_metric_names();
    return std::find(names.begin(), names.end(), m) != names.end();
}

std::string metric_unit(const std::string& m) {
    if (const auto* c = cycler_metric(m)) return c->unit;
    if (is_spectrum_metric(m)) return "ohm";
    if (const auto* c = model_metric(m)) return c->unit;
    if (m == kMinCeFrom) return "1";
    // Shares, and names no table has (a measured column, gitt_resistance_mean).
    if (m.find("share") != std::string::npos) return "1";
    if (m.find("energy") != std::string::npos) return "mWh/g";
    if (m.find("resistance") != std::string::npos) return "ohm";
    return "mAh/g";
}

Analysis analyse_simulation(const Trajectory& t, const AnalysisOptions& o) {
    AnalysisOptions ao = o;
    ao.mass = t.mass;
    ao.use_recorded_numbering = true;
    return analyse(t, ao);
}

// Capacity from the start of samples [b, e) (trapezoid, |I|) [mAh/g].
std::vector<double> step_capacity(const Trajectory& t, std::size_t b, std::size_t e, double mass) {
    std::vector<double> q(e - b, 0.0);
    for (std::size_t i = b + 1; i < e; ++i)
        q[i - b] = q[i - b - 1] + 0.5 * std::abs(t.current[i] + t.current[i - 1]) * (t.time[i] - t.time[i - 1]);
    for (auto& v : q) v /= 3.6 * mass * 1000.0;
    return q;
}

double interpolate(const std::vector<double>& x, const std::vector<double>& y, std::size_t off,
                   std::size_t n, double at) {
    // x[off..off+n) non-decreasing
    if (n == 0 || at < x[off] || at > x[off + n - 1]) return kNaN;
    auto first = x.begin() + off, last = x.begin() + off + n;
    auto it = std::lower_bound(first, last, at);
    if (it == first) return y[off];
    std::size_t i = off + (it - x.begin() - off);
    double x0 = x[i - 1], x1 = x[i];
    if (x1 <= x0) return y[i];
    return y[i - 1] + (y[i] - y[i - 1]) * (at - x0) / (x1 - x0);
}

void add_row(Comparison& out, const std::string& metric, int cycle, double measured, double sigma,
             double simulated, const std::string& label) {
    if (!std::isfinite(measured)) return;
    ComparisonRow r;
    r.metric = metric;
    r.unit = metric_unit(metric);
    r.cycle = cycle;
    r.measured = measured;
    r.simulated = simulated;
    r.sigma_from_data = std::isfinite(sigma) && sigma > 0;
    r.sigma = r.sigma_from_data ? sigma : default_sigma(metric, measured);
    r.case_label = label;
    out.rows.push_back(r);
}

}  // namespace

std::vector<ValidationCase> plan_cases(const MeasuredData& data, const SimulationConfig& base,
                                       const AnalysisOptions& options) {
    switch (data.kind) {
        case MeasuredData::Kind::time_series: return plan_time_series(data, base, options);
        case MeasuredData::Kind::cycle_table: {
            ValidationCase c;
            c.label = "protocol of the config";
            return {c};
        }
        case MeasuredData::Kind::hold_table: {
            std::vector<ValidationCase> out;
            double meta_potential = kNaN;
            auto it = data.metadata.find("hold_potential");
            if (it != data.metadata.end()) {
                try {
                    meta_potential = std::stod(it->second);
                } catch (...) {
                    throw DataError(data.path, 0, "hold_potential",
                                    "metadata hold_potential '" + it->second + "' is not a potential in V");
                }
            }
            for (std::size_t i = 0; i < data.holds.size(); ++i) {
                const HoldRecord& h = data.holds[i];
                ValidationCase c;
                c.hold_duration = h.duration;
                c.hold_potential = std::isfinite(h.potential) ? h.potential : meta_potential;
                c.row = static_cast<int>(i);
                c.source = data.path;
                c.line = h.line;
                c.label = "hold " + fmt("%.4g", h.duration / kHour) + " h" +
                          (std::isfinite(c.hold_potential) ? " at " + fmt("%.3g", c.hold_potential) + " V" : "");
                out.push_back(c);
            }
            return out;
        }
    }
    return {};
}

void apply_case(const ValidationCase& c, SimulationConfig& config) {
    if (!c.steps.empty()) {
        config.protocol.steps = c.steps;
        return;
    }
    if (std::isnan(c.hold_duration)) return;  // not a hold-table case
    const std::string where = c.source.empty() ? "the data" : c.source + (c.line > 0 ? ":" + std::to_string(c.line) : "");
    constexpr double kMaxHoldHours = 1e5;
    if (!(c.hold_duration >= 0) || c.hold_duration > kMaxHoldHours * kHour)
        throw DataError(c.source, c.line, "hold_duration",
                        "hold duration " + fmt("%g", c.hold_duration / kHour) + " h; expected a duration from 0 "
                        "(no hold) to " + fmt("%g", kMaxHoldHours) + " h");
    if (std::isinf(c.hold_potential))
        throw DataError(c.source, c.line, "hold_potential", "expected a finite hold potential in V");
    auto& steps = config.protocol.steps;
    int sign = -1;
    int h = varied_hold(config.protocol, c.hold_potential, sign);
    if (h < 0) {
        std::string list;
        for (const Step& s : steps) list += (list.empty() ? "" : "; ") + ("\"" + describe(s) + "\"");
        throw ConfigError(steps.empty() ? "" : steps.front().source, steps.empty() ? 0 : steps.front().line,
                          "protocol.steps",
                          "the CE-vs-hold-duration data (" + where + ") vary the hold after the first "
                          "discharge (or, for a hold potential near the top of charge, after the first charge), "
                          "and this protocol has none; expected a step such as \"Hold at 2.0 V for 33 hours\" "
                          "right after the first \"Discharge ...\" step (the steps are: " +
                              (list.empty() ? std::string("none") : list) + ")");
    }
    // Steps are rebuilt from their text so that labels, limits and fields agree.
    auto rebuild = [&](Step& s, const std::string& text) {
        Step n;
        try {
            n = parse_step_string(text);
        } catch (const std::invalid_argument& e) {
            throw DataError(c.source, c.line, "hold_duration",
                            std::string(e.what()) + " (the step \"" + text + "\" made from this row)");
        }
        n.source = s.source;
        n.line = s.line;
        s = n;
    };
    const double v = std::isfinite(c.hold_potential) ? c.hold_potential : steps[h].voltage;
    if (c.hold_duration > 0)
        rebuild(steps[h], "Hold at " + fmt("%.6g", v) + " V for " + fmt("%.8g", c.hold_duration / kHour) + " hours");
    if (std::isfinite(c.hold_potential)) {
        // The discharge (or, for a top-of-charge hold, the charge) before the hold ends
        // where the hold starts (a potential ramp keeps its sweep rate).
        for (int i = h - 1; i >= 0; --i) {
            Step& s = steps[i];
            if (s.kind == Step::Kind::voltage && s.ramp && (s.ramp_end - s.voltage) * sign > 0) {
                const double rate = std::abs(s.voltage - s.ramp_end) / s.duration;
                rebuild(s, "Ramp from " + fmt("%.6g", s.voltage) + " V to " + fmt("%.6g", v) + " V over " +
                               fmt("%.8g", std::abs(s.voltage - v) / rate / kHour) + " hours");
                break;
            }
            if (s.kind == Step::Kind::current && s.direction == sign) {
                std::string text = std::string(sign < 0 ? "Discharge" : "Charge") + " at " + s.current.text;
                if (s.duration > 0) text += " for " + fmt("%.8g", s.duration) + " s";
                text += " until " + fmt("%.6g", v) + " V";
                for (const auto& l : s.limits)
                    if (l.kind != Limit::Kind::voltage) text += " or until " + l.text;
                rebuild(s, text);
                break;
            }
        }
    }
    // A 0 h row: no hold at all, the cycle goes straight on to the next step.
    if (c.hold_duration == 0) steps.erase(steps.begin() + h);
}

namespace {

// Keeps what the comparison needs (the trajectory, the cycles) while the writer, if any,
// writes the file.
class Recorder : public ForwardingObserver {
public:
    Recorder(CaseResult& r, RunObserver* next) : ForwardingObserver(next), r_(r) {}
    void on_start(const SimulationConfig& c, const CathodeP2D& m) override {
        r_.trajectory.mass = c.cell.basis_mass();
        ForwardingObserver::on_start(c, m);
    }
    void on_sample(const Sample& s) override {
        Trajectory& t = r_.trajectory;
        t.time.push_back(s.time);
        t.potential.push_back(s.potential);
        t.current.push_back(s.current);
        t.step.push_back(s.step + 1);
        t.cycle.push_back(s.cycle);
        t.stack_pressure.push_back(s.stack_pressure);
        ForwardingObserver::on_sample(s);
    }
    void on_cycle(const CycleSummary& c) override {
        r_.cycles.push_back(c);
        ForwardingObserver::on_cycle(c);
    }
    void on_spectrum(const Spectrum& z) override {
        r_.spectra.push_back(z);
        ForwardingObserver::on_spectrum(z);
    }

private:
    CaseResult& r_;
};

}  // namespace

CaseResult run_case(const SimulationConfig& config, const std::string& output) {
    CaseResult out;
    std::unique_ptr<ResultWriter> writer;
    if (!output.empty()) writer = std::make_unique<ResultWriter>(output);
    Recorder rec(out, writer.get());
    try {
        Simulation sim(config);
        RunResult r = sim.run(&rec);
        out.status = to_string(r.status);
        out.message = r.message;
    } catch (const Error& e) {
        out.status = "failed";
        out.message = e.what();
    }
    return out;
}

double default_sigma(const std::string& metric, double measured) {
    std::string unit = metric_unit(metric);
    if (unit == "1") return 0.005;
    if (unit == "ohm") return std::max(0.05 * std::abs(measured), 1e-3);
    return 1.0;  // mAh/g, mWh/g
}

bool is_known_metric(const std::string& m) {
    if (cycler_metric(m) || model_metric(m) || m == kMinCeFrom || is_spectrum_metric(m)) return true;
    if (is_share(m)) {
        std::string base = m.substr(0, m.size() - std::string("_share").size());
        return base == "se_oxidation" || (base != "coulombic_efficiency" && is_known_metric(base) &&
                                          metric_unit(base) == "mAh/g");
    }
    return false;
}

double simulated_spectrum_metric(const std::string& m, int cycle, const std::vector<Spectrum>& spectra,
                                 double area) {
    const Spectrum* last = nullptr;
    for (const Spectrum& z : spectra)
        if (z.cycle == cycle) last = &z;
    return last && area > 0 ? spectrum_metric(m, *last) / area : kNaN;
}

double simulated_metric(const std::string& m, int cycle, const Analysis& a,
                        const std::vector<CycleSummary>& cycles) {
    const CycleMetrics* cm = nullptr;
    for (const auto& c : a.cycles)
        if (c.cycle == cycle) cm = &c;
    const CycleSummary* cs = nullptr;
    for (const auto& c : cycles)
        if (c.cycle == cycle) cs = &c;
    if (m == kMinCeFrom) return min_ce_from(cycle, a);
    if (is_share(m)) {
        if (!cm || cm->charge_capacity <= 0) return kNaN;
        std::string base = m.substr(0, m.size() - std::string("_share").size());
        if (base == "se_oxidation") base = "se_oxidation_charge";
        return simulated_metric(base, cycle, a, cycles) / cm->charge_capacity;
    }
    if (const auto* c = cycler_metric(m)) return cm ? c->get(*cm) : kNaN;
    const auto* mm = model_metric(m);
    if (!mm || !cs || !cs->has_ledger) return kNaN;
    if (mm->derived) return mm->derived(*cs);
    double v[schema::kMaxColumns];
    mm->field->access.get(*cs, 0.0, v);  // specific values: no basis mass needed
    return v[0];
}

Comparison compare(const MeasuredData& data, const std::vector<ValidationCase>& cases,
                   const std::vector<CaseResult>& results, const SimulationConfig& base,
                   const AnalysisOptions& options, int curve_points) {
    Comparison out;
    out.dataset = data.path;
    out.kind = data.kind;
    out.warnings = data.warnings;
    std::vector<Analysis> sims(results.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
        const CaseResult& r = results[i];
        if (r.status != "complete")
            out.warnings.push_back("simulation '" + cases[i].label + "' " + r.status + ": " + r.message);
        if (r.trajectory.size() >= 2) sims[i] = analyse_simulation(r.trajectory, options);
        for (const auto& c : sims[i].cycles) out.simulated_cycles.push_back(c.cycle);
    }
    std::sort(out.simulated_cycles.begin(), out.simulated_cycles.end());
    out.simulated_cycles.erase(std::unique(out.simulated_cycles.begin(), out.simulated_cycles.end()),
                               out.simulated_cycles.end());
    auto sim_value = [&](std::size_t i, const std::string& m, int cycle) {
        if (i < results.size() && is_spectrum_metric(m))
            return simulated_spectrum_metric(m, cycle, results[i].spectra, base.cell.area);
        if (i >= results.size() || results[i].trajectory.size() < 2) return kNaN;
        return simulated_metric(m, cycle, sims[i], results[i].cycles);
    };

    switch (data.kind) {
        case MeasuredData::Kind::hold_table:
            for (std::size_t i = 0; i < cases.size(); ++i) {
                const HoldRecord& h = data.holds[cases[i].row];
                add_row(out, "coulombic_efficiency", h.cycle, h.coulombic_efficiency, h.sigma,
                        sim_value(i, "coulombic_efficiency", h.cycle), cases[i].label);
                out.rows.back().hold_duration = h.duration;
                out.rows.back().hold_potential = cases[i].hold_potential;
            }
            break;
        case MeasuredData::Kind::cycle_table:
            for (const CycleRecord& rec : data.cycles) {
                auto sig = [&](const std::string& m) {
                    auto it = rec.sigma.find(m);
                    return it == rec.sigma.end() ? kNaN : it->second;
                };
                auto row = [&](const std::string& m, double v) {
                    add_row(out, m, rec.cycle, v, sig(m), sim_value(0, m, rec.cycle), cases[0].label);
                };
                row("charge_capacity", rec.charge_capacity);
                row("discharge_capacity", rec.discharge_capacity);
                row("coulombic_efficiency", rec.coulombic_efficiency);
                row("shoulder_capacity", rec.shoulder_capacity);
                row("energy_efficiency", rec.energy_efficiency);
                for (const auto& [m, v] : rec.extra) {
                    if (is_known_metric(m)) {
                        row(m, v);
                    } else {
                        std::string w = "column '" + m + "' is not a metric ssbsim computes; not compared";
                        if (std::find(out.warnings.begin(), out.warnings.end(), w) == out.warnings.end())
                            out.warnings.push_back(w);
                    }
                }
            }
            break;
        case MeasuredData::Kind::time_series: {
            AnalysisOptions ao = options;
            ao.mass = data_mass(data, base, options);
            Analysis meas = analyse(data.trajectory, ao);
            // The simulation reproduces the record step by step from its start and counts its
            // cycles from 1; the record may count from elsewhere (a partial export starting at
            // cycle 41). Cycles are paired in order: the k-th measured with the k-th simulated.
            std::map<int, int> sim_cycle;
            if (!sims.empty()) {
                const auto& sc = sims[0].cycles;  // sorted by number
                for (std::size_t k = 0; k < meas.cycles.size() && k < sc.size(); ++k)
                    sim_cycle[meas.cycles[k].cycle] = sc[k].cycle;
                for (const auto& [m, sm] : sim_cycle)
                    if (m != sm) {
                        out.warnings.push_back("the record's cycle numbers (from " +
                                               std::to_string(meas.cycles.front().cycle) +
                                               ") differ from the simulation's (from 1); cycles are compared in "
                                               "order (measured cycle " + std::to_string(m) + " with simulated cycle " +
                                               std::to_string(sm) + ", ...)");
                        break;
                    }
            }
            auto sim_of = [&](int cycle) {
                auto it = sim_cycle.find(cycle);
                return it == sim_cycle.end() ? -1 : it->second;
            };
            for (const auto& c : meas.cycles) {
                for (const char* m : {"charge_capacity", "discharge_capacity", "coulombic_efficiency",
                                      "energy_efficiency", "shoulder_capacity", "retention", "fade"}) {
                    // Retention and fade say something from the second cycle on.
                    bool first = &c == &meas.cycles.front();
                    const std::string name = m;
                    if (first && (name == "retention" || name == "fade")) continue;
                    // A cycle the record ends in before any discharge has no CE to compare.
                    if (c.discharge_capacity <= 0 && (name == "discharge_capacity" || name == "coulombic_efficiency" ||
                                                      name == "energy_efficiency" || name == "retention" || name == "fade"))
                        continue;
                    add_row(out, m, c.cycle, simulated_metric(m, c.cycle, meas, {}), kNaN,
                            sim_value(0, m, sim_of(c.cycle)), cases.empty() ? "" : cases[0].label);
                }
            }
            // GITT: mean internal resistance over the pulses, when there are any.
            auto mp = gitt(data.trajectory, meas);
            if (!mp.empty()) {
                std::vector<GittPulse> sp;
                if (!results.empty() && results[0].trajectory.size() >= 2) sp = gitt(results[0].trajectory, sims[0]);
                auto mean_r = [](const std::vector<GittPulse>& p) {
                    double s = 0;
                    for (const auto& x : p) s += x.resistance;
                    return p.empty() ? kNaN : s / p.size();
                };
                add_row(out, "gitt_resistance_mean", 1, mean_r(mp), kNaN, mean_r(sp),
                        cases.empty() ? "" : cases[0].label);
            }
            out.measured_series = thin_for_overlay(data.trajectory);
            // Curves: every CC step beside the simulated protocol step made from it.
            if (cases.empty() || results.empty()) break;
            const Trajectory& st = results[0].trajectory;
            out.simulated_series = thin_for_overlay(st);
            const double sim_mass = st.mass > 0 ? st.mass : base.cell.basis_mass();
            double se = 0;
            long n = 0;
            for (std::size_t k = 0; k < cases[0].measured_step.size(); ++k) {
                int mi = cases[0].measured_step[k];
                const StepSegment* ms = nullptr;
                for (const auto& s : meas.steps)
                    if (s.index == mi) ms = &s;
                if (!ms || (ms->kind != StepSegment::Kind::charge_cc && ms->kind != StepSegment::Kind::discharge_cc))
                    continue;
                // The simulated samples of protocol step k (recorded 1-based).
                std::size_t b = st.size(), e = st.size();
                for (std::size_t i = 0; i < st.size(); ++i)
                    if (st.step[i] == static_cast<int>(k) + 1) {
                        if (b == st.size()) b = i;
                        e = i + 1;
                    }
                CurveComparison cc;
                cc.step = ms->index;
                cc.cycle = ms->cycle;
                cc.kind = to_string(ms->kind);
                std::vector<double> mq = step_capacity(data.trajectory, ms->begin, ms->end, ao.mass);
                double qmax = mq.empty() ? 0.0 : mq.back();
                std::vector<double> sq;
                if (b < e) sq = step_capacity(st, b, e, sim_mass);
                std::vector<double> sv(st.potential.begin() + (b < e ? b : 0), st.potential.begin() + (b < e ? e : 0));
                std::vector<double> mv(data.trajectory.potential.begin() + ms->begin,
                                       data.trajectory.potential.begin() + ms->end);
                if (b < e) {
                    StepSegment ss = *ms;
                    ss.begin = b;
                    ss.end = e;
                    cc.rmse = curve_rmse(data.trajectory, *ms, st, ss, ao.mass, sim_mass);
                }
                for (int p = 0; p < curve_points; ++p) {
                    double q = qmax * (p + 0.5) / curve_points;
                    double vm = interpolate(mq, mv, 0, mq.size(), q);
                    double vs = sq.empty() ? kNaN : interpolate(sq, sv, 0, sq.size(), q);
                    cc.capacity.push_back(q);
                    cc.measured.push_back(vm);
                    cc.simulated.push_back(vs);
                    if (std::isfinite(vm) && std::isfinite(vs)) {
                        se += (vm - vs) * (vm - vs);
                        ++n;
                    }
                }
                // dQ/dV of both steps (the shared analysis), on 10 mV bins.
                constexpr double kBin = 0.01;
                for (const auto& p : dqdv(data.trajectory, meas, ms->index, kBin)) {
                    cc.dqdv_potential_measured.push_back(p.potential);
                    cc.dqdv_measured.push_back(p.dqdv);
                }
                if (b < e)
                    for (const auto& seg : sims[0].steps)
                        if (seg.begin <= b && b < seg.end && seg.kind == ms->kind) {
                            for (const auto& p : dqdv(st, sims[0], seg.index, kBin)) {
                                cc.dqdv_potential_simulated.push_back(p.potential);
                                cc.dqdv_simulated.push_back(p.dqdv);
                            }
                            break;
                        }
                out.curves.push_back(std::move(cc));
            }
            if (n) out.curve_rmse = std::sqrt(se / n);
            break;
        }
    }
    for (const auto& r : out.rows)
        if (!std::isfinite(r.simulated))
            out.warnings.push_back("no simulated " + r.metric + " for cycle " + std::to_string(r.cycle) +
                                   (r.case_label.empty() ? "" : " (" + r.case_label + ")"));
    return out;
}

TimeSeriesOverlay thin_for_overlay(const Trajectory& t, std::size_t max_samples) {
    TimeSeriesOverlay o;
    const std::size_t n = t.size();
    if (n == 0) return o;
    // Step ends are kept whatever the stride; the stride leaves room for them.
    std::size_t ends = 1;
    for (std::size_t i = 1; i < n && !t.step.empty(); ++i) ends += t.step[i] != t.step[i - 1] ? 2 : 0;
    const std::size_t room = max_samples > ends + 2 ? max_samples - ends : 2;
    const std::size_t stride = std::max<std::size_t>(1, (n + room - 1) / room);
    for (std::size_t i = 0; i < n; ++i) {
        bool edge = i == 0 || i + 1 == n ||
                    (t.step.size() == n && ((i > 0 && t.step[i] != t.step[i - 1]) ||
                                            (i + 1 < n && t.step[i] != t.step[i + 1])));
        if (!edge && i % stride != 0) continue;
        if (o.time.size() + 1 >= max_samples && i + 1 != n) continue;  // room for the last sample
        o.time.push_back(t.time[i] - t.time[0]);
        o.potential.push_back(t.potential[i]);
        o.current.push_back(i < t.current.size() ? t.current[i] : kNaN);
        if (t.step.size() == n) o.step.push_back(t.step[i]);
    }
    return o;
}

std::size_t compared_rows(const Comparison& c) {
    return static_cast<std::size_t>(std::count_if(c.rows.begin(), c.rows.end(), [](const ComparisonRow& r) {
        return std::isfinite(r.measured) && std::isfinite(r.simulated);
    }));
}

std::string nothing_compared(const Comparison& c) {
    auto list = [](std::vector<int> v) {
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        if (v.empty()) return std::string("none");
        std::string out;
        for (std::size_t i = 0; i < v.size() && i < 10; ++i) out += (i ? ", " : "") + std::to_string(v[i]);
        if (v.size() > 10) out += ", ... (" + std::to_string(v.size()) + " in all)";
        return out;
    };
    std::vector<int> measured;
    for (const auto& r : c.rows) measured.push_back(r.cycle);
    if (c.rows.empty())
        return "nothing to compare: the data hold no cycle with a measured capacity or efficiency "
               "(expected at least one cycle with charge and discharge, or a table row with a value)";
    return "nothing to compare: no measured value has a simulated counterpart (measured cycles: " + list(measured) +
           "; simulated cycles: " + list(c.simulated_cycles) +
           "); expected the data's cycle numbers to match the simulation's, which count from 1 (check the "
           "cycle column, or the config's protocol for a per-cycle or CE-vs-hold table)";
}

std::string format_comparison(const Comparison& c) {
    std::ostringstream os;
    os << "dataset " << c.dataset << " (" << to_string(c.kind) << ")\n";
    os << std::left << std::setw(34) << "metric" << std::setw(7) << "cycle" << std::setw(16) << "hold"
       << std::right << std::setw(12) << "measured" << std::setw(12) << "simulated" << std::setw(11)
       << "error" << std::setw(9) << "z" << "\n";
    for (const auto& r : c.rows) {
        bool frac = r.unit == "1";
        double k = frac ? 100.0 : 1.0;
        std::string unit = frac ? "%" : r.unit;
        std::string hold = std::isfinite(r.hold_duration)
                               ? fmt("%.4g h", r.hold_duration / kHour) +
                                     (std::isfinite(r.hold_potential) ? fmt(" %.3g V", r.hold_potential) : "")
                               : "";
        os << std::left << std::setw(34) << r.metric << std::setw(7) << r.cycle << std::setw(16) << hold
           << std::right << std::fixed << std::setprecision(frac ? 2 : 3) << std::setw(12) << r.measured * k
           << std::setw(12) << r.simulated * k << std::setw(11) << r.error() * k << std::setprecision(2)
           << std::setw(9) << r.error() / r.sigma << "  " << unit << "\n";
        os.unsetf(std::ios::fixed);
    }
    if (!c.curves.empty()) {
        os << "curves (potential vs capacity, RMSE over the overlap):\n";
        for (const auto& cv : c.curves)
            os << "  step " << cv.step << " (cycle " << cv.cycle << ", " << cv.kind << "): "
               << fmt("%.2f", cv.rmse * 1000) << " mV\n";
        os << "  all curves: " << fmt("%.2f", c.curve_rmse * 1000) << " mV\n";
    }
    for (const auto& w : c.warnings) os << "warning: " << w << "\n";
    return os.str();
}

namespace {
// Curves and overlays: 7 significant digits are plenty for a plot and keep the file small.
constexpr int kPlotDigits = 7;

json::Value numbers(const std::vector<double>& v, double scale = 1.0) {
    json::Value out = json::Value::array();
    for (double x : v) out.push_back(json::number(x * scale, kPlotDigits));
    return out;
}

json::Value overlay_json(const TimeSeriesOverlay& o) {
    return {{"time_h", numbers(o.time, 1.0 / kHour)},
            {"potential_V", numbers(o.potential)},
            {"current_mA", numbers(o.current, 1e3)},
            {"step", o.step}};
}

json::Value curve_json(const CurveComparison& cv) {
    return {{"step", cv.step},
            {"cycle", cv.cycle},
            {"kind", cv.kind},
            {"rmse_V", json::number(cv.rmse)},
            {"capacity_mAh_g", numbers(cv.capacity)},
            {"measured_V", numbers(cv.measured)},
            {"simulated_V", numbers(cv.simulated)},
            {"dqdv_measured", {{"potential_V", numbers(cv.dqdv_potential_measured)},
                               {"dqdv_mAh_g_V", numbers(cv.dqdv_measured)}}},
            {"dqdv_simulated", {{"potential_V", numbers(cv.dqdv_potential_simulated)},
                                {"dqdv_mAh_g_V", numbers(cv.dqdv_simulated)}}}};
}
}  // namespace

json::Value comparison_value(const Comparison& c) {
    json::Value rows = json::Value::array(), curves = json::Value::array();
    for (const auto& r : c.rows)
        rows.push_back({{"metric", r.metric},
                        {"unit", r.unit},
                        {"cycle", r.cycle},
                        {"hold_duration_h", json::number(r.hold_duration / kHour)},
                        {"hold_potential_V", json::number(r.hold_potential)},
                        {"measured", json::number(r.measured)},
                        {"simulated", json::number(r.simulated)},
                        {"error", json::number(r.error())},
                        {"sigma", json::number(r.sigma)},
                        {"case", r.case_label}});
    for (const auto& cv : c.curves) curves.push_back(curve_json(cv));
    json::Value out = json::Value::object();
    out["dataset"] = c.dataset;
    out["kind"] = to_string(c.kind);
    out["curve_rmse_V"] = json::number(c.curve_rmse);
    out["rows"] = std::move(rows);
    out["curves"] = std::move(curves);
    out["time_series"] = {{"measured", overlay_json(c.measured_series)},
                          {"simulated", overlay_json(c.simulated_series)}};
    out["warnings"] = c.warnings;
    return out;
}

std::string comparison_json(const Comparison& c) { return json::dump(comparison_value(c)); }

std::string comparison_csv(const Comparison& c) {
    std::ostringstream os;
    os << "metric,unit,cycle,hold_duration_h,hold_potential_V,measured,simulated,error,sigma,case\n";
    auto num = [](double v) { return std::isfinite(v) ? format_number(v, 10) : std::string(); };
    for (const auto& r : c.rows)
        os << r.metric << "," << r.unit << "," << r.cycle << "," << num(r.hold_duration / kHour) << ","
           << num(r.hold_potential) << "," << num(r.measured) << "," << num(r.simulated) << ","
           << num(r.error()) << "," << num(r.sigma) << ",\"" << r.case_label << "\"\n";
    return os.str();
}

Trajectory read_trajectory(const std::string& path) {
    // The schema-driven reader (io/result_reader.hpp) reads the columns; the trajectory
    // numbers steps from 1, the file from 0.
    SampleRecord rec = read_samples(path, {"time", "potential", "current", "step", "cycle"});
    Trajectory t;
    t.source = path;
    t.mass = rec.basis_mass_kg;
    const std::size_t n = rec.samples.size();
    t.time.reserve(n), t.potential.reserve(n), t.current.reserve(n), t.step.reserve(n), t.cycle.reserve(n);
    for (const Sample& s : rec.samples) {
        t.time.push_back(s.time);
        t.potential.push_back(s.potential);
        t.current.push_back(s.current);
        t.step.push_back(s.step + 1);
        t.cycle.push_back(s.cycle);
    }
    // The stack pressure where the file has it (files written before the pressure state
    // do not): the metric stack_pressure_change_at_charge_start reads it.
    try {
        SampleRecord p = read_samples(path, {"stack_pressure"});
        if (p.samples.size() == n)
            for (const Sample& s : p.samples) t.stack_pressure.push_back(s.stack_pressure);
    } catch (const Error&) {
    }
    return t;
}

}  // namespace ssbsim
