#include "solvers/result_writer.hpp"

#include "core/json.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <ctime>
#include <iomanip>
#include <sstream>

#include "core/error.hpp"
#include "core/version.hpp"

namespace ssbsim {

using h5::Series;
using Type = h5::Series::Type;

struct ResultWriter::Tables {
    h5::Handle ts_group, steps_group, cycles_group, profiles_group;
    // time series
    Series time, potential, cell_voltage, current, temperature, capacity, step_capacity,
        mean_x, dead, contact, se_ox, film, step, cycle;
    // steps
    Series s_index, s_cycle, s_label, s_start, s_end, s_capacity, s_energy, s_end_potential,
        s_end_current, s_reason;
    // cycles
    Series c_cycle, c_charge, c_discharge, c_ce, c_charge_e, c_discharge_e, c_ee, c_shoulder,
        c_dead, l_rev, l_irr, l_kin, l_iso, l_other, l_ox, l_red, l_site_rev, l_site_irr;
    // profiles
    Series p_time, p_phi_e, p_phi_s, p_j, p_xs, p_xm, p_c;
    std::vector<Series*> all() {
        return {&time, &potential, &cell_voltage, &current, &temperature, &capacity,
                &step_capacity, &mean_x, &dead, &contact, &se_ox, &film, &step, &cycle, &s_index, &s_cycle, &s_label, &s_start,
                &s_end, &s_capacity, &s_energy, &s_end_potential, &s_end_current, &s_reason,
                &c_cycle, &c_charge, &c_discharge, &c_ce, &c_charge_e, &c_discharge_e, &c_ee,
                &c_shoulder, &c_dead, &l_rev, &l_irr, &l_kin, &l_iso, &l_other, &l_ox, &l_red,
                &l_site_rev, &l_site_irr, &p_time, &p_phi_e, &p_phi_s, &p_j, &p_xs, &p_xm, &p_c};
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

void ResultWriter::on_start(const SimulationConfig& config, const CathodeP2D& model) {
    file_ = h5::create_file(path_, exclusive_);
    flush_interval_ = config.output.flush_interval;
    YAML::Emitter em;
    em << emit_config(config);
    h5::set_attribute(file_, "generator", std::string("ssbsim"));
    h5::set_attribute(file_, "version", std::string(kVersion));
    h5::set_attribute(file_, "git_commit", std::string(kGitCommit));
    h5::set_attribute(file_, "created", now_iso8601());
    h5::set_attribute(file_, "format_version", static_cast<long>(kResultFormatVersion));
    h5::set_attribute(file_, "name", config.name);
    h5::set_attribute(file_, "config", std::string(em.c_str()));
    h5::set_attribute(file_, "status", std::string("running"));
    h5::set_attribute(file_, "status_message", std::string(""));
    h5::set_attribute(file_, "cam_mass_kg", config.cell.cam_mass());
    h5::set_attribute(file_, "capacity_basis_mass_kg", config.cell.basis_mass());
    h5::set_attribute(file_, "area_m2", config.cell.area);
    h5::set_attribute(file_, "cam_loading_kg_m2", config.cell.loading);
    h5::set_attribute(file_, "cathode_thickness_m", config.cell.thickness);
    h5::set_attribute(file_, "current_sign", std::string("positive on charge (oxidation of the cathode)"));
    h5::set_attribute(file_, "potential_reference", std::string("cathode potential vs Li/Li+ (cell voltage + counter-electrode OCV)"));

    t_ = std::make_unique<Tables>();
    Tables& t = *t_;
    t.ts_group = h5::create_group(file_, "timeseries");
    auto& g = t.ts_group;
    t.time = Series(g, "time", Type::float64, {}, "s", 1024);
    t.potential = Series(g, "potential", Type::float64, {}, "V vs Li/Li+", 1024);
    t.cell_voltage = Series(g, "cell_voltage", Type::float64, {}, "V", 1024);
    t.current = Series(g, "current", Type::float64, {}, "A (positive on charge)", 1024);
    t.temperature = Series(g, "temperature", Type::float64, {}, "K", 1024);
    t.capacity = Series(g, "capacity", Type::float64, {}, "mAh/g CAM (net, positive on charge)", 1024);
    t.step_capacity = Series(g, "step_capacity", Type::float64, {}, "mAh/g CAM", 1024);
    t.mean_x = Series(g, "mean_stoichiometry", Type::float64, {}, "1", 1024);
    t.dead = Series(g, "dead_fraction", Type::float64, {}, "1 (isolated CAM fraction)", 1024);
    t.contact = Series(g, "contact_fraction", Type::float64, {}, "1 (mean CAM/SE contact theta_c)", 1024);
    t.se_ox = Series(g, "se_oxidised", Type::float64, {}, "mAh/g (cumulative SE-oxidation charge)", 1024);
    t.film = Series(g, "film_resistance", Type::float64, {}, "ohm m2 (mean interphase resistance)", 1024);
    t.step = Series(g, "step", Type::int64, {}, "", 1024);
    t.cycle = Series(g, "cycle", Type::int64, {}, "", 1024);

    t.steps_group = h5::create_group(file_, "steps");
    auto& s = t.steps_group;
    t.s_index = Series(s, "index", Type::int64, {}, "", 64);
    t.s_cycle = Series(s, "cycle", Type::int64, {}, "", 64);
    t.s_label = Series(s, "label", Type::string, {}, "", 64);
    t.s_start = Series(s, "start_time", Type::float64, {}, "s", 64);
    t.s_end = Series(s, "end_time", Type::float64, {}, "s", 64);
    t.s_capacity = Series(s, "capacity", Type::float64, {}, "mAh/g CAM (net, positive on charge)", 64);
    t.s_energy = Series(s, "energy", Type::float64, {}, "mWh/g CAM (net, positive on charge)", 64);
    t.s_end_potential = Series(s, "end_potential", Type::float64, {}, "V vs Li/Li+", 64);
    t.s_end_current = Series(s, "end_current", Type::float64, {}, "A", 64);
    t.s_reason = Series(s, "end_reason", Type::string, {}, "", 64);

    t.cycles_group = h5::create_group(file_, "cycles");
    auto& c = t.cycles_group;
    t.c_cycle = Series(c, "cycle", Type::int64, {}, "", 16);
    t.c_charge = Series(c, "charge_capacity", Type::float64, {}, "mAh/g CAM", 16);
    t.c_discharge = Series(c, "discharge_capacity", Type::float64, {}, "mAh/g CAM", 16);
    t.c_ce = Series(c, "coulombic_efficiency", Type::float64, {}, "1", 16);
    t.c_charge_e = Series(c, "charge_energy", Type::float64, {}, "mWh/g CAM", 16);
    t.c_discharge_e = Series(c, "discharge_energy", Type::float64, {}, "mWh/g CAM", 16);
    t.c_ee = Series(c, "energy_efficiency", Type::float64, {}, "1", 16);
    t.c_shoulder = Series(c, "shoulder_capacity", Type::float64, {}, "mAh/g CAM", 16);
    t.c_dead = Series(c, "dead_fraction", Type::float64, {}, "1", 16);
    t.l_rev = Series(c, "ledger_se_oxidation_reversible", Type::float64, {}, "mAh/g", 16);
    t.l_irr = Series(c, "ledger_se_oxidation_irreversible", Type::float64, {}, "mAh/g", 16);
    t.l_kin = Series(c, "ledger_cam_kinetic", Type::float64, {}, "mAh/g", 16);
    t.l_iso = Series(c, "ledger_cam_isolated", Type::float64, {}, "mAh/g", 16);
    t.l_other = Series(c, "ledger_other", Type::float64, {}, "mAh/g", 16);
    t.l_ox = Series(c, "se_oxidation_charge", Type::float64, {}, "mAh/g", 16);
    t.l_red = Series(c, "se_reduction", Type::float64, {}, "mAh/g", 16);
    t.l_site_rev = Series(c, "ledger_by_site_reversible", Type::float64, {3}, "mAh/g; columns carbon, tpb, cam", 16);
    t.l_site_irr = Series(c, "ledger_by_site_irreversible", Type::float64, {3}, "mAh/g; columns carbon, tpb, cam", 16);
    h5::set_attribute(t.cycles_group, "shoulder_potential_V", config.protocol.shoulder_potential);
    h5::set_attribute(t.cycles_group, "has_ledger", static_cast<long>(config.cell.chemistry.enabled ? 1 : 0));

    t.profiles_group = h5::create_group(file_, "profiles");
    auto& p = t.profiles_group;
    const auto nx = static_cast<std::uint64_t>(model.n_separator() + model.n_cathode());
    const auto nc = static_cast<std::uint64_t>(model.n_cathode());
    const auto nr = static_cast<std::uint64_t>(model.n_shells());
    const std::vector<double> x_all = model.cell_centres();
    h5::write_vector(p, "x", x_all, "m");
    std::vector<double> xc(x_all.begin() + model.n_separator(), x_all.end());
    h5::write_vector(p, "x_cathode", xc, "m");
    std::vector<double> r(nr);
    for (std::uint64_t i = 0; i < nr; ++i) r[i] = (i + 0.5) * config.cell.particle_radius / nr;
    h5::write_vector(p, "r", r, "m");
    t.p_time = Series(p, "time", Type::float64, {}, "s", 16);
    t.p_phi_e = Series(p, "phi_e", Type::float64, {nx}, "V", 16);
    t.p_phi_s = Series(p, "phi_s", Type::float64, {nc}, "V", 16);
    t.p_j = Series(p, "intercalation_current", Type::float64, {nc}, "A/m2 CAM surface (positive oxidation)", 16);
    t.p_xs = Series(p, "surface_stoichiometry", Type::float64, {nc}, "1", 16);
    t.p_xm = Series(p, "mean_stoichiometry", Type::float64, {nc}, "1", 16);
    t.p_c = Series(p, "c_s", Type::float64, {nc, nr}, "mol/m3", 16);
    row_.resize(std::max<std::size_t>(nx, nc * nr));
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
    const int nx = m.n_separator() + m.n_cathode(), nc = m.n_cathode(), nr = m.n_shells();
    for (int k = 0; k < nx; ++k) row_[k] = y[m.idx_phi_e(k)];
    t.p_phi_e.append_row(row_.data());
    for (int k = 0; k < nc; ++k) row_[k] = y[m.idx_phi_s(k)];
    t.p_phi_s.append_row(row_.data());
    for (int k = 0; k < nc; ++k) row_[k] = y[m.idx_j(k)];
    t.p_j.append_row(row_.data());
    for (int k = 0; k < nc; ++k) row_[k] = m.surface_stoichiometry(y, k);
    t.p_xs.append_row(row_.data());
    for (int k = 0; k < nc; ++k) row_[k] = m.mean_stoichiometry(y, k);
    t.p_xm.append_row(row_.data());
    for (int k = 0; k < nc; ++k)
        for (int i = 0; i < nr; ++i) row_[k * nr + i] = y[m.idx_c(k, i)];
    t.p_c.append_row(row_.data());
}

void ResultWriter::on_step(const StepSummary& s) {
    Tables& t = *t_;
    t.s_index.append(static_cast<long>(s.index));
    t.s_cycle.append(static_cast<long>(s.cycle));
    t.s_label.append(s.label);
    t.s_start.append(s.start_time);
    t.s_end.append(s.end_time);
    t.s_capacity.append(s.capacity);
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

ResultSummary read_result(const std::string& path) {
    ResultSummary r;
    r.path = path;
    h5::Handle f = h5::open_file(path);
    if (!h5::has_attribute(f, "generator") || h5::get_string_attribute(f, "generator") != "ssbsim")
        throw IoError("'" + path + "' is not an ssbsim result file");
    long fmt = h5::get_long_attribute(f, "format_version");
    if (fmt > kResultFormatVersion)
        throw IoError("'" + path + "' has result format " + std::to_string(fmt) +
                      ", newer than this ssbsim understands (" + std::to_string(kResultFormatVersion) + ")");
    r.status = h5::get_string_attribute(f, "status");
    r.status_message = h5::get_string_attribute(f, "status_message");
    r.version = h5::get_string_attribute(f, "version");
    r.git_commit = h5::get_string_attribute(f, "git_commit");
    r.created = h5::get_string_attribute(f, "created");
    r.name = h5::get_string_attribute(f, "name");
    r.config = h5::get_string_attribute(f, "config");
    // Sample count and end time without reading the series (the summary of a sweep opens
    // every case file).
    r.samples = static_cast<long>(h5::shape(f, "timeseries/time").at(0));
    if (h5::has_attribute(f, "final_time_s")) {
        r.final_time = h5::get_double_attribute(f, "final_time_s");
    } else {
        auto time = h5::read_vector(f, "timeseries/time");  // a run that did not finish
        r.final_time = time.empty() ? 0.0 : time.back();
    }
    auto cyc = h5::read_long_vector(f, "cycles/cycle");
    auto ch = h5::read_vector(f, "cycles/charge_capacity");
    auto dis = h5::read_vector(f, "cycles/discharge_capacity");
    auto ce = h5::read_vector(f, "cycles/coulombic_efficiency");
    auto che = h5::read_vector(f, "cycles/charge_energy");
    auto dise = h5::read_vector(f, "cycles/discharge_energy");
    auto ee = h5::read_vector(f, "cycles/energy_efficiency");
    auto sh = h5::read_vector(f, "cycles/shoulder_capacity");
    h5::Handle cg = h5::open_group(f, "cycles");
    bool ledger = h5::has_attribute(cg, "has_ledger") && h5::get_long_attribute(cg, "has_ledger") != 0;
    r.has_ledger = ledger;
    std::vector<double> lrev, lirr, lkin, liso, loth, lox, lred, lsr, lsi, dead;
    if (ledger) {
        lrev = h5::read_vector(f, "cycles/ledger_se_oxidation_reversible");
        lirr = h5::read_vector(f, "cycles/ledger_se_oxidation_irreversible");
        lkin = h5::read_vector(f, "cycles/ledger_cam_kinetic");
        liso = h5::read_vector(f, "cycles/ledger_cam_isolated");
        loth = h5::read_vector(f, "cycles/ledger_other");
        lox = h5::read_vector(f, "cycles/se_oxidation_charge");
        lred = h5::read_vector(f, "cycles/se_reduction");
        lsr = h5::read_vector(f, "cycles/ledger_by_site_reversible");
        lsi = h5::read_vector(f, "cycles/ledger_by_site_irreversible");
        dead = h5::read_vector(f, "cycles/dead_fraction");
    }
    for (size_t i = 0; i < cyc.size(); ++i) {
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
    }
    auto idx = h5::read_long_vector(f, "steps/index");
    auto scyc = h5::read_long_vector(f, "steps/cycle");
    auto lab = h5::read_strings(f, "steps/label");
    auto st = h5::read_vector(f, "steps/start_time");
    auto en = h5::read_vector(f, "steps/end_time");
    auto cap = h5::read_vector(f, "steps/capacity");
    auto eng = h5::read_vector(f, "steps/energy");
    auto ep = h5::read_vector(f, "steps/end_potential");
    auto ec = h5::read_vector(f, "steps/end_current");
    auto why = h5::read_strings(f, "steps/end_reason");
    for (size_t i = 0; i < idx.size(); ++i) {
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
    }
    return r;
}

std::string format_summary(const ResultSummary& r) {
    std::ostringstream os;
    os << std::fixed;
    os << r.name << "  [" << r.status << "]";
    if (!r.status_message.empty()) os << "  " << r.status_message;
    os << "\n" << std::setprecision(2) << "simulated " << r.final_time / 3600.0 << " h, "
       << r.samples << " samples, ssbsim " << r.version << " (" << r.git_commit << ")\n\n";
    os << "Steps:\n";
    os << "   #  cycle  " << std::left << std::setw(46) << "step" << std::right
       << "      h    mAh/g   end V  ended by\n";
    for (const auto& s : r.steps) {
        std::string label = s.label.size() > 45 ? s.label.substr(0, 42) + "..." : s.label;
        os << std::setw(4) << s.index + 1 << std::setw(6) << s.cycle << "   " << std::left
           << std::setw(46) << label << std::right << std::setw(7) << std::setprecision(2)
           << (s.end_time - s.start_time) / 3600.0 << std::setw(9) << std::setprecision(2)
           << s.capacity << std::setw(8) << std::setprecision(3) << s.end_potential << "  "
           << s.end_reason << "\n";
    }
    os << "\nCycles (capacities in mAh/g CAM):\n";
    os << "  cycle   charge  discharge      CE      EE  shoulder\n";
    for (const auto& c : r.cycles) {
        os << std::setw(7) << c.cycle << std::setw(9) << std::setprecision(2) << c.charge_capacity
           << std::setw(11) << c.discharge_capacity << std::setw(7) << std::setprecision(2)
           << 100 * c.coulombic_efficiency << "%" << std::setw(7) << 100 * c.energy_efficiency
           << "%" << std::setw(10) << c.shoulder_capacity << "\n";
    }
    if (r.has_ledger) {
        os << "\nLoss ledger (charge - discharge, mAh/g CAM):\n";
        os << "  cycle      gap  SE-ox rev  SE-ox irr  CAM kinetic  CAM isolated   other | SE ox  SE red  dead\n";
        for (const auto& c : r.cycles) {
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
       << ",\n  \"status\": " << json_string(r.status) << ",\n  \"status_message\": "
       << json_string(r.status_message) << ",\n  \"version\": " << json_string(r.version)
       << ",\n  \"git_commit\": " << json_string(r.git_commit)
       << ",\n  \"final_time_s\": " << json_number(r.final_time) << ",\n  \"cycles\": [";
    for (size_t i = 0; i < r.cycles.size(); ++i) {
        const auto& c = r.cycles[i];
        os << (i ? "," : "") << "\n    {\"cycle\": " << c.cycle
           << ", \"charge_capacity_mAh_g\": " << json_number(c.charge_capacity)
           << ", \"discharge_capacity_mAh_g\": " << json_number(c.discharge_capacity)
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
           << ", \"end_potential_V\": " << json_number(s.end_potential)
           << ", \"end_reason\": " << json_string(s.end_reason) << "}";
    }
    os << "\n  ]\n}\n";
    return os.str();
}

}  // namespace ssbsim
