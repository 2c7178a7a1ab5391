#include "params/chemistry.hpp"

#include <string>
#include <vector>

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

const char* passivation_law_name(PassivationLaw l) {
    switch (l) {
        case PassivationLaw::hyperbolic: return "hyperbolic";
        case PassivationLaw::film: return "film";
        case PassivationLaw::coverage: return "coverage";
    }
    return "?";
}

namespace {

const char* const kAlphaRange = "in [0.01, 1]";

Arrhenius read_rate(const ConfigNode& n, const std::string& key, const std::string& ea_key,
                    const Arrhenius& fallback, double T_ref) {
    Arrhenius a = fallback;
    a.reference = n.quantity(key, dim::current_density, fallback.reference);
    a.activation_energy = n.quantity(ea_key, dim::molar_energy, fallback.activation_energy);
    a.reference_temperature = T_ref;
    return a;
}

// `passivation: {law: hyperbolic | film | coverage, coverage: Gamma_l, reversible_weight: w}`.
void read_passivation_law(const ConfigNode& p, SiteKinetics& s) {
    p.allow_only({"law", "coverage", "reversible_weight"});
    const std::string law = p.string("law", passivation_law_name(s.law));
    if (law == "hyperbolic") s.law = PassivationLaw::hyperbolic;
    else if (law == "film") s.law = PassivationLaw::film;
    else if (law == "coverage") s.law = PassivationLaw::coverage;
    else p.fail("law", "unknown passivation law '" + law + "'; expected hyperbolic, film or coverage");
    s.law_coverage = p.quantity("coverage", dim::amount / dim::area, s.law_coverage);
    s.reversible_weight = p.number("reversible_weight", s.reversible_weight);
}

SiteKinetics read_site(const ConfigNode& n, SiteKinetics s, double T_ref) {
    if (!n.defined()) return s;
    n.allow_only(site_kinetics_keys());
    return apply_site_keys(n, s, T_ref);
}

PassivatingReaction read_reaction(const ConfigNode& n, PassivatingReaction r, double T_ref) {
    if (!n.defined()) return r;
    n.allow_only(passivating_reaction_keys());
    return apply_reaction_keys(n, r, T_ref);
}

}  // namespace

const std::vector<std::string>& site_kinetics_keys() {
    static const std::vector<std::string> keys = {
        "rate_constant", "activation_energy", "alpha", "onset_potential",
        "reversible_fraction", "passivation_coverage", "passivation", "reduction_rate_constant",
        "reduction_activation_energy", "reduction_alpha", "reduction_potential",
        "reduction_saturation", "fast_rate_constant", "fast_alpha", "fast_passivation_coverage",
        "fast_irreversible_weight", "parabolic_rate_constant", "parabolic_coverage",
        "activation_potential"};
    return keys;
}

const std::vector<std::string>& passivating_reaction_keys() {
    static const std::vector<std::string> keys = {"rate_constant", "activation_energy", "alpha",
                                                  "potential", "passivation_coverage"};
    return keys;
}

SiteKinetics apply_site_keys(const ConfigNode& n, SiteKinetics s, double T_ref) {
    if (n.has("passivation")) read_passivation_law(n["passivation"], s);
    s.k_ox = read_rate(n, "rate_constant", "activation_energy", s.k_ox, T_ref);
    s.alpha_ox = n.number("alpha", s.alpha_ox);
    s.U_ox = n.quantity("onset_potential", dim::voltage, s.U_ox);
    s.reversible_fraction = n.number("reversible_fraction", s.reversible_fraction);
    s.passivation = n.quantity("passivation_coverage", dim::amount / dim::area, s.passivation);
    s.k_fast = read_rate(n, "fast_rate_constant", "activation_energy", s.k_fast, T_ref);
    s.alpha_fast = n.number("fast_alpha", s.alpha_fast);
    s.passivation_fast = n.quantity("fast_passivation_coverage", dim::amount / dim::area, s.passivation_fast);
    s.fast_irreversible_weight = n.number("fast_irreversible_weight", s.fast_irreversible_weight);
    s.k_par = read_rate(n, "parabolic_rate_constant", "activation_energy", s.k_par, T_ref);
    s.passivation_par = n.quantity("parabolic_coverage", dim::amount / dim::area, s.passivation_par);
    s.k_red = read_rate(n, "reduction_rate_constant", "reduction_activation_energy", s.k_red, T_ref);
    s.alpha_red = n.number("reduction_alpha", s.alpha_red);
    s.U_red = n.quantity("reduction_potential", dim::voltage, s.U_red);
    s.reduction_saturation = n.quantity("reduction_saturation", dim::amount / dim::area, s.reduction_saturation);
    s.U_act = n.quantity("activation_potential", dim::voltage, s.U_act);
    return s;
}

