#include "params/cell.hpp"

#include <cmath>
#include <sstream>

#include "core/error.hpp"
#include "core/format.hpp"

namespace ssbsim {

using namespace units;

namespace {

const char* const kTortuosityRule =
    "a tortuosity must be >= 1 (or {bruggeman: b}); for a composite that conducts better than "
    "sigma eps, give its measured effective conductivity instead (cathode.ionic_conductivity or "
    "cathode.electronic_conductivity, such as \"0.1 S/m\")";

// Tortuosity given as a number >= 1 or as {bruggeman: b}: sigma_eff = sigma eps^b, so
// with sigma_eff = sigma eps / tau the tortuosity is tau = eps^(1 - b).
double read_tortuosity(const ConfigNode& parent, const std::string& key, double eps,
                       double fallback) {
    ConfigNode t = parent[key];
    if (!t.defined()) return fallback;
    if (t.is_map()) {
        t.allow_only({"bruggeman"});
        double b = t.number("bruggeman");
        t.in_range("bruggeman", b, 1.0, 10.0, "an exponent between 1 and 10 (sigma_eff = sigma eps^b)");
        if (eps <= 0) return 1.0;
        return std::pow(eps, 1.0 - b);
    }
    return t.number();
}

double quantity_if(const ConfigNode& n, const std::string& key, const Dimension& d, double fallback) {
    return n.has(key) ? n.quantity(key, d) : fallback;
}

// `stack_pressure`: a pressure (held constant), or {initial, constraint: die | constant,
// stiffness} (MODEL.md section 6).
void read_stack_pressure(const ConfigNode& cell, CellSpec& c) {
    if (!cell.has("stack_pressure")) return;
    const ConfigNode p = cell["stack_pressure"];
    if (!p.is_map()) {
        c.stack_pressure = cell.quantity("stack_pressure", dim::pressure);
        return;
    }
    p.allow_only({"initial", "constraint", "stiffness"});
    c.pressure_law.mapping = true;
    c.stack_pressure = p.quantity("initial", dim::pressure);
    const std::string k = p.string("constraint", "constant");
    if (k == "die") c.pressure_law.constraint = StackPressureLaw::Constraint::die;
    else if (k == "constant") c.pressure_law.constraint = StackPressureLaw::Constraint::constant;
    else p.fail("constraint", "must be 'die' or 'constant', not '" + k + "'");
    c.pressure_law.stiffness = p.quantity("stiffness", dim::pressure, c.pressure_law.stiffness);
}

void read_counter(const ConfigNode& ce, const MaterialLibrary& lib, CellSpec& c) {
    if (ce.is_scalar()) {
        c.counter = lib.counter(ce.string(), ce);
        return;
    }
    ce.allow_only({"material", "potential", "exchange_current_density", "area_specific_resistance"});
    c.counter = lib.counter(ce.string("material"), ce.at("material"));
    c.counter.potential = ce.quantity("potential", dim::voltage, c.counter.potential);
    c.counter.exchange_current.reference = ce.quantity(
        "exchange_current_density", dim::current_density, c.counter.exchange_current.reference);
    c.counter.area_resistance = ce.quantity("area_specific_resistance", dim::area_resistance,
                                            c.counter.area_resistance);
}

void read_separator(const ConfigNode& sep, const MaterialLibrary& lib, CellSpec& c) {
    sep.allow_only({"thickness", "electrolyte", "porosity", "tortuosity"});
    c.separator_thickness = sep.quantity("thickness", dim::length);
    c.separator_electrolyte = lib.electrolyte(sep.string("electrolyte", "Li6PS5Cl"),
                                              sep["electrolyte"].defined() ? sep["electrolyte"] : sep);
    c.separator_porosity = sep.number("porosity", 0.0);
    c.separator_tortuosity = read_tortuosity(sep, "tortuosity", 1 - c.separator_porosity, 1.0);
}

// Coating: a name or {material, blocking} (factor form: blocking is the share of the CAM-side
// and TPB SE reaction the shell suppresses, 0.8 when only the name is given), or
// {material, mass_fraction | thickness, blocking} (layer form, CoatingLayer: blocking of the
// covered surface, the coating material's when not given).
void read_coating(const ConfigNode& cat, const MaterialLibrary& lib, CellSpec& c) {
    ConfigNode coat = cat["coating"];
    c.coating = coat.is_map() ? coat.string("material") : cat.string("coating", "none");
    if (c.coating == "none") {
        if (coat.is_map()) coat.allow_only({"material"});
        c.coating.clear();
        c.coating_blocking = 0.0;
        return;
    }
    c.coating_material = lib.coating(c.coating, coat.is_map() ? coat.at("material") : coat);
    if (!c.has_cam) cat.fail("coating", "a coating covers the CAM, and this cathode has none");
    if (!coat.is_map()) {
        c.coating_blocking = 0.8;
        return;
    }
    coat.allow_only({"material", "blocking", "mass_fraction", "thickness"});
    if (coat.has("mass_fraction") && coat.has("thickness"))
        coat.fail("thickness", "give one of mass_fraction (of the coated CAM, such as 0.0138) and thickness");
    c.coating_mass_fraction = coat.number("mass_fraction", 0.0);
    coat.in_range("mass_fraction", c.coating_mass_fraction, 0.0, 0.5, "a mass fraction in [0, 0.5] (1.38 wt% = 0.0138)");
    c.coating_thickness = quantity_if(coat, "thickness", dim::length, 0.0);
    const bool layer = c.coating_mass_fraction > 0 || c.coating_thickness > 0;
    c.coating_blocking = coat.number("blocking", layer ? c.coating_material.blocking : 0.8);
}

// Active material, electrolyte, carbon and coating of the composite cathode.
void read_cathode_materials(const ConfigNode& cat, const MaterialLibrary& lib, CellSpec& c) {
    const std::string cam_name = cat.string("active_material");
    c.has_cam = cam_name != "none";
    if (c.has_cam) {
        c.cam = lib.active(cam_name, cat.at("active_material"));
    } else {
        c.cam = ActiveMaterial{};
        c.cam.name = "none";
        c.cam.inert = true;
        c.cam.density = 1.0;
    }
    c.electrolyte = lib.electrolyte(cat.string("electrolyte", "Li6PS5Cl"),
                                    cat["electrolyte"].defined() ? cat["electrolyte"] : cat);
    std::string carbon = cat.string("carbon", "none");
    c.has_carbon = carbon != "none";
    if (c.has_carbon) c.carbon = lib.carbon(carbon, cat.at("carbon"));
    // Overrides the carbon's specific surface area (parameter studies on carbon).
    if (cat.has("carbon_specific_surface_area")) {
        if (!c.has_carbon) cat.fail("carbon_specific_surface_area", "the cathode has no carbon");
        c.carbon.specific_surface_area = cat.quantity("carbon_specific_surface_area", dim::specific_area);
    }
    read_coating(cat, lib, c);
}

// The binder's density: from cathode.binder_material (a material of kind binder) or
// cathode.binder_density; needed for a binder mass fraction.
void read_binder(const ConfigNode& cat, const MaterialLibrary& lib, CellSpec& c) {
    if (cat.has("binder_material") && cat.has("binder_density"))
        cat.fail("binder_density", "give one of binder_material and binder_density");
    if (cat.has("binder_material")) {
        c.binder = lib.binder(cat.string("binder_material"), cat.at("binder_material"));
    } else if (cat.has("binder_density")) {
        c.binder.name = "binder";
        c.binder.density = cat.quantity("binder_density", dim::density);
        if (!(c.binder.density > 0)) cat.fail("binder_density", "a density must be > 0, such as \"0.92 g/cm3\"");
    }
}

void read_composition(const ConfigNode& comp, CellSpec& c) {
    comp.allow_only({"basis", "active_material", "electrolyte", "carbon", "binder", "normalize"});
    Composition w;
    w.basis = comp.string("basis", "mass");
    w.active_material = comp.number("active_material", 0.0);
    w.electrolyte = comp.number("electrolyte");
    w.carbon = comp.number("carbon", 0.0);
    w.binder = comp.number("binder", 0.0);
    // normalize: true rescales the fractions to sum to 1 (sweeping one fraction alone).
    if (comp.boolean("normalize", false)) {
        double sum = w.active_material + w.electrolyte + w.carbon + w.binder;
        if (!(sum > 0)) comp.fail("the fractions sum to zero");
        w.active_material /= sum;
        w.electrolyte /= sum;
        w.carbon /= sum;
        w.binder /= sum;
    }
    validate_composition(w, c.has_cam, c.has_carbon, config_fields(comp));
    if (w.basis != "mass" && w.basis != "volume") comp.fail("basis", "expected 'mass' or 'volume'");
    if (w.basis == "mass" && w.binder > 0 && !(c.binder.density > 0))
        comp.fail("binder", "a binder mass fraction needs cathode.binder_material (such as PIB) or "
                            "cathode.binder_density (such as \"0.92 g/cm3\")");
    std::string error;
    const VolumeFractions eps = volume_fractions(c, w, error);
    if (!error.empty()) comp.fail(error);
    c.composition = w;
    c.eps_cam = eps.cam;
    c.eps_se = eps.se;
    c.eps_carbon = eps.carbon;
    c.eps_binder = eps.binder;
    if (c.eps_binder > 0 && c.binder.name.empty()) c.binder.name = "binder";
}

// Effective conductivities measured on the composite, at conductivity_temperature (default:
// the cell temperature), in place of the tortuosity forms.
void read_conductivities(const ConfigNode& cat, CellSpec& c) {
    const bool ionic = cat.has("ionic_conductivity"), electronic = cat.has("electronic_conductivity");
    if (ionic && cat.has("ionic_tortuosity"))
        cat.fail("ionic_conductivity", "give either ionic_tortuosity or ionic_conductivity (the measured "
                                       "effective conductivity of the composite), not both");
    if (cat.has("conductivity_temperature") && !ionic && !electronic)
        cat.fail("conductivity_temperature", "applies to cathode.ionic_conductivity or "
                                             "cathode.electronic_conductivity; neither is given");
    const double T0 = cat.quantity("conductivity_temperature", dim::temperature, c.temperature);
    if (cat.has("conductivity_temperature"))
        cat.in_range("conductivity_temperature", T0, kMinTemperature, kMaxTemperature,
                     "a temperature from -73 degC to 227 degC");
    auto read = [&](const char* key, double Ea) {
        const double v = cat.quantity(key, dim::conductivity);
        if (!(v > 0)) cat.fail(key, "an effective conductivity must be > 0, such as \"0.1 S/m\"");
        return Arrhenius{v, T0, Ea};
    };
    if (ionic) c.ionic_conductivity_given = read("ionic_conductivity", c.electrolyte.ionic_conductivity.activation_energy);
    // The carbon network's conductivity carries no activation energy in the library.
    if (electronic) c.electronic_conductivity_given = read("electronic_conductivity", 0.0);
}

// Loading or thickness (one follows from the other), the reference loading, particle size.
void read_sizing(const ConfigNode& cat, CellSpec& c) {
    bool has_loading = cat.has("loading"), has_thickness = cat.has("thickness");
    c.reference_loading = quantity_if(cat, "reference_loading", dim::areal_mass, 0.0);
    if (!c.has_cam) {
        if (!has_thickness || !cat.has("reference_loading"))
            cat.fail("a cell without CAM needs 'thickness' and 'reference_loading' (the CAM mass per "
                     "area capacities refer to, such as \"11.5 mg/cm2\")");
        if (has_loading) cat.fail("loading", "a cell without CAM has no CAM loading; use reference_loading");
    }
    if (has_loading == has_thickness)
        cat.fail("give exactly one of 'loading' (CAM mass per area, such as \"11.5 mg/cm2\") "
                 "and 'thickness' (such as \"60 um\")");
    c.thickness_given = has_thickness;
    if (has_loading) {
        c.loading = cat.quantity("loading", dim::areal_mass);
        c.thickness = c.loading / (c.cam.density * c.eps_cam);
    } else {
        c.thickness = cat.quantity("thickness", dim::length);
        c.loading = c.thickness * c.cam.density * c.eps_cam;
        if (c.has_cam && c.cam.inert && c.reference_loading <= 0) c.reference_loading = c.loading;
    }
    c.particle_radius = c.has_cam || cat.has("particle_radius")
                            ? cat.quantity("particle_radius", dim::length)
                            : 1e-6;
}

void read_initial_state(const ConfigNode& cat, CellSpec& c) {
    if (cat.has("initial_stoichiometry") && cat.has("initial_potential"))
        cat.fail("give at most one of initial_stoichiometry and initial_potential");
    if (c.cam.inert) {
        c.initial_stoichiometry = 0.0;
        c.initial_potential_inert = quantity_if(cat, "initial_potential", dim::voltage, 0.0);
    } else if (cat.has("initial_potential")) {
        double U = cat.quantity("initial_potential", dim::voltage);
        double lo = c.cam.ocv(1.0), hi = c.cam.ocv(0.0);
        if (!(U > lo && U < hi)) {
            std::ostringstream os;
            os << "the OCV of " << c.cam.name << " spans " << lo << " to " << hi << " V";
            cat.fail("initial_potential", os.str());
        }
        c.initial_stoichiometry = c.cam.ocv.inverse(U);
    } else {
        c.initial_stoichiometry = cat.number("initial_stoichiometry", c.cam.x_max);
    }
}

void read_cathode(const ConfigNode& cat, const MaterialLibrary& lib, CellSpec& c) {
    cat.allow_only({"active_material", "electrolyte", "carbon", "coating", "composition",
                    "porosity", "loading", "thickness", "particle_radius", "ionic_tortuosity",
                    "electronic_tortuosity", "contact_resistance", "film_resistance",
                    "film_capacitance", "initial_stoichiometry", "initial_potential", "reference_loading",
                    "carbon_specific_surface_area", "binder_material", "binder_density",
                    "ionic_conductivity", "electronic_conductivity", "conductivity_temperature",
                    "material_kinetics"});
    read_cathode_materials(cat, lib, c);
    read_binder(cat, lib, c);
    c.porosity = cat.number("porosity", 0.0);
    cat.in_range("porosity", c.porosity, 0.0, 0.9, "a fraction in [0, 0.9]");  // the fractions need it
    read_composition(cat.at("composition"), c);
    read_sizing(cat, c);
    read_conductivities(cat, c);
    c.material_kinetics = cat.boolean("material_kinetics", true);
    // Default: Bruggeman, tau = eps^-0.5.
    c.ionic_tortuosity = read_tortuosity(cat, "ionic_tortuosity", c.eps_se, std::pow(c.eps_se, -0.5));
    c.electronic_tortuosity = read_tortuosity(cat, "electronic_tortuosity",
                                              c.eps_carbon + c.eps_cam, 1.0);
    c.contact_resistance = quantity_if(cat, "contact_resistance", dim::area_resistance, 0.0);
    c.film_resistance = quantity_if(cat, "film_resistance", dim::area_resistance, 0.0);
    c.film_capacitance = quantity_if(cat, "film_capacitance", dim::area_capacitance, kFilmCapacitance);
    read_initial_state(cat, c);
}

}  // namespace

VolumeFractions volume_fractions(const CellSpec& c, const Composition& w, std::string& error) {
    VolumeFractions eps;
    // The binder adds to the sums only when given (so the sums are as before without it).
    const double sum = w.binder > 0 ? w.active_material + w.electrolyte + w.carbon + w.binder
                                    : w.active_material + w.electrolyte + w.carbon;
    const double solid = 1.0 - c.porosity;
    if (w.basis == "mass") {
        if (std::fabs(sum - 1.0) > 1e-6) {
            error = "mass fractions sum to " + std::to_string(sum) + "; they must sum to 1";
            return eps;
        }
        double v_cam = c.has_cam ? w.active_material / c.cam.density : 0.0,
               v_se = w.electrolyte / c.electrolyte.density,
               v_c = c.has_carbon ? w.carbon / c.carbon.density : 0.0;
        double v_b = w.binder > 0 && c.binder.density > 0 ? w.binder / c.binder.density : 0.0;
        double v = w.binder > 0 ? v_cam + v_se + v_c + v_b : v_cam + v_se + v_c;
        eps = {solid * v_cam / v, solid * v_se / v, solid * v_c / v, solid * v_b / v};
    } else if (std::fabs(sum + c.porosity - 1.0) < 1e-6) {
        // Volume fractions of the whole electrode; porosity is what remains.
        eps = {w.active_material, w.electrolyte, w.carbon, w.binder};
    } else if (std::fabs(sum - 1.0) < 1e-6) {
        // Volume fractions of the solid.
        eps = {solid * w.active_material, solid * w.electrolyte, solid * w.carbon, solid * w.binder};
    } else {
        error = "volume fractions sum to " + std::to_string(sum) +
                "; they must sum to 1 (fractions of the solid) or to 1 - porosity";
    }
    return eps;
}

void validate_composition(const Composition& w, bool has_cam, bool has_carbon, const FieldError& fail) {
    const FieldChecks check(fail);
    for (auto [k, v] : {std::pair<const char*, double>{"active_material", w.active_material},
                        {"electrolyte", w.electrolyte}, {"carbon", w.carbon}, {"binder", w.binder}})
        check.range(k, v, 0.0, 1.0, "a fraction in [0, 1]");
    check.require(!(w.carbon > 0 && !has_carbon), "carbon",
                  "a carbon fraction is given but cathode.carbon is 'none'");
    check.require(!has_cam || w.active_material > 0, "active_material",
                  "the active-material fraction must be > 0");
    check.require(has_cam || w.active_material == 0, "active_material",
                  "active_material is 'none': its fraction must be 0");
    check.require(w.electrolyte > 0, "electrolyte", "the electrolyte fraction must be > 0");
}

void MeshSpec::validate(const FieldError& fail) const {
    const FieldChecks check(fail);
    check.range("separator", separator, 1, 1000, "an integer from 1 to 1000");
    check.range("cathode", cathode, 2, 2000, "an integer from 2 to 2000");
    check.range("particle", particle, 2, 1000, "an integer from 2 to 1000");
    check.range("populations", populations, 1, 8, "an integer from 1 to 8");
}

namespace {
void validate_coating_and_conductivities(const CellSpec& c, const FieldChecks& check) {
    check.range("cathode.coating.mass_fraction", c.coating_mass_fraction, 0.0, 0.5,
                "a mass fraction in [0, 0.5] (1.38 wt% = 0.0138)");
    check.plausible("cathode.coating.thickness", c.coating_thickness, dim::length, 0.0, 1e-6, "10 nm");
    check.require(c.coating.empty() || c.has_cam, "cathode.coating", "a coating needs a CAM");
    if (c.ionic_conductivity_given.reference != 0)
        check.plausible("cathode.ionic_conductivity", c.ionic_conductivity_given.reference,
                        dim::conductivity, 1e-12, 1e3, "0.1 S/m");
    if (c.electronic_conductivity_given.reference != 0)
        check.plausible("cathode.electronic_conductivity", c.electronic_conductivity_given.reference,
                        dim::conductivity, 1e-12, 1e6, "10 S/m");
}

void validate_materials(const CellSpec& c, const FieldError& fail) {
    c.counter.validate(nested_fields(fail, "counter_electrode"));
    c.separator_electrolyte.validate(nested_fields(fail, "separator.electrolyte"));
    c.cam.validate(nested_fields(fail, "cathode.active_material"));
    c.electrolyte.validate(nested_fields(fail, "cathode.electrolyte"));
    if (c.has_carbon) c.carbon.validate(nested_fields(fail, "cathode.carbon"));
    if (!c.coating.empty() && c.coating_material.density > 0)
        c.coating_material.validate(nested_fields(fail, "cathode.coating.material"));
    if (c.eps_binder > 0 && c.composition.basis == "mass")
        c.binder.validate(nested_fields(fail, "cathode.binder_material"));
}

void validate_cathode(const CellSpec& c, const FieldChecks& check, const FieldError& fail) {
    check.plausible("cathode.carbon_specific_surface_area", c.carbon.specific_surface_area,
                    dim::specific_area, 0.0, 1e7, "62 m2/g");
    check.range("cathode.coating.blocking", c.coating_blocking, 0.0, 1.0, "a fraction in [0, 1]");
    check.range("cathode.porosity", c.porosity, 0.0, 0.9, "a fraction in [0, 0.9]");
    if (!c.composition.basis.empty())
        validate_composition(c.composition, c.has_cam, c.has_carbon, nested_fields(fail, "cathode.composition"));
    const double sum = c.eps_binder != 0 ? c.eps_cam + c.eps_se + c.eps_carbon + c.eps_binder + c.porosity
                                         : c.eps_cam + c.eps_se + c.eps_carbon + c.porosity;
    check.require(c.eps_cam >= 0 && c.eps_se > 0 && c.eps_carbon >= 0 && c.eps_binder >= 0 &&
                      std::fabs(sum - 1.0) < 1e-6 && (c.eps_cam > 0 || !c.has_cam),
                  "cathode.composition",
                  "the volume fractions eps_cam, eps_se (> 0), eps_carbon, eps_binder (>= 0) and the "
                  "porosity must sum to 1");
    validate_coating_and_conductivities(c, check);
    if (c.reference_loading > 0 && (!c.has_cam || c.reference_loading != c.loading))
        check.plausible("cathode.reference_loading", c.reference_loading, dim::areal_mass, 1e-5, 2.0,
                        "11.5 mg/cm2");
    check.require(c.has_cam || c.reference_loading > 0, "cathode.reference_loading",
                  "a cell without CAM needs a reference_loading (the CAM mass per area capacities "
                  "refer to, such as \"11.5 mg/cm2\")");
    if (c.thickness_given || !c.has_cam)
        check.plausible("cathode.thickness", c.thickness, dim::length, 1e-7, 1e-2, "60 um");
    else
        check.plausible("cathode.loading", c.loading, dim::areal_mass, 1e-5, 2.0, "11.5 mg/cm2");
    check.plausible("cathode.particle_radius", c.particle_radius, dim::length, 1e-9, 1e-4, "2.5 um");
    check.require(c.particle_radius > 0 && c.particle_radius < c.thickness, "cathode.particle_radius",
                  "must be positive and smaller than the electrode thickness");
    check.require(c.ionic_tortuosity >= 1.0, "cathode.ionic_tortuosity", kTortuosityRule);
    check.require(c.electronic_tortuosity >= 1.0, "cathode.electronic_tortuosity", kTortuosityRule);
    check.plausible("cathode.contact_resistance", c.contact_resistance, dim::area_resistance, 0.0, 1.0,
                    "5 ohm cm2");
    check.plausible("cathode.film_resistance", c.film_resistance, dim::area_resistance, 0.0, 1.0,
                    "5 ohm cm2");
    check.require(std::isfinite(c.film_capacitance) && c.film_capacitance >= 0, "cathode.film_capacitance",
                  "must be >= 0 [F/m2 of CAM surface], such as \"2 uF/cm2\"");
    if (!c.cam.inert)
        check.range("cathode.initial_stoichiometry", c.initial_stoichiometry, 0.0, 1.0,
                    "a stoichiometry in [0, 1] (1 = fully lithiated)");
    else if (c.initial_potential_inert != 0)
        check.range("cathode.initial_potential", c.initial_potential_inert, 0.5, 5.5,
                    "between 0.5 and 5.5 V vs Li/Li+");
}
}  // namespace

void CellSpec::validate(const FieldError& fail) const {
    const FieldChecks check(fail);
    check.plausible("area", area, dim::area, 1e-7, 1.0, "0.785 cm2");
    check.require(temperature >= kMinTemperature && temperature <= kMaxTemperature, "temperature",
                  temperature_range_message(temperature));
    check.plausible("stack_pressure", stack_pressure, dim::pressure, 0.0, 2e9, "18 MPa");
    if (pressure_law.constraint == StackPressureLaw::Constraint::die) {
        check.require(stack_pressure > 0.0, "stack_pressure.initial",
                      "a die-constrained cell needs a positive initial pressure");
        check.plausible("stack_pressure.stiffness", pressure_law.stiffness, dim::pressure, 1e6, 1e12, "0.2 GPa");
    }
    check.require(counter.exchange_current.reference > 0, "counter_electrode",
                  "the counter electrode needs a positive exchange_current_density");
    validate_materials(*this, fail);
    check.plausible("separator.thickness", separator_thickness, dim::length, 1e-7, 1e-2, "1 mm");
    check.range("separator.porosity", separator_porosity, 0.0, 0.9, "a fraction in [0, 0.9]");
    check.require(separator_tortuosity >= 1.0, "separator.tortuosity", "a tortuosity must be >= 1 (or {bruggeman: b})");
    validate_cathode(*this, check, fail);
}

CoatingLayer coating_layer(const CellSpec& c) {
    CoatingLayer L;
    if (c.coating.empty()) return L;
    L.layer = c.coating_mass_fraction > 0 || c.coating_thickness > 0;
    if (!L.layer) {
        L.pass = 1.0 - c.coating_blocking;
        return L;
    }
    const Coating& m = c.coating_material;
    const double w = c.coating_mass_fraction;
    L.thickness = c.coating_thickness > 0 ? c.coating_thickness
                                          : w / (1.0 - w) * c.cam.density / m.density * c.particle_radius / 3.0;
    L.coverage = m.closure_thickness > 0 ? 1.0 - std::exp(-L.thickness / m.closure_thickness) : 1.0;
    L.pass = 1.0 - L.coverage * c.coating_blocking;
    L.resistance = m.ionic_conductivity > 0 ? L.thickness / m.ionic_conductivity : 0.0;
    return L;
}

double effective_ionic_conductivity(const CellSpec& c, double T) {
    if (c.ionic_conductivity_given.reference > 0) return c.ionic_conductivity_given.at(T);
    return c.electrolyte.ionic_conductivity.at(T) * c.eps_se / c.ionic_tortuosity;
}

double carbon_network_conductivity(const CellSpec& c, double T) {
    if (c.electronic_conductivity_given.reference > 0) return c.electronic_conductivity_given.at(T);
    if (c.has_carbon && c.eps_carbon > c.carbon.percolation_threshold)
        return c.carbon.conductivity * c.eps_carbon / c.electronic_tortuosity;
    return 0.0;
}

namespace {
// A site entry of a material: its keys over the chemistry's, then rate_factor, onset_shift.
SiteKinetics apply_material_site(const ConfigNode& n, SiteKinetics s, double T_ref) {
    s = apply_site_keys(n, s, T_ref);
    const double f = n.number("rate_factor", 1.0);
    // Rounded to 15 digits: 1e-5 x 1.5 is to read back as 1.5e-05 in the resolved config.
    auto scaled = [f](double k) { return std::stod(format_number(k * f, 15)); };
    s.k_ox.reference = scaled(s.k_ox.reference);
    s.k_fast.reference = scaled(s.k_fast.reference);
    s.k_par.reference = scaled(s.k_par.reference);
    s.U_ox += n.quantity("onset_shift", dim::voltage, 0.0);
    return s;
}
}  // namespace

void resolve_material_kinetics(CellSpec& c) {
    c.kinetics_from_materials = false;
    if (!c.material_kinetics) return;
    ChemistrySpec& ch = c.chemistry;
    const double T_ref = ch.reference_temperature;
    bool any = false;
    if (c.has_cam && c.cam.se_oxidation.defined()) {
        ch.site[site_cam] = apply_material_site(c.cam.se_oxidation, ch.site[site_cam], T_ref);
        // The interphase this CAM's surface forms with the SE (its cations in the film,
        // docs/equations.md 11.4): a factor on the chemistry's film conductivity.
        const double kf = c.cam.se_oxidation.number("interphase_conductivity_factor", 1.0);
        ch.film_conductivity.reference = std::stod(format_number(ch.film_conductivity.reference * kf, 15));
        any = true;
    }
    if (c.has_cam && c.cam.lattice_oxygen.defined()) {
        ch.lattice_oxygen = apply_reaction_keys(c.cam.lattice_oxygen, ch.lattice_oxygen, T_ref);
        any = true;
    }
    if (c.has_carbon && c.carbon.se_oxidation.defined()) {
        for (int k : {int(site_carbon), int(site_tpb)}) {
            ConfigNode e = c.carbon.se_oxidation[site_name(k)];
            if (!e.defined()) continue;
            ch.site[k] = apply_material_site(e, ch.site[k], T_ref);
            any = true;
        }
    }
    c.kinetics_from_materials = any;
}

MeshSpec parse_mesh(const ConfigNode& mesh) {
    MeshSpec m;
    if (!mesh.defined()) return m;
    mesh.allow_only({"separator", "cathode", "particle", "populations"});
    m.separator = mesh.integer("separator", m.separator);
    m.cathode = mesh.integer("cathode", m.cathode);
    m.particle = mesh.integer("particle", m.particle);
    m.populations = mesh.integer("populations", m.populations);
    m.validate(config_fields(mesh));
    return m;
}

CellSpec parse_cell(const ConfigNode& cell, const MaterialLibrary& lib) {
    CellSpec c;
    cell.allow_only({"area", "temperature", "stack_pressure", "counter_electrode", "separator",
                     "cathode", "double_layer"});
    c.area = quantity_if(cell, "area", dim::area, c.area);
    c.temperature = cell.quantity("temperature", dim::temperature, c.temperature);
    read_stack_pressure(cell, c);
    c.double_layer = cell.boolean("double_layer", false);
    read_counter(cell.at("counter_electrode"), lib, c);
    read_separator(cell.at("separator"), lib, c);
    read_cathode(cell.at("cathode"), lib, c);
    c.validate(config_fields(cell));
    return c;
}

}  // namespace ssbsim
