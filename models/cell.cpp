#include "models/cell.hpp"

#include <cmath>
#include <sstream>

#include "core/error.hpp"

namespace ssbsim {

using namespace units;

namespace {

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
    double tau = t.number();
    if (!(tau >= 1.0)) t.fail("a tortuosity must be >= 1 (or {bruggeman: b})");
    return tau;
}

// Reads a quantity and checks it lies in a physically plausible range; a bare number is
// SI, so a forgotten unit usually lands far outside and is reported as such.
double plausible(const ConfigNode& parent, const std::string& key, const Dimension& d,
                 double lo, double hi, const std::string& example) {
    double v = parent.quantity(key, d);
    if (!(v >= lo && v <= hi)) {
        std::ostringstream os;
        os << "value " << v << " " << si_unit(d) << " is outside the plausible range [" << lo
           << ", " << hi << "] " << si_unit(d) << "; a bare number is read as SI (" << si_unit(d)
           << ") - give a unit, such as \"" << example << "\"";
        parent.fail(key, os.str());
    }
    return v;
}

std::string fmt(double v, const char* unit) {
    std::ostringstream os;
    os.precision(10);
    os << v << " " << unit;
    return os.str();
}

}  // namespace

MeshSpec parse_mesh(const ConfigNode& mesh) {
    MeshSpec m;
    if (!mesh.defined()) return m;
    mesh.allow_only({"separator", "cathode", "particle"});
    m.separator = mesh.integer("separator", m.separator);
    m.cathode = mesh.integer("cathode", m.cathode);
    m.particle = mesh.integer("particle", m.particle);
    mesh.in_range("separator", m.separator, 1, 1000, "an integer from 1 to 1000");
    mesh.in_range("cathode", m.cathode, 2, 2000, "an integer from 2 to 2000");
    mesh.in_range("particle", m.particle, 2, 1000, "an integer from 2 to 1000");
    return m;
}

