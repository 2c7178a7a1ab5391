#include "io/result_writer.hpp"

#include "core/json.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "core/error.hpp"
#include "core/version.hpp"

namespace ssbsim {

using h5::Series;
using Type = h5::Series::Type;

struct ResultWriter::Tables {
    h5::Handle ts_group, steps_group, cycles_group, profiles_group;
    // time series
    Series time, potential, cell_voltage, current, temperature, capacity, capacity_abs, step_capacity,
        mean_x, dead, contact, se_ox, film, step, cycle;
    // steps
    Series s_index, s_cycle, s_label, s_start, s_end, s_capacity, s_capacity_abs, s_energy, s_end_potential,
        s_end_current, s_reason;
    // cycles
    Series c_cycle, c_charge, c_discharge, c_charge_abs, c_discharge_abs, c_ce, c_charge_e, c_discharge_e, c_ee, c_shoulder,
        c_dead, l_rev, l_irr, l_kin, l_iso, l_other, l_ox, l_red, l_site_rev, l_site_irr;
    // profiles
    Series p_time;
    std::vector<Series> p_profiles;  // one per CathodeP2D::profiles(), in its order
    std::vector<Series*> all() {
        std::vector<Series*> a = fixed();
        for (Series& p : p_profiles) a.push_back(&p);
        return a;
    }
    std::vector<Series*> fixed() {
        return {&time, &potential, &cell_voltage, &current, &temperature, &capacity, &capacity_abs,
                &step_capacity, &mean_x, &dead, &contact, &se_ox, &film, &step, &cycle, &s_index, &s_cycle, &s_label, &s_start,
                &s_end, &s_capacity, &s_capacity_abs, &s_energy, &s_end_potential, &s_end_current, &s_reason,
                &c_cycle, &c_charge, &c_discharge, &c_charge_abs, &c_discharge_abs, &c_ce, &c_charge_e, &c_discharge_e, &c_ee,
                &c_shoulder, &c_dead, &l_rev, &l_irr, &l_kin, &l_iso, &l_other, &l_ox, &l_red,
                &l_site_rev, &l_site_irr, &p_time};
    }
};

ResultWriter::ResultWriter(std::string path, bool exclusive) : path_(std::move(path)), exclusive_(exclusive) {}
ResultWriter::~ResultWriter() {
    try {
        if (t_) flush_all();
    } catch (...) {
    }
}

namespace {
std::string now_iso8601() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::ostringstream os;
    os << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
    return os.str();
}
}  // namespace

namespace {
std::string capacity_basis_text(const SimulationConfig& config) {
    return !(config.cell.reference_loading > 0) ||
                   (config.cell.has_cam && config.cell.reference_loading == config.cell.loading)
               ? "CAM mass (cell.cathode.loading x cell.area)"
               : "reference mass (cell.cathode.reference_loading x cell.area)";
}
}  // namespace

