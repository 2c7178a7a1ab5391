// ssbsim._core: the Python bindings over the library the CLI uses (pybind11). Thin on
// purpose: each function takes plain values (config path or YAML text, `--set` strings)
// and returns plain dicts of numpy arrays; python/ssbsim/ turns them into Result objects,
// DataFrames and exceptions with attributes.
//
// A run holds no GIL while it solves. Ctrl-C (SIGINT, as a notebook's interrupt sends it)
// asks the simulation to stop at its next solver step: the run ends with status
// "interrupted", everything computed so far is kept (and written, with output=path), and
// the Python layer raises KeyboardInterrupt. Other Python signal handlers are run from a
// callback that re-acquires the GIL a few times a second.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/hdf5_file.hpp"
#include "core/version.hpp"
#include "models/materials.hpp"
#include "io/result_writer.hpp"
#include "io/schema.hpp"
#include "io/spectra.hpp"
#include "run/simulation.hpp"
#include "io/sweep.hpp"

namespace py = pybind11;
using namespace ssbsim;

namespace {

// ---- configs ------------------------------------------------------------------------------

// config_path empty and config_text None: the embedded default.
ConfigNode load_root(const std::string& config_path, const std::optional<std::string>& config_text,
                     const std::string& text_name, const std::vector<std::string>& set) {
    ConfigNode root;
    if (config_text) root = ConfigNode::load_string(*config_text, text_name.empty() ? "<string>" : text_name);
    else if (config_path.empty()) root = ConfigNode::load_string(default_config_text(), "<embedded default>");
    else root = ConfigNode::load_file(config_path);
    return set.empty() ? root : root.with_overrides(set);
}

// ---- results as dicts of arrays -----------------------------------------------------------

template <class T>
py::array_t<T> array(const std::vector<T>& v) {
    py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}

py::array_t<double> matrix3(const std::vector<double>& v) {
    const py::ssize_t n = static_cast<py::ssize_t>(v.size() / 3);
    py::array_t<double> a({n, static_cast<py::ssize_t>(3)});
    std::copy(v.begin(), v.begin() + 3 * n, a.mutable_data());
    return a;
}

// The time series as {name: array} under the HDF5 names, one entry per numeric field of
// the result schema (io/schema.cpp) that has a member (the absolute capacity is derived in
// Python); per-site fields are (n, 3) arrays (columns carbon, tpb, cam).
py::dict timeseries_dict(const std::vector<Sample>& samples) {
    py::dict ts;
    const std::size_t n = samples.size();
    for (const auto& f : schema::sample_fields()) {
        if (f.type == schema::Type::string || !f.access.set) continue;
        const std::size_t w = std::max<std::size_t>(f.columns, 1);
        std::vector<double> v(n * w);
        for (std::size_t i = 0; i < n; ++i) f.access.get(samples[i], 0.0, v.data() + i * w);
        if (f.type == schema::Type::int64) {
            std::vector<long> l(v.begin(), v.end());
            ts[f.name] = array(l);
        } else if (f.columns) {
            py::array_t<double> a({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(w)});
            std::copy(v.begin(), v.end(), a.mutable_data());
            ts[f.name] = a;
        } else {
            ts[f.name] = array(v);
        }
    }
    return ts;
}

py::dict steps_dict(const std::vector<StepSummary>& steps) {
    std::vector<long> index, cycle;
    std::vector<std::string> label, reason;
    std::vector<double> start, end, cap, energy, ep, ec;
    for (const auto& s : steps) {
        index.push_back(s.index);
        cycle.push_back(s.cycle);
        label.push_back(s.label);
        reason.push_back(s.end_reason);
        start.push_back(s.start_time);
        end.push_back(s.end_time);
        cap.push_back(s.capacity);
        energy.push_back(s.energy);
        ep.push_back(s.end_potential);
        ec.push_back(s.end_current);
    }
    py::dict d;
    d["index"] = array(index);
    d["cycle"] = array(cycle);
    d["label"] = label;
    d["start_time"] = array(start);
    d["end_time"] = array(end);
    d["capacity"] = array(cap);
    d["energy"] = array(energy);
    d["end_potential"] = array(ep);
    d["end_current"] = array(ec);
    d["end_reason"] = reason;
    return d;
}

py::dict cycles_dict(const std::vector<CycleSummary>& cycles) {
    std::vector<long> cycle;
    std::vector<double> ch, dis, ce, che, dise, ee, sh, dead, rev, irr, kin, iso, oth, ox, red, srev, sirr;
    for (const auto& c : cycles) {
        cycle.push_back(c.cycle);
        ch.push_back(c.charge_capacity);
        dis.push_back(c.discharge_capacity);
        ce.push_back(c.coulombic_efficiency);
        che.push_back(c.charge_energy);
        dise.push_back(c.discharge_energy);
        ee.push_back(c.energy_efficiency);
        sh.push_back(c.shoulder_capacity);
        dead.push_back(c.dead_fraction);
        const auto& L = c.ledger;
        rev.push_back(L.se_oxidation_reversible);
        irr.push_back(L.se_oxidation_irreversible);
        kin.push_back(L.cam_kinetic);
        iso.push_back(L.cam_isolated);
        oth.push_back(L.other);
        ox.push_back(L.se_oxidation_charge);
        red.push_back(L.se_reduction);
        for (int s = 0; s < 3; ++s) {
            srev.push_back(L.by_site_reversible[s]);
            sirr.push_back(L.by_site_irreversible[s]);
        }
    }
    py::dict d;
    d["cycle"] = array(cycle);
    d["charge_capacity"] = array(ch);
    d["discharge_capacity"] = array(dis);
    d["coulombic_efficiency"] = array(ce);
    d["charge_energy"] = array(che);
    d["discharge_energy"] = array(dise);
    d["energy_efficiency"] = array(ee);
    d["shoulder_capacity"] = array(sh);
    d["dead_fraction"] = array(dead);
    d["ledger_se_oxidation_reversible"] = array(rev);
    d["ledger_se_oxidation_irreversible"] = array(irr);
    d["ledger_cam_kinetic"] = array(kin);
    d["ledger_cam_isolated"] = array(iso);
    d["ledger_other"] = array(oth);
    d["se_oxidation_charge"] = array(ox);
    d["se_reduction"] = array(red);
    d["ledger_by_site_reversible"] = matrix3(srev);
    d["ledger_by_site_irreversible"] = matrix3(sirr);
    return d;
}

// The EIS spectra: one dict each, frequency [Hz] and Z per area [ohm cm2] and in ohm.
py::list spectra_list(const std::vector<Spectrum>& spectra, double area) {
    py::list out;
    for (const Spectrum& z : spectra) {
        py::dict d;
        d["step"] = z.step;
        d["cycle"] = z.cycle;
        d["label"] = z.label;
        d["mode"] = z.galvanostatic ? "galvanostatic" : "potentiostatic";
        d["time_s"] = z.time;
        d["potential_V"] = z.potential;
        d["mean_stoichiometry"] = z.mean_stoichiometry;
        d["film_resistance_ohm_cm2"] = z.film_resistance * 1e4;
        d["arc_width_ohm_cm2"] = arc_width(z) * 1e4;
        std::vector<double> re_a, im_a, re, im;
        for (std::size_t k = 0; k < z.frequency.size(); ++k) {
            re_a.push_back(z.z_real[k] * 1e4);
            im_a.push_back(z.z_imag[k] * 1e4);
            re.push_back(z.z_real[k] / area);
            im.push_back(z.z_imag[k] / area);
        }
        d["frequency_Hz"] = z.frequency;
        d["z_real_ohm_cm2"] = re_a;
        d["z_imag_ohm_cm2"] = im_a;
        d["z_real_ohm"] = re;
        d["z_imag_ohm"] = im;
        out.append(d);
    }
    return out;
}

// Keeps a whole run in memory: the samples, steps and cycles exactly as the observer
// receives them (the same numbers the ResultWriter stores), and forwards to a writer.
class Collector : public RunObserver {
public:
    explicit Collector(RunObserver* inner) : inner_(inner) {}
    void on_start(const SimulationConfig& c, const CathodeP2D& m) override {
        if (inner_) inner_->on_start(c, m);
    }
    void on_sample(const Sample& s) override {
        if (inner_) inner_->on_sample(s);
        samples.push_back(s);
    }
    void on_profile(double t, const CathodeP2D& m, const double* y) override {
        if (inner_) inner_->on_profile(t, m, y);
    }
    void on_step(const StepSummary& s) override {
        if (inner_) inner_->on_step(s);
        steps.push_back(s);
    }
    void on_cycle(const CycleSummary& c) override {
        if (inner_) inner_->on_cycle(c);
        cycles.push_back(c);
    }
    void on_spectrum(const Spectrum& z) override {
        if (inner_) inner_->on_spectrum(z);
    }
    void on_finish(const RunResult& r) override {
        if (inner_) inner_->on_finish(r);
    }
    std::vector<Sample> samples;
    std::vector<StepSummary> steps;
    std::vector<CycleSummary> cycles;

private:
    RunObserver* inner_;
};

// ---- interrupts and progress --------------------------------------------------------------

std::atomic<Simulation*> g_running{nullptr};
std::atomic<bool> g_sigint{false};
extern "C" void on_sigint(int) {
    g_sigint = true;
    if (Simulation* s = g_running.load()) s->request_stop();
}

// A few times a second (wall clock), with the GIL: runs Python's pending signal handlers
// and draws the progress line. A Python exception (KeyboardInterrupt from a handler, say)
// stops the run and is kept for the caller.
class Watcher : public RunObserver {
public:
    Watcher(RunObserver& inner, Simulation& sim, bool progress, std::size_t n_steps)
        : inner_(inner), sim_(sim), progress_(progress), n_steps_(n_steps),
          t0_(std::chrono::steady_clock::now()), last_(t0_ - std::chrono::seconds(1)) {}  // draws at once
    void on_start(const SimulationConfig& c, const CathodeP2D& m) override { inner_.on_start(c, m); }
    void on_sample(const Sample& s) override {
        inner_.on_sample(s);
        auto now = std::chrono::steady_clock::now();
        if (now - last_ < std::chrono::milliseconds(200)) return;
        last_ = now;
        py::gil_scoped_acquire gil;
        if (!error_ && PyErr_CheckSignals() != 0) {
            error_ = std::make_unique<py::error_already_set>();
            sim_.request_stop();
            return;
        }
        if (!progress_) return;
        char line[200];
        const double wall = std::chrono::duration<double>(now - t0_).count();
        std::snprintf(line, sizeof line, "\rt = %8.2f h  step %d/%zu  cycle %d  %.4f V  wall %.0f s   ",
                      s.time / 3600.0, s.step + 1, n_steps_, s.cycle, s.potential, wall);
        write_stderr(line);
        drawn_ = true;
    }
    void on_profile(double t, const CathodeP2D& m, const double* y) override { inner_.on_profile(t, m, y); }
    void on_step(const StepSummary& s) override { inner_.on_step(s); }
    void on_cycle(const CycleSummary& c) override { inner_.on_cycle(c); }
    void on_spectrum(const Spectrum& z) override { inner_.on_spectrum(z); }
    void on_finish(const RunResult& r) override {
        inner_.on_finish(r);
        if (drawn_) {
            py::gil_scoped_acquire gil;
            write_stderr("\r" + std::string(90, ' ') + "\r");
        }
    }
    // With the GIL held, after the run: raises what a signal handler raised.
    void rethrow() {
        if (error_) {
            auto e = std::move(error_);
            throw *e;
        }
    }

private:
    static void write_stderr(const std::string& text) {
        try {
            py::object err = py::module_::import("sys").attr("stderr");
            err.attr("write")(text);
            err.attr("flush")();
        } catch (py::error_already_set&) {
            PyErr_Clear();
        }
    }
    RunObserver& inner_;
    Simulation& sim_;
    bool progress_;
    std::size_t n_steps_;
    std::chrono::steady_clock::time_point t0_, last_;
    std::unique_ptr<py::error_already_set> error_;
    bool drawn_ = false;
};

bool in_main_thread() {
    py::object threading = py::module_::import("threading");
    return threading.attr("current_thread")().is(threading.attr("main_thread")());
}

// Installs on_sigint for the life of this object (main thread only: elsewhere a Ctrl-C is
// the main thread's business).
class SigintGuard {
public:
    SigintGuard(Simulation& sim, bool install) : installed_(install) {
        if (!installed_) return;
        g_sigint = false;
        g_running = &sim;
        struct sigaction sa {};
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_);
    }
    ~SigintGuard() {
        if (!installed_) return;
        sigaction(SIGINT, &old_, nullptr);
        g_running = nullptr;
    }
    SigintGuard(const SigintGuard&) = delete;
    SigintGuard& operator=(const SigintGuard&) = delete;

private:
    bool installed_;
    struct sigaction old_ {};
};

