#include "params/materials.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/constants.hpp"
#include "core/error.hpp"
#include "core/resources.hpp"
#include "params/chemistry.hpp"
#include "params/yaml_text.hpp"

namespace ssbsim {

using namespace units;

// A fracture (surface) energy [J/m2 = kg/s2]: a coating's fracture_energy.
constexpr Dimension kSurfaceEnergy{0, 1, -2, 0, 0, 0};

double Arrhenius::at(double T) const {
    if (activation_energy == 0.0) return reference;
    return reference *
           std::exp(-activation_energy / constants::R * (1.0 / T - 1.0 / reference_temperature));
}

OpenCircuitPotential OpenCircuitPotential::table(Table1D t) {
    OpenCircuitPotential o;
    o.kind_ = Kind::table;
    o.table_ = std::move(t);
    return o;
}

OpenCircuitPotential OpenCircuitPotential::mohtat2020(bool barrier) {
    OpenCircuitPotential o;
    o.kind_ = Kind::nmc532_mohtat2020;
    o.barrier_ = barrier;
    return o;
}

namespace {
// Barrier term B(s) = a ln(1 + exp(-b (s - c))) that keeps x inside [0, 1]; coefficients
// as evaluated for the PyBaMM 26.6 reference problem (shared/data/pybamm_reference).
constexpr double kBarrierA = 205.0568621937484, kBarrierB = 6910.192179565431,
                 kBarrierC = -7.7e-4;
double barrier(double s, double* dBds) {
    double z = -kBarrierB * (s - kBarrierC);
    if (z < -60.0) {  // a e^z below 1e-24 V: skip the transcendental functions
        if (dBds) *dBds = 0.0;
        return 0.0;
    }
    // ln(1 + e^z), stable for large z.
    double lp = z > 30 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
    double sig = 1.0 / (1.0 + std::exp(-z));
    if (dBds) *dBds = -kBarrierA * kBarrierB * sig;
    return kBarrierA * lp;
}
}  // namespace

double OpenCircuitPotential::operator()(double x, double* dUdx) const {
    if (kind_ == Kind::table) return table_(x, dUdx);
    // Mohtat et al. 2020, NMC532, entropic term zero.
    constexpr double lo = 1e-10, hi = 1 - 1e-10;
    double xc = std::clamp(x, lo, hi);
    bool clipped = xc != x;
    double x2 = xc * xc, x3 = x2 * xc, x4 = x3 * xc, x5 = x4 * xc;
    const double arg = 109.451 * xc - 100.006;
    const double P = 4.3452 - 1.6518 * xc + 1.6225 * x2 - 2.0843 * x3 + 3.5146 * x4 - 2.2166 * x5;
    // U = P - e. Without dU/dx (the residual) and x below ~0.55, e < 5.6e-5 exp(-40) = 2.4e-22
    // is under half the spacing of doubles below |P| >= 1 (> 2^-54 |P| = 5.5e-17): P - e
    // is P, bit for bit, without the exp.
    const bool below_rounding = !dUdx && arg < -40.0 && std::fabs(P) >= 1.0;
    double e = below_rounding ? 0.0 : 0.5623e-4 * std::exp(arg);
    double U = below_rounding ? P : P - e;
    double dU = clipped ? 0.0
                        : -1.6518 + 2 * 1.6225 * xc - 3 * 2.0843 * x2 + 4 * 3.5146 * x3 -
                              5 * 2.2166 * x4 - 109.451 * e;
    if (barrier_) {
        double d1 = 0, d2 = 0;
        U += barrier(x, &d1) - barrier(1 - x, &d2);
        dU += d1 + d2;
    }
    if (dUdx) *dUdx = dU;
    return U;
}

double OpenCircuitPotential::inverse(double U) const {
    double lo = 0.0, hi = 1.0;
    for (int i = 0; i < 200 && hi - lo > 1e-15; ++i) {
        double mid = 0.5 * (lo + hi);
        if ((*this)(mid) > U) lo = mid; else hi = mid;
    }
    return 0.5 * (lo + hi);
}

namespace {
// base(T) * 10^factor(x) with the factor held at its end values outside [0, 1].
double lithiation_scaled(const Arrhenius& base_law, const Table1D& factor, double x, double T,
                         double* dydx) {
    const double base = base_law.at(T);
    if (factor.empty()) {
        if (dydx) *dydx = 0.0;
        return base;
    }
    double dl = 0.0;
    const double l = factor(std::clamp(x, 0.0, 1.0), &dl);
    if (x < 0.0 || x > 1.0) dl = 0.0;
    const double y = base * std::pow(10.0, l);
    if (dydx) *dydx = y * std::log(10.0) * dl;
    return y;
}
}  // namespace

double ActiveMaterial::D(double x, double T, double* dDdx) const {
    return lithiation_scaled(diffusivity, diffusivity_log10_factor, x, T, dDdx);
}

double ActiveMaterial::sigma(double x, double T, double* dsdx) const {
    return lithiation_scaled(conductivity, conductivity_log10_factor, x, T, dsdx);
}

// ---------------------------------------------------------------------------------------
// Library

MaterialLibrary::MaterialLibrary() {
    for (const auto& [path, text] : embedded_files()) {
        if (path.rfind("materials/", 0) != 0) continue;
        std::string stem = path.substr(10, path.size() - 10 - 5);  // materials/<stem>.yaml
        pending_[stem] = path;
    }
}

std::string material_run_text(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    bool in_sources = false;  // inside the top-level `sources:` entry
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t end = text.find('\n', pos);
        const std::size_t stop = end == std::string::npos ? text.size() : end;
        const std::size_t first = text.find_first_not_of(" \t\r", pos);
        const bool blank = first == std::string::npos || first >= stop;
        const bool comment = !blank && text[first] == '#';
        // A top-level entry (a non-blank, non-comment line at column 0) ends `sources:` or
        // starts it.
        if (!blank && !comment && first == pos) {
            static const std::string key = "sources:";
            in_sources = text.compare(pos, key.size(), key) == 0 &&
                         (pos + key.size() == stop || text[pos + key.size()] == ' ' ||
                          text[pos + key.size()] == '\t' || text[pos + key.size()] == '\r');
        }
        if (!in_sources && !comment) out.append(text, pos, stop - pos);
        if (end == std::string::npos) break;
        out += '\n';
        pos = end + 1;
    }
    return out;
}