CellSpec parse_cell(const ConfigNode& cell, const MaterialLibrary& lib) {
    CellSpec c;
    cell.allow_only({"area", "temperature", "stack_pressure", "counter_electrode", "separator",
                     "cathode"});
    if (cell.has("area")) c.area = plausible(cell, "area", dim::area, 1e-7, 1.0, "0.785 cm2");
    c.temperature = cell.quantity("temperature", dim::temperature, c.temperature);
    if (!(c.temperature >= kMinTemperature && c.temperature <= kMaxTemperature))
        cell.fail("temperature", temperature_range_message(c.temperature));
    if (cell.has("stack_pressure"))
        c.stack_pressure = plausible(cell, "stack_pressure", dim::pressure, 0.0, 2e9, "18 MPa");

    // Counter electrode.
    ConfigNode ce = cell.at("counter_electrode");
    if (ce.is_scalar()) {
        c.counter = lib.counter(ce.string(), ce);
    } else {
        ce.allow_only({"material", "potential", "exchange_current_density",
                       "area_specific_resistance"});
        c.counter = lib.counter(ce.string("material"), ce.at("material"));
        c.counter.potential = ce.quantity("potential", dim::voltage, c.counter.potential);
        c.counter.exchange_current.reference = ce.quantity(
            "exchange_current_density", dim::current_density, c.counter.exchange_current.reference);
        c.counter.area_resistance = ce.quantity("area_specific_resistance", dim::area_resistance,
                                                c.counter.area_resistance);
    }
    if (!(c.counter.exchange_current.reference > 0))
        ce.fail("the counter electrode needs a positive exchange_current_density");

    // Separator.
    ConfigNode sep = cell.at("separator");
    sep.allow_only({"thickness", "electrolyte", "porosity", "tortuosity"});
    c.separator_thickness = plausible(sep, "thickness", dim::length, 1e-7, 1e-2, "1 mm");
    c.separator_electrolyte = lib.electrolyte(sep.string("electrolyte", "Li6PS5Cl"),
                                              sep["electrolyte"].defined() ? sep["electrolyte"] : sep);
    c.separator_porosity = sep.number("porosity", 0.0);
    sep.in_range("porosity", c.separator_porosity, 0.0, 0.9, "a fraction in [0, 0.9]");
    c.separator_tortuosity = read_tortuosity(sep, "tortuosity", 1 - c.separator_porosity, 1.0);

    // Cathode.
    ConfigNode cat = cell.at("cathode");
    cat.allow_only({"active_material", "electrolyte", "carbon", "coating", "composition",
                    "porosity", "loading", "thickness", "particle_radius", "ionic_tortuosity",
                    "electronic_tortuosity", "contact_resistance", "film_resistance",
                    "initial_stoichiometry", "initial_potential", "reference_loading",
                    "carbon_specific_surface_area"});
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
        c.carbon.specific_surface_area =
            plausible(cat, "carbon_specific_surface_area", dim::specific_area, 0.0, 1e7, "62 m2/g");
    }
    // Coating: a name, or {material, blocking}; blocking is the share of the CAM-side and
    // TPB SE reaction the shell suppresses (assumed 0.8 when only the name is given).
    ConfigNode coat = cat["coating"];
    if (coat.is_map()) {
        coat.allow_only({"material", "blocking"});
        c.coating = coat.string("material");
        c.coating_blocking = coat.in_range("blocking", coat.number("blocking", 0.8), 0.0, 1.0, "a fraction in [0, 1]");
    } else {
        c.coating = cat.string("coating", "none");
        c.coating_blocking = 0.8;
    }
    if (c.coating == "none") {
        c.coating.clear();
        c.coating_blocking = 0.0;
    } else {
        lib.coating(c.coating, coat.is_map() ? coat.at("material") : coat);
    }

    c.porosity = cat.number("porosity", 0.0);
    cat.in_range("porosity", c.porosity, 0.0, 0.9, "a fraction in [0, 0.9]");

    ConfigNode comp = cat.at("composition");
    comp.allow_only({"basis", "active_material", "electrolyte", "carbon", "normalize"});
    std::string basis = comp.string("basis", "mass");
    double w_cam = comp.number("active_material", 0.0);
    double w_se = comp.number("electrolyte");
    double w_c = comp.number("carbon", 0.0);
    // normalize: true rescales the fractions to sum to 1 (sweeping one fraction alone).
    if (comp.boolean("normalize", false)) {
        double sum = w_cam + w_se + w_c;
        if (!(sum > 0)) comp.fail("the fractions sum to zero");
        w_cam /= sum;
        w_se /= sum;
        w_c /= sum;
    }
    for (auto [k, v] : {std::pair<const char*, double>{"active_material", w_cam},
                        {"electrolyte", w_se}, {"carbon", w_c}})
        comp.in_range(k, v, 0.0, 1.0, "a fraction in [0, 1]");
    if (w_c > 0 && !c.has_carbon)
        comp.fail("carbon", "a carbon fraction is given but cathode.carbon is 'none'");
    if (c.has_cam && !(w_cam > 0)) comp.fail("active_material", "the active-material fraction must be > 0");
    if (!c.has_cam && w_cam != 0) comp.fail("active_material", "active_material is 'none': its fraction must be 0");
    if (!(w_se > 0)) comp.fail("electrolyte", "the electrolyte fraction must be > 0");
    if (basis == "mass") {
        double sum = w_cam + w_se + w_c;
        if (std::fabs(sum - 1.0) > 1e-6)
            comp.fail("mass fractions sum to " + std::to_string(sum) + "; they must sum to 1");
        double v_cam = c.has_cam ? w_cam / c.cam.density : 0.0, v_se = w_se / c.electrolyte.density,
               v_c = c.has_carbon ? w_c / c.carbon.density : 0.0;
        double v = v_cam + v_se + v_c;
        double solid = 1.0 - c.porosity;
        c.eps_cam = solid * v_cam / v;
        c.eps_se = solid * v_se / v;
        c.eps_carbon = solid * v_c / v;
    } else if (basis == "volume") {
        // Volume fractions of the whole electrode; porosity is what remains, or the given
        // fractions are of the solid when they sum to 1.
        double sum = w_cam + w_se + w_c;
        if (std::fabs(sum + c.porosity - 1.0) < 1e-6) {
            c.eps_cam = w_cam;
            c.eps_se = w_se;
            c.eps_carbon = w_c;
        } else if (std::fabs(sum - 1.0) < 1e-6) {
            double solid = 1.0 - c.porosity;
            c.eps_cam = solid * w_cam;
            c.eps_se = solid * w_se;
            c.eps_carbon = solid * w_c;
        } else {
            comp.fail("volume fractions sum to " + std::to_string(sum) +
                      "; they must sum to 1 (fractions of the solid) or to 1 - porosity");
        }
    } else {
        comp.fail("basis", "expected 'mass' or 'volume'");
    }

    bool has_loading = cat.has("loading"), has_thickness = cat.has("thickness");
    if (cat.has("reference_loading"))
        c.reference_loading = plausible(cat, "reference_loading", dim::areal_mass, 1e-5, 2.0, "11.5 mg/cm2");
    if (!c.has_cam) {
        if (!has_thickness || !cat.has("reference_loading"))
            cat.fail("a cell without CAM needs 'thickness' and 'reference_loading' (the CAM mass per "
                     "area capacities refer to, such as \"11.5 mg/cm2\")");
        if (has_loading) cat.fail("loading", "a cell without CAM has no CAM loading; use reference_loading");
    }
    if (has_loading == has_thickness)
        cat.fail("give exactly one of 'loading' (CAM mass per area, such as \"11.5 mg/cm2\") "
                 "and 'thickness' (such as \"60 um\")");
    if (has_loading) {
        c.loading = plausible(cat, "loading", dim::areal_mass, 1e-5, 2.0, "11.5 mg/cm2");
        c.thickness = c.loading / (c.cam.density * c.eps_cam);
    } else {
        c.thickness = plausible(cat, "thickness", dim::length, 1e-7, 1e-2, "60 um");
        c.loading = c.thickness * c.cam.density * c.eps_cam;
        if (c.has_cam && c.cam.inert && c.reference_loading <= 0) c.reference_loading = c.loading;
    }
    c.particle_radius = c.has_cam || cat.has("particle_radius")
                            ? plausible(cat, "particle_radius", dim::length, 1e-9, 1e-4, "2.5 um")
                            : 1e-6;
    if (!(c.particle_radius > 0 && c.particle_radius < c.thickness))
        cat.fail("particle_radius", "must be positive and smaller than the electrode thickness");
    // Default: Bruggeman, tau = eps^-0.5.
    c.ionic_tortuosity = read_tortuosity(cat, "ionic_tortuosity", c.eps_se, std::pow(c.eps_se, -0.5));
    c.electronic_tortuosity = read_tortuosity(cat, "electronic_tortuosity",
                                              c.eps_carbon + c.eps_cam, 1.0);
    if (cat.has("contact_resistance"))
        c.contact_resistance = plausible(cat, "contact_resistance", dim::area_resistance, 0.0, 1.0, "5 ohm cm2");
    if (cat.has("film_resistance"))
        c.film_resistance = plausible(cat, "film_resistance", dim::area_resistance, 0.0, 1.0, "5 ohm cm2");
    if (cat.has("initial_stoichiometry") && cat.has("initial_potential"))
        cat.fail("give at most one of initial_stoichiometry and initial_potential");
    if (c.cam.inert) {
        c.initial_stoichiometry = 0.0;
        if (cat.has("initial_potential")) {
            c.initial_potential_inert = cat.quantity("initial_potential", dim::voltage);
            cat.in_range("initial_potential", c.initial_potential_inert, 0.5, 5.5, "between 0.5 and 5.5 V vs Li/Li+");
        }
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
        cat.in_range("initial_stoichiometry", c.initial_stoichiometry, 0.0, 1.0,
                     "a stoichiometry in [0, 1] (1 = fully lithiated)");
    }
    return c;
}

