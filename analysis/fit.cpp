#include "analysis/fit.hpp"

#include <ceres/ceres.h>
#include <glog/logging.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <map>
#include <optional>
#include <sstream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/format.hpp"
#include "core/json.hpp"
#include "core/process_pool.hpp"
#include "core/units.hpp"
#include "analysis/spectrum_import.hpp"
#include "params/emit.hpp"
#include "params/yaml_text.hpp"
#include "run/checkpoint.hpp"

namespace ssbsim {

namespace {

// Ten digits, as the fitted config and the report give values.
std::string with_unit(double v, const std::string& unit) { return format_quantity(v, unit, 10); }

}  // namespace

// ---- the fit file --------------------------------------------------------------------------

FitSpec load_fit(const std::string& path) {
    // gitt_resistance_mean is compared from a GITT record though no cycle metric computes it.
    return load_fit(path, [](const std::string& m) { return is_known_metric(m) || m == "gitt_resistance_mean"; });
}

// ---- the problem -----------------------------------------------------------------------------

namespace {

// A measured impedance spectrum as a dataset: which of the run's spectra it is compared
// with and at which of its measured points (those inside that EIS step's range).
struct SpectrumTarget {
    MeasuredSpectrum measured;
    std::size_t index = 0;             // into the run's spectra
    std::vector<std::size_t> points;   // measured points compared
    double area = 0;                   // [m2]: the simulated Z is per area
    double sigma = 0.01, weight = 1;   // relative sigma, dataset weight
};

}  // namespace

struct FitProblem::Dataset {
    FitDataset spec;
    MeasuredData data;
    ConfigNode base;                   // config with the fit's and the dataset's overrides
    SimulationConfig base_config;      // at the initial values (plans, mass, options)
    AnalysisOptions options;
    std::vector<ValidationCase> cases;
    std::vector<int> residuals_per_case;
    int offset = 0;                    // first residual
    std::vector<bool> applies;         // per parameter: its key exists in this dataset's config
    std::vector<std::string> keys;     // per parameter: its key in this config (materials.NAME resolved)
    std::shared_ptr<const SpectrumTarget> spectrum;  // a spectrum dataset (one case, no MeasuredData)
};

namespace {

// The residuals of one case's comparison, in a fixed layout: rows (filtered), then curve
// points with a measured value.
std::vector<double> residuals_of(const Comparison& c, const FitDataset& d, bool dry) {
    std::vector<double> r;
    const double w = std::sqrt(d.weight);
    for (const auto& row : c.rows) {
        if (!d.metrics.empty() && std::find(d.metrics.begin(), d.metrics.end(), row.metric) == d.metrics.end())
            continue;
        double sigma = row.sigma;
        auto it = d.sigma.find(row.metric);
        if (!row.sigma_from_data && it != d.sigma.end()) sigma = it->second;
        if (!dry && !std::isfinite(row.simulated))
            throw Error("no simulated " + row.metric + " for cycle " + std::to_string(row.cycle) + " (" +
                        row.case_label + ")");
        r.push_back(w * (row.simulated - row.measured) / sigma);
    }
    if (d.curve_sigma > 0)
        for (const auto& cv : c.curves) {
            double last = kNaN;
            for (double v : cv.simulated)
                if (std::isfinite(v)) last = v;
            for (std::size_t k = 0; k < cv.capacity.size(); ++k) {
                if (!std::isfinite(cv.measured[k])) continue;
                // Beyond the simulated step's end: its last potential (a continuous penalty).
                double vs = std::isfinite(cv.simulated[k]) ? cv.simulated[k] : last;
                if (!dry && !std::isfinite(vs)) throw Error("the simulation has no step to compare with step " +
                                                            std::to_string(cv.step));
                r.push_back(w * (vs - cv.measured[k]) / d.curve_sigma);
            }
        }
    return r;
}

// The spectrum dataset i of fit file `file`: the file read (DataError at its line and
// column), the EIS step chosen (ConfigError at the dataset's key when the protocol has none
// or fewer than `spectrum`), the measured points inside its range.
SpectrumTarget spectrum_target(const FitDataset& fd, std::size_t i, const SimulationConfig& cfg,
                               const std::string& file) {
    SpectrumTarget t;
    t.measured = load_spectrum(fd.data);
    std::vector<const EisSpec*> eis;
    for (const Step& st : cfg.protocol.steps)
        if (st.kind == Step::Kind::eis) eis.push_back(&st.eis);
    const std::string key = "fit.datasets." + std::to_string(i);
    if (eis.empty())
        throw ConfigError(file, fd.line, key + ".config",
                          "the spectrum " + fd.data + " needs an EIS step in the protocol of " + fd.config +
                              " (e.g. \"EIS from 10 kHz to 10 mHz\"); it has none");
    if (fd.spectrum > static_cast<int>(eis.size()))
        throw ConfigError(file, fd.spectrum_line, key + ".spectrum",
                          "spectrum " + std::to_string(fd.spectrum) + " asked for, but the protocol of " + fd.config +
                              " has " + std::to_string(eis.size()) + " EIS step(s)");
    t.index = fd.spectrum > 0 ? static_cast<std::size_t>(fd.spectrum - 1) : eis.size() - 1;
    const EisSpec& e = *eis[t.index];
    for (std::size_t k = 0; k < t.measured.frequency.size(); ++k) {
        const double f = t.measured.frequency[k];
        if (f >= e.f_min * (1 - 1e-9) && f <= e.f_max * (1 + 1e-9)) t.points.push_back(k);
    }
    if (t.points.empty())
        throw ConfigError(file, fd.line, key + ".data",
                          "no frequency of " + fd.data + " is inside the EIS step's range (" +
                              format_quantity(e.f_min, "Hz", 6) + " to " + format_quantity(e.f_max, "Hz", 6) + ")");
    t.area = cfg.cell.area;
    t.sigma = fd.spectrum_sigma;
    t.weight = fd.weight;
    return t;
}

// The simulated Z [ohm] of spectrum z (per area [ohm m2]) at frequency f [Hz]: real and
// imaginary parts linear in log10 f between the two nearest simulated frequencies.
std::complex<double> spectrum_at(const Spectrum& z, double area, double f) {
    const std::size_t n = z.frequency.size();
    if (n == 0) return {kNaN, kNaN};
    const bool down = n > 1 && z.frequency[0] > z.frequency[n - 1];
    auto at = [&](std::size_t k) { return down ? n - 1 - k : k; };  // ascending order
    std::size_t hi = 1;
    while (hi < n - 1 && z.frequency[at(hi)] < f) ++hi;
    if (n == 1) return {z.z_real[0] / area, z.z_imag[0] / area};
    const std::size_t a = at(hi - 1), b = at(hi);
    double w = (std::log10(f) - std::log10(z.frequency[a])) / (std::log10(z.frequency[b]) - std::log10(z.frequency[a]));
    w = std::min(1.0, std::max(0.0, w));
    return {((1 - w) * z.z_real[a] + w * z.z_real[b]) / area, ((1 - w) * z.z_imag[a] + w * z.z_imag[b]) / area};
}

// A spectrum dataset's residuals: per compared point the real and the imaginary part of
// sqrt(weight) (Z_sim - Z_meas) / (sigma |Z_meas|) (relative: every point counts alike,
// whatever its |Z|; measured log-spaced frequencies weight every decade alike). `rms`: the
// RMS of |Z_sim - Z_meas| / |Z_meas| over the points (the report's row).
std::vector<double> spectrum_residuals(const SpectrumTarget& t, const std::vector<Spectrum>& spectra, bool dry,
                                       double* rms = nullptr) {
    if (dry) return std::vector<double>(2 * t.points.size(), 0.0);
    if (t.index >= spectra.size())
        throw Error("the run gave " + std::to_string(spectra.size()) + " spectra; the dataset " + t.measured.path +
                    " compares spectrum " + std::to_string(t.index + 1));
    const Spectrum& z = spectra[t.index];
    const double w = std::sqrt(t.weight);
    std::vector<double> r;
    double sum = 0;
    for (std::size_t k : t.points) {
        const std::complex<double> m(t.measured.z_real[k], t.measured.z_imag[k]);
        const std::complex<double> d = spectrum_at(z, t.area, t.measured.frequency[k]) - m;
        const double scale = t.sigma * std::abs(m);
        r.push_back(w * d.real() / scale);
        r.push_back(w * d.imag() / scale);
        sum += std::norm(d) / std::norm(m);
    }
    if (rms) *rms = std::sqrt(sum / t.points.size());
    return r;
}

// The comparison a spectrum dataset reports: one row, the relative RMS misfit.
Comparison spectrum_comparison(const SpectrumTarget& t, const std::vector<Spectrum>& spectra, const std::string& label) {
    Comparison c;
    c.dataset = t.measured.path;
    ComparisonRow row;
    row.metric = "spectrum_relative_rmse";
    row.unit = "1";
    row.measured = 0;
    spectrum_residuals(t, spectra, false, &row.simulated);
    row.sigma = t.sigma;
    row.case_label = label;
    c.rows.push_back(row);
    return c;
}

}  // namespace

FitProblem::FitProblem(FitSpec spec, bool share_runs) : spec_(std::move(spec)) {
    for (const auto& fd : spec_.datasets) {
        auto d = std::make_shared<Dataset>();
        d->spec = fd;
        const bool spectrum = fd.spectrum_given || is_spectrum_file(fd.data);
        if (!spectrum) d->data = load_measured(fd.data, fd.import);
        std::vector<std::string> set = spec_.set;
        set.insert(set.end(), fd.set.begin(), fd.set.end());
        d->base = ConfigNode::load_file(fd.config).with_overrides(set);
        // A parameter acts on the datasets whose config has its key (a carbon-only cell has
        // no CAM material to change).
        for (const auto& p : spec_.parameters) {
            ResolvedKey r = resolve_material_key(d->base, p.key);
            d->base = r.config;
            d->keys.push_back(r.key);
            d->applies.push_back(has_path(d->base, r.key));
        }
        MaterialLibrary lib;
        std::vector<double> initial;
        for (const auto& p : spec_.parameters) initial.push_back(p.initial);
        d->base_config = load_config(d->base.with_overrides(overrides_for(initial, d->applies, d->keys)), lib);
        if (spectrum) {
            auto t = std::make_shared<SpectrumTarget>(
                spectrum_target(fd, datasets_.size(), d->base_config, spec_.file));
            ValidationCase vc;  // the config as it is
            vc.label = "spectrum " + std::to_string(t->index + 1) + " of " + fd.config;
            d->cases.push_back(vc);
            d->offset = residual_count_;
            d->residuals_per_case.push_back(static_cast<int>(2 * t->points.size()));
            residual_count_ += d->residuals_per_case.back();
            d->spectrum = t;
            datasets_.push_back(d);
            continue;
        }
        d->options.shoulder_potential = d->base_config.protocol.shoulder_potential;
        auto sp = d->data.metadata.find("shoulder_potential");
        if (sp != d->data.metadata.end()) d->options.shoulder_potential = std::stod(sp->second);
        d->options.mass = fd.import.mass;
        d->cases = plan_cases(d->data, d->base_config, d->options);
        // Residual layout from a dry comparison (no simulation).
        d->offset = residual_count_;
        for (const auto& c : d->cases) {
            Comparison cmp = compare(d->data, {c}, {CaseResult{}}, d->base_config, d->options);
            int n = static_cast<int>(residuals_of(cmp, fd, true).size());
            d->residuals_per_case.push_back(n);
            residual_count_ += n;
        }
        datasets_.push_back(d);
    }
    for (std::size_t j = 0; j < spec_.parameters.size(); ++j) {
        bool used = false;
        for (const auto& d : datasets_) used = used || d->applies[j];
        if (!used)
            throw ConfigError(spec_.file, spec_.parameters[j].line, "fit.parameters." + std::to_string(j) + ".key",
                              "'" + spec_.parameters[j].key + "' is in none of the datasets' configs");
    }
    if (residual_count_ == 0)
        throw ConfigError(spec_.file, 0, "fit.datasets", "the datasets give nothing to compare (no rows, no curves)");
    plan_runs(share_runs);
}

std::vector<double> FitProblem::to_variables(const std::vector<double>& values) const {
    std::vector<double> u(values.size());
    for (std::size_t j = 0; j < values.size(); ++j)
        u[j] = spec_.parameters[j].log ? std::log10(values[j]) : values[j];
    return u;
}

std::vector<double> FitProblem::to_values(const std::vector<double>& u) const {
    std::vector<double> v(u.size());
    for (std::size_t j = 0; j < u.size(); ++j) v[j] = spec_.parameters[j].log ? std::pow(10.0, u[j]) : u[j];
    return v;
}

std::vector<std::string> FitProblem::overrides_for(const std::vector<double>& values,
                                                   const std::vector<bool>& applies,
                                                   const std::vector<std::string>& keys) const {
    std::vector<std::string> out;
    for (std::size_t j = 0; j < values.size(); ++j)
        if (applies.empty() || applies[j])
            out.push_back((keys.empty() ? spec_.parameters[j].key : keys[j]) + "=" +
                          with_unit(values[j], spec_.parameters[j].unit));
    return out;
}

// ---- shared runs -------------------------------------------------------------------------------

// Which simulations one evaluation runs. The datasets' cases often overlap: a first-cycle
// curve and the first row of a CE-vs-hold table are the same run; the hold rows at one
// potential differ only in the duration of the last step (one run of the longest hold,
// read out at the others' durations: RunControl::readout_after); and cases that agree up
// to a protocol step (the charge and the top hold of Study A, the carbon-only cells'
// charge) solve that prefix once and restart from its checkpoint (run/checkpoint.hpp). A
// restart at a step boundary is exact; a readout moves the long run's steps to land on
// the shorter durations, which changes its results at the solver tolerance (~1e-6
// relative in the cycle metrics, docs/sweeps.md).
//
// The plan is made once from the resolved configs at the initial values and at a probe
// point with every parameter moved: cases share only where their configs agree at both
// (so a parameter that acts on one case and not on the other keeps them apart).
namespace {
struct PlanCase {
    int dataset = 0, c = 0;
    int readout = -1;  // index into its run's readout_after; -1: the run's own end
};
struct PlanRun {
    std::vector<PlanCase> cases;        // cases[0]: the case whose config is run
    std::vector<double> readout_after;  // [s] ascending, shorter than the run's last step
    int steps = 0;                      // protocol steps of the run
};
struct PlanTree {
    std::vector<PlanRun> runs;  // runs[0] takes the checkpoint the others restart from
    int shared_steps = 0;       // 0: no shared prefix
    std::vector<PlanCase> cases;  // every case of the tree, in payload order
    std::size_t residuals = 0;
};
}  // namespace

struct FitProblem::RunPlan {
    std::vector<PlanTree> trees;
    int simulations = 0;
};

int FitProblem::simulations_per_point() const { return plan_->simulations; }

namespace {

// A last step that can be read out of a longer one: timed, no limits, no ramp.
bool readout_step(const Step& s) {
    return s.duration > 0 && s.limits.empty() && !s.ramp && s.kind != Step::Kind::temperature;
}

// What a case's config is, as far as sharing goes, at one point.
struct CaseShape {
    std::vector<std::string> prefix;  // identity after 1..n steps (run/checkpoint.hpp)
    std::string readout_key;          // identity without the last step + its shape ("": no readout)
    double last_duration = 0;         // [s]
};

CaseShape shape_of(const SimulationConfig& cfg) {
    CaseShape s;
    const std::string rest = identity_rest(cfg);
    const auto& steps = cfg.protocol.steps;
    for (std::size_t j = 1; j <= steps.size(); ++j)
        s.prefix.push_back(checkpoint_identity(rest, cfg, static_cast<int>(j)));
    if (!steps.empty() && readout_step(steps.back())) {
        Step last = steps.back();
        s.last_duration = last.duration;
        last.duration = 1;
        last.label.clear();
        s.readout_key = (steps.size() > 1 ? s.prefix[steps.size() - 2] : rest) + "\nlast: " + emit_step_text(last);
    }
    return s;
}

struct PlanEntry {
    PlanCase c;
    CaseShape at0, at1;     // at the initial values and at the probe point
    std::string signature;  // the parameters' keys as this case's dataset applies them
};

// Cases with the same config at both points, or the same but for the duration of a
// readout last step, become one run (the longest last step is run).
std::vector<std::pair<PlanRun, const PlanEntry*>> group_runs(const std::vector<PlanEntry>& entries) {
    std::map<std::string, std::vector<const PlanEntry*>> by_key;
    std::vector<std::string> order;
    for (const PlanEntry& e : entries) {
        std::string key;
        if (e.at0.prefix.empty() || e.at1.prefix.empty())
            key = "alone " + std::to_string(e.c.dataset) + " " + std::to_string(e.c.c);
        else if (!e.at0.readout_key.empty() && !e.at1.readout_key.empty() && e.at0.last_duration == e.at1.last_duration)
            key = e.signature + "readout\n" + e.at0.readout_key + "\n" + e.at1.readout_key;
        else
            key = e.signature + "run\n" + e.at0.prefix.back() + "\n" + e.at1.prefix.back();
        if (!by_key.count(key)) order.push_back(key);
        by_key[key].push_back(&e);
    }
    std::vector<std::pair<PlanRun, const PlanEntry*>> runs;
    for (const std::string& key : order) {
        std::vector<const PlanEntry*> m = by_key[key];
        std::stable_sort(m.begin(), m.end(), [](const PlanEntry* a, const PlanEntry* b) {
            return a->at0.last_duration > b->at0.last_duration;
        });
        PlanRun run;
        const double longest = m.front()->at0.last_duration;
        for (const PlanEntry* e : m)
            if (e->at0.last_duration < longest &&
                std::find(run.readout_after.begin(), run.readout_after.end(), e->at0.last_duration) == run.readout_after.end())
                run.readout_after.push_back(e->at0.last_duration);
        std::sort(run.readout_after.begin(), run.readout_after.end());
        for (const PlanEntry* e : m) {
            PlanCase c = e->c;
            auto it = std::find(run.readout_after.begin(), run.readout_after.end(), e->at0.last_duration);
            c.readout = e->at0.last_duration < longest ? static_cast<int>(it - run.readout_after.begin()) : -1;
            run.cases.push_back(c);
        }
        run.steps = static_cast<int>(m.front()->at0.prefix.size());
        runs.push_back({run, m.front()});
    }
    return runs;
}

// Steps two cases have in common from the first on, at both points.
int common_steps(const PlanEntry& a, const PlanEntry& b) {
    if (a.signature != b.signature) return 0;
    auto lcp = [](const std::vector<std::string>& x, const std::vector<std::string>& y) {
        std::size_t k = 0;
        while (k < x.size() && k < y.size() && x[k] == y[k]) ++k;
        return static_cast<int>(k);
    };
    return std::min(lcp(a.at0.prefix, b.at0.prefix), lcp(a.at1.prefix, b.at1.prefix));
}

// Runs that share their first steps with a tree's first run join it (the shared prefix:
// the steps all of them have in common, short of each one's last step).
std::vector<PlanTree> plan_trees(const std::vector<PlanEntry>& entries) {
    std::vector<PlanTree> trees;
    std::vector<const PlanEntry*> first;  // per tree: its first run's case
    for (auto& [run, rep] : group_runs(entries)) {
        bool placed = false;
        for (std::size_t t = 0; t < trees.size() && !placed; ++t) {
            PlanTree& tree = trees[t];
            int k = std::min(common_steps(*first[t], *rep), run.steps - 1);
            for (const PlanRun& r : tree.runs) k = std::min(k, r.steps - 1);
            if (tree.runs.size() > 1) k = std::min(k, tree.shared_steps);
            if (k < 1) continue;
            tree.shared_steps = k;
            tree.runs.push_back(run);
            placed = true;
        }
        if (!placed) {
            trees.push_back(PlanTree{{run}, 0, {}, 0});
            first.push_back(rep);
        }
    }
    return trees;
}

}  // namespace

void FitProblem::plan_runs(bool share) {
    // The probe point: every fit variable a tenth of its range away from the initial value.
    std::vector<double> u0, u1;
    for (const auto& p : spec_.parameters) u0.push_back(p.initial);
    u0 = to_variables(u0);
    u1 = u0;
    for (std::size_t j = 0; j < u1.size(); ++j) {
        const FitParameter& fp = spec_.parameters[j];
        const double lo = fp.log ? std::log10(fp.lower) : fp.lower, hi = fp.log ? std::log10(fp.upper) : fp.upper;
        const double step = 0.1 * (hi - lo);
        u1[j] = u0[j] + step <= hi ? u0[j] + step : u0[j] - step;
    }
    std::vector<PlanEntry> entries;
    for (int di = 0; di < static_cast<int>(datasets_.size()); ++di) {
        const Dataset& d = *datasets_[di];
        std::string signature;
        for (std::size_t j = 0; j < d.keys.size(); ++j) signature += (d.applies[j] ? d.keys[j] : "-") + "\n";
        for (int c = 0; c < static_cast<int>(d.cases.size()); ++c) {
            PlanEntry e{{di, c, -1}, {}, {}, signature};
            try {
                for (int k = 0; k < 2 && share; ++k) {
                    MaterialLibrary lib;
                    SimulationConfig cfg = load_config(
                        d.base.with_overrides(overrides_for(to_values(k ? u1 : u0), d.applies, d.keys)), lib);
                    apply_case(d.cases[c], cfg);
                    (k ? e.at1 : e.at0) = shape_of(cfg);
                }
            } catch (const std::exception&) {
                e.at0 = e.at1 = CaseShape{};  // runs alone and fails there with its own message
            }
            entries.push_back(std::move(e));
        }
    }
    auto plan = std::make_shared<RunPlan>();
    plan->trees = plan_trees(entries);
    for (PlanTree& tree : plan->trees)
        for (const PlanRun& run : tree.runs) {
            ++plan->simulations;
            for (const PlanCase& c : run.cases) {
                tree.cases.push_back(c);
                tree.residuals += datasets_[c.dataset]->residuals_per_case[c.c];
            }
        }
    plan_ = plan;
}

namespace {

// Keeps what the comparison needs (as run_case's recorder does), and the case results of a
// run's readouts.
class CaseCollector : public RunObserver {
public:
    CaseResult result;
    void on_start(const SimulationConfig& c, const CathodeP2D&) override {
        result.trajectory.mass = c.cell.basis_mass();
    }
    void on_sample(const Sample& s) override { add(result.trajectory, s); }
    void on_cycle(const CycleSummary& c) override { result.cycles.push_back(c); }
    void on_spectrum(const Spectrum& z) override { result.spectra.push_back(z); }
    // The run as it would have ended at a readout (run/checkpoint.hpp: ReadoutEnd).
    CaseResult at(const ReadoutEnd& end) const {
        CaseResult r = result;
        add(r.trajectory, end.last_sample);
        if (end.has_cycle) r.cycles.push_back(end.cycle);
        return r;
    }

private:
    static void add(Trajectory& t, const Sample& s) {
        t.time.push_back(s.time);
        t.potential.push_back(s.potential);
        t.current.push_back(s.current);
        t.step.push_back(s.step + 1);
        t.cycle.push_back(s.cycle);
    }
};

// One run of `cfg`: its end (last) and each readout (in readout_after order). Takes the
// checkpoint after `checkpoint_after` steps into *take, or restarts from `from`.
std::vector<CaseResult> simulate(const SimulationConfig& cfg, const std::vector<double>& readout_after,
                                 int checkpoint_after, std::optional<RunCheckpoint>* take,
                                 const RunCheckpoint* from) {
    std::vector<CaseResult> ends(readout_after.size() + 1);
    for (auto& e : ends) {
        e.status = "failed";
        e.message = "the run ended before this case's last step did";  // a readout never reached
    }
    CaseCollector col;
    RunControl control;
    control.readout_after = readout_after;
    if (!readout_after.empty())
        control.on_readout = [&](int k, const ReadoutEnd& end) { ends[k] = col.at(end); };
    if (checkpoint_after > 0 && take) {
        control.checkpoint_after = checkpoint_after;
        control.on_checkpoint = [take](RunCheckpoint&& ck) { *take = std::move(ck); };
    }
    try {
        Simulation sim(cfg);
        if (from) {
            try {
                check_restart(*from, cfg, sim.model(), "the fit's shared prefix");
                control.restart = from;
                control.restart_checked = true;
            } catch (const Error&) {
                // Not the same prefix after all: this run starts from the beginning.
            }
        }
        RunResult r = sim.run(&col, control);
        col.result.status = to_string(r.status);
        col.result.message = r.message;
    } catch (const Error& e) {
        col.result.status = "failed";
        col.result.message = e.what();
    }
    ends.back() = std::move(col.result);
    return ends;
}

}  // namespace

std::vector<double> FitProblem::run_tree(const std::vector<double>& point, int t,
                                         std::vector<std::vector<Comparison>>* comparisons) const {
    const PlanTree& tree = plan_->trees[t];
    std::vector<double> payload;
    std::optional<RunCheckpoint> ck;
    const std::vector<double> values = to_values(point);
    for (std::size_t r = 0; r < tree.runs.size(); ++r) {
        const PlanRun& run = tree.runs[r];
        const Dataset& d = *datasets_[run.cases[0].dataset];
        MaterialLibrary lib;
        SimulationConfig cfg = load_config(d.base.with_overrides(overrides_for(values, d.applies, d.keys)), lib);
        apply_case(d.cases[run.cases[0].c], cfg);
        const bool first = r == 0 && tree.shared_steps > 0;
        std::vector<CaseResult> ends = simulate(cfg, run.readout_after, first ? tree.shared_steps : -1, first ? &ck : nullptr,
                                                r > 0 && ck ? &*ck : nullptr);
        for (const PlanCase& c : run.cases) {
            const Dataset& cd = *datasets_[c.dataset];
            const ValidationCase& vc = cd.cases[c.c];
            const CaseResult& res = c.readout < 0 ? ends.back() : ends[c.readout];
            if (res.status != "complete")
                throw SolverError("simulation '" + vc.label + "' " + res.status + ": " + res.message);
            Comparison cmp = cd.spectrum ? spectrum_comparison(*cd.spectrum, res.spectra, vc.label)
                                         : compare(cd.data, {vc}, {res}, cd.base_config, cd.options);
            std::vector<double> rc = cd.spectrum ? spectrum_residuals(*cd.spectrum, res.spectra, false)
                                                 : residuals_of(cmp, cd.spec, false);
            payload.insert(payload.end(), rc.begin(), rc.end());
            if (comparisons) (*comparisons)[c.dataset][c.c] = std::move(cmp);
        }
    }
    return payload;
}

std::vector<FitEvaluation> FitProblem::evaluate(const std::vector<std::vector<double>>& points, int jobs,
                                                bool keep_comparisons) const {
    // Tasks: every (point, run tree); a task's payload is the residuals of the tree's cases
    // in plan order.
    const RunPlan& plan = *plan_;
    const int trees = static_cast<int>(plan.trees.size());
    const int n_tasks = static_cast<int>(points.size()) * trees;
    // Comparisons per (point, dataset, case), filled in this process (keep_comparisons).
    std::vector<std::vector<std::vector<Comparison>>> kept;
    if (keep_comparisons) {
        kept.resize(points.size());
        for (auto& k : kept)
            for (const auto& d : datasets_) k.emplace_back(d->cases.size());
    }
    auto run = [&](int i) {
        const int p = i / trees;
        return run_tree(points[p], i % trees, keep_comparisons ? &kept[p] : nullptr);
    };
    PoolOptions po;
    po.jobs = keep_comparisons ? 1 : jobs;  // kept[] is filled in this process
    po.serial_in_process = true;
    const std::vector<TaskResult> results =
        run_in_processes(n_tasks, [&](int i) { return pack_doubles(run(i)); }, po).results;
    simulations_ += static_cast<int>(points.size()) * simulations_per_point();

    std::vector<FitEvaluation> out(points.size());
    for (auto& e : out) e.residuals.assign(residual_count_, 0.0);
    for (int i = 0; i < n_tasks; ++i) {
        FitEvaluation& e = out[i / trees];
        if (!results[i].ok) {
            if (e.ok) e.error = results[i].error;
            e.ok = false;
            continue;
        }
        const std::vector<double> values = unpack_doubles(results[i].payload);
        const PlanTree& tree = plan.trees[i % trees];
        if (values.size() != tree.residuals) {
            e.ok = false;
            e.error = "residual layout changed";
            continue;
        }
        std::size_t at = 0;
        for (const auto& m : tree.cases) {
            const Dataset& d = *datasets_[m.dataset];
            int off = d.offset;
            for (int c = 0; c < m.c; ++c) off += d.residuals_per_case[c];
            std::copy(values.begin() + at, values.begin() + at + d.residuals_per_case[m.c], e.residuals.begin() + off);
            at += d.residuals_per_case[m.c];
        }
    }
    if (keep_comparisons) {
        // One comparison per dataset: the per-case comparisons merged.
        for (std::size_t p = 0; p < points.size(); ++p)
            for (std::size_t di = 0; di < datasets_.size(); ++di) {
                const Dataset& d = *datasets_[di];
                Comparison merged;
                merged.dataset = d.spectrum ? d.spectrum->measured.path : d.data.path;
                merged.kind = d.data.kind;
                for (const Comparison& c : kept[p][di]) {
                    merged.rows.insert(merged.rows.end(), c.rows.begin(), c.rows.end());
                    merged.curves.insert(merged.curves.end(), c.curves.begin(), c.curves.end());
                    for (const auto& w : c.warnings)
                        if (std::find(merged.warnings.begin(), merged.warnings.end(), w) == merged.warnings.end())
                            merged.warnings.push_back(w);
                    merged.curve_rmse = c.curve_rmse;
                }
                out[p].comparisons.push_back(std::move(merged));
            }
    }
    return out;
}

// ---- Ceres -------------------------------------------------------------------------------------

namespace {

struct JacobianCache {
    std::vector<double> at;
    Eigen::MatrixXd jacobian;
    std::string last_error;
    // The last evaluated point and its residuals: Ceres evaluates a candidate point's cost
    // and, when it accepts the step, asks there again for residuals and Jacobian; the
    // simulations are deterministic, so the base point of that Jacobian is not run twice.
    std::vector<double> last_at, last_residuals;
};

class SimulationCost : public ceres::CostFunction {
public:
    SimulationCost(const FitProblem& p, int jobs, JacobianCache& cache) : p_(p), jobs_(jobs), cache_(cache) {
        set_num_residuals(p.residual_count());
        mutable_parameter_block_sizes()->push_back(p.parameter_count());
    }