void MaterialLibrary::parse_pending(const std::string& name) const {
    auto it = pending_.find(name);
    if (it == pending_.end()) return;
    std::string path = it->second;
    pending_.erase(it);
    if (nodes_.count(name)) return;  // a user definition of the same name wins
    ConfigNode n = ConfigNode::load_string(material_run_text(embedded_files().at(path)),
                                           "<embedded configs/" + path + ">");
    if (n.string("name") != name) n.fail("name", "must equal the file name '" + name + "'");
    nodes_[name] = n;
    lean_[name] = path;
}

void MaterialLibrary::parse_all() const {
    while (!pending_.empty()) {
        const std::string name = pending_.begin()->first;  // copy: parse_pending erases it
        parse_pending(name);
    }
}

void MaterialLibrary::add(const ConfigNode& material) {
    if (!material.is_map()) material.fail("a material must be a mapping with name and kind");
    std::string name = material.string("name");
    std::string kind = material.string("kind");
    static const std::vector<std::string> kinds = {"active", "inert", "electrolyte", "carbon",
                                                   "counter", "coating", "binder"};
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
        material.fail("kind", "unknown material kind '" + kind +
                                  "'; expected one of active, inert, electrolyte, carbon, "
                                  "counter, coating, binder");
    pending_.erase(name);
    lean_.erase(name);
    nodes_[name] = material;
}

void MaterialLibrary::add_file(const std::string& path) {
    // The path may name any file: a syntax error quotes no line, and a file that is not a
    // mapping is called what it is not, without quoting it.
    ConfigNode n = ConfigNode::load_file(path);
    if (!n.is_map() || !n.has("name") || !n.has("kind"))
        throw ConfigError(path, 0, "", "not a materials file; expected a YAML mapping with name, kind "
                                       "and the properties of its kind (see configs/materials/)");
    add(n);
}

std::vector<std::string> MaterialLibrary::names(const std::string& kind) const {
    parse_all();
    std::vector<std::string> out;
    for (const auto& [n, node] : nodes_) {
        std::string k = node.string("kind");
        if (kind.empty() || k == kind || (kind == "active" && k == "inert")) out.push_back(n);
    }
    return out;
}