void ResultWriter::on_start(const SimulationConfig& config, const CathodeP2D& model) {
    h5::limit_library_memory();
    file_ = h5::create_file(path_, exclusive_);
    flush_interval_ = config.output.flush_interval;
    const std::string config_text = emit_config_text(config);
    h5::set_attribute(file_, "generator", std::string("ssbsim"));
    h5::set_attribute(file_, "version", std::string(kVersion));
    h5::set_attribute(file_, "git_commit", std::string(kGitCommit));
    h5::set_attribute(file_, "created", now_iso8601());
    h5::set_attribute(file_, "format_version", static_cast<long>(kResultFormatVersion));
    h5::set_attribute(file_, "name", config.name);
    h5::set_attribute(file_, "title", run_title(config));
    h5::set_attribute(file_, "config", config_text);
    h5::set_attribute(file_, "status", std::string("running"));
    h5::set_attribute(file_, "status_message", std::string(""));
    h5::set_attribute(file_, "cam_mass_kg", config.cell.cam_mass());
    h5::set_attribute(file_, "capacity_basis_mass_kg", config.cell.basis_mass());
    h5::set_attribute(file_, "capacity_basis", capacity_basis_text(config));
    basis_g_ = config.cell.basis_mass() * 1e3;  // [g]: mAh/g x g = mAh
    h5::set_attribute(file_, "area_m2", config.cell.area);
    h5::set_attribute(file_, "cam_loading_kg_m2", config.cell.loading);
    h5::set_attribute(file_, "cathode_thickness_m", config.cell.thickness);
    h5::set_attribute(file_, "current_sign", std::string("positive on charge (oxidation of the cathode)"));
    h5::set_attribute(file_, "potential_reference", std::string("cathode potential vs Li/Li+ (cell voltage + counter-electrode OCV)"));

    t_ = std::make_unique<Tables>();
    Tables& t = *t_;
    // `unit` is machine-readable (products with '*', powers with '^', "1" for fractions,
    // empty for counts and labels); `description` says what the column is in words.
    auto series = [](const h5::Handle& loc, const char* name, Type type, std::vector<std::uint64_t> shape,
                     const char* unit, const char* description, std::size_t rows) {
        Series s(loc, name, type, std::move(shape), unit, rows);
        if (*description) h5::set_attribute(s.handle(), "description", std::string(description));
        return s;
    };
    t.ts_group = h5::create_group(file_, "timeseries");
    auto& g = t.ts_group;
    t.time = series(g, "time", Type::float64, {}, "s", "simulated time", 1024);
    t.potential = series(g, "potential", Type::float64, {}, "V", "cathode potential vs Li/Li+", 1024);
    t.cell_voltage = series(g, "cell_voltage", Type::float64, {}, "V", "cell voltage (cathode vs counter electrode)", 1024);
    t.current = series(g, "current", Type::float64, {}, "A", "cell current, positive on charge", 1024);
    t.temperature = series(g, "temperature", Type::float64, {}, "K", "cell temperature", 1024);
    t.capacity = series(g, "capacity", Type::float64, {}, "mA*h/g",
                        "net charge since t = 0 per gram of the capacity basis (CAM), positive on charge", 1024);
    t.capacity_abs = series(g, "capacity_abs", Type::float64, {}, "mA*h",
                            "net charge since t = 0, positive on charge (capacity x capacity_basis_mass_kg)", 1024);
    t.step_capacity = series(g, "step_capacity", Type::float64, {}, "mA*h/g",
                             "net charge since the step start per gram of the capacity basis (CAM)", 1024);
    t.mean_x = series(g, "mean_stoichiometry", Type::float64, {}, "1", "mean stoichiometry of connected CAM", 1024);
    t.dead = series(g, "dead_fraction", Type::float64, {}, "1", "isolated CAM fraction", 1024);
    t.contact = series(g, "contact_fraction", Type::float64, {}, "1", "mean CAM/SE contact theta_c", 1024);
    t.se_ox = series(g, "se_oxidised", Type::float64, {}, "mA*h/g", "cumulative SE-oxidation charge", 1024);
    t.film = series(g, "film_resistance", Type::float64, {}, "ohm*m^2", "mean interphase resistance", 1024);
    t.step = series(g, "step", Type::int64, {}, "", "0-based protocol step index", 1024);
    t.cycle = series(g, "cycle", Type::int64, {}, "", "1-based cycle number", 1024);

    t.steps_group = h5::create_group(file_, "steps");
    auto& s = t.steps_group;
    t.s_index = series(s, "index", Type::int64, {}, "", "0-based protocol step index", 64);
    t.s_cycle = series(s, "cycle", Type::int64, {}, "", "1-based cycle number", 64);
    t.s_label = series(s, "label", Type::string, {}, "", "the step as written", 64);
    t.s_start = series(s, "start_time", Type::float64, {}, "s", "", 64);
    t.s_end = series(s, "end_time", Type::float64, {}, "s", "", 64);
    t.s_capacity = series(s, "capacity", Type::float64, {}, "mA*h/g", "net charge of the step per gram CAM, positive on charge", 64);
    t.s_capacity_abs = series(s, "capacity_abs", Type::float64, {}, "mA*h", "net charge of the step, positive on charge", 64);
    t.s_energy = series(s, "energy", Type::float64, {}, "mW*h/g", "net energy per gram CAM (cell voltage x current), positive on charge", 64);
    t.s_end_potential = series(s, "end_potential", Type::float64, {}, "V", "cathode potential vs Li/Li+ at the step end", 64);
    t.s_end_current = series(s, "end_current", Type::float64, {}, "A", "current at the step end, positive on charge", 64);
    t.s_reason = series(s, "end_reason", Type::string, {}, "", "", 64);

    t.cycles_group = h5::create_group(file_, "cycles");
    auto& c = t.cycles_group;
    t.c_cycle = series(c, "cycle", Type::int64, {}, "", "1-based cycle number", 16);
    t.c_charge = series(c, "charge_capacity", Type::float64, {}, "mA*h/g", "charge capacity per gram CAM", 16);
    t.c_discharge = series(c, "discharge_capacity", Type::float64, {}, "mA*h/g", "discharge capacity per gram CAM", 16);
    t.c_charge_abs = series(c, "charge_capacity_abs", Type::float64, {}, "mA*h", "charge capacity", 16);
    t.c_discharge_abs = series(c, "discharge_capacity_abs", Type::float64, {}, "mA*h", "discharge capacity", 16);
    t.c_ce = series(c, "coulombic_efficiency", Type::float64, {}, "1", "discharge / charge capacity", 16);
    t.c_charge_e = series(c, "charge_energy", Type::float64, {}, "mW*h/g", "", 16);
    t.c_discharge_e = series(c, "discharge_energy", Type::float64, {}, "mW*h/g", "", 16);
    t.c_ee = series(c, "energy_efficiency", Type::float64, {}, "1", "", 16);
    t.c_shoulder = series(c, "shoulder_capacity", Type::float64, {}, "mA*h/g", "charge below the shoulder potential", 16);
    t.c_dead = series(c, "dead_fraction", Type::float64, {}, "1", "isolated CAM fraction at the cycle's end", 16);
    t.l_rev = series(c, "ledger_se_oxidation_reversible", Type::float64, {}, "mA*h/g", "", 16);
    t.l_irr = series(c, "ledger_se_oxidation_irreversible", Type::float64, {}, "mA*h/g", "", 16);
    t.l_kin = series(c, "ledger_cam_kinetic", Type::float64, {}, "mA*h/g", "", 16);
    t.l_iso = series(c, "ledger_cam_isolated", Type::float64, {}, "mA*h/g", "", 16);
    t.l_other = series(c, "ledger_other", Type::float64, {}, "mA*h/g", "", 16);
    t.l_ox = series(c, "se_oxidation_charge", Type::float64, {}, "mA*h/g", "", 16);
    t.l_red = series(c, "se_reduction", Type::float64, {}, "mA*h/g", "", 16);
    t.l_site_rev = series(c, "ledger_by_site_reversible", Type::float64, {3}, "mA*h/g", "columns carbon, tpb, cam", 16);
    t.l_site_irr = series(c, "ledger_by_site_irreversible", Type::float64, {3}, "mA*h/g", "columns carbon, tpb, cam", 16);
    h5::set_attribute(t.cycles_group, "shoulder_potential_V", config.protocol.shoulder_potential);
    h5::set_attribute(t.cycles_group, "has_ledger", static_cast<long>(config.cell.chemistry.enabled ? 1 : 0));

    t.profiles_group = h5::create_group(file_, "profiles");
    auto& p = t.profiles_group;
    const auto nx = static_cast<std::uint64_t>(model.n_separator() + model.n_cathode());
    const auto nc = static_cast<std::uint64_t>(model.n_cathode());
    const std::vector<double> x_all = model.cell_centres();
    h5::write_vector(p, "x", x_all, "m");
    std::vector<double> xc(x_all.begin() + model.n_separator(), x_all.end());
    h5::write_vector(p, "x_cathode", xc, "m");
    h5::write_vector(p, "r", model.shell_centres(), "m");
    t.p_time = Series(p, "time", Type::float64, {}, "s", 16);
    profiles_ = model.profiles(nullptr);
    for (const Profile& q : profiles_) {
        std::vector<std::uint64_t> shape = {q.cathode_only ? nc : nx};
        if (q.components > 1) shape.push_back(static_cast<std::uint64_t>(q.components));
        t.p_profiles.push_back(series(p, q.name.c_str(), Type::float64, shape, q.unit.c_str(), q.description.c_str(), 16));
    }
    h5::flush(file_);
    last_flush_ = std::chrono::steady_clock::now();
}