// ---- the functions ------------------------------------------------------------------------

py::dict result_dict(const std::string& status, const std::string& message, const std::string& title,
                     const std::string& name, const std::string& config, const std::optional<std::string>& path,
                     double cam_mass, double basis_mass, double area, bool has_ledger, double final_time) {
    py::dict d;
    d["status"] = status;
    d["message"] = message;
    d["title"] = title;
    d["name"] = name;
    d["config"] = config;
    d["path"] = path ? py::object(py::str(*path)) : py::object(py::none());
    d["cam_mass_kg"] = cam_mass;
    d["basis_mass_kg"] = basis_mass;
    d["area_m2"] = area;
    d["has_ledger"] = has_ledger;
    d["final_time"] = final_time;
    return d;
}

py::dict run(const std::string& config_path, const std::optional<std::string>& config_text,
             const std::string& text_name, const std::vector<std::string>& set,
             const std::optional<std::string>& output, bool progress) {
    ConfigNode root = load_root(config_path, config_text, text_name, set);
    MaterialLibrary lib;
    SimulationConfig cfg = load_config(root, lib);
    if (output) cfg.output.file = *output;
    auto sim = std::make_unique<Simulation>(cfg);
    std::unique_ptr<ResultWriter> writer;
    if (output) writer = std::make_unique<ResultWriter>(*output);
    Collector collect(writer.get());
    Watcher watch(collect, *sim, progress, cfg.protocol.steps.size());
    RunResult r;
    {
        SigintGuard guard(*sim, in_main_thread());
        py::gil_scoped_release nogil;
        try {
            r = sim->run(&watch);
            writer.reset();  // closes the file
        } catch (const IoError& e) {
            // A write of the result file failed (a full disk): the h5 layer says what and
            // why, not which file.
            const std::string what = e.what();
            if (!output || what.rfind("HDF5: ", 0) != 0) throw;
            throw IoError("cannot write the result file '" + *output + "': " + what);
        }
    }
    watch.rethrow();
    // Ctrl-C, also one that came after the last solver step (the run is whole, but the
    // user asked to stop): the Python layer raises KeyboardInterrupt.
    const bool sigint = g_sigint.exchange(false);
    py::dict d = result_dict(to_string(r.status), r.message, run_title(cfg), cfg.name, emit_config_text(cfg),
                             output, cfg.cell.cam_mass(), cfg.cell.basis_mass(), cfg.cell.area,
                             cfg.cell.chemistry.enabled, r.final_time);
    d["timeseries"] = timeseries_dict(collect.samples);
    d["steps"] = steps_dict(collect.steps);
    d["cycles"] = cycles_dict(collect.cycles);
    d["spectra"] = spectra_list(r.spectra, cfg.cell.area);
    py::dict stats;
    stats["solver_steps"] = r.stats.steps;
    stats["residual_evaluations"] = r.stats.residual_evaluations;
    stats["jacobian_evaluations"] = r.stats.jacobian_evaluations;
    stats["lithium_balance_error"] = r.lithium_balance_error;
    d["stats"] = stats;
    d["sigint"] = sigint;
    return d;
}