const ConfigNode& MaterialLibrary::node(const std::string& name, const std::string& kind,
                                        const ConfigNode& where) const {
    parse_pending(name);
    auto it = nodes_.find(name);
    if (it == nodes_.end()) {
        auto options = names(kind);
        std::string msg = "unknown " + kind + " material '" + name + "'";
        std::string guess = closest_match(name, options);
        if (!guess.empty()) msg += "; did you mean '" + guess + "'?";
        msg += " Known: ";
        for (size_t i = 0; i < options.size(); ++i) msg += (i ? ", " : "") + options[i];
        where.fail(msg);
    }
    std::string k = it->second.string("kind");
    bool ok = k == kind || (kind == "active" && k == "inert");
    if (!ok) where.fail("material '" + name + "' is of kind '" + k + "', expected '" + kind + "'");
    return it->second;
}

namespace {

// Activation energies up to 5 eV: beyond that exp() of the Arrhenius factor overflows at
// the temperatures simulated.
constexpr double kMaxActivationEnergy = 5.0 * constants::F;  // [J/mol]
const char* const kActivationRange = "from 0 to 5 eV (482 kJ/mol)";

Arrhenius read_arrhenius(const ConfigNode& n, const Dimension& d) {
    Arrhenius a;
    if (n.is_scalar()) {
        a.reference = n.quantity(d);
        return a;
    }
    a.reference = n.at("reference").quantity(d);
    a.reference_temperature = n.quantity("reference_temperature", dim::temperature, 298.15);
    a.activation_energy = n.quantity("activation_energy", dim::molar_energy, 0.0);
    return a;
}

Table1D read_factor_table(const ConfigNode& n) {
    n.allow_only({"stoichiometry", "log10_factor"});
    try {
        return Table1D(n.numbers("stoichiometry"), n.numbers("log10_factor"),
                       Table1D::Kind::linear);
    } catch (const std::invalid_argument& e) {
        n.fail(e.what());
    }
}

// A positive property (densities, c_max, rate constants) or one that may be zero (optional
// conductivities, molar volumes): zero or negative values would give negative volume
// fractions or divide by zero far downstream, so they stop at load.
double given_or(const ConfigNode& n, const std::string& key, const Dimension& d, double fallback) {
    return n.has(key) ? n.quantity(key, d) : fallback;
}

}  // namespace

void Arrhenius::validate(const FieldError& fail, const std::string& key, const Dimension& d,
                         bool allow_zero) const {
    FieldChecks check(fail);
    check.sign(key + ".reference", reference, d, allow_zero);
    check.range(key + ".reference_temperature", reference_temperature, kMinTemperature,
                kMaxTemperature, "a temperature from -73 degC to 227 degC");
    check.range(key + ".activation_energy", activation_energy, 0.0, kMaxActivationEnergy,
                kActivationRange);
}

