// Calibration: named config parameters fitted to measured datasets by nonlinear least
// squares (Ceres, trust region with bounds). Residuals are (simulated - measured) / sigma
// for every compared metric of every dataset (analysis/validation.hpp), plus potential
// differences along the compared curves of time series. The Jacobian is taken by forward
// differences in the fit variables (log10 of the value for log-scaled parameters), with
// all perturbed simulations of one Jacobian run in parallel on worker processes. Cases that
// are the same simulation (or the same but for the duration of their last step, a hold, or
// the same up to a protocol step) share one run at each point (RunPlan in fit.cpp).
//
// A fit file (docs/validation.md):
//
//   fit:
//     name: Study A reference set
//     config: ../studies/study_a.yaml        # relative to the fit file
//     set: ["solver.rtol=1e-7"]              # optional fixed overrides
//     parameters:
//       - key: chemistry.sites.carbon.rate_constant   # or materials.NAME.x (params/fit_spec.hpp)
//         unit: A/m2                         # values below in this unit
//         initial: 1.5e-8                    # default: the config's value
//         bounds: [1e-10, 1e-6]
//         scale: log                         # log (default when bounds > 0) or linear
//     datasets:
//       - data: study_a_first_cycle.csv
//         config: ...                        # optional, default the fit's config
//         set: [...]                         # optional per-dataset overrides
//         metrics: [coulombic_efficiency]    # optional subset (default: all compared)
//         sigma: {coulombic_efficiency: 0.017}  # defaults where the file gives none
//         weight: 1
//         curve_sigma: "5 mV"                # time series: curve residuals (0: none)
//       - data: peis_cycle10.mpt             # a measured spectrum (.mpt / CSV: frequency, Z', Z'')
//         config: aged_cell.yaml             # its protocol needs an EIS step
//         spectrum: 1                        # which of the run's spectra (default: last)
//         spectrum_sigma: 0.01               # residuals (Z_sim - Z_meas) / (sigma |Z_meas|), re and im
//     solver: {max_iterations: 30, jobs: 2, relative_step: 1e-3, function_tolerance: 1e-6}
//     output: study_a_fitted.yaml            # the calibrated config
//     report: study_a_fit.json
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "analysis/import.hpp"
#include "analysis/validation.hpp"
#include "params/fit_spec.hpp"

namespace ssbsim {

// FitParameter, FitDataset, FitSpec and the reading of a fit file: params/fit_spec.hpp.
// Reads a fit file as params' load_fit does, with the metrics analysis knows.
FitSpec load_fit(const std::string& path);

// One residual evaluation: the comparisons of every dataset at the given parameter values.
struct FitEvaluation {
    std::vector<double> residuals;
    std::vector<Comparison> comparisons;
    bool ok = true;
    std::string error;
};

struct FitResult {
    std::vector<double> initial, fitted;    // in each parameter's unit
    std::vector<double> sigma_log10;        // one-sigma of log10(value) (log parameters), else NaN
    std::vector<double> sigma;              // one-sigma in the unit (linearised)
    std::vector<std::vector<double>> correlation;
    std::vector<bool> at_bound;
    double initial_cost = kNaN, final_cost = kNaN;  // 0.5 * sum r^2
    int residual_count = 0, iterations = 0, simulations = 0;
    double reduced_chi2 = kNaN;
    std::string termination;                 // Ceres' message
    bool converged = false;
    FitEvaluation final_evaluation;          // comparisons at the fitted values
    double seconds = 0;
};

class FitProblem {
public:
    // share_runs = false: every case is its own simulation (for comparison; see RunPlan).
    explicit FitProblem(FitSpec spec, bool share_runs = true);
    const FitSpec& spec() const { return spec_; }
    int parameter_count() const { return static_cast<int>(spec_.parameters.size()); }
    int residual_count() const { return residual_count_; }
    // Simulations one evaluation at one point runs: fewer than the datasets' cases when
    // cases share a run (see RunPlan in fit.cpp).
    int simulations_per_point() const;

    // Fit variables (log10 or linear) <-> values in the parameter units.
    std::vector<double> to_variables(const std::vector<double>& values) const;
    std::vector<double> to_values(const std::vector<double>& variables) const;

    // Residuals at several points in fit-variable space, all their simulations in parallel.
    std::vector<FitEvaluation> evaluate(const std::vector<std::vector<double>>& points, int jobs,
                                        bool keep_comparisons = false) const;

    // Runs the fit; `progress` is told about every accepted iteration.
    FitResult solve(const std::function<void(int iteration, double cost, const std::vector<double>& values)>&
                        progress = nullptr);

    // The calibrated config: the base config with the fixed overrides and the fitted values.
    std::string fitted_config_yaml(const FitResult& r) const;
    std::string report_json(const FitResult& r) const;
    std::string format_report(const FitResult& r) const;

private:
    struct Dataset;
    struct RunPlan;
    void plan_runs(bool share);
    std::vector<double> run_tree(const std::vector<double>& point, int tree,
                                 std::vector<std::vector<Comparison>>* comparisons) const;
    // --set assignments for parameter values (only those that apply, when given).
    // `keys`: each parameter's key in the dataset's config (empty: the fit file's keys).
    std::vector<std::string> overrides_for(const std::vector<double>& values, const std::vector<bool>& applies = {},
                                           const std::vector<std::string>& keys = {}) const;

    FitSpec spec_;
    std::vector<std::shared_ptr<Dataset>> datasets_;
    std::shared_ptr<const RunPlan> plan_;
    int residual_count_ = 0;
    mutable int simulations_ = 0;
};

}  // namespace ssbsim
