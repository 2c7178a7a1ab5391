// `ssbsim validate` and `ssbsim fit`: model vs measured data, and calibration.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <utility>

#include "analysis/import.hpp"
#include "analysis/spectrum_import.hpp"
#include "analysis/validation.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/process_pool.hpp"
#include "core/resources.hpp"
#include "core/units.hpp"
#include "io/result_writer.hpp"

namespace ssbsim::cli {

namespace {

// Debian's python3 (with python3-matplotlib), else the first python3 on PATH.
std::string python() {
    if (const char* p = std::getenv("SSBSIM_PYTHON")) return p;
    if (::access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
    return "python3";
}

// Renders the overlay plot with the plot script embedded in the binary; returns "" or why not.
std::string plot(const std::string& json_path, const std::string& png_path) {
    const auto& files = embedded_files();
    auto it = files.find("../scripts/plot_validation.py");
    if (it == files.end()) return "the plot script is not embedded";
    char tmpl[] = "/tmp/ssbsim_plot_XXXXXX";
    int fd = ::mkstemp(tmpl);
    if (fd < 0) return "cannot create a temporary file";
    ssize_t w = ::write(fd, it->second.data(), it->second.size());
    ::close(fd);
    if (w != static_cast<ssize_t>(it->second.size())) return "cannot write the plot script";
    pid_t pid = fork();
    if (pid == 0) {
        std::string py = python();
        execlp(py.c_str(), py.c_str(), tmpl, json_path.c_str(), png_path.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ::unlink(tmpl);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return WIFEXITED(status) && WEXITSTATUS(status) == 3
                   ? "python3-matplotlib is not installed (apt-get install python3-matplotlib)"
                   : "the plot script failed (" + python() + ")";
    return "";
}

// The potentials the config's protocol drives to [V vs Li/Li+]: its voltage limits, holds
// and ramp ends (cell voltages shifted by the counter electrode's OCV); {0, 0} without any.
std::pair<double, double> protocol_window(const SimulationConfig& c) {
    double lo = 1e300, hi = -1e300;
    auto add = [&](double v, Reference r) {
        v += r == Reference::cell ? c.cell.counter.potential : 0.0;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    };
    for (const Step& s : c.protocol.steps) {
        for (const Limit& l : s.limits)
            if (l.kind == Limit::Kind::voltage) add(l.value, l.reference);
        if (s.kind == Step::Kind::voltage) add(s.voltage, s.reference);
        if (s.kind == Step::Kind::voltage && s.ramp) add(s.ramp_end, s.reference);
    }
    return hi >= lo ? std::make_pair(lo, hi) : std::make_pair(0.0, 0.0);
}

// A measured impedance spectrum: the config's protocol (with an EIS step over the measured
// range appended when it has none), its last spectrum against the data.
int validate_spectrum(const ValidateOptions& o) {
    const MeasuredSpectrum m = load_spectrum(o.data);
    ConfigNode root = o.config.empty() ? ConfigNode::load_string(default_config_text(), "<embedded default>")
                                       : ConfigNode::load_file(o.config);
    if (!o.set.empty()) root = root.with_overrides(o.set);
    MaterialLibrary lib;
    SimulationConfig cfg = load_config(root, lib);
    const bool has_eis = std::any_of(cfg.protocol.steps.begin(), cfg.protocol.steps.end(),
                                     [](const Step& s) { return s.kind == Step::Kind::eis; });
    if (!has_eis) {
        Step eis;
        eis.kind = Step::Kind::eis;
        eis.eis.f_max = *std::max_element(m.frequency.begin(), m.frequency.end());
        eis.eis.f_min = *std::min_element(m.frequency.begin(), m.frequency.end());
        if (!(eis.eis.f_max > eis.eis.f_min)) throw DataError(o.data, 0, "frequency", "the spectrum spans no range");
        eis.label = "EIS over the measured range";
        cfg.protocol.steps.push_back(eis);
    }
    const std::string dir = o.output.empty() ? file_stem(o.data) + "_validation" : o.output;
    make_directories(dir, "output directory");
    const std::string file = dir + "/simulation_1.h5";
    std::remove(file.c_str());
    if (!o.quiet) std::cerr << "simulating the spectrum -> " << file << "\n";
    const CaseResult run = run_case(cfg, file);
    const ResultSummary rs = read_result(file);
    if (rs.spectra.empty()) {
        report_error(SolverError("no spectrum was computed: " + run.message));
        return 3;
    }
    const Spectrum& z = rs.spectra.back();
    const SpectrumComparison c = compare_spectra(z, cfg.cell.area, m);
    write_text_atomically(dir + "/comparison.json", spectrum_comparison_json(c, o.data, z));
    if (!o.quiet) {
        std::cout << "impedance spectrum " << o.data << " vs step " << z.step + 1 << " (cycle " << z.cycle << "): "
                  << c.points << " points, RMSE log10|Z| " << std::setprecision(4) << c.rmse_log_modulus
                  << " decades, RMSE phase " << c.rmse_phase << " deg, arc width simulated "
                  << c.arc_width_simulated << " ohm, measured " << c.arc_width_measured << " ohm\n"
                  << "written: " << dir << "/comparison.json, " << file << "\n";
    }
    if (c.points == 0) {
        report_error(DataError(o.data, 0, "frequency", "no measured frequency lies inside the simulated range"));
        return 2;
    }
    return rs.status == "complete" ? 0 : 3;
}

}  // namespace

int validate(const ValidateOptions& o) {
    try {
        if (is_spectrum_file(o.data)) return validate_spectrum(o);
        ImportOptions io;
        io.format = o.format;
        io.current_sign = o.current_sign;
        if (!o.mass.empty()) {
            try {
                io.mass = units::parse_as(o.mass, units::dim::mass);
            } catch (const std::invalid_argument& e) {
                throw ConfigError("--mass", 0, "", std::string(e.what()) + " (expected a mass such as \"9.03 mg\")");
            }
        }
        io.reference = o.reference;
        MeasuredData data = load_measured(o.data, io);
        ConfigNode root = o.config.empty() ? ConfigNode::load_string(default_config_text(), "<embedded default>")
                                           : ConfigNode::load_file(o.config);
        if (!o.set.empty()) root = root.with_overrides(o.set);
        MaterialLibrary lib;
        SimulationConfig base = load_config(root, lib);
        base.protocol.steps.for_each_distinct([&](Step& s) {  // so that messages about the protocol name the config
            if (s.source.empty()) s.source = o.config.empty() ? "<embedded default>" : o.config;
        });
        const auto [window_lo, window_hi] = protocol_window(base);
        refer_to_li(data, base.cell.counter.potential, base.cell.counter.name, window_lo, window_hi);
        AnalysisOptions ao;
        ao.mass = io.mass;
        ao.shoulder_potential = base.protocol.shoulder_potential;
        auto sp = data.metadata.find("shoulder_potential");
        if (sp != data.metadata.end()) ao.shoulder_potential = std::atof(sp->second.c_str());
        if (o.shoulder > 0) ao.shoulder_potential = o.shoulder;
        if (data.kind == MeasuredData::Kind::time_series && data.trajectory.mass <= 0 && io.mass <= 0)
            data.warnings.push_back("the data give no active mass; the config's CAM mass (" +
                                    std::to_string(base.cell.basis_mass() * 1e6) + " mg) is used (--mass to set it)");

        std::string dir = o.output.empty() ? file_stem(o.data) + "_validation" : o.output;
        make_directories(dir, "output directory");
        std::vector<ValidationCase> cases = plan_cases(data, base, ao);
        // The cases run on worker processes (a CE-vs-hold table has one per row); each
        // writes its HDF5 file, which is what the comparison then reads back.
        auto file_of = [&](std::size_t i) { return dir + "/simulation_" + std::to_string(i + 1) + ".h5"; };
        for (std::size_t i = 0; i < cases.size(); ++i) {
            SimulationConfig check = base;
            apply_case(cases[i], check);  // config errors here, before any process is forked
            std::remove(file_of(i).c_str());  // never read back a file of an earlier run
            if (!o.quiet) std::cerr << "simulating " << cases[i].label << " -> " << file_of(i) << "\n";
        }
        PoolOptions po;
        po.jobs = o.jobs;  // 0: all cores
        po.serial_in_process = true;
        const std::vector<TaskResult> ran = run_in_processes(static_cast<int>(cases.size()), [&](int i) {
            SimulationConfig cfg = base;
            apply_case(cases[i], cfg);
            run_case(cfg, file_of(i));
            return std::string();
        }, po).results;
        std::vector<CaseResult> results(cases.size());
        bool failed = false;
        for (std::size_t i = 0; i < cases.size(); ++i) {
            CaseResult& r = results[i];
            try {
                ResultSummary rs = read_result(file_of(i));
                r.status = rs.status;
                r.message = rs.status_message;
                r.cycles = rs.cycles;
                r.spectra = rs.spectra;  // the spectrum metrics of a per-cycle table
                r.trajectory = read_trajectory(file_of(i));
            } catch (const Error& e) {
                r.status = "failed";
                r.message = ran[i].ok ? e.what() : ran[i].error;
            }
            if (r.status != "complete") failed = true;
        }
        Comparison c = compare(data, cases, results, base, ao);
        write_text_atomically(dir + "/comparison.json", comparison_json(c));
        write_text_atomically(dir + "/comparison.csv", comparison_csv(c));
        std::string why = o.plot ? plot(dir + "/comparison.json", dir + "/overlay.png") : "";
        if (!why.empty()) c.warnings.push_back("overlay plot not written: " + why);
        if (!o.quiet) {
            std::cout << format_comparison(c);
            std::cout << "\nwritten: " << dir << "/comparison.json, " << dir << "/comparison.csv"
                      << (o.plot && why.empty() ? ", " + dir + "/overlay.png" : std::string()) << ", "
                      << cases.size() << " simulation file(s)\n";
        }
        if (compared_rows(c) == 0) {
            // A comparison that compared nothing is no validation: say why, and fail.
            report_error(DataError(o.data, 0, "", nothing_compared(c)));
            return failed ? 3 : 2;
        }
        return failed ? 3 : 0;
    } catch (const std::exception& e) {
        return report_error(e);
    }
}

int exec_sibling(const std::string& name, int argc, char** argv) {
    char self[4096];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    std::string dir = ".";
    if (n > 0) {
        self[n] = 0;
        dir = directory_of(self);
    }
    std::string path = dir + "/" + name;
    std::vector<char*> args{const_cast<char*>(name.c_str())};
    for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
    args.push_back(nullptr);
    ::execv(path.c_str(), args.data());
    std::cerr << "ssbsim: error: cannot run " << path << " (" << std::strerror(errno) << ")\n";
    return 2;
}

}  // namespace ssbsim::cli