void ActiveMaterial::validate(const FieldError& fail) const {
    FieldChecks check(fail);
    check.sign("density", density, dim::density, false);
    conductivity.validate(fail, "electronic_conductivity", dim::conductivity, true);
    if (inert) return;
    check.sign("c_max", c_max, dim::concentration, false);
    check.sign("theoretical_capacity", theoretical_capacity, dim::specific_charge, false);
    check.require(0 <= x_min && x_min < x_max && x_max <= 1, "stoichiometry_range",
                  "expected [x_min, x_max] with 0 <= x_min < x_max <= 1");
    diffusivity.validate(fail, "diffusivity", dim::diffusivity, false);
    exchange_current.validate(fail, "exchange_current", dim::current_density, false);
    check.range("exchange_current.alpha_a", alpha_a, 0.0, 1.0, "0 <= alpha_a <= 1");
    check.range("exchange_current.alpha_c", alpha_c, 0.0, 1.0, "0 <= alpha_c <= 1");
    check.range("relithiation.exponent", relithiation.exponent, 0.0, 20.0, "in [0, 20]");
    relithiation.resistance.validate(fail, "relithiation.resistance", dim::area_resistance, true);
    check.range("relithiation.onset", relithiation.onset, 0.5, 1.0, "a stoichiometry in [0.5, 1]");
    check.range("relithiation.width", relithiation.width, 1e-4, 0.1, "in [1e-4, 0.1]");
    check.range("relithiation.floor", relithiation.floor, 0.0, 0.5, "in [0, 0.5]");
    check.range("relithiation.current_scale", relithiation.current_scale, 1e-9, 1.0, "a current density in [1e-9, 1] A/m2");
    check.range("fracture.rate", fracture.rate, 0.0, 1e6, "in [0, 1e6] (0: off)");
    check.range("fracture.critical_strain", fracture.critical_strain, 0.0, 0.5, "a volumetric strain in [0, 0.5]");
    check.require(fracture.transition_strain == 0.0 ||
                      (fracture.transition_strain > fracture.critical_strain && fracture.transition_strain <= 0.5),
                  "fracture.transition_strain", "must be 0 (none) or a volumetric strain in (critical_strain, 0.5]");
    check.range("fracture.exponent", fracture.exponent, 1.0, 10.0, "in [1, 10]");
    check.range("fracture.saturation", fracture.saturation, 0.01, 0.99, "a fraction in [0.01, 0.99]");
    check.require(!fracture.on() || !volume_change.empty(), "fracture",
                  "needs the material's volume_change table (the strain that drives it)");
    const auto& rs = surface_reconstruction;
    rs.rate_constant.validate(fail, "surface_reconstruction.rate_constant", dim::diffusivity, true);
    if (rs.on()) {
        check.range("surface_reconstruction.onset", rs.onset, 0.0, 1.0, "a stoichiometry in [0, 1]");
        check.range("surface_reconstruction.width", rs.width, 1e-4, 0.1, "in [1e-4, 0.1]");
        check.range("surface_reconstruction.transition_thickness", rs.transition_thickness, 1e-11, 1e-6,
                    "a thickness in [0.01 nm, 1 um]");
        rs.conductivity.validate(fail, "surface_reconstruction.conductivity", dim::conductivity, false);
    }
}

void SolidElectrolyte::validate(const FieldError& fail) const {
    FieldChecks check(fail);
    check.sign("density", density, dim::density, false);
    ionic_conductivity.validate(fail, "ionic_conductivity", dim::conductivity, false);
    check.sign("electronic_conductivity", electronic_conductivity, dim::conductivity, true);
    check.sign("molar_volume", molar_volume, dim::molar_volume, true);
    check.sign("decomposed_molar_volume", decomposed_molar_volume, dim::molar_volume, true);
    check.sign("youngs_modulus", youngs_modulus, dim::pressure, true);
}

void Carbon::validate(const FieldError& fail) const {
    FieldChecks check(fail);
    check.sign("density", density, dim::density, false);
    check.sign("specific_surface_area", specific_surface_area, dim::specific_area, true);
    check.sign("conductivity", conductivity, dim::conductivity, false);
    check.range("percolation_threshold", percolation_threshold, 0.0, 0.99,
                "a volume fraction in [0, 0.99]");
}

void CounterElectrodeMaterial::validate(const FieldError& fail) const {
    FieldChecks check(fail);
    check.sign("exchange_current_density", exchange_current.reference, dim::current_density, false);
    check.range("exchange_current_activation_energy", exchange_current.activation_energy, 0.0,
                kMaxActivationEnergy, kActivationRange);
    check.sign("area_specific_resistance", area_resistance, dim::area_resistance, true);
    check.sign("specific_capacity", specific_capacity, dim::specific_charge, true);
}

