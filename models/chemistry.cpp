#include "models/chemistry.hpp"

#include <sstream>

namespace ssbsim {

using namespace units;

const char* site_name(int s) {
    switch (s) {
        case site_carbon: return "carbon";
        case site_tpb: return "tpb";
        case site_cam: return "cam";
    }
    return "?";
}

namespace {

Arrhenius read_rate(const ConfigNode& n, const std::string& key, const std::string& ea_key,
                    const Arrhenius& fallback, double T_ref) {
    Arrhenius a = fallback;
    a.reference = n.quantity(key, dim::current_density, fallback.reference);
    a.activation_energy = n.quantity(ea_key, dim::molar_energy, fallback.activation_energy);
    a.reference_temperature = T_ref;
    if (a.reference < 0) n.fail(key, "a rate constant must be >= 0, such as \"1e-9 A/m2\"");
    return a;
}

SiteKinetics read_site(const ConfigNode& n, SiteKinetics s, double T_ref) {
    if (!n.defined()) return s;
    n.allow_only({"rate_constant", "activation_energy", "alpha", "onset_potential",
                  "reversible_fraction", "passivation_coverage", "reduction_rate_constant",
                  "reduction_activation_energy", "reduction_alpha", "reduction_potential",
                  "fast_rate_constant", "fast_alpha", "fast_passivation_coverage"});
    s.k_ox = read_rate(n, "rate_constant", "activation_energy", s.k_ox, T_ref);
    s.alpha_ox = n.in_range("alpha", n.number("alpha", s.alpha_ox), 0.01, 1.0, "in [0.01, 1]");
    s.U_ox = n.quantity("onset_potential", dim::voltage, s.U_ox);
    s.reversible_fraction = n.in_range("reversible_fraction", n.number("reversible_fraction", s.reversible_fraction), 0.0, 1.0, "a fraction in [0, 1]");
    s.passivation = n.quantity("passivation_coverage", dim::amount / dim::area, s.passivation);
    if (!(s.passivation > 0)) n.fail("passivation_coverage", "must be > 0, such as \"1e-6 mol/m2\"");
    s.k_fast = read_rate(n, "fast_rate_constant", "activation_energy", s.k_fast, T_ref);
    s.alpha_fast = n.in_range("fast_alpha", n.number("fast_alpha", s.alpha_fast), 0.01, 1.0, "in [0.01, 1]");
    s.passivation_fast = n.quantity("fast_passivation_coverage", dim::amount / dim::area, s.passivation_fast);
    if (!(s.passivation_fast > 0)) n.fail("fast_passivation_coverage", "must be > 0, such as \"1e-7 mol/m2\"");
    s.k_red = read_rate(n, "reduction_rate_constant", "reduction_activation_energy", s.k_red, T_ref);
    s.alpha_red = n.in_range("reduction_alpha", n.number("reduction_alpha", s.alpha_red), 0.01, 1.0, "in [0.01, 1]");
    s.U_red = n.quantity("reduction_potential", dim::voltage, s.U_red);
    return s;
}

PassivatingReaction read_reaction(const ConfigNode& n, PassivatingReaction r, double T_ref) {
    if (!n.defined()) return r;
    n.allow_only({"rate_constant", "activation_energy", "alpha", "potential", "passivation_coverage"});
    r.k = read_rate(n, "rate_constant", "activation_energy", r.k, T_ref);
    r.alpha = n.in_range("alpha", n.number("alpha", r.alpha), 0.01, 1.0, "in [0.01, 1]");
    r.U = n.quantity("potential", dim::voltage, r.U);
    r.passivation = n.quantity("passivation_coverage", dim::amount / dim::area, r.passivation);
    if (!(r.passivation > 0)) n.fail("passivation_coverage", "must be > 0");
    return r;
}

std::string q(double v, const char* unit) {
    std::ostringstream os;
    os.precision(10);
    os << v << " " << unit;
    return os.str();
}

}  // namespace

ChemistrySpec parse_chemistry(const ConfigNode& n) {
    ChemistrySpec c;
    // Defaults: sites are off (zero rates) until a config gives their kinetics.
    c.pristine_reduction.U = 1.8;
    c.lattice_oxygen.U = 4.2;
    if (!n.defined()) return c;
    n.allow_only({"enabled", "reference_temperature", "electrons_per_product", "tpb_weight",
                  "sites", "pristine_reduction", "lattice_oxygen", "interphase", "contact"});
    c.enabled = n.boolean("enabled", true);
    double T_ref = n.quantity("reference_temperature", dim::temperature, 298.15);
    c.reference_temperature = T_ref;
    c.electrons_per_product = n.in_range("electrons_per_product", n.number("electrons_per_product", 2.0), 0.1, 20.0, "in [0.1, 20]");
    c.tpb_weight = n.in_range("tpb_weight", n.number("tpb_weight", 1.0), 0.0, 10.0, "in [0, 10]");
    if (n.has("sites")) {
        ConfigNode s = n["sites"];
        s.allow_only({"carbon", "tpb", "cam"});
        for (int k = 0; k < n_sites; ++k) c.site[k] = read_site(s[site_name(k)], c.site[k], T_ref);
    }
    c.pristine_reduction = read_reaction(n["pristine_reduction"], c.pristine_reduction, T_ref);
    c.lattice_oxygen = read_reaction(n["lattice_oxygen"], c.lattice_oxygen, T_ref);
    if (n.has("interphase")) {
        ConfigNode f = n["interphase"];
        f.allow_only({"molar_volume", "conductivity", "activation_energy"});
        c.film_molar_volume = f.quantity("molar_volume", dim::molar_volume, c.film_molar_volume);
        if (!(c.film_molar_volume > 0 && c.film_molar_volume < 1e-2))
            f.fail("molar_volume", "expected a positive molar volume, such as \"100 mL/mol\"");
        c.film_conductivity.reference = f.quantity("conductivity", dim::conductivity, c.film_conductivity.reference);
        c.film_conductivity.activation_energy = f.quantity("activation_energy", dim::molar_energy, 0.0);
        c.film_conductivity.reference_temperature = T_ref;
        if (!(c.film_conductivity.reference > 0)) f.fail("conductivity", "must be > 0");
    }
    if (n.has("contact")) {
        ConfigNode k = n["contact"];
        k.allow_only({"initial", "void_scale", "se_electrons", "reference_pressure",
                      "breathing_coefficient", "heterogeneity", "isolation_threshold",
                      "max_isolated_fraction", "conductivity_exponent"});
        c.contact_initial = k.in_range("initial", k.number("initial", 1.0), 0.01, 1.0, "a fraction in [0.01, 1]");
        c.void_scale = k.quantity("void_scale", dim::length, c.void_scale);
        if (!(c.void_scale > 0)) k.fail("void_scale", "must be > 0, such as \"5 nm\"");
        c.se_electrons = k.in_range("se_electrons", k.number("se_electrons", 5.0), 1.0, 20.0, "in [1, 20]");
        c.reference_pressure = k.quantity("reference_pressure", dim::pressure, c.reference_pressure);
        if (!(c.reference_pressure > 0)) k.fail("reference_pressure", "must be > 0, such as \"20 MPa\"");
        c.breathing_coefficient = k.in_range("breathing_coefficient", k.number("breathing_coefficient", 1.0), 0.0, 100.0, "in [0, 100]");
        c.heterogeneity = k.in_range("heterogeneity", k.number("heterogeneity", 0.5), 0.01, 0.99, "in [0.01, 0.99]");
        c.isolation_threshold = k.in_range("isolation_threshold", k.number("isolation_threshold", 0.2), 0.0, 0.99, "in [0, 0.99]");
        c.max_isolated = k.in_range("max_isolated_fraction", k.number("max_isolated_fraction", 0.95), 0.0, 0.999, "in [0, 0.999]");
        if (c.isolation_threshold > 1.0 - c.heterogeneity)
            k.fail("isolation_threshold", "particles would be isolated at t = 0: keep isolation_threshold <= 1 - heterogeneity");
        c.conductivity_exponent = k.in_range("conductivity_exponent", k.number("conductivity_exponent", 1.0), 0.0, 5.0, "in [0, 5]");
    }
    return c;
}

YAML::Node emit_chemistry(const ChemistrySpec& c) {
    YAML::Node n;
    n["enabled"] = c.enabled;
    n["reference_temperature"] = q(c.reference_temperature, "K");
    n["electrons_per_product"] = c.electrons_per_product;
    n["tpb_weight"] = c.tpb_weight;
    for (int k = 0; k < n_sites; ++k) {
        const SiteKinetics& s = c.site[k];
        YAML::Node m;
        m["rate_constant"] = q(s.k_ox.reference, "A/m2");
        m["activation_energy"] = q(s.k_ox.activation_energy, "J/mol");
        m["alpha"] = s.alpha_ox;
        m["onset_potential"] = q(s.U_ox, "V");
        m["reversible_fraction"] = s.reversible_fraction;
        m["passivation_coverage"] = q(s.passivation, "mol/m2");
        m["fast_rate_constant"] = q(s.k_fast.reference, "A/m2");
        m["fast_alpha"] = s.alpha_fast;
        m["fast_passivation_coverage"] = q(s.passivation_fast, "mol/m2");
        m["reduction_rate_constant"] = q(s.k_red.reference, "A/m2");
        m["reduction_activation_energy"] = q(s.k_red.activation_energy, "J/mol");
        m["reduction_alpha"] = s.alpha_red;
        m["reduction_potential"] = q(s.U_red, "V");
        n["sites"][site_name(k)] = m;
    }
    for (auto [key, r] : {std::pair<const char*, const PassivatingReaction*>{"pristine_reduction", &c.pristine_reduction},
                          {"lattice_oxygen", &c.lattice_oxygen}}) {
        YAML::Node m;
        m["rate_constant"] = q(r->k.reference, "A/m2");
        m["activation_energy"] = q(r->k.activation_energy, "J/mol");
        m["alpha"] = r->alpha;
        m["potential"] = q(r->U, "V");
        m["passivation_coverage"] = q(r->passivation, "mol/m2");
        n[key] = m;
    }
    n["interphase"]["molar_volume"] = q(c.film_molar_volume, "m3/mol");
    n["interphase"]["conductivity"] = q(c.film_conductivity.reference, "S/m");
    n["interphase"]["activation_energy"] = q(c.film_conductivity.activation_energy, "J/mol");
    YAML::Node k;
    k["initial"] = c.contact_initial;
    k["void_scale"] = q(c.void_scale, "m");
    k["se_electrons"] = c.se_electrons;
    k["reference_pressure"] = q(c.reference_pressure, "Pa");
    k["breathing_coefficient"] = c.breathing_coefficient;
    k["heterogeneity"] = c.heterogeneity;
    k["isolation_threshold"] = c.isolation_threshold;
    k["max_isolated_fraction"] = c.max_isolated;
    k["conductivity_exponent"] = c.conductivity_exponent;
    n["contact"] = k;
    return n;
}

}  // namespace ssbsim