py::dict load(const std::string& path) {
    ResultSummary r;
    SampleRecord samples;
    double cam_mass = 0, basis_mass = 0, area = 0;
    {
        py::gil_scoped_release nogil;
        r = read_result(path);
        try {
            h5::Handle f = h5::open_file(path);
            cam_mass = h5::get_double_attribute(f, "cam_mass_kg");
            basis_mass = h5::has_attribute(f, "capacity_basis_mass_kg")
                             ? h5::get_double_attribute(f, "capacity_basis_mass_kg")
                             : cam_mass;
            area = h5::get_double_attribute(f, "area_m2");
            samples = read_samples(path);  // the schema's fields the file has
            samples.samples.resize(static_cast<std::size_t>(r.samples));  // rows every series has
        } catch (const IoError& e) {
            const std::string msg = e.what();
            if (msg.find(path) != std::string::npos) throw;
            throw IoError("'" + path + "': " + msg);
        }
    }
    py::dict d = result_dict(r.status, r.status_message, r.title, r.name, r.config, path, cam_mass, basis_mass,
                             area, r.has_ledger, r.final_time);
    d["timeseries"] = timeseries_dict(samples.samples);
    d["steps"] = steps_dict(r.steps);
    d["cycles"] = cycles_dict(r.cycles);
    d["spectra"] = spectra_list(r.spectra, area);
    d["version"] = r.version;
    d["git_commit"] = r.git_commit;
    d["created"] = r.created;
    return d;
}

