// What `ssbsim info` prints: the text summary and the JSON (its keys from io/schema.hpp).
#include <algorithm>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/version.hpp"
#include "io/result_reader.hpp"
#include "core/format.hpp"
#include "core/hdf5_file.hpp"
#include "io/schema.hpp"
#include "io/spectra.hpp"
#include "models/coating_fracture.hpp"
#include "models/local_terms.hpp"

namespace ssbsim {

std::string capacity_basis_text(const SimulationConfig& config) {
    return !(config.cell.reference_loading > 0) ||
                   (config.cell.has_cam && config.cell.reference_loading == config.cell.loading)
               ? "CAM mass (cell.cathode.loading x cell.area)"
               : "reference mass (cell.cathode.reference_loading x cell.area)";
}

SummaryMode parse_summary_mode(const std::string& s) {
    if (s == "condensed" || s == "default") return SummaryMode::condensed;
    if (s == "full") return SummaryMode::full;
    if (s == "cycles") return SummaryMode::cycles;
    if (s == "none") return SummaryMode::none;
    if (s == "fields") return SummaryMode::fields;
    throw std::invalid_argument("--summary '" + s + "': expected full, cycles, fields or none (default: condensed)");
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

// `--summary fields`: every cycle field of the schema (io/schema.cpp), for the cycles the
// condensed table shows, so a metric added as one row of the table shows up here too.
static void every_cycle_field(std::ostream& os, const ResultSummary& r, const CycleSummary& c) {
    const double basis_g = r.basis_mass_kg * 1e3;
    os << "Every cycle field (io/schema.cpp), cycle " << c.cycle << ":\n";
    for (const auto& f : schema::cycle_fields()) {
        if (f.type == schema::Type::string || (f.presence == schema::Presence::ledger && !c.has_ledger)) continue;
        double v[schema::kMaxColumns];
        f.access.get(c, basis_g, v);
        os << "  " << std::left << std::setw(34) << f.name << std::right;
        const std::size_t n = f.columns == 0 ? 1 : f.columns;
        for (std::size_t k = 0; k < n; ++k) os << " " << format_number(v[k], 6);
        if (f.unit && *f.unit) os << "  [" << f.unit << "]";
        os << "\n";
    }
}

namespace {
// The derived cell quantities of the file (root attributes), a few per line.
void derived_lines(std::ostream& os, const ResultSummary& r) {
    if (r.derived.empty()) return;
    os << "cell:";
    int n = 0;
    for (const auto& [name, v] : r.derived) {
        if (n > 0 && n % 4 == 0) os << "\n     ";
        os << " " << name << " = " << std::defaultfloat << std::setprecision(4) << v << std::fixed;
        ++n;
    }
    os << "\n";
}
}  // namespace

namespace {
// The EIS spectra (io/spectra.hpp): their state, arc width and points, per area and in ohm.
json::Value spectra_json(const ResultSummary& r) {
    constexpr double kCm2PerM2 = 1e4;
    json::Value out = json::Value::array();
    for (const Spectrum& z : r.spectra) {
        json::Value s = json::Value::object();
        s["step"] = z.step;
        s["cycle"] = z.cycle;
        s["label"] = z.label;
        s["mode"] = z.galvanostatic ? "galvanostatic" : "potentiostatic";
        s["time_s"] = json::number(z.time);
        s["potential_V"] = json::number(z.potential);
        s["mean_stoichiometry"] = json::number(z.mean_stoichiometry);
        s["contact"] = json::number(z.contact);
        s["film_resistance_ohm_cm2"] = json::number(z.film_resistance * kCm2PerM2);
        s["arc_width_ohm_cm2"] = json::number(arc_width(z) * kCm2PerM2);
        json::Value f = json::Value::array(), re = json::Value::array(), im = json::Value::array();
        json::Value re_ohm = json::Value::array(), im_ohm = json::Value::array();
        for (std::size_t k = 0; k < z.frequency.size(); ++k) {
            f.push_back(json::number(z.frequency[k]));
            re.push_back(json::number(z.z_real[k] * kCm2PerM2));
            im.push_back(json::number(z.z_imag[k] * kCm2PerM2));
            re_ohm.push_back(json::number(r.area_m2 > 0 ? z.z_real[k] / r.area_m2 : 0.0));
            im_ohm.push_back(json::number(r.area_m2 > 0 ? z.z_imag[k] / r.area_m2 : 0.0));
        }
        s["frequency_Hz"] = std::move(f);
        s["z_real_ohm_cm2"] = std::move(re);
        s["z_imag_ohm_cm2"] = std::move(im);
        s["z_real_ohm"] = std::move(re_ohm);
        s["z_imag_ohm"] = std::move(im_ohm);
        out.push_back(std::move(s));
    }
    return out;
}

// One line per spectrum: where it was taken and its interfacial arc.
void spectra_lines(std::ostringstream& os, const ResultSummary& r) {
    if (r.spectra.empty()) return;
    os << "impedance spectra (" << r.spectra.size() << "):\n";
    for (const Spectrum& z : r.spectra) {
        os << "  step " << z.step + 1 << ", cycle " << z.cycle << ": " << z.frequency.size() << " points, "
           << format_number(z.frequency.front(), 4) << " to " << format_number(z.frequency.back(), 4) << " Hz at "
           << format_number(z.potential, 4) << " V, arc width " << format_number(arc_width(z) * 1e4, 4) << " ohm cm2\n";
    }
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
    if (mode == SummaryMode::fields) {
        for (std::size_t i : condensed_cycle_rows(r.cycles.size())) every_cycle_field(os, r, r.cycles[i]);
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
    derived_lines(os, r);
    spectra_lines(os, r);
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
       << "      h    mAh/g         mAh   end V  cell V  ended by\n";
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
           << std::setw(8) << std::setprecision(3) << s.end_potential << std::setw(8) << s.end_cell_voltage
           << "  " << s.end_reason << "\n";
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

// One record's fields as JSON (the schema's json keys), absolute ones x the basis mass.
// Ledger fields appear only for a cycle with a ledger; rows of per-site values go into
// "ledger" / "by_site", one object per site.
template <class R>
json::Value record_json(const R& rec, const std::vector<schema::Field<R>>& fields, double basis_g, bool ledger) {
    json::Value out = json::Value::object();
    for (const auto& f : fields) {
        if (!f.json || (f.presence == schema::Presence::ledger && !ledger)) continue;
        if (f.type == schema::Type::string) {
            out[f.json] = f.access.get_text(rec);
            continue;
        }
        double v[schema::kMaxColumns];
        f.access.get(rec, basis_g, v);
        if (f.place == schema::JsonPlace::by_site) {
            for (std::size_t s = 0; s < schema::kSites; ++s)
                out["ledger"]["by_site"][schema::kSiteNames[s]][f.json] = json::number(v[s]);
            continue;
        }
        json::Value x = f.type == schema::Type::int64 ? json::Value(static_cast<long>(v[0])) : json::number(v[0]);
        if (f.place == schema::JsonPlace::ledger) out["ledger"][f.json] = x;
        else out[f.json] = x;
    }
    return out;
}

// The absolute value of record i as the summary holds it (it may come from the file, not
// from the specific value x basis): patched into the JSON in place of the derived one.
template <class R>
void absolute_from_summary(json::Value& out, const ResultSummary& r, const std::vector<schema::Field<R>>& fields,
                           std::size_t i) {
    for (const auto& f : fields)
        if (f.json && f.access.absolute) {
            const auto& v = r.*f.access.absolute;
            out[f.json] = json::number(i < v.size() ? v[i] : 0.0);
        }
}

}  // namespace

std::string summary_json(const ResultSummary& r) {
    json::Value j = json::Value::object();
    j["file"] = r.path;
    j["name"] = r.name;
    j["title"] = r.title;
    j["status"] = r.status;
    j["status_message"] = r.status_message;
    j["version"] = r.version;
    j["git_commit"] = r.git_commit;
    j["final_time_s"] = json::number(r.final_time);
    j["capacity_basis_mass_g"] = json::number(r.basis_mass_kg * 1e3);
    j["capacity_basis"] = r.capacity_basis;
    j["cam_mass_g"] = json::number(r.cam_mass_kg * 1e3);
    j["area_cm2"] = json::number(r.area_m2 * 1e4);
    if (!r.derived.empty()) {
        json::Value d = json::Value::object();
        for (const auto& [name, v] : r.derived) d[name] = json::number(v);
        j["cell"] = d;
    }
    j["units"] = {{"capacity_mAh_g", "mA*h/g"}, {"capacity_mAh", "mA*h"}, {"energy_mWh_g", "mW*h/g"},
                  {"time_s", "s"}, {"potential_V", "V"}};
    const double basis_g = r.basis_mass_kg * 1e3;
    json::Value cycles = json::Value::array(), steps = json::Value::array();
    for (std::size_t i = 0; i < r.cycles.size(); ++i) {
        cycles.push_back(record_json(r.cycles[i], schema::cycle_fields(), basis_g, r.cycles[i].has_ledger));
        absolute_from_summary(cycles.back(), r, schema::cycle_fields(), i);
    }
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
        steps.push_back(record_json(r.steps[i], schema::step_fields(), basis_g, true));
        absolute_from_summary(steps.back(), r, schema::step_fields(), i);
    }
    j["cycles"] = std::move(cycles);
    j["steps"] = std::move(steps);
    if (!r.spectra.empty()) j["spectra"] = spectra_json(r);
    return json::dump(j);
}

std::vector<std::pair<std::string, double>> derived_values(const SimulationConfig& config) {
    const CellSpec& c = config.cell;
    const CathodeGeometry g(c, config.mesh);
    const double T = c.temperature;
    const CoatingLayer coat = coating_layer(c);
    const CoatingFractureLaw fracture = coating_fracture_law(c);  // models/coating_fracture.hpp
    const double peak = fracture.defined ? peak_coating_strain(c, fracture) : 0.0;
    const double x0 = c.cam.inert ? 0.0 : c.initial_stoichiometry;
    const double sigma_carbon = carbon_network_conductivity(c, T);
    const double sigma_cam = c.has_cam ? c.eps_cam / c.electronic_tortuosity * c.cam.sigma(x0, T) : 0.0;
    std::vector<std::pair<std::string, double>> values = {
        {"eps_cam", c.eps_cam},
        {"eps_se", c.eps_se},
        {"eps_carbon", c.eps_carbon},
        {"eps_binder", c.eps_binder},
        {"porosity", c.porosity},
        {"a_cam_per_m", g.a},
        {"a_carbon_dpb_per_m", g.a_site[site_carbon]},
        {"a_tpb_per_m", g.a_site[site_tpb]},
        {"a_cam_dpb_per_m", g.a_site[site_cam] * g.coating_pass},
        {"sigma_ionic_eff_S_m", effective_ionic_conductivity(c, T)},
        {"sigma_electronic_eff_S_m", sigma_carbon + sigma_cam},
        {"sigma_carbon_network_S_m", sigma_carbon},
        {"coating_thickness_m", coat.thickness},
        {"coating_coverage", coat.coverage},
        {"coating_pass", coat.pass},
        {"coating_resistance_ohm_m2", coat.resistance},
        {"coating_critical_thickness_m", fracture.defined ? fracture.critical_thickness(peak) : 0.0},
        {"coating_fracture_ratio", fracture.defined ? fracture.release_rate(peak) / fracture.toughness(peak) : 0.0},
    };
    const auto& names = derived_attributes();
    if (values.size() != names.size()) throw Error("derived_values: the list differs from derived_attributes()");
    for (std::size_t i = 0; i < values.size(); ++i)
        if (values[i].first != names[i].name) throw Error("derived_values: '" + values[i].first + "' out of order");
    return values;
}

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
    r.derived = derived_values(config);  // as the result file's attributes
    const double basis_g = r.basis_mass_kg * 1e3;  // mAh/g x g = mAh
    for (const auto& c : run.cycles) {
        r.cycle_charge_mAh.push_back(c.charge_capacity * basis_g);
        r.cycle_discharge_mAh.push_back(c.discharge_capacity * basis_g);
    }
    for (const auto& st : run.steps) r.step_capacity_mAh.push_back(st.capacity * basis_g);
    r.spectra = run.spectra;
    return r;
}

}  // namespace ssbsim

namespace ssbsim {

std::string format_timeseries(const std::string& path, const ResultSummary& r) {
    std::ostringstream os;
    const auto n = static_cast<std::size_t>(std::max(0L, r.samples));
    if (n == 0) return "";
    h5::Handle f = h5::open_file(path);
    os << "\nTime series (start, min, max, end; per site: end as carbon / TPB / CAM):\n";
    for (const auto& fd : schema::sample_fields()) {
        const std::string name = fd.name;
        const bool shown = fd.presence == schema::Presence::added || name == "contact_fraction" ||
                           name == "dead_fraction" || name == "film_resistance";
        const std::string ds = std::string(schema::kSampleGroup) + "/" + name;
        if (!shown || h5::object_kind(f, ds) != h5::ObjectKind::dataset) continue;
        const std::size_t w = std::max<std::size_t>(fd.columns, 1);
        std::vector<double> v = h5::read_vector(f, ds);
        if (v.size() < n * w) continue;  // a run killed mid-flush: shorter than the others
        os << "  " << std::left << std::setw(26) << name << std::right << std::setw(9)
           << fd.unit << "  ";
        if (w == 1) {
            const auto mm = std::minmax_element(v.begin(), v.begin() + n);
            os << format_number(v[0], 4) << ", " << format_number(*mm.first, 4) << ", "
               << format_number(*mm.second, 4) << ", " << format_number(v[n - 1], 4) << "\n";
        } else {
            for (std::size_t k = 0; k < w; ++k) os << (k ? " / " : "") << format_number(v[(n - 1) * w + k], 4);
            os << "\n";
        }
    }
    return os.str();
}

}  // namespace ssbsim