PassivatingReaction apply_reaction_keys(const ConfigNode& n, PassivatingReaction r, double T_ref) {
    r.k = read_rate(n, "rate_constant", "activation_energy", r.k, T_ref);
    r.alpha = n.number("alpha", r.alpha);
    r.U = n.quantity("potential", dim::voltage, r.U);
    r.passivation = n.quantity("passivation_coverage", dim::amount / dim::area, r.passivation);
    return r;
}

namespace {

void read_interphase(const ConfigNode& f, ChemistrySpec& c, double T_ref) {
    f.allow_only({"molar_volume", "conductivity", "activation_energy", "tpb_footprint", "permittivity",
                   "off_cam_void_share"});
    c.tpb_footprint = f.number("tpb_footprint", c.tpb_footprint);
    c.off_cam_void_share = f.number("off_cam_void_share", c.off_cam_void_share);
    c.film_permittivity = f.number("permittivity", c.film_permittivity);
    c.film_molar_volume = f.quantity("molar_volume", dim::molar_volume, c.film_molar_volume);
    c.film_conductivity.reference = f.quantity("conductivity", dim::conductivity, c.film_conductivity.reference);
    c.film_conductivity.activation_energy = f.quantity("activation_energy", dim::molar_energy, 0.0);
    c.film_conductivity.reference_temperature = T_ref;
}

void read_contact(const ConfigNode& k, ChemistrySpec& c) {
    k.allow_only({"initial", "void_scale", "se_electrons", "reference_pressure",
                  "breathing_coefficient", "heterogeneity", "isolation_threshold",
                  "max_isolated_fraction", "conductivity_exponent", "network_scale"});
    c.contact_initial = k.number("initial", 1.0);
    c.void_scale = k.quantity("void_scale", dim::length, c.void_scale);
    c.se_electrons = k.number("se_electrons", 5.0);
    c.reference_pressure = k.quantity("reference_pressure", dim::pressure, c.reference_pressure);
    c.breathing_coefficient = k.number("breathing_coefficient", 1.0);
    c.heterogeneity = k.number("heterogeneity", 0.5);
    c.isolation_threshold = k.number("isolation_threshold", 0.2);
    c.max_isolated = k.number("max_isolated_fraction", 0.95);
    c.conductivity_exponent = k.number("conductivity_exponent", 1.0);
    c.network_scale = k.quantity("network_scale", dim::length, 0.0);
}

void rate_at_least_zero(const FieldChecks& check, const std::string& key, const Arrhenius& k,
                        const char* example) {
    check.require(!(k.reference < 0), key,
                  std::string("a rate constant must be >= 0, such as \"") + example + "\"");
}

}  // namespace

void validate_site(const FieldChecks& check, const std::string& p, const SiteKinetics& s) {
    rate_at_least_zero(check, p + "rate_constant", s.k_ox, "1e-9 A/m2");
    check.range(p + "alpha", s.alpha_ox, 0.01, 1.0, kAlphaRange);
    check.range(p + "reversible_fraction", s.reversible_fraction, 0.0, 1.0, "a fraction in [0, 1]");
    check.require(s.passivation > 0, p + "passivation_coverage", "must be > 0, such as \"1e-6 mol/m2\"");
    check.require(s.law_coverage >= 0, p + "passivation.coverage",
                  "must be > 0, such as \"1e-7 mol/m2\" (absent: passivation_coverage)");
    check.range(p + "passivation.reversible_weight", s.reversible_weight, 0.0, 1.0, "a fraction in [0, 1]");
    check.range(p + "fast_irreversible_weight", s.fast_irreversible_weight, 0.0, 1.0, "a fraction in [0, 1]");
    check.require(s.reduction_saturation >= 0, p + "reduction_saturation",
                  "must be >= 0 (0: first order), such as \"1e-7 mol/m2\"");
    rate_at_least_zero(check, p + "fast_rate_constant", s.k_fast, "1e-9 A/m2");
    rate_at_least_zero(check, p + "parabolic_rate_constant", s.k_par, "1e-12 A/m2");
    check.require(s.passivation_par > 0, p + "parabolic_coverage", "must be > 0, such as \"1e-5 mol/m2\"");
    check.range(p + "fast_alpha", s.alpha_fast, 0.01, 1.0, kAlphaRange);
    check.require(s.passivation_fast > 0, p + "fast_passivation_coverage",
                  "must be > 0, such as \"1e-7 mol/m2\"");
    rate_at_least_zero(check, p + "reduction_rate_constant", s.k_red, "1e-9 A/m2");
    check.range(p + "reduction_alpha", s.alpha_red, 0.01, 1.0, kAlphaRange);
    check.require(s.U_act == 0.0 || (s.U_act >= 1.0 && s.U_act <= 6.0), p + "activation_potential",
                  "must be in [1, 6] V, such as \"4.3 V\" (absent: the activation energy holds at onset_potential)");
}