void Coating::validate(const FieldError& fail) const {
    FieldChecks check(fail);
    check.sign("density", density, dim::density, false);
    check.sign("ionic_conductivity", ionic_conductivity, dim::conductivity, true);
    check.plausible("closure_thickness", closure_thickness, dim::length, 1e-11, 1e-6, "2.5 nm");
    check.range("blocking", blocking, 0.0, 1.0, "a fraction in [0, 1]");
    // The fracture keys (models/coating_fracture.hpp): all or none of E and Gamma.
    if (youngs_modulus != 0.0 || fracture_energy != 0.0 || interface_fracture_energy != 0.0) {
        check.require(youngs_modulus > 0.0, "youngs_modulus", "a fracture key is given: give youngs_modulus (> 0) too");
        check.require(fracture_energy > 0.0, "fracture_energy", "a fracture key is given: give fracture_energy (> 0) too");
        check.plausible("youngs_modulus", youngs_modulus, dim::pressure, 1e9, 1e12, "100 GPa");
        check.plausible("fracture_energy", fracture_energy, kSurfaceEnergy, 1e-3, 1e3, "0.2 J/m2");
        check.plausible("fracture_time", fracture_time, dim::time, 1.0, 1e9, "100 h");
        if (interface_fracture_energy != 0.0)
            check.plausible("interface_fracture_energy", interface_fracture_energy, kSurfaceEnergy, 1e-3, 1e3, "0.2 J/m2");
    }
    check.range("poisson_ratio", poisson_ratio, 0.0, 0.49, "a Poisson ratio in [0, 0.49]");
}

void Binder::validate(const FieldError& fail) const {
    FieldChecks check(fail);
    check.sign("density", density, dim::density, false);
    check.sign("youngs_modulus", youngs_modulus, dim::pressure, true);
}

namespace {
// One site's kinetics a material carries: the keys of chemistry.sites.<site>, each replacing
// the chemistry's value, then rate_factor (x the three oxidation rate constants) and
// onset_shift (+ onset_potential [V]). Checked here against the defaults so a bad value
// names the material file, line and key.
void check_site_entry(const ConfigNode& n) {
    if (!n.is_map()) n.fail("expected a mapping of site-kinetics keys (rate_constant, alpha, ..., "
                            "rate_factor, onset_shift), as in chemistry.sites");
    std::vector<std::string> keys = site_kinetics_keys();
    keys.push_back("rate_factor");
    keys.push_back("onset_shift");
    keys.push_back("interphase_conductivity_factor");  // CAM entries only (resolve_material_kinetics)
    n.allow_only(keys);
    const SiteKinetics s = apply_site_keys(n, SiteKinetics{}, 298.15);
    const FieldError fail = config_fields(n);  // FieldChecks keeps a reference
    const FieldChecks check(fail);
    validate_site(check, "", s);
    check.range("rate_factor", n.number("rate_factor", 1.0), 0.0, 1e6, "a factor in [0, 1e6]");
    check.range("onset_shift", n.quantity("onset_shift", dim::voltage, 0.0), -1.0, 1.0,
                "a shift from -1 V to 1 V");
    const double kf = n.number("interphase_conductivity_factor", 1.0);
    check.require(kf > 0.0 && kf <= 1e6, "interphase_conductivity_factor", "must be a factor in (0, 1e6]");
}

void check_reaction_entry(const ConfigNode& n) {
    if (!n.is_map()) n.fail("expected a mapping of keys as in chemistry.lattice_oxygen");
    n.allow_only(passivating_reaction_keys());
    const FieldError fail = config_fields(n);
    validate_reaction(FieldChecks(fail), "", apply_reaction_keys(n, PassivatingReaction{}, 298.15));
}
}  // namespace

