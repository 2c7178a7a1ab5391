#include "analysis/fit.hpp"

#include <ceres/ceres.h>
#include <glog/logging.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <optional>
#include <sstream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/format.hpp"
#include "core/json.hpp"
#include "core/process_pool.hpp"
#include "core/units.hpp"
#include "params/yaml_text.hpp"

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

}  // namespace

FitProblem::FitProblem(FitSpec spec) : spec_(std::move(spec)) {
    for (const auto& fd : spec_.datasets) {
        auto d = std::make_shared<Dataset>();
        d->spec = fd;
        d->data = load_measured(fd.data, fd.import);
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

std::vector<FitEvaluation> FitProblem::evaluate(const std::vector<std::vector<double>>& points, int jobs,
                                                bool keep_comparisons) const {
    // Tasks: every (point, dataset, case).
    struct Task {
        int point, dataset, c;
    };
    std::vector<Task> tasks;
    for (int p = 0; p < static_cast<int>(points.size()); ++p)
        for (int d = 0; d < static_cast<int>(datasets_.size()); ++d)
            for (int c = 0; c < static_cast<int>(datasets_[d]->cases.size()); ++c) tasks.push_back({p, d, c});
    std::vector<Comparison> kept(keep_comparisons ? tasks.size() : 0);
    auto run = [&](int i) {
        const Task& t = tasks[i];
        const Dataset& d = *datasets_[t.dataset];
        MaterialLibrary lib;
        SimulationConfig cfg = load_config(d.base.with_overrides(overrides_for(to_values(points[t.point]), d.applies, d.keys)), lib);
        const ValidationCase& vc = d.cases[t.c];
        apply_case(vc, cfg);
        CaseResult r = run_case(cfg);
        if (r.status != "complete") throw SolverError("simulation '" + vc.label + "' " + r.status + ": " + r.message);
        Comparison cmp = compare(d.data, {vc}, {r}, d.base_config, d.options);
        std::vector<double> res = residuals_of(cmp, d.spec, false);
        if (keep_comparisons) kept[i] = std::move(cmp);
        return res;
    };
    PoolOptions po;
    po.jobs = keep_comparisons ? 1 : jobs;  // kept[] is filled in this process
    po.serial_in_process = true;
    const std::vector<TaskResult> results =
        run_in_processes(static_cast<int>(tasks.size()), [&](int i) { return pack_doubles(run(i)); }, po).results;
    simulations_ += static_cast<int>(tasks.size());

    std::vector<FitEvaluation> out(points.size());
    for (auto& e : out) e.residuals.assign(residual_count_, 0.0);
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        const Task& t = tasks[i];
        FitEvaluation& e = out[t.point];
        const Dataset& d = *datasets_[t.dataset];
        if (!results[i].ok) {
            if (e.ok) e.error = results[i].error;
            e.ok = false;
            continue;
        }
        int off = d.offset;
        for (int c = 0; c < t.c; ++c) off += d.residuals_per_case[c];
        const std::vector<double> values = unpack_doubles(results[i].payload);
        if (static_cast<int>(values.size()) != d.residuals_per_case[t.c]) {
            e.ok = false;
            e.error = "residual layout changed for " + d.cases[t.c].label;
            continue;
        }
        std::copy(values.begin(), values.end(), e.residuals.begin() + off);
    }
    if (keep_comparisons) {
        // One comparison per dataset: the per-case comparisons merged.
        for (std::size_t p = 0; p < points.size(); ++p) {
            std::size_t i = 0;
            for (const auto& d : datasets_) {
                Comparison merged;
                merged.dataset = d->data.path;
                merged.kind = d->data.kind;
                for (std::size_t k = 0; k < tasks.size(); ++k) {
                    if (tasks[k].point != static_cast<int>(p) || datasets_[tasks[k].dataset] != d) continue;
                    const Comparison& c = kept[k];
                    merged.rows.insert(merged.rows.end(), c.rows.begin(), c.rows.end());
                    merged.curves.insert(merged.curves.end(), c.curves.begin(), c.curves.end());
                    for (const auto& w : c.warnings)
                        if (std::find(merged.warnings.begin(), merged.warnings.end(), w) == merged.warnings.end())
                            merged.warnings.push_back(w);
                    merged.curve_rmse = c.curve_rmse;
                }
                out[p].comparisons.push_back(std::move(merged));
                ++i;
            }
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
        std::vector<std::vector<double>> points{u};
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
        std::copy(ev[0].residuals.begin(), ev[0].residuals.end(), residuals);
        if (want_j) {
            Eigen::MatrixXd J(m, n);
            for (int j = 0; j < n; ++j)
                for (int i = 0; i < m; ++i) J(i, j) = (ev[j + 1].residuals[i] - ev[0].residuals[i]) / h[j];
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
