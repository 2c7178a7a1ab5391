// A fit file (docs/validation.md; the layout is shown in analysis/fit.hpp) read into its
// spec: the parameters to fit with their units, initial values and bounds, the datasets
// to compare with, the solver settings and the output paths. Fitting is analysis/fit.hpp's.
#pragma once

#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "params/import_options.hpp"

namespace ssbsim {

struct FitParameter {
    std::string key;        // config key path, as for --set
    std::string unit;       // unit of initial/bounds/results ("" dimensionless or SI)
    double initial = std::numeric_limits<double>::quiet_NaN();  // in `unit`
    double lower = std::numeric_limits<double>::quiet_NaN(), upper = std::numeric_limits<double>::quiet_NaN();
    bool log = true;        // fit log10(value)
    int line = 0;
};

struct FitDataset {
    std::string data;       // resolved path
    std::string config;     // resolved path
    std::vector<std::string> set;
    std::vector<std::string> metrics;       // empty: all
    std::map<std::string, double> sigma;    // default sigmas by metric
    double weight = 1.0;
    double curve_sigma = 0.005;             // [V]; 0: no curve residuals
    ImportOptions import;
    int line = 0;
    // A measured impedance spectrum (an .mpt or CSV spectrum file, analysis/spectrum_import.hpp):
    // which of the run's spectra it is compared with, 1-based in the order the run's EIS
    // steps produce them (0: the last), and the relative sigma of its residuals
    // (Z_sim - Z_meas) / (sigma |Z_meas|), real and imaginary part at every measured frequency.
    bool spectrum_given = false;            // the key `spectrum` was written (the file must be one)
    int spectrum = 0;
    int spectrum_line = 0;
    double spectrum_sigma = 0.01;
};

struct FitSpec {
    std::string file, name;
    std::string config;                     // resolved path of the base config
    std::vector<std::string> set;
    std::vector<FitParameter> parameters;
    std::vector<FitDataset> datasets;
    int max_iterations = 30;
    int jobs = 0;                           // 0: all cores
    double relative_step = 1e-3;            // finite-difference step in the fit variables
    double function_tolerance = 1e-6;
    std::string output, report;             // resolved paths
};

// A key "materials.NAME.rest" names the material NAME wherever it is defined, so that a fit
// can vary a library material (configs/materials/NAME.yaml) as well as an entry of a config's
// own `materials:` list: the entry of the config's list named NAME becomes
// "materials.<index>.rest"; else the library's definition of NAME is copied to the end of the
// config's list first (a config's material overrides the library entry of the same name).
// Any other key, and a NAME that is neither, comes back unchanged with the config.
// (Scalar entries of the list, material file paths, are kept as text: relative paths then
// resolve against the working directory.)
struct ResolvedKey {
    ConfigNode config;
    std::string key;
};
ResolvedKey resolve_material_key(const ConfigNode& config, const std::string& key);

// Reads a fit file; errors name the file, line and key. Parameter defaults (initial value
// from the config, bounds) are resolved and checked here. `known_metric` says whether a
// name in a dataset's `metrics` list is one the comparison computes (analysis/fit.hpp
// passes analysis' list; params cannot see it).
FitSpec load_fit(const std::string& path, const std::function<bool(const std::string&)>& known_metric);

}  // namespace ssbsim