std::string check(const std::string& config_path, const std::optional<std::string>& config_text,
                  const std::string& text_name, const std::vector<std::string>& set) {
    ConfigNode root = load_root(config_path, config_text, text_name, set);
    MaterialLibrary lib;
    SimulationConfig cfg = load_config(root, lib);
    Simulation model_check(cfg);  // model-level checks (mesh, materials), as `ssbsim check`
    return emit_config_text(cfg);
}

// (name, kind, the material's definition as YAML text, with its `sources`).
std::vector<std::tuple<std::string, std::string, std::string>> materials() {
    std::vector<std::tuple<std::string, std::string, std::string>> out;
    for (auto& d : MaterialLibrary().definitions()) out.emplace_back(d.name, d.kind, d.text);
    return out;
}

// Runs a sweep on the library's worker pool (the CLI's engine) and returns the summary
// table read back from DIR/summary.h5: {"directory", "columns": {name: values}, ...}.
py::dict sweep(const std::string& file, int jobs, const std::string& out_dir, bool progress) {
    SweepSpec spec = load_sweep(file);
    const std::string dir = out_dir.empty() ? default_sweep_dir(file) : out_dir;
    SweepRunReport rep;
    {
        py::gil_scoped_release nogil;
        SweepRunOptions o;
        o.jobs = jobs;
        if (progress) {
            o.tick = 0.5;
            o.on_progress = [](const SweepProgress& p) {
                std::fprintf(stderr, "\r%d/%d cases  %d failed  elapsed %.0f s   ", p.done, p.total, p.failed,
                             p.elapsed);
                std::fflush(stderr);
            };
        }
        rep = run_sweep(spec, dir, o);
        if (progress) std::fprintf(stderr, "\n");
        if (!rep.stop_signal) write_summary(spec, dir);
    }
    if (rep.stop_signal == SIGINT) {
        PyErr_SetString(PyExc_KeyboardInterrupt, ("sweep stopped: " + std::to_string(rep.progress.done) + " of " +
                                                  std::to_string(rep.progress.total) +
                                                  " cases finished; run it again with the same output to resume")
                                                     .c_str());
        throw py::error_already_set();
    }
    if (rep.stop_signal)
        throw Error("sweep stopped by signal " + std::to_string(rep.stop_signal) + " after " +
                    std::to_string(rep.progress.done) + " of " + std::to_string(rep.progress.total) + " cases");
    // The summary table, from the HDF5 copy (full precision; the CSV has 10 digits).
    py::dict d;
    py::list params;
    for (const auto& p : spec.parameters) params.append(p.key);
    d["directory"] = dir;
    d["name"] = spec.name;
    d["parameters"] = params;
    std::vector<long> idx;
    std::vector<std::string> status, message;
    std::vector<std::vector<std::string>> pvals;
    std::vector<std::pair<std::string, std::vector<double>>> metrics;
    std::vector<std::uint64_t> mshape;
    {
        py::gil_scoped_release nogil;
        h5::Handle f = h5::open_file(dir + "/summary.h5");
        idx = h5::read_long_vector(f, "case");
        status = h5::read_strings(f, "status");
        message = h5::read_strings(f, "message");
        for (const auto& p : spec.parameters) pvals.push_back(h5::read_strings(f, "parameters/" + p.key));
        h5::Handle cg = h5::open_group(f, "cycles");
        for (const auto& field : schema::cycle_fields()) {  // the summary's columns (io/schema.hpp)
            if (!field.sweep) continue;
            const char* m = field.sweep;
            const std::string path = std::string("cycles/") + m;
            if (h5::object_kind(f, path) != h5::ObjectKind::dataset) continue;
            mshape = h5::shape(f, path);
            metrics.emplace_back(m, h5::read_vector(f, path));
        }
    }
    py::dict cols;
    cols["case"] = array(idx);
    cols["status"] = status;
    cols["message"] = message;
    for (std::size_t k = 0; k < spec.parameters.size(); ++k) cols[py::str(spec.parameters[k].key)] = pvals[k];
    // One column per cycle and metric, named as in summary.csv: c<N>_<metric>.
    const std::size_t n_cases = idx.size();
    const std::size_t n_cyc = mshape.size() == 2 ? mshape[1] : 0;
    // Cycles that no case reached are left out (the HDF5 table has at least one column).
    std::size_t used = 0;
    for (const auto& [name, v] : metrics)
        for (std::size_t i = 0; i < n_cases; ++i)
            for (std::size_t c = 0; c < n_cyc; ++c)
                if (!std::isnan(v[i * n_cyc + c])) used = std::max(used, c + 1);
    for (std::size_t c = 0; c < used; ++c)
        for (const auto& [name, v] : metrics) {
            std::vector<double> col(n_cases);
            for (std::size_t i = 0; i < n_cases; ++i) col[i] = v[i * n_cyc + c];
            cols[py::str("c" + std::to_string(c + 1) + "_" + name)] = array(col);
        }
    d["columns"] = cols;
    d["total"] = rep.progress.total;
    d["failed"] = rep.progress.failed;
    return d;
}