void ResultWriter::on_sample(const Sample& s) {
    Tables& t = *t_;
    t.time.append(s.time);
    t.potential.append(s.potential);
    t.cell_voltage.append(s.cell_voltage);
    t.current.append(s.current);
    t.temperature.append(s.temperature);
    t.capacity.append(s.capacity);
    t.capacity_abs.append(s.capacity * basis_g_);
    t.step_capacity.append(s.step_capacity);
    t.mean_x.append(s.mean_stoichiometry);
    t.dead.append(s.dead_fraction);
    t.contact.append(s.contact);
    t.se_ox.append(s.se_oxidised);
    t.film.append(s.film_resistance);
    t.step.append(static_cast<long>(s.step));
    t.cycle.append(static_cast<long>(s.cycle));
    maybe_flush();
}

void ResultWriter::on_profile(double time, const CathodeP2D& m, const double* y) {
    Tables& t = *t_;
    t.p_time.append(time);
    m.update_profiles(y, profiles_);
    for (std::size_t k = 0; k < profiles_.size(); ++k) t.p_profiles[k].append_row(profiles_[k].values.data());
}

void ResultWriter::on_step(const StepSummary& s) {
    Tables& t = *t_;
    t.s_index.append(static_cast<long>(s.index));
    t.s_cycle.append(static_cast<long>(s.cycle));
    t.s_label.append(s.label);
    t.s_start.append(s.start_time);
    t.s_end.append(s.end_time);
    t.s_capacity.append(s.capacity);
    t.s_capacity_abs.append(s.capacity * basis_g_);
    t.s_energy.append(s.energy);
    t.s_end_potential.append(s.end_potential);
    t.s_end_current.append(s.end_current);
    t.s_reason.append(s.end_reason);
    flush_all();
}

void ResultWriter::on_cycle(const CycleSummary& c) {
    Tables& t = *t_;
    t.c_cycle.append(static_cast<long>(c.cycle));
    t.c_charge.append(c.charge_capacity);
    t.c_discharge.append(c.discharge_capacity);
    t.c_charge_abs.append(c.charge_capacity * basis_g_);
    t.c_discharge_abs.append(c.discharge_capacity * basis_g_);
    t.c_ce.append(c.coulombic_efficiency);
    t.c_charge_e.append(c.charge_energy);
    t.c_discharge_e.append(c.discharge_energy);
    t.c_ee.append(c.energy_efficiency);
    t.c_shoulder.append(c.shoulder_capacity);
    t.c_dead.append(c.dead_fraction);
    const auto& L = c.ledger;
    t.l_rev.append(L.se_oxidation_reversible);
    t.l_irr.append(L.se_oxidation_irreversible);
    t.l_kin.append(L.cam_kinetic);
    t.l_iso.append(L.cam_isolated);
    t.l_other.append(L.other);
    t.l_ox.append(L.se_oxidation_charge);
    t.l_red.append(L.se_reduction);
    t.l_site_rev.append_row(L.by_site_reversible);
    t.l_site_irr.append_row(L.by_site_irreversible);
    flush_all();
}

void ResultWriter::on_finish(const RunResult& r) {
    if (!t_) return;
    h5::set_attribute(file_, "status", std::string(to_string(r.status)));
    h5::set_attribute(file_, "status_message", r.message);
    h5::set_attribute(file_, "final_time_s", r.final_time);
    h5::set_attribute(file_, "solver_steps", r.stats.steps);
    h5::set_attribute(file_, "residual_evaluations", r.stats.residual_evaluations);
    h5::set_attribute(file_, "jacobian_evaluations", r.stats.jacobian_evaluations);
    h5::set_attribute(file_, "lithium_balance_error", r.lithium_balance_error);
    flush_all();
    t_.reset();
    file_ = h5::Handle();
}

void ResultWriter::flush_all() {
    for (Series* s : t_->all()) s->flush();
    h5::flush(file_);
    last_flush_ = std::chrono::steady_clock::now();
}

void ResultWriter::maybe_flush() {
    auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_flush_).count() >= flush_interval_) flush_all();
}

// ---------------------------------------------------------------------------------------

namespace {

// Reads one result file with every shape checked before use.
class Reader {
public:
    Reader(const std::string& path, const h5::Handle& f) : path_(path), f_(f) {}

    [[noreturn]] void bad(const std::string& what) const {
        throw IoError("'" + path_ + "' is not a readable ssbsim result file: " + what);
    }