YAML::Node emit_cell(const CellSpec& c) {
    YAML::Node n;
    n["area"] = fmt(c.area * 1e4, "cm2");
    n["temperature"] = fmt(c.temperature - 273.15, "degC");
    n["stack_pressure"] = fmt(c.stack_pressure / 1e6, "MPa");
    YAML::Node ce;
    ce["material"] = c.counter.name;
    ce["potential"] = fmt(c.counter.potential, "V");
    ce["exchange_current_density"] = fmt(c.counter.exchange_current.reference, "A/m2");
    ce["area_specific_resistance"] = fmt(c.counter.area_resistance * 1e4, "ohm cm2");
    n["counter_electrode"] = ce;
    YAML::Node sep;
    sep["thickness"] = fmt(c.separator_thickness * 1e6, "um");
    sep["electrolyte"] = c.separator_electrolyte.name;
    sep["porosity"] = c.separator_porosity;
    sep["tortuosity"] = c.separator_tortuosity;
    n["separator"] = sep;
    YAML::Node cat;
    cat["active_material"] = c.has_cam ? c.cam.name : std::string("none");
    cat["electrolyte"] = c.electrolyte.name;
    cat["carbon"] = c.has_carbon ? c.carbon.name : std::string("none");
    if (c.has_carbon) cat["carbon_specific_surface_area"] = fmt(c.carbon.specific_surface_area / 1000.0, "m2/g");
    if (c.coating.empty()) {
        cat["coating"] = "none";
    } else {
        cat["coating"]["material"] = c.coating;
        cat["coating"]["blocking"] = c.coating_blocking;
    }
    YAML::Node comp;
    comp["basis"] = "volume";
    double solid = c.eps_cam + c.eps_se + c.eps_carbon;
    comp["active_material"] = c.eps_cam / solid;
    comp["electrolyte"] = c.eps_se / solid;
    comp["carbon"] = c.eps_carbon / solid;
    cat["composition"] = comp;
    cat["porosity"] = c.porosity;
    if (c.has_cam) cat["loading"] = fmt(c.loading * 1e2, "mg/cm2");  // kg/m2 -> mg/cm2
    else cat["thickness"] = fmt(c.thickness * 1e6, "um");
    if (c.reference_loading > 0 && (!c.has_cam || c.reference_loading != c.loading))
        cat["reference_loading"] = fmt(c.reference_loading * 1e2, "mg/cm2");
    cat["particle_radius"] = fmt(c.particle_radius * 1e6, "um");
    cat["ionic_tortuosity"] = c.ionic_tortuosity;
    cat["electronic_tortuosity"] = c.electronic_tortuosity;
    cat["contact_resistance"] = fmt(c.contact_resistance * 1e4, "ohm cm2");
    cat["film_resistance"] = fmt(c.film_resistance * 1e4, "ohm cm2");
    if (!c.cam.inert) cat["initial_stoichiometry"] = c.initial_stoichiometry;
    else if (c.initial_potential_inert > 0) cat["initial_potential"] = fmt(c.initial_potential_inert, "V");
    n["cathode"] = cat;
    return n;
}

YAML::Node emit_mesh(const MeshSpec& m) {
    YAML::Node n;
    n["separator"] = m.separator;
    n["cathode"] = m.cathode;
    n["particle"] = m.particle;
    return n;
}

}  // namespace ssbsim
