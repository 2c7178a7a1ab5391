// `ssbsim-fit` (run as `ssbsim fit`): calibration with Ceres. A separate executable so that
// `ssbsim run` does not load Ceres and its libraries (~6 ms of every fresh process).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>

#include "analysis/fit.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/hdf5_file.hpp"
#include "core/version.hpp"

namespace {

// Exit codes: 0 converged (or stopped by its tolerances), 2 bad input, 3 no convergence.
int fit(const std::string& file, int jobs, bool quiet) {
    using namespace ssbsim;
    try {
        FitSpec spec = load_fit(file);
        if (jobs > 0) spec.jobs = jobs;
        FitProblem problem(spec);
        if (!quiet)
            std::cerr << "fitting " << problem.parameter_count() << " parameter(s) to " << problem.residual_count()
                      << " residuals from " << spec.datasets.size() << " dataset(s)\n";
        FitResult r = problem.solve([&](int it, double cost, const std::vector<double>& v) {
            if (quiet) return;
            std::cerr << "  iteration " << std::setw(3) << it << "  cost " << std::scientific << std::setprecision(4)
                      << cost << std::defaultfloat << " ";
            for (double x : v) std::cerr << " " << std::setprecision(5) << x;
            std::cerr << "\n";
        });
        write_text_atomically(spec.output, problem.fitted_config_yaml(r));
        write_text_atomically(spec.report, problem.report_json(r));
        if (!quiet)
            std::cout << problem.format_report(r) << "written: " << spec.output << " (calibrated config), "
                      << spec.report << "\n";
        return r.converged ? 0 : 3;
    } catch (const std::exception& e) {
        return ssbsim::cli::report_error(e);
    }
}

}  // namespace

int main(int argc, char** argv) {
    ssbsim::h5::skip_library_teardown();  // every file is closed before main returns
    CLI::App app{"ssbsim fit - calibrate parameters to measured datasets (Ceres least squares)"};
    app.name("ssbsim fit");
    app.set_version_flag("--version", std::string("ssbsim ") + ssbsim::kVersion + " (" + ssbsim::kGitCommit + ")");
    std::string file;
    int jobs = 0;
    bool quiet = false;
    app.add_option("file", file, "Fit YAML file (docs/validation.md)")->required();
    app.add_option("-j,--jobs", jobs, "Parallel simulations (default: the fit file's, else all cores)");
    app.add_flag("-q,--quiet", quiet, "Print only errors");
    CLI11_PARSE(app, argc, argv);
    return fit(file, jobs, quiet);
}