void validate_reaction(const FieldChecks& check, const std::string& p, const PassivatingReaction& r) {
    rate_at_least_zero(check, p + "rate_constant", r.k, "1e-9 A/m2");
    check.range(p + "alpha", r.alpha, 0.01, 1.0, kAlphaRange);
    check.require(r.passivation > 0, p + "passivation_coverage", "must be > 0");
}

void ChemistrySpec::validate(const FieldError& fail) const {
    const FieldChecks check(fail);
    check.range("electrons_per_product", electrons_per_product, 0.1, 20.0, "in [0.1, 20]");
    check.range("tpb_weight", tpb_weight, 0.0, 10.0, "in [0, 10]");
    for (int k = 0; k < n_sites; ++k) validate_site(check, std::string("sites.") + site_name(k) + ".", site[k]);
    validate_reaction(check, "pristine_reduction.", pristine_reduction);
    validate_reaction(check, "lattice_oxygen.", lattice_oxygen);
    check.require(film_molar_volume > 0 && film_molar_volume < 1e-2, "interphase.molar_volume",
                  "expected a positive molar volume, such as \"100 mL/mol\"");
    check.require(film_conductivity.reference > 0, "interphase.conductivity", "must be > 0");
    check.range("interphase.permittivity", film_permittivity, 1.0, 1e4, "a relative permittivity in [1, 1e4]");
    check.range("interphase.tpb_footprint", tpb_footprint, 0.0, 100.0, "in [0, 100] (0: off)");
    check.range("interphase.off_cam_void_share", off_cam_void_share, 0.0, 1.0, "a fraction in [0, 1] (0: off)");
    check.range("contact.initial", contact_initial, 0.01, 1.0, "a fraction in [0.01, 1]");
    check.require(void_scale > 0, "contact.void_scale", "must be > 0, such as \"5 nm\"");
    check.range("contact.se_electrons", se_electrons, 1.0, 20.0, "in [1, 20]");
    check.require(reference_pressure > 0, "contact.reference_pressure", "must be > 0, such as \"20 MPa\"");
    check.range("contact.breathing_coefficient", breathing_coefficient, 0.0, 100.0, "in [0, 100]");
    // 0: identical particle populations (mesh.populations).
    if (heterogeneity != 0.0)
        check.range("contact.heterogeneity", heterogeneity, 0.01, 0.99, "0, or in [0.01, 0.99]");
    check.range("contact.isolation_threshold", isolation_threshold, 0.0, 0.99, "in [0, 0.99]");
    check.range("contact.max_isolated_fraction", max_isolated, 0.0, 0.999, "in [0, 0.999]");
    check.require(!(isolation_threshold > 1.0 - heterogeneity), "contact.isolation_threshold",
                  "particles would be isolated at t = 0: keep isolation_threshold <= 1 - heterogeneity");
    check.range("contact.conductivity_exponent", conductivity_exponent, 0.0, 5.0, "in [0, 5]");
    check.require(!(network_scale < 0), "contact.network_scale", "must be >= 0 (0: off), such as \"25 nm\"");
}

ChemistrySpec parse_chemistry(const ConfigNode& n) {
    ChemistrySpec c;
    // Defaults: sites are off (zero rates) until a config gives their kinetics.
    c.pristine_reduction.U = 1.8;
    c.lattice_oxygen.U = 4.2;
    if (!n.defined()) return c;
    n.allow_only({"enabled", "reference_temperature", "electrons_per_product", "tpb_weight",
                  "activation_potential", "sites", "pristine_reduction", "lattice_oxygen", "interphase",
                  "contact"});
    c.enabled = n.boolean("enabled", true);
    double T_ref = n.quantity("reference_temperature", dim::temperature, 298.15);
    c.reference_temperature = T_ref;
    c.electrons_per_product = n.number("electrons_per_product", 2.0);
    c.tpb_weight = n.number("tpb_weight", 1.0);
    // Every site's activation_potential unless the site gives its own (absent: off).
    const double U_act = n.quantity("activation_potential", dim::voltage, 0.0);
    for (auto& site : c.site) site.U_act = U_act;
    if (n.has("sites")) {
        ConfigNode s = n["sites"];
        s.allow_only({"carbon", "tpb", "cam"});
        for (int k = 0; k < n_sites; ++k) c.site[k] = read_site(s[site_name(k)], c.site[k], T_ref);
    }
    c.pristine_reduction = read_reaction(n["pristine_reduction"], c.pristine_reduction, T_ref);
    c.lattice_oxygen = read_reaction(n["lattice_oxygen"], c.lattice_oxygen, T_ref);
    if (n.has("interphase")) read_interphase(n["interphase"], c, T_ref);
    if (n.has("contact")) read_contact(n["contact"], c);
    c.validate(config_fields(n));
    return c;
}

}  // namespace ssbsim