namespace {
void read_ocv(const ConfigNode& ocv, ActiveMaterial& m) {
    std::string type = ocv.string("type");
    if (type == "nmc532_mohtat2020") {
        ocv.allow_only({"type", "barrier", "source"});
        m.ocv = OpenCircuitPotential::mohtat2020(ocv.boolean("barrier", true));
    } else if (type == "table") {
        ocv.allow_only({"type", "stoichiometry", "potential", "reference_temperature", "source"});
        auto x = ocv.numbers("stoichiometry");
        auto U = ocv.numbers("potential");
        try {
            m.ocv = OpenCircuitPotential::table(Table1D(x, U, Table1D::Kind::pchip));
        } catch (const std::invalid_argument& e) {
            ocv.fail(e.what());
        }
        for (size_t i = 1; i < U.size(); ++i)
            if (!(U[i] < U[i - 1])) ocv.fail("potential", "must decrease strictly with x");
    } else {
        ocv.fail("type", "unknown OCV type '" + type + "'; expected table or nmc532_mohtat2020");
    }
}

// The intercalation properties of an active (not inert) material.
void read_intercalation(const ConfigNode& n, ActiveMaterial& m) {
    m.c_max = n.quantity("c_max", dim::concentration);
    m.theoretical_capacity = n.quantity("theoretical_capacity", dim::specific_charge);
    if (n.has("stoichiometry_range")) {
        auto r = n.numbers("stoichiometry_range");
        if (r.size() != 2)
            n.fail("stoichiometry_range", "expected [x_min, x_max] with 0 <= x_min < x_max <= 1");
        m.x_min = r[0];
        m.x_max = r[1];
    }
    read_ocv(n.at("ocv"), m);
    ConfigNode D = n.at("diffusivity");
    D.allow_only({"reference", "reference_temperature", "activation_energy", "lithiation_factor"});
    m.diffusivity = read_arrhenius(D, dim::diffusivity);
    if (D.has("lithiation_factor")) m.diffusivity_log10_factor = read_factor_table(D["lithiation_factor"]);
    ConfigNode k = n.at("exchange_current");
    k.allow_only({"reference", "reference_temperature", "activation_energy", "alpha_a", "alpha_c"});
    m.exchange_current = read_arrhenius(k, dim::current_density);
    m.alpha_a = k.number("alpha_a", 0.5);
    m.alpha_c = k.number("alpha_c", 0.5);
    if (n.has("relithiation")) {
        // Hindered relithiation (ActiveMaterial::Relithiation): absent, off.
        ConfigNode h = n["relithiation"];
        h.allow_only({"exponent", "resistance", "onset", "width", "floor", "current_scale"});
        m.relithiation.exponent = h.number("exponent", 0.0);
        if (h.has("resistance")) m.relithiation.resistance = read_arrhenius(h["resistance"], dim::area_resistance);
        m.relithiation.onset = h.number("onset", m.relithiation.onset);
        m.relithiation.width = h.number("width", m.relithiation.width);
        m.relithiation.floor = h.number("floor", m.relithiation.floor);
        if (h.has("current_scale")) m.relithiation.current_scale = h.quantity("current_scale", dim::current_density);
    }
    if (n.has("fracture")) {
        // Particle fatigue fracture (ActiveMaterial::Fracture): absent, off.
        ConfigNode h = n["fracture"];
        h.allow_only({"rate", "critical_strain", "transition_strain", "exponent", "saturation"});
        m.fracture.rate = h.number("rate", 0.0);
        m.fracture.critical_strain = h.number("critical_strain", 0.0);
        m.fracture.transition_strain = h.number("transition_strain", 0.0);
        m.fracture.exponent = h.number("exponent", m.fracture.exponent);
        m.fracture.saturation = h.number("saturation", m.fracture.saturation);
    }
    if (n.has("surface_reconstruction")) {
        // Rock-salt surface reconstruction (ActiveMaterial::SurfaceReconstruction): absent, off.
        ConfigNode r = n["surface_reconstruction"];
        r.allow_only({"rate_constant", "onset", "width", "transition_thickness", "conductivity"});
        auto& rs = m.surface_reconstruction;
        for (const char* key : {"rate_constant", "conductivity"})
            if (r.at(key).is_map()) r.at(key).allow_only({"reference", "reference_temperature", "activation_energy"});
        rs.rate_constant = read_arrhenius(r.at("rate_constant"), dim::diffusivity);
        rs.onset = r.number("onset", rs.onset);
        rs.width = r.number("width", rs.width);
        if (r.has("transition_thickness")) rs.transition_thickness = r.quantity("transition_thickness", dim::length);
        rs.conductivity = read_arrhenius(r.at("conductivity"), dim::conductivity);
    }
    if (n.has("volume_change")) {
        ConfigNode v = n["volume_change"];
        v.allow_only({"stoichiometry", "relative"});
        try {
            m.volume_change = Table1D(v.numbers("stoichiometry"), v.numbers("relative"),
                                      Table1D::Kind::linear);
        } catch (const std::invalid_argument& e) {
            v.fail(e.what());
        }
    }
}
}  // namespace

