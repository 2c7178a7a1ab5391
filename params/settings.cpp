#include "params/settings.hpp"

#include <cmath>
#include <sstream>

namespace ssbsim {

using namespace units;

namespace {
const char* const kRowsRule = "expected a whole number of rows >= 1, such as 10000";

// output.max_file_size: "2 GB", "500 MB", "64 kB", "1 GiB" or a plain number of bytes.
double parse_file_size(const ConfigNode& n) {
    const std::string expected = "expected a file size such as \"2 GB\", \"500 MB\" or a number of bytes (at least 1 MB)";
    if (!n.is_scalar()) n.fail(expected);
    std::string text = n.string();
    std::istringstream is(text);
    double v = 0;
    std::string unit;
    if (!(is >> v)) n.fail(expected + ", not '" + text + "'");
    is >> unit;
    std::string rest;
    if (is >> rest) n.fail(expected + ", not '" + text + "'");
    static const std::pair<const char*, double> units[] = {
        {"", 1}, {"B", 1}, {"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
        {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}};
    double scale = 0;
    for (const auto& u : units)
        if (unit == u.first) scale = u.second;
    if (scale == 0) n.fail(expected + "; unknown unit '" + unit + "' (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)");
    double bytes = v * scale;
    if (!(bytes >= 1e6) || !std::isfinite(bytes)) n.fail(expected + ", not '" + text + "'");
    return bytes;
}

// A row count; whole numbers only (the check of its range is OutputSpec::validate's).
long read_count(const ConfigNode& o, const char* key, long fallback) {
    if (!o.has(key)) return fallback;
    double v = o.number(key);
    if (!(v >= 1 && v <= 1e15) || v != std::floor(v)) o.fail(key, kRowsRule);
    return static_cast<long>(v);
}
}  // namespace

void validate_solver(const SolverSettings& s, const FieldError& fail) {
    const FieldChecks check(fail);
    check.range("rtol", s.rtol, 1e-14, 0.1, "in [1e-14, 0.1]");
    check.range("atol", s.atol, 1e-16, 0.1, "in [1e-16, 0.1]");
    check.require(s.max_step >= 0, "max_step", "must be >= 0 (0: unlimited), such as \"1 h\"");
    check.require(s.initial_step >= 0, "initial_step", "must be >= 0 (0: IDA chooses)");
    check.range("max_order", s.max_order, 1, 5, "an integer from 1 to 5");
    check.range("nonlinear_convergence_coefficient", s.nonlinear_convergence_coefficient, 1e-3,
                10.0, "in [0.001, 10]");
}

void OutputSpec::validate(const FieldError& fail) const {
    const FieldChecks check(fail);
    check.require(sample_interval >= 0, "sample_interval", "must be >= 0");
    check.require(flush_interval >= 0, "flush_interval", "must be >= 0");
    check.require(profile_interval >= 0, "profile_interval", "must be >= 0");
    check.require(max_file_size >= 1e6 && std::isfinite(max_file_size), "max_file_size",
                  "expected a file size of at least 1 MB");
    check.require(max_samples_per_step >= 1, "max_samples_per_step", kRowsRule);
    check.require(max_profiles_per_step >= 1, "max_profiles_per_step", kRowsRule);
}

SolverSettings parse_solver(const ConfigNode& s) {
    SolverSettings c;
    s.allow_only({"rtol", "atol", "max_step", "initial_step", "max_order",
                  "nonlinear_convergence_coefficient"});
    c.rtol = s.number("rtol", c.rtol);
    c.atol = s.number("atol", c.atol);
    c.max_step = s.quantity("max_step", dim::time, 0.0);
    c.initial_step = s.quantity("initial_step", dim::time, 0.0);
    c.max_order = s.integer("max_order", 5);
    c.nonlinear_convergence_coefficient = s.number("nonlinear_convergence_coefficient", 0.33);
    validate_solver(c, config_fields(s));
    return c;
}

OutputSpec parse_output(const ConfigNode& o) {
    OutputSpec c;
    o.allow_only({"file", "sample_interval", "profile_interval", "flush_interval", "max_file_size",
                  "max_samples_per_step", "max_profiles_per_step"});
    c.file = o.string("file", c.file);
    c.sample_interval = o.quantity("sample_interval", dim::time, 0.0);
    c.profile_interval = o.quantity("profile_interval", dim::time, c.profile_interval);
    c.flush_interval = o.quantity("flush_interval", dim::time, c.flush_interval);
    if (o.has("max_file_size")) c.max_file_size = parse_file_size(o["max_file_size"]);
    c.max_samples_per_step = read_count(o, "max_samples_per_step", c.max_samples_per_step);
    c.max_profiles_per_step = read_count(o, "max_profiles_per_step", c.max_profiles_per_step);
    c.validate(config_fields(o));
    return c;
}

}  // namespace ssbsim