    std::string string_attribute(const h5::Handle& obj, const std::string& where, const std::string& name,
                                 bool required, const std::string& fallback = "") const {
        if (!h5::has_attribute(obj, name)) {
            if (required) bad("attribute '" + name + "' of " + where + " is missing");
            return fallback;
        }
        if (h5::attribute_class(obj, name) != h5::ValueClass::string)
            bad("attribute '" + name + "' of " + where + " should be a string");
        return h5::get_string_attribute(obj, name);
    }
    double number_attribute(const h5::Handle& obj, const std::string& where, const std::string& name) const {
        auto c = h5::attribute_class(obj, name);
        if (c != h5::ValueClass::floating && c != h5::ValueClass::integer)
            bad("attribute '" + name + "' of " + where + " should be a number");
        return h5::get_double_attribute(obj, name);
    }
    long integer_attribute(const h5::Handle& obj, const std::string& where, const std::string& name) const {
        if (h5::attribute_class(obj, name) != h5::ValueClass::integer)
            bad("attribute '" + name + "' of " + where + " should be an integer");
        return h5::get_long_attribute(obj, name);
    }

    void require_group(const std::string& g) const {
        if (h5::object_kind(f_, g) != h5::ObjectKind::group) bad("group /" + g + " is missing");
    }
    // Rows of a dataset whose rows are scalars (cols = 0) or hold `cols` values.
    std::uint64_t rows(const std::string& ds, std::uint64_t cols = 0) const {
        if (h5::object_kind(f_, ds) != h5::ObjectKind::dataset) bad("dataset /" + ds + " is missing");
        auto sh = h5::shape(f_, ds);
        if (cols == 0 && sh.size() != 1)
            bad("dataset /" + ds + " should have one dimension, not " + std::to_string(sh.size()));
        if (cols > 0 && (sh.size() != 2 || sh[1] != cols))
            bad("dataset /" + ds + " should have rows of " + std::to_string(cols) + " values");
        return sh.at(0);
    }
    void require_rows(const std::string& ds, std::uint64_t expected, const std::string& counted_by,
                      std::uint64_t cols = 0) const {
        std::uint64_t got = rows(ds, cols);
        if (got != expected)
            bad("dataset /" + ds + " has " + std::to_string(got) + " rows, but /" + counted_by + " has " +
                std::to_string(expected));
    }
    void require_class(const std::string& ds, h5::ValueClass want) const {
        auto c = h5::dataset_class(f_, ds);
        bool ok = want == h5::ValueClass::floating ? (c == h5::ValueClass::floating || c == h5::ValueClass::integer)
                                                   : c == want;
        if (!ok)
            bad("dataset /" + ds + " should hold " +
                (want == h5::ValueClass::string ? "strings" : want == h5::ValueClass::integer ? "integers" : "numbers"));
    }
    std::vector<double> doubles(const std::string& ds, std::uint64_t n, std::uint64_t cols = 0) const {
        require_class(ds, h5::ValueClass::floating);
        auto v = h5::read_vector(f_, ds);
        if (v.size() < n * std::max<std::uint64_t>(cols, 1)) bad("dataset /" + ds + " is shorter than its shape");
        return v;
    }
    std::vector<long> longs(const std::string& ds, std::uint64_t n) const {
        require_class(ds, h5::ValueClass::integer);
        auto v = h5::read_long_vector(f_, ds);
        if (v.size() < n) bad("dataset /" + ds + " is shorter than its shape");
        return v;
    }
    std::vector<std::string> strings(const std::string& ds, std::uint64_t n) const {
        require_class(ds, h5::ValueClass::string);
        auto v = h5::read_strings(f_, ds);
        if (v.size() < n) bad("dataset /" + ds + " is shorter than its shape");
        return v;
    }
    // The common row count of a table: with `exact`, every column must have the rows of
    // the first; otherwise (a run killed while writing) the rows all columns have.
    std::uint64_t table_rows(const std::vector<std::pair<std::string, std::uint64_t>>& cols, bool exact) const {
        std::uint64_t n = rows(cols.front().first, cols.front().second);
        for (const auto& c : cols) {
            if (exact) require_rows(c.first, n, cols.front().first, c.second);
            else n = std::min(n, rows(c.first, c.second));
        }
        return n;
    }

private:
    const std::string& path_;
    const h5::Handle& f_;
};

ResultSummary read_result_checked(const std::string& path) {
    ResultSummary r;
    r.path = path;
    h5::Handle f = h5::open_file(path);
    Reader rd(path, f);
    if (!h5::has_attribute(f, "generator") || h5::attribute_class(f, "generator") != h5::ValueClass::string ||
        h5::get_string_attribute(f, "generator") != "ssbsim")
        throw IoError("'" + path + "' is not an ssbsim result file (no root attribute generator = \"ssbsim\")");
    if (!h5::has_attribute(f, "format_version")) rd.bad("root attribute 'format_version' is missing");
    long fmt = rd.integer_attribute(f, "the root group", "format_version");
    if (fmt > kResultFormatVersion)
        throw IoError("'" + path + "' has result format " + std::to_string(fmt) +
                      ", newer than this ssbsim understands (" + std::to_string(kResultFormatVersion) + ")");
    const std::string root = "the root group";
    r.status = rd.string_attribute(f, root, "status", true);
    r.status_message = rd.string_attribute(f, root, "status_message", false);
    r.version = rd.string_attribute(f, root, "version", false, "?");
    r.git_commit = rd.string_attribute(f, root, "git_commit", false, "?");
    r.created = rd.string_attribute(f, root, "created", false);
    r.name = rd.string_attribute(f, root, "name", false);
    r.title = rd.string_attribute(f, root, "title", false, r.name);
    r.config = rd.string_attribute(f, root, "config", false);
    if (h5::has_attribute(f, "capacity_basis_mass_kg"))
        r.basis_mass_kg = rd.number_attribute(f, root, "capacity_basis_mass_kg");
    if (h5::has_attribute(f, "cam_mass_kg")) r.cam_mass_kg = rd.number_attribute(f, root, "cam_mass_kg");
    if (h5::has_attribute(f, "area_m2")) r.area_m2 = rd.number_attribute(f, root, "area_m2");
    r.capacity_basis = rd.string_attribute(f, root, "capacity_basis", false);
    // A file whose run ended (on_finish ran) must be consistent; a killed run may leave
    // columns one flush apart, and is read up to the rows all columns have.
    const bool finished = r.status != "running";
    for (const char* g : {"timeseries", "steps", "cycles"}) rd.require_group(g);

    // Sample count and end time without reading the series (the summary of a sweep opens
    // every case file).
    const char* series[] = {"time", "potential", "cell_voltage", "current", "temperature", "capacity",
                            "step_capacity", "mean_stoichiometry", "dead_fraction", "contact_fraction",
                            "se_oxidised", "film_resistance", "step", "cycle"};
    std::vector<std::pair<std::string, std::uint64_t>> ts;
    for (const char* s : series) ts.push_back({std::string("timeseries/") + s, 0});
    if (h5::object_kind(f, "timeseries/capacity_abs") == h5::ObjectKind::dataset) ts.push_back({"timeseries/capacity_abs", 0});
    const std::uint64_t samples = rd.table_rows(ts, finished);
    r.samples = static_cast<long>(samples);
    if (h5::has_attribute(f, "final_time_s")) {
        r.final_time = rd.number_attribute(f, root, "final_time_s");
    } else {
        auto time = rd.doubles("timeseries/time", samples);  // a run that did not finish
        r.final_time = samples == 0 ? 0.0 : time[samples - 1];
    }

    // Profiles: every table has the rows of profiles/time and the columns of its grid.
    if (h5::object_kind(f, "profiles") == h5::ObjectKind::group) {
        const std::uint64_t nx = rd.rows("profiles/x"), nc = rd.rows("profiles/x_cathode"), nr = rd.rows("profiles/r");
        std::vector<std::pair<std::string, std::uint64_t>> pt = {
            {"profiles/time", 0}, {"profiles/phi_e", nx}, {"profiles/phi_s", nc},
            {"profiles/intercalation_current", nc}, {"profiles/surface_stoichiometry", nc},
            {"profiles/mean_stoichiometry", nc}};
        const std::uint64_t np = rd.table_rows(pt, finished);
        if (h5::object_kind(f, "profiles/c_s") != h5::ObjectKind::dataset) rd.bad("dataset /profiles/c_s is missing");
        auto sh = h5::shape(f, "profiles/c_s");
        if (sh.size() == 3 && finished && sh[0] != np)
            rd.bad("dataset /profiles/c_s has " + std::to_string(sh[0]) + " rows, but /profiles/time has " +
                   std::to_string(np));
        if (sh.size() != 3 || sh[1] != nc || sh[2] != nr)
            rd.bad("dataset /profiles/c_s should have rows of " + std::to_string(nc) + " x " + std::to_string(nr) +
                   " values (cathode cells x shells)");
    }

    // Cycles.
    h5::Handle cg = h5::open_group(f, "cycles");
    bool ledger = h5::has_attribute(cg, "has_ledger") && rd.integer_attribute(cg, "/cycles", "has_ledger") != 0;
    r.has_ledger = ledger;
    std::vector<std::pair<std::string, std::uint64_t>> ct;
    for (const char* c : {"cycle", "charge_capacity", "discharge_capacity", "coulombic_efficiency", "charge_energy",
                          "discharge_energy", "energy_efficiency", "shoulder_capacity"})
        ct.push_back({std::string("cycles/") + c, 0});
    if (ledger) {
        for (const char* c : {"ledger_se_oxidation_reversible", "ledger_se_oxidation_irreversible", "ledger_cam_kinetic",
                              "ledger_cam_isolated", "ledger_other", "se_oxidation_charge", "se_reduction",
                              "dead_fraction"})
            ct.push_back({std::string("cycles/") + c, 0});
        ct.push_back({"cycles/ledger_by_site_reversible", 3});
        ct.push_back({"cycles/ledger_by_site_irreversible", 3});
    }
    // Absolute capacities: older files lack them (then computed from the basis mass).
    const bool cycles_abs = h5::object_kind(f, "cycles/charge_capacity_abs") == h5::ObjectKind::dataset ||
                            h5::object_kind(f, "cycles/discharge_capacity_abs") == h5::ObjectKind::dataset;
    if (cycles_abs)
        for (const char* c : {"charge_capacity_abs", "discharge_capacity_abs"}) ct.push_back({std::string("cycles/") + c, 0});
    const std::uint64_t nc = rd.table_rows(ct, finished);
    const double basis_g = r.basis_mass_kg * 1e3;
    if (cycles_abs) {
        auto a = rd.doubles("cycles/charge_capacity_abs", nc), b = rd.doubles("cycles/discharge_capacity_abs", nc);
        r.cycle_charge_mAh.assign(a.begin(), a.begin() + nc);
        r.cycle_discharge_mAh.assign(b.begin(), b.begin() + nc);
    }
    auto cyc = rd.longs("cycles/cycle", nc);
    auto ch = rd.doubles("cycles/charge_capacity", nc);
    auto dis = rd.doubles("cycles/discharge_capacity", nc);
    auto ce = rd.doubles("cycles/coulombic_efficiency", nc);
    auto che = rd.doubles("cycles/charge_energy", nc);
    auto dise = rd.doubles("cycles/discharge_energy", nc);
    auto ee = rd.doubles("cycles/energy_efficiency", nc);
    auto sh = rd.doubles("cycles/shoulder_capacity", nc);
    std::vector<double> lrev, lirr, lkin, liso, loth, lox, lred, lsr, lsi, dead;
    if (ledger) {
        lrev = rd.doubles("cycles/ledger_se_oxidation_reversible", nc);
        lirr = rd.doubles("cycles/ledger_se_oxidation_irreversible", nc);
        lkin = rd.doubles("cycles/ledger_cam_kinetic", nc);
        liso = rd.doubles("cycles/ledger_cam_isolated", nc);
        loth = rd.doubles("cycles/ledger_other", nc);
        lox = rd.doubles("cycles/se_oxidation_charge", nc);
        lred = rd.doubles("cycles/se_reduction", nc);
        lsr = rd.doubles("cycles/ledger_by_site_reversible", nc, 3);
        lsi = rd.doubles("cycles/ledger_by_site_irreversible", nc, 3);
        dead = rd.doubles("cycles/dead_fraction", nc);
    }
    for (size_t i = 0; i < nc; ++i) {
        CycleSummary c;
        c.cycle = static_cast<int>(cyc[i]);
        c.charge_capacity = ch[i];
        c.discharge_capacity = dis[i];
        c.coulombic_efficiency = ce[i];
        c.charge_energy = che[i];
        c.discharge_energy = dise[i];
        c.energy_efficiency = ee[i];
        c.shoulder_capacity = sh[i];
        if (ledger) {
            c.has_ledger = true;
            c.ledger.se_oxidation_reversible = lrev[i];
            c.ledger.se_oxidation_irreversible = lirr[i];
            c.ledger.cam_kinetic = lkin[i];
            c.ledger.cam_isolated = liso[i];
            c.ledger.other = loth[i];
            c.ledger.se_oxidation_charge = lox[i];
            c.ledger.se_reduction = lred[i];
            for (int s = 0; s < 3; ++s) {
                c.ledger.by_site_reversible[s] = lsr[3 * i + s];
                c.ledger.by_site_irreversible[s] = lsi[3 * i + s];
            }
            c.dead_fraction = dead[i];
        }
        r.cycles.push_back(c);
        if (!cycles_abs) {
            r.cycle_charge_mAh.push_back(c.charge_capacity * basis_g);
            r.cycle_discharge_mAh.push_back(c.discharge_capacity * basis_g);
        }
    }

    // Steps.
    std::vector<std::pair<std::string, std::uint64_t>> stt;
    for (const char* c : {"index", "cycle", "label", "start_time", "end_time", "capacity", "energy", "end_potential",
                          "end_current", "end_reason"})
        stt.push_back({std::string("steps/") + c, 0});
    const bool steps_abs = h5::object_kind(f, "steps/capacity_abs") == h5::ObjectKind::dataset;
    if (steps_abs) stt.push_back({"steps/capacity_abs", 0});
    const std::uint64_t ns = rd.table_rows(stt, finished);
    if (steps_abs) {
        auto a = rd.doubles("steps/capacity_abs", ns);
        r.step_capacity_mAh.assign(a.begin(), a.begin() + ns);
    }
    auto idx = rd.longs("steps/index", ns);
    auto scyc = rd.longs("steps/cycle", ns);
    auto lab = rd.strings("steps/label", ns);
    auto st = rd.doubles("steps/start_time", ns);
    auto en = rd.doubles("steps/end_time", ns);
    auto cap = rd.doubles("steps/capacity", ns);
    auto eng = rd.doubles("steps/energy", ns);
    auto ep = rd.doubles("steps/end_potential", ns);
    auto ec = rd.doubles("steps/end_current", ns);
    auto why = rd.strings("steps/end_reason", ns);
    for (size_t i = 0; i < ns; ++i) {
        StepSummary s;
        s.index = static_cast<int>(idx[i]);
        s.cycle = static_cast<int>(scyc[i]);
        s.label = lab[i];
        s.start_time = st[i];
        s.end_time = en[i];
        s.capacity = cap[i];
        s.energy = eng[i];
        s.end_potential = ep[i];
        s.end_current = ec[i];
        s.end_reason = why[i];
        r.steps.push_back(s);
        if (!steps_abs) r.step_capacity_mAh.push_back(s.capacity * basis_g);
    }
    return r;
}

}  // namespace