// ---- exceptions ---------------------------------------------------------------------------

[[noreturn]] void raise(const char* cls, const std::string& message, py::dict attrs) {
    py::object errors = py::module_::import("ssbsim.errors");
    py::object type = errors.attr(cls);
    py::object exc = type(message, **attrs);
    PyErr_SetObject(type.ptr(), exc.ptr());
    throw py::error_already_set();
}

void translate(std::exception_ptr p) {
    try {
        if (p) std::rethrow_exception(p);
    } catch (py::error_already_set&) {
        throw;
    } catch (const ConfigError& e) {
        py::dict a;
        a["file"] = e.file();
        a["line"] = e.line();
        a["key"] = e.key();
        try {
            raise("ConfigError", e.what(), a);
        } catch (py::error_already_set& err) {
            err.restore();
        }
    } catch (const DataError& e) {
        py::dict a;
        a["file"] = e.file();
        a["line"] = e.line();
        a["column"] = e.column();
        try {
            raise("DataError", e.what(), a);
        } catch (py::error_already_set& err) {
            err.restore();
        }
    } catch (const SolverError& e) {
        try {
            raise("SolverError", e.what(), py::dict());
        } catch (py::error_already_set& err) {
            err.restore();
        }
    } catch (const IoError& e) {
        try {
            raise("IoError", e.what(), py::dict());
        } catch (py::error_already_set& err) {
            err.restore();
        }
    } catch (const Error& e) {
        try {
            raise("Error", e.what(), py::dict());
        } catch (py::error_already_set& err) {
            err.restore();
        }
    }
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "ssbsim's compiled core: the library the CLI uses, without the GIL while it solves";
    py::register_exception_translator(&translate);
    m.def("run", &run, py::arg("config_path"), py::arg("config_text"), py::arg("text_name"), py::arg("set"),
          py::arg("output"), py::arg("progress"),
          "Runs a config (path, or YAML text named text_name) with --set assignments; output None keeps it in memory.");
    m.def("load", &load, py::arg("path"), "Reads a result file.");
    m.def("check", &check, py::arg("config_path"), py::arg("config_text"), py::arg("text_name"), py::arg("set"),
          "The fully resolved config as YAML text.");
    m.def("materials", &materials, "The material library: (name, kind, YAML definition).");
    m.def("sweep", &sweep, py::arg("file"), py::arg("jobs"), py::arg("output"), py::arg("progress"),
          "Runs a sweep file on the CLI's worker pool and returns its summary table.");
    m.def("default_config_text", &default_config_text, "The embedded default config (Study A, first cycle).");
    m.def("default_sweep_dir", &default_sweep_dir, py::arg("sweep_file"));
    m.attr("__version__") = std::string(kVersion);
}