ActiveMaterial MaterialLibrary::active(const std::string& name, const ConfigNode& where) const {
    const ConfigNode& n = node(name, "active", where);
    n.allow_only({"name", "kind", "density", "c_max", "theoretical_capacity",
                  "stoichiometry_range", "ocv", "diffusivity", "exchange_current", "relithiation",
                  "fracture", "surface_reconstruction", "electronic_conductivity", "volume_change", "se_oxidation", "lattice_oxygen",
                  "double_layer_capacitance", "sources", "notes"});
    ActiveMaterial m;
    m.name = name;
    m.inert = n.string("kind") == "inert";
    m.density = n.quantity("density", dim::density);
    m.double_layer_capacitance = n.quantity("double_layer_capacitance", dim::area_capacitance, 0.2);
    if (!(m.double_layer_capacitance >= 0))
        n.fail("double_layer_capacitance", "must be >= 0 [F/m2], such as \"20 uF/cm2\"");
    ConfigNode sigma = n["electronic_conductivity"];
    if (sigma.is_map())
        sigma.allow_only({"reference", "reference_temperature", "activation_energy", "lithiation_factor"});
    if (sigma.defined()) m.conductivity = read_arrhenius(sigma, dim::conductivity);
    if (sigma.is_map() && sigma.has("lithiation_factor"))
        m.conductivity_log10_factor = read_factor_table(sigma["lithiation_factor"]);
    if (!m.inert) read_intercalation(n, m);
    m.validate(config_fields(n));
    if (n.has("se_oxidation")) {
        m.se_oxidation = n["se_oxidation"];
        check_site_entry(m.se_oxidation);
    }
    if (n.has("lattice_oxygen")) {
        m.lattice_oxygen = n["lattice_oxygen"];
        check_reaction_entry(m.lattice_oxygen);
    }
    return m;
}

SolidElectrolyte MaterialLibrary::electrolyte(const std::string& name,
                                              const ConfigNode& where) const {
    const ConfigNode& n = node(name, "electrolyte", where);
    n.allow_only({"name", "kind", "density", "molar_mass", "molar_volume",
                  "decomposed_molar_volume", "ionic_conductivity", "electronic_conductivity",
                  "youngs_modulus", "sources", "notes"});
    SolidElectrolyte s;
    s.name = name;
    s.density = n.quantity("density", dim::density);
    if (n["ionic_conductivity"].is_map())
        n["ionic_conductivity"].allow_only({"reference", "reference_temperature", "activation_energy"});
    s.ionic_conductivity = read_arrhenius(n.at("ionic_conductivity"), dim::conductivity);
    s.electronic_conductivity = given_or(n, "electronic_conductivity", dim::conductivity, 0.0);
    s.molar_volume = given_or(n, "molar_volume", dim::molar_volume, 0.0);
    s.decomposed_molar_volume = given_or(n, "decomposed_molar_volume", dim::molar_volume, 0.0);
    s.youngs_modulus = given_or(n, "youngs_modulus", dim::pressure, 0.0);
    s.validate(config_fields(n));
    return s;
}

Carbon MaterialLibrary::carbon(const std::string& name, const ConfigNode& where) const {
    const ConfigNode& n = node(name, "carbon", where);
    n.allow_only({"name", "kind", "density", "specific_surface_area", "conductivity",
                  "percolation_threshold", "se_oxidation", "sources", "notes"});
    Carbon c;
    c.name = name;
    c.density = n.quantity("density", dim::density);
    if (!n.has("specific_surface_area")) n.fail("specific_surface_area", "required key is missing");
    c.specific_surface_area = n.quantity("specific_surface_area", dim::specific_area);
    c.conductivity = n.quantity("conductivity", dim::conductivity);
    c.percolation_threshold = n.number("percolation_threshold", 0.0);
    c.validate(config_fields(n));
    if (n.has("se_oxidation")) {
        c.se_oxidation = n["se_oxidation"];
        if (!c.se_oxidation.is_map()) c.se_oxidation.fail("expected a mapping with `carbon` and/or `tpb`");
        c.se_oxidation.allow_only({"carbon", "tpb"});
        for (const char* site : {"carbon", "tpb"})
            if (c.se_oxidation.has(site)) {
                check_site_entry(c.se_oxidation[site]);
                if (c.se_oxidation[site].has("interphase_conductivity_factor"))
                    c.se_oxidation[site].fail("interphase_conductivity_factor",
                                              "is a key of the active material's se_oxidation, not of a carbon");
            }
    }
    return c;
}