ResultSummary read_result(const std::string& path) {
    try {
        return read_result_checked(path);
    } catch (const IoError& e) {
        const std::string msg = e.what();
        if (msg.find(path) != std::string::npos) throw;
        throw IoError("'" + path + "': " + msg);  // an HDF5 call failed: still name the file
    }
}

SummaryMode parse_summary_mode(const std::string& s) {
    if (s == "condensed" || s == "default") return SummaryMode::condensed;
    if (s == "full") return SummaryMode::full;
    if (s == "cycles") return SummaryMode::cycles;
    if (s == "none") return SummaryMode::none;
    throw std::invalid_argument("--summary '" + s + "': expected full, cycles or none (default: condensed)");
}

std::vector<std::size_t> condensed_cycle_rows(std::size_t n) {
    std::vector<std::size_t> rows;
    if (n <= kCondenseAbove) {
        for (std::size_t i = 0; i < n; ++i) rows.push_back(i);
        return rows;
    }
    // First, every Nth after it, and the last: about kCondensedRows rows.
    const std::size_t every = (n - 1 + kCondensedRows - 2) / (kCondensedRows - 1);
    for (std::size_t i = 0; i < n - 1; i += every) rows.push_back(i);
    rows.push_back(n - 1);
    return rows;
}

namespace {
double at(const std::vector<double>& v, std::size_t i) { return i < v.size() ? v[i] : 0.0; }

void cycle_table(std::ostream& os, const ResultSummary& r, const std::vector<std::size_t>& rows) {
    os << "Cycles (capacities in mAh/g CAM, and in mAh):\n";
    os << "  cycle   charge  discharge      CE      EE  shoulder    charge mAh  discharge mAh\n";
    for (std::size_t i : rows) {
        const auto& c = r.cycles[i];
        os << std::setw(7) << c.cycle << std::setw(9) << std::setprecision(2) << c.charge_capacity
           << std::setw(11) << c.discharge_capacity << std::setw(7) << std::setprecision(2)
           << 100 * c.coulombic_efficiency << "%" << std::setw(7) << 100 * c.energy_efficiency
           << "%" << std::setw(10) << c.shoulder_capacity << std::setprecision(5) << std::setw(14)
           << at(r.cycle_charge_mAh, i) << std::setw(15) << at(r.cycle_discharge_mAh, i) << "\n";
    }
}

void omitted_line(std::ostream& os, std::size_t shown, std::size_t total, const char* what) {
    if (shown < total)
        os << "  (" << total - shown << " of " << total << " " << what
           << " not shown: --summary full prints every one, ssbsim info FILE --json gives them all)\n";
}
}  // namespace