    bool Evaluate(double const* const* x, double* residuals, double** jacobians) const override {
        const int n = p_.parameter_count(), m = p_.residual_count();
        std::vector<double> u(x[0], x[0] + n);
        const bool known = cache_.last_at == u && static_cast<int>(cache_.last_residuals.size()) == m;
        std::vector<std::vector<double>> points;
        if (!known) points.push_back(u);
        std::vector<double> h(n, 0.0);
        const bool want_j = jacobians && jacobians[0];
        if (want_j)
            for (int j = 0; j < n; ++j) {
                const FitParameter& fp = p_.spec().parameters[j];
                double lo = fp.log ? std::log10(fp.lower) : fp.lower;
                double hi = fp.log ? std::log10(fp.upper) : fp.upper;
                double step = p_.spec().relative_step * (fp.log ? 10.0 : std::max(std::abs(u[j]), 1e-3 * (hi - lo)));
                h[j] = u[j] + step <= hi ? step : -step;  // stay inside the bounds
                std::vector<double> up = u;
                up[j] += h[j];
                points.push_back(up);
            }
        std::vector<FitEvaluation> ev = p_.evaluate(points, jobs_);
        for (const auto& e : ev)
            if (!e.ok) {
                cache_.last_error = e.error;
                return false;  // Ceres treats the point as infeasible and shortens the step
            }
        if (!known) {
            cache_.last_at = u;
            cache_.last_residuals = ev[0].residuals;
        }
        const std::vector<double>& base = cache_.last_residuals;
        const int first = known ? 0 : 1;  // ev[first + j]: parameter j perturbed
        std::copy(base.begin(), base.end(), residuals);
        if (want_j) {
            Eigen::MatrixXd J(m, n);
            for (int j = 0; j < n; ++j)
                for (int i = 0; i < m; ++i) J(i, j) = (ev[first + j].residuals[i] - base[i]) / h[j];
            for (int i = 0; i < m; ++i)
                for (int j = 0; j < n; ++j) jacobians[0][i * n + j] = J(i, j);
            cache_.at = u;
            cache_.jacobian = J;
        }
        return true;
    }

private:
    const FitProblem& p_;
    int jobs_;
    JacobianCache& cache_;
};

class Progress : public ceres::IterationCallback {
public:
    Progress(const FitProblem& p, const std::vector<double>& u,
             const std::function<void(int, double, const std::vector<double>&)>& f)
        : p_(p), u_(u), f_(f) {}
    ceres::CallbackReturnType operator()(const ceres::IterationSummary& s) override {
        if (f_ && (s.step_is_successful || s.iteration == 0)) f_(s.iteration, s.cost, p_.to_values(u_));
        return ceres::SOLVER_CONTINUE;
    }

private:
    const FitProblem& p_;
    const std::vector<double>& u_;
    std::function<void(int, double, const std::vector<double>&)> f_;
};

}  // namespace

FitResult FitProblem::solve(const std::function<void(int, double, const std::vector<double>&)>& progress) {
    auto t0 = std::chrono::steady_clock::now();
    // Ceres logs through glog; its messages reach the user through FitResult instead.
    static const bool glog_ready = [] {
        FLAGS_minloglevel = google::GLOG_FATAL;
        FLAGS_logtostderr = true;
        google::InitGoogleLogging("ssbsim");
        return true;
    }();
    (void)glog_ready;
    const int n = parameter_count();
    const int jobs = spec_.jobs > 0 ? spec_.jobs : available_cores();
    FitResult r;
    for (const auto& p : spec_.parameters) r.initial.push_back(p.initial);
    std::vector<double> u = to_variables(r.initial);

    JacobianCache cache;
    ceres::Problem::Options po;
    po.cost_function_ownership = ceres::TAKE_OWNERSHIP;
    ceres::Problem problem(po);
    problem.AddResidualBlock(new SimulationCost(*this, jobs, cache), nullptr, u.data());
    for (int j = 0; j < n; ++j) {
        const FitParameter& fp = spec_.parameters[j];
        problem.SetParameterLowerBound(u.data(), j, fp.log ? std::log10(fp.lower) : fp.lower);
        problem.SetParameterUpperBound(u.data(), j, fp.log ? std::log10(fp.upper) : fp.upper);
    }
    ceres::Solver::Options o;
    o.linear_solver_type = ceres::DENSE_QR;
    o.max_num_iterations = spec_.max_iterations;
    o.function_tolerance = spec_.function_tolerance;
    o.gradient_tolerance = 1e-10;
    o.parameter_tolerance = 1e-6;
    o.logging_type = ceres::SILENT;
    o.minimizer_progress_to_stdout = false;
    o.num_threads = 1;  // parallelism is ours: simulations on worker processes
    o.update_state_every_iteration = true;
    Progress cb(*this, u, progress);
    o.callbacks.push_back(&cb);
    ceres::Solver::Summary summary;
    ceres::Solve(o, &problem, &summary);

    r.fitted = to_values(u);
    r.initial_cost = summary.initial_cost;
    r.final_cost = summary.final_cost;
    r.iterations = static_cast<int>(summary.iterations.size()) - 1;
    r.termination = summary.message;
    if (!cache.last_error.empty() && summary.termination_type == ceres::FAILURE)
        r.termination += " (last simulation failure: " + cache.last_error + ")";
    r.converged = summary.termination_type == ceres::CONVERGENCE;
    r.residual_count = residual_count_;
    if (summary.termination_type == ceres::FAILURE && summary.iterations.empty())
        throw SolverError("the fit could not start: " + r.termination);

    // Uncertainty from the Jacobian at the solution: cov = (J^T J)^-1 (residuals are
    // already divided by the measurement sigmas); pseudo-inverse for unidentifiable
    // directions.
    if (cache.at != u) {
        SimulationCost cost(*this, jobs, cache);
        std::vector<double> res(residual_count_), jac(static_cast<std::size_t>(residual_count_) * n);
        const double* x[] = {u.data()};
        double* jp[] = {jac.data()};
        cost.Evaluate(x, res.data(), jp);
    }
    r.sigma_log10.assign(n, kNaN);
    r.sigma.assign(n, kNaN);
    r.correlation.assign(n, std::vector<double>(n, kNaN));
    if (cache.at == u && cache.jacobian.rows() == residual_count_) {
        Eigen::MatrixXd JtJ = cache.jacobian.transpose() * cache.jacobian;
        Eigen::MatrixXd cov = JtJ.completeOrthogonalDecomposition().pseudoInverse();
        for (int j = 0; j < n; ++j) {
            double su = std::sqrt(std::max(cov(j, j), 0.0));
            if (spec_.parameters[j].log) {
                r.sigma_log10[j] = su;
                r.sigma[j] = r.fitted[j] * std::log(10.0) * su;
            } else {
                r.sigma[j] = su;
            }
            for (int k = 0; k < n; ++k)
                r.correlation[j][k] = cov(j, k) / std::sqrt(std::max(cov(j, j) * cov(k, k), 1e-300));
        }
    }
    if (residual_count_ > n) r.reduced_chi2 = 2.0 * r.final_cost / (residual_count_ - n);
    for (int j = 0; j < n; ++j) {
        const FitParameter& fp = spec_.parameters[j];
        double lo = fp.log ? std::log10(fp.lower) : fp.lower, hi = fp.log ? std::log10(fp.upper) : fp.upper;
        r.at_bound.push_back(std::abs(u[j] - lo) < 1e-6 * (hi - lo) || std::abs(u[j] - hi) < 1e-6 * (hi - lo));
    }
    r.final_evaluation = evaluate({u}, 1, true)[0];
    r.simulations = simulations_;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

// ---- reports ---------------------------------------------------------------------------------

std::string FitProblem::fitted_config_yaml(const FitResult& r) const {
    ConfigNode base = ConfigNode::load_file(spec_.config).with_overrides(spec_.set);
    std::vector<bool> applies;
    std::vector<std::string> keys;
    for (const auto& p : spec_.parameters) {
        ResolvedKey k = resolve_material_key(base, p.key);
        base = k.config;
        keys.push_back(k.key);
        applies.push_back(has_path(base, k.key));
    }
    ConfigNode cfg = base.with_overrides(overrides_for(r.fitted, applies, keys));
    std::ostringstream os;
    std::time_t now = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
    os << "# Calibrated by `ssbsim fit " << spec_.file << "` on " << date << " from " << spec_.config << ".\n"
       << "# Fitted (one-sigma from the Jacobian):\n";
    for (std::size_t j = 0; j < r.fitted.size(); ++j) {
        const auto& p = spec_.parameters[j];
        os << "#   " << p.key << " = " << with_unit(r.fitted[j], p.unit);
        if (std::isfinite(r.sigma[j])) os << "  +- " << with_unit(r.sigma[j], p.unit);
        os << (r.at_bound[j] ? "  (at a bound)" : "") << "\n";
    }
    os << "# Datasets:\n";
    for (const auto& d : spec_.datasets) os << "#   " << d.data << "\n";
    os << yaml_text(cfg) << "\n";
    return os.str();
}

std::string FitProblem::format_report(const FitResult& r) const {
    std::ostringstream os;
    os << "fit '" << spec_.name << "': " << r.termination << "\n"
       << "  " << r.iterations << " iterations, " << r.simulations << " simulations, "
       << std::fixed << std::setprecision(1) << r.seconds << " s; cost " << std::setprecision(4)
       << std::scientific << r.initial_cost << " -> " << r.final_cost << " (" << r.residual_count
       << " residuals";
    if (std::isfinite(r.reduced_chi2)) os << ", reduced chi2 " << std::fixed << std::setprecision(3) << r.reduced_chi2;
    os << ")\n\n";
    os.unsetf(std::ios::floatfield);
    os << std::left << std::setw(46) << "parameter" << std::right << std::setw(14) << "initial" << std::setw(14)
       << "fitted" << std::setw(22) << "one sigma" << "  unit\n";
    for (std::size_t j = 0; j < r.fitted.size(); ++j) {
        const auto& p = spec_.parameters[j];
        std::ostringstream sig;
        sig << std::setprecision(3) << r.sigma[j];
        if (std::isfinite(r.sigma_log10[j])) sig << " (x" << std::setprecision(3) << std::pow(10.0, r.sigma_log10[j]) << ")";
        os << std::left << std::setw(46) << p.key << std::right << std::setprecision(5) << std::setw(14)
           << r.initial[j] << std::setw(14) << r.fitted[j] << std::setw(22) << sig.str() << "  "
           << (p.unit.empty() ? "-" : p.unit) << (r.at_bound[j] ? "  AT BOUND" : "") << "\n";
    }
    if (r.fitted.size() > 1) {
        os << "\ncorrelation:\n";
        for (std::size_t j = 0; j < r.fitted.size(); ++j) {
            os << "  ";
            for (std::size_t k = 0; k < r.fitted.size(); ++k)
                os << std::setw(7) << std::fixed << std::setprecision(2) << r.correlation[j][k];
            os << "   " << spec_.parameters[j].key << "\n";
        }
        os.unsetf(std::ios::floatfield);
    }
    os << "\nat the fitted values:\n";
    for (const auto& c : r.final_evaluation.comparisons) os << format_comparison(c) << "\n";
    return os.str();
}

std::string FitProblem::report_json(const FitResult& r) const {
    json::Value params = json::Value::array(), correlation = json::Value::array(),
                comparisons = json::Value::array();
    for (std::size_t j = 0; j < r.fitted.size(); ++j) {
        const auto& p = spec_.parameters[j];
        params.push_back({{"key", p.key},
                          {"unit", p.unit},
                          {"scale", p.log ? "log" : "linear"},
                          {"initial", json::number(r.initial[j])},
                          {"fitted", json::number(r.fitted[j])},
                          {"sigma", json::number(r.sigma[j])},
                          {"sigma_log10", json::number(r.sigma_log10[j])},
                          {"lower", json::number(p.lower)},
                          {"upper", json::number(p.upper)},
                          {"at_bound", static_cast<bool>(r.at_bound[j])}});
    }
    constexpr int kCorrelationDigits = 4;
    for (const auto& row : r.correlation) {
        json::Value x = json::Value::array();
        for (double v : row) x.push_back(json::number(v, kCorrelationDigits));
        correlation.push_back(std::move(x));
    }
    for (const auto& c : r.final_evaluation.comparisons) comparisons.push_back(comparison_value(c));
    json::Value j = json::Value::object();
    j["fit"] = spec_.file;
    j["name"] = spec_.name;
    j["config"] = spec_.config;
    j["termination"] = r.termination;
    j["converged"] = r.converged;
    j["iterations"] = r.iterations;
    j["simulations"] = r.simulations;
    j["seconds"] = json::number(r.seconds);
    j["initial_cost"] = json::number(r.initial_cost);
    j["final_cost"] = json::number(r.final_cost);
    j["residuals"] = r.residual_count;
    j["reduced_chi2"] = json::number(r.reduced_chi2);
    j["parameters"] = std::move(params);
    j["correlation"] = std::move(correlation);
    j["comparisons"] = std::move(comparisons);
    return json::dump(j);
}

}  // namespace ssbsim