CounterElectrodeMaterial MaterialLibrary::counter(const std::string& name,
                                                  const ConfigNode& where) const {
    const ConfigNode& n = node(name, "counter", where);
    n.allow_only({"name", "kind", "potential", "exchange_current_density",
                  "exchange_current_activation_energy", "exchange_current_reference_temperature",
                  "area_specific_resistance", "double_layer_capacitance",
                  "specific_capacity", "sources", "notes"});
    CounterElectrodeMaterial c;
    c.name = name;
    c.potential = n.quantity("potential", dim::voltage);
    c.exchange_current.reference = n.quantity("exchange_current_density", dim::current_density);
    c.exchange_current.activation_energy =
        n.quantity("exchange_current_activation_energy", dim::molar_energy, 0.0);
    c.exchange_current.reference_temperature =
        n.quantity("exchange_current_reference_temperature", dim::temperature, 298.15);
    c.area_resistance = given_or(n, "area_specific_resistance", dim::area_resistance, 0.0);
    c.specific_capacity = given_or(n, "specific_capacity", dim::specific_charge, 0.0);
    c.double_layer_capacitance = n.quantity("double_layer_capacitance", dim::area_capacitance, 0.2);
    if (!(c.double_layer_capacitance >= 0))
        n.fail("double_layer_capacitance", "must be >= 0 [F/m2], such as \"20 uF/cm2\"");
    c.validate(config_fields(n));
    return c;
}

Coating MaterialLibrary::coating(const std::string& name, const ConfigNode& where) const {
    const ConfigNode& n = node(name, "coating", where);
    n.allow_only({"name", "kind", "density", "ionic_conductivity", "closure_thickness", "blocking",
                  "youngs_modulus", "poisson_ratio", "fracture_energy", "interface_fracture_energy", "fracture_time",
                  "sources", "notes"});
    Coating c;
    c.name = name;
    c.density = n.quantity("density", dim::density);
    c.ionic_conductivity = given_or(n, "ionic_conductivity", dim::conductivity, 0.0);
    // A layer of a few nm closes (Ma et al., Study C: 0.36 wt% islands, 0.76 wt% closed).
    c.closure_thickness = given_or(n, "closure_thickness", dim::length, 2.5e-9);
    c.blocking = n.number("blocking", 1.0);
    c.youngs_modulus = given_or(n, "youngs_modulus", dim::pressure, 0.0);
    c.poisson_ratio = n.number("poisson_ratio", 0.25);
    c.fracture_energy = given_or(n, "fracture_energy", kSurfaceEnergy, 0.0);
    c.interface_fracture_energy = given_or(n, "interface_fracture_energy", kSurfaceEnergy, 0.0);
    c.fracture_time = given_or(n, "fracture_time", dim::time, 100.0 * 3600.0);
    c.validate(config_fields(n));
    return c;
}

Binder MaterialLibrary::binder(const std::string& name, const ConfigNode& where) const {
    const ConfigNode& n = node(name, "binder", where);
    n.allow_only({"name", "kind", "density", "youngs_modulus", "sources", "notes"});
    Binder b;
    b.name = name;
    b.density = n.quantity("density", dim::density);
    b.youngs_modulus = given_or(n, "youngs_modulus", dim::pressure, 0.0);
    b.validate(config_fields(n));
    return b;
}

std::vector<MaterialLibrary::Definition> MaterialLibrary::definitions() const {
    std::vector<Definition> out;
    std::vector<std::string> seen;
    for (const char* kind : {"active", "electrolyte", "carbon", "counter", "coating", "binder"}) {
        for (const auto& name : names(kind)) {
            if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
            seen.push_back(name);
            const ConfigNode& n = node(name, kind, ConfigNode());
            auto lean = lean_.find(name);
            if (lean != lean_.end()) {
                // Read for a run without its `sources`: the whole file now.
                nodes_[name] = ConfigNode::load_string(embedded_files().at(lean->second),
                                                       "<embedded configs/" + lean->second + ">");
                lean_.erase(lean);
            }
            out.push_back({name, n.string("kind"), yaml_text(nodes_.at(name))});
        }
    }
    return out;
}

}  // namespace ssbsim