std::string format_summary(const ResultSummary& r, SummaryMode mode) {
    std::ostringstream os;
    os << std::fixed;
    if (mode == SummaryMode::none) return "";
    std::vector<std::size_t> rows;
    if (mode == SummaryMode::condensed) {
        rows = condensed_cycle_rows(r.cycles.size());
    } else {
        for (std::size_t i = 0; i < r.cycles.size(); ++i) rows.push_back(i);
    }
    if (mode == SummaryMode::cycles) {
        cycle_table(os, r, rows);
        return os.str();
    }
    os << (r.title.empty() ? r.name : r.title) << "  [" << r.status << "]";
    if (!r.status_message.empty()) os << "  " << r.status_message;
    if (!r.title.empty() && r.name != r.title) os << "\nconfig name: " << r.name;
    os << "\n" << std::setprecision(2) << "simulated " << r.final_time / 3600.0 << " h, "
       << r.samples << " samples, ssbsim " << r.version << " (" << r.git_commit << ")\n";
    if (r.basis_mass_kg > 0) {
        os << std::setprecision(4) << "capacity basis " << r.basis_mass_kg * 1e6 << " mg";
        if (!r.capacity_basis.empty()) os << " (" << r.capacity_basis << ")";
        if (r.area_m2 > 0) os << ", area " << r.area_m2 * 1e4 << " cm2";
        os << "\n";
    }
    // Steps: all of them, or (condensed) those of the first and the last cycle.
    std::vector<bool> shown_cycle;
    if (mode == SummaryMode::condensed && rows.size() < r.cycles.size()) {
        int max_cycle = 0;
        for (const auto& c : r.cycles) max_cycle = std::max(max_cycle, c.cycle);
        for (const auto& s : r.steps) max_cycle = std::max(max_cycle, s.cycle);
        shown_cycle.assign(static_cast<std::size_t>(max_cycle) + 1, false);
        for (const CycleSummary* c : {&r.cycles.front(), &r.cycles.back()})
            if (c->cycle >= 0) shown_cycle[static_cast<std::size_t>(c->cycle)] = true;
        // Steps after the last finished cycle (a run that stopped mid-cycle) stay shown.
        for (std::size_t k = static_cast<std::size_t>(std::max(0, r.cycles.back().cycle)) + 1; k < shown_cycle.size(); ++k)
            shown_cycle[k] = true;
    }
    auto step_shown = [&](const StepSummary& s) {
        return shown_cycle.empty() || s.cycle < 0 || static_cast<std::size_t>(s.cycle) >= shown_cycle.size() ||
               shown_cycle[static_cast<std::size_t>(s.cycle)];
    };
    os << "\nSteps:\n";
    os << "   #  cycle  " << std::left << std::setw(46) << "step" << std::right
       << "      h    mAh/g         mAh   end V  ended by\n";
    std::size_t steps_shown = 0;
    int last_cycle_shown = -1;
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
        const auto& s = r.steps[i];
        if (!step_shown(s)) continue;
        if (!shown_cycle.empty() && last_cycle_shown >= 0 && s.cycle > last_cycle_shown + 1) os << "   ...\n";
        last_cycle_shown = s.cycle;
        ++steps_shown;
        std::string label = s.label.size() > 45 ? s.label.substr(0, 42) + "..." : s.label;
        os << std::setw(4) << s.index + 1 << std::setw(6) << s.cycle << "   " << std::left
           << std::setw(46) << label << std::right << std::setw(7) << std::setprecision(2)
           << (s.end_time - s.start_time) / 3600.0 << std::setw(9) << std::setprecision(2)
           << s.capacity << std::setw(12) << std::setprecision(5) << at(r.step_capacity_mAh, i)
           << std::setw(8) << std::setprecision(3) << s.end_potential << "  " << s.end_reason << "\n";
    }
    omitted_line(os, steps_shown, r.steps.size(), "steps");
    os << "\n";
    cycle_table(os, r, rows);
    omitted_line(os, rows.size(), r.cycles.size(), "cycles");
    if (r.has_ledger) {
        os << "\nLoss ledger (charge - discharge, mAh/g CAM):\n";
        os << "  cycle      gap  SE-ox rev  SE-ox irr  CAM kinetic  CAM isolated   other | SE ox  SE red  dead\n";
        for (std::size_t i : rows) {
            const auto& c = r.cycles[i];
            const auto& L = c.ledger;
            os << std::setw(7) << c.cycle << std::setprecision(2) << std::setw(9)
               << c.charge_capacity - c.discharge_capacity << std::setw(11) << L.se_oxidation_reversible
               << std::setw(11) << L.se_oxidation_irreversible << std::setw(13) << L.cam_kinetic
               << std::setw(14) << L.cam_isolated << std::setw(8) << L.other << " |" << std::setw(6)
               << L.se_oxidation_charge << std::setw(8) << L.se_reduction << std::setw(6)
               << std::setprecision(3) << c.dead_fraction << "\n";
        }
        os << "  by site (reversible / irreversible):";
        if (!r.cycles.empty()) {
            const auto& L = r.cycles.front().ledger;
            const char* names[] = {"carbon", "TPB", "CAM"};
            os << std::setprecision(2);
            for (int s = 0; s < 3; ++s)
                os << "  " << names[s] << " " << L.by_site_reversible[s] << " / " << L.by_site_irreversible[s];
            os << "  (cycle " << r.cycles.front().cycle << ")";
        }
        os << "\n";
    }
    return os.str();
}

namespace {
std::string json_string(const std::string& s) { return json::string(s); }
std::string json_number(double v) { return json::number(v); }
}  // namespace

std::string summary_json(const ResultSummary& r) {
    std::ostringstream os;
    os << "{\n  \"file\": " << json_string(r.path) << ",\n  \"name\": " << json_string(r.name)
       << ",\n  \"title\": " << json_string(r.title)
       << ",\n  \"status\": " << json_string(r.status) << ",\n  \"status_message\": "
       << json_string(r.status_message) << ",\n  \"version\": " << json_string(r.version)
       << ",\n  \"git_commit\": " << json_string(r.git_commit)
       << ",\n  \"final_time_s\": " << json_number(r.final_time)
       << ",\n  \"capacity_basis_mass_g\": " << json_number(r.basis_mass_kg * 1e3)
       << ",\n  \"capacity_basis\": " << json_string(r.capacity_basis)
       << ",\n  \"cam_mass_g\": " << json_number(r.cam_mass_kg * 1e3)
       << ",\n  \"area_cm2\": " << json_number(r.area_m2 * 1e4)
       << ",\n  \"units\": {\"capacity_mAh_g\": \"mA*h/g\", \"capacity_mAh\": \"mA*h\", \"energy_mWh_g\": \"mW*h/g\", "
          "\"time_s\": \"s\", \"potential_V\": \"V\"}"
       << ",\n  \"cycles\": [";
    for (size_t i = 0; i < r.cycles.size(); ++i) {
        const auto& c = r.cycles[i];
        os << (i ? "," : "") << "\n    {\"cycle\": " << c.cycle
           << ", \"charge_capacity_mAh_g\": " << json_number(c.charge_capacity)
           << ", \"discharge_capacity_mAh_g\": " << json_number(c.discharge_capacity)
           << ", \"charge_capacity_mAh\": " << json_number(at(r.cycle_charge_mAh, i))
           << ", \"discharge_capacity_mAh\": " << json_number(at(r.cycle_discharge_mAh, i))
           << ", \"coulombic_efficiency\": " << json_number(c.coulombic_efficiency)
           << ", \"energy_efficiency\": " << json_number(c.energy_efficiency)
           << ", \"charge_energy_mWh_g\": " << json_number(c.charge_energy)
           << ", \"discharge_energy_mWh_g\": " << json_number(c.discharge_energy)
           << ", \"shoulder_capacity_mAh_g\": " << json_number(c.shoulder_capacity);
        if (c.has_ledger) {
            const auto& L = c.ledger;
            os << ", \"se_oxidation_charge_mAh_g\": " << json_number(L.se_oxidation_charge)
               << ", \"se_reduction_mAh_g\": " << json_number(L.se_reduction)
               << ", \"dead_fraction\": " << json_number(c.dead_fraction)
               << ", \"ledger\": {\"se_oxidation_reversible_mAh_g\": " << json_number(L.se_oxidation_reversible)
               << ", \"se_oxidation_irreversible_mAh_g\": " << json_number(L.se_oxidation_irreversible)
               << ", \"cam_kinetic_mAh_g\": " << json_number(L.cam_kinetic)
               << ", \"cam_isolated_mAh_g\": " << json_number(L.cam_isolated)
               << ", \"other_mAh_g\": " << json_number(L.other) << ", \"by_site\": {";
            const char* names[] = {"carbon", "tpb", "cam"};
            for (int s = 0; s < 3; ++s)
                os << (s ? ", " : "") << "\"" << names[s] << "\": {\"se_oxidation_reversible_mAh_g\": "
                   << json_number(L.by_site_reversible[s]) << ", \"se_oxidation_irreversible_mAh_g\": "
                   << json_number(L.by_site_irreversible[s]) << "}";
            os << "}}";
        }
        os << "}";
    }
    os << "\n  ],\n  \"steps\": [";
    for (size_t i = 0; i < r.steps.size(); ++i) {
        const auto& s = r.steps[i];
        os << (i ? "," : "") << "\n    {\"index\": " << s.index << ", \"cycle\": " << s.cycle
           << ", \"label\": " << json_string(s.label)
           << ", \"start_time_s\": " << json_number(s.start_time)
           << ", \"end_time_s\": " << json_number(s.end_time)
           << ", \"capacity_mAh_g\": " << json_number(s.capacity)
           << ", \"capacity_mAh\": " << json_number(at(r.step_capacity_mAh, i))
           << ", \"end_potential_V\": " << json_number(s.end_potential)
           << ", \"end_reason\": " << json_string(s.end_reason) << "}";
    }
    os << "\n  ]\n}\n";
    return os.str();
}

}  // namespace ssbsim

namespace ssbsim {

ResultSummary summarize_run(const SimulationConfig& config, const RunResult& run, long samples) {
    ResultSummary r;
    r.path = "";
    r.status = to_string(run.status);
    r.status_message = run.message;
    r.version = kVersion;
    r.git_commit = kGitCommit;
    r.name = config.name;
    r.title = run_title(config);
    r.final_time = run.final_time;
    r.samples = samples;
    r.cycles = run.cycles;
    r.steps = run.steps;
    for (const auto& c : run.cycles) r.has_ledger = r.has_ledger || c.has_ledger;
    r.basis_mass_kg = config.cell.basis_mass();
    r.cam_mass_kg = config.cell.cam_mass();
    r.area_m2 = config.cell.area;
    r.capacity_basis = capacity_basis_text(config);
    const double basis_g = r.basis_mass_kg * 1e3;  // mAh/g x g = mAh
    for (const auto& c : run.cycles) {
        r.cycle_charge_mAh.push_back(c.charge_capacity * basis_g);
        r.cycle_discharge_mAh.push_back(c.discharge_capacity * basis_g);
    }
    for (const auto& st : run.steps) r.step_capacity_mAh.push_back(st.capacity * basis_g);
    return r;
}

}  // namespace ssbsim
