#include "params/emit.hpp"

#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "params/quantity_text.hpp"

namespace ssbsim {

using namespace units;

namespace {

YAML::Node emit_counter(const CounterElectrodeMaterial& ce) {
    YAML::Node n;
    n["material"] = ce.name;
    n["potential"] = quantity_text(ce.potential, "V", dim::voltage);
    n["exchange_current_density"] = quantity_text(ce.exchange_current.reference, "A/m2", dim::current_density);
    n["area_specific_resistance"] = quantity_text(ce.area_resistance, "ohm cm2", dim::area_resistance);
    return n;
}

// The composition as the user gave it when it still gives the cell's volume fractions
// (always, for a config read from YAML); else the volume fractions of the solid.
YAML::Node emit_composition(const CellSpec& c) {
    YAML::Node n;
    const Composition& w = c.composition;
    std::string error;
    const VolumeFractions eps = w.basis.empty() ? VolumeFractions{} : volume_fractions(c, w, error);
    if (!w.basis.empty() && error.empty() && eps.cam == c.eps_cam && eps.se == c.eps_se &&
        eps.carbon == c.eps_carbon && eps.binder == c.eps_binder) {
        n["basis"] = w.basis;
        n["active_material"] = number_text(w.active_material);
        n["electrolyte"] = number_text(w.electrolyte);
        n["carbon"] = number_text(w.carbon);
        if (w.binder > 0) n["binder"] = number_text(w.binder);
        return n;
    }
    const double solid = c.eps_binder > 0 ? c.eps_cam + c.eps_se + c.eps_carbon + c.eps_binder
                                          : c.eps_cam + c.eps_se + c.eps_carbon;
    n["basis"] = "volume";
    n["active_material"] = number_text(c.eps_cam / solid);
    n["electrolyte"] = number_text(c.eps_se / solid);
    n["carbon"] = number_text(c.eps_carbon / solid);
    if (c.eps_binder > 0) n["binder"] = number_text(c.eps_binder / solid);
    return n;
}

YAML::Node emit_cathode(const CellSpec& c) {
    YAML::Node cat;
    cat["active_material"] = c.has_cam ? c.cam.name : std::string("none");
    cat["electrolyte"] = c.electrolyte.name;
    cat["carbon"] = c.has_carbon ? c.carbon.name : std::string("none");
    if (c.has_carbon)
        cat["carbon_specific_surface_area"] =
            quantity_text(c.carbon.specific_surface_area, "m2/g", dim::specific_area);
    if (c.coating.empty()) {
        cat["coating"] = "none";
    } else {
        cat["coating"]["material"] = c.coating;
        if (c.coating_thickness > 0)
            cat["coating"]["thickness"] = quantity_text(c.coating_thickness, "nm", dim::length);
        else if (c.coating_mass_fraction > 0)
            cat["coating"]["mass_fraction"] = number_text(c.coating_mass_fraction);
        cat["coating"]["blocking"] = number_text(c.coating_blocking);
    }
    if (c.eps_binder > 0 && c.composition.basis == "mass")
        cat["binder_density"] = quantity_text(c.binder.density, "g/cm3", dim::density);
    cat["composition"] = emit_composition(c);
    cat["porosity"] = number_text(c.porosity);
    if (c.has_cam && !c.thickness_given) cat["loading"] = quantity_text(c.loading, "mg/cm2", dim::areal_mass);
    else cat["thickness"] = quantity_text(c.thickness, "um", dim::length);
    if (c.reference_loading > 0 && (!c.has_cam || c.reference_loading != c.loading))
        cat["reference_loading"] = quantity_text(c.reference_loading, "mg/cm2", dim::areal_mass);
    cat["particle_radius"] = quantity_text(c.particle_radius, "um", dim::length);
    if (c.ionic_conductivity_given.reference > 0)
        cat["ionic_conductivity"] = quantity_text(c.ionic_conductivity_given.reference, "S/m", dim::conductivity);
    else
        cat["ionic_tortuosity"] = number_text(c.ionic_tortuosity);
    cat["electronic_tortuosity"] = number_text(c.electronic_tortuosity);
    if (c.electronic_conductivity_given.reference > 0)
        cat["electronic_conductivity"] =
            quantity_text(c.electronic_conductivity_given.reference, "S/m", dim::conductivity);
    if (c.ionic_conductivity_given.reference > 0 || c.electronic_conductivity_given.reference > 0)
        cat["conductivity_temperature"] =
            quantity_text(c.ionic_conductivity_given.reference > 0 ? c.ionic_conductivity_given.reference_temperature
                                                                   : c.electronic_conductivity_given.reference_temperature,
                          "degC", dim::temperature);
    // The chemistry written with this cell holds the materials' kinetics already.
    if (!c.material_kinetics || (c.kinetics_from_materials && c.chemistry.enabled))
        cat["material_kinetics"] = false;
    cat["contact_resistance"] = quantity_text(c.contact_resistance, "ohm cm2", dim::area_resistance);
    cat["film_resistance"] = quantity_text(c.film_resistance, "ohm cm2", dim::area_resistance);
    if (c.film_capacitance != kFilmCapacitance)
        cat["film_capacitance"] = quantity_text(c.film_capacitance, "F/m2", dim::area_capacitance);
    if (!c.cam.inert) cat["initial_stoichiometry"] = number_text(c.initial_stoichiometry);
    else if (c.initial_potential_inert > 0)
        cat["initial_potential"] = quantity_text(c.initial_potential_inert, "V", dim::voltage);
    return cat;
}

YAML::Node rate(const Arrhenius& k) { return YAML::Node(quantity_text(k.reference, "A/m2", dim::current_density)); }
std::string molar_energy(double v) { return quantity_text(v, "kJ/mol", dim::molar_energy); }
std::string coverage(double v) { return quantity_text(v, "mol/m2", dim::amount / dim::area); }
std::string volts(double v) { return quantity_text(v, "V", dim::voltage); }

YAML::Node emit_site(const SiteKinetics& s) {
    YAML::Node m;
    m["rate_constant"] = rate(s.k_ox);
    m["activation_energy"] = molar_energy(s.k_ox.activation_energy);
    m["alpha"] = number_text(s.alpha_ox);
    m["onset_potential"] = volts(s.U_ox);
    m["reversible_fraction"] = number_text(s.reversible_fraction);
    m["passivation_coverage"] = coverage(s.passivation);
    m["fast_rate_constant"] = rate(s.k_fast);
    m["fast_alpha"] = number_text(s.alpha_fast);
    m["fast_passivation_coverage"] = coverage(s.passivation_fast);
    m["reduction_rate_constant"] = rate(s.k_red);
    m["reduction_activation_energy"] = molar_energy(s.k_red.activation_energy);
    m["reduction_alpha"] = number_text(s.alpha_red);
    m["reduction_potential"] = volts(s.U_red);
    // Only when set, so that a config without them resolves as before.
    if (s.reduction_saturation > 0) m["reduction_saturation"] = coverage(s.reduction_saturation);
    if (s.fast_irreversible_weight != 1.0) m["fast_irreversible_weight"] = number_text(s.fast_irreversible_weight);
    if (s.U_act > 0) m["activation_potential"] = volts(s.U_act);
    if (s.k_par.reference > 0) {
        m["parabolic_rate_constant"] = rate(s.k_par);
        m["parabolic_coverage"] = coverage(s.passivation_par);
    }
    if (s.law != PassivationLaw::hyperbolic || s.law_coverage > 0 || s.reversible_weight != 1.0) {
        m["passivation"]["law"] = passivation_law_name(s.law);
        if (s.law_coverage > 0) m["passivation"]["coverage"] = coverage(s.law_coverage);
        m["passivation"]["reversible_weight"] = number_text(s.reversible_weight);
    }
    return m;
}

YAML::Node emit_reaction(const PassivatingReaction& r) {
    YAML::Node m;
    m["rate_constant"] = rate(r.k);
    m["activation_energy"] = molar_energy(r.k.activation_energy);
    m["alpha"] = number_text(r.alpha);
    m["potential"] = volts(r.U);
    m["passivation_coverage"] = coverage(r.passivation);
    return m;
}

YAML::Node emit_contact(const ChemistrySpec& c) {
    YAML::Node k;
    k["initial"] = number_text(c.contact_initial);
    k["void_scale"] = quantity_text(c.void_scale, "nm", dim::length);
    k["se_electrons"] = number_text(c.se_electrons);
    k["reference_pressure"] = quantity_text(c.reference_pressure, "MPa", dim::pressure);
    k["breathing_coefficient"] = number_text(c.breathing_coefficient);
    k["heterogeneity"] = number_text(c.heterogeneity);
    k["isolation_threshold"] = number_text(c.isolation_threshold);
    k["max_isolated_fraction"] = number_text(c.max_isolated);
    k["conductivity_exponent"] = number_text(c.conductivity_exponent);
    k["network_scale"] = quantity_text(c.network_scale, "nm", dim::length);
    return k;
}

// The top-level entries of the resolved config, in their order.
std::vector<std::pair<std::string, YAML::Node>> config_sections(const SimulationConfig& c, bool with_steps) {
    std::vector<std::pair<std::string, YAML::Node>> out;
    out.emplace_back("name", YAML::Node(c.name));
    if (!c.description.empty()) out.emplace_back("description", YAML::Node(c.description));
    if (c.materials && c.materials.IsSequence() && c.materials.size() > 0) out.emplace_back("materials", c.materials);
    out.emplace_back("cell", emit_cell(c.cell));
    if (c.cell.chemistry.enabled) out.emplace_back("chemistry", emit_chemistry(c.cell.chemistry));
    out.emplace_back("mesh", emit_mesh(c.mesh));
    out.emplace_back("solver", emit_solver(c.solver));
    out.emplace_back("protocol", emit_protocol(c.protocol, with_steps));
    out.emplace_back("output", emit_output(c.output));
    return out;
}

YAML::Node emit_config_node(const SimulationConfig& c, bool with_steps) {
    YAML::Node n;
    for (const auto& [key, value] : config_sections(c, with_steps)) n[key] = value;
    return n;
}

}  // namespace

YAML::Node emit_cell(const CellSpec& c) {
    YAML::Node n;
    n["area"] = quantity_text(c.area, "cm2", dim::area);
    n["temperature"] = quantity_text(c.temperature, "degC", dim::temperature);
    if (c.pressure_law.mapping) {
        YAML::Node p;
        p["initial"] = quantity_text(c.stack_pressure, "MPa", dim::pressure);
        p["constraint"] = c.pressure_law.constraint == StackPressureLaw::Constraint::die ? "die" : "constant";
        p["stiffness"] = quantity_text(c.pressure_law.stiffness, "GPa", dim::pressure);
        n["stack_pressure"] = p;
    } else {
        n["stack_pressure"] = quantity_text(c.stack_pressure, "MPa", dim::pressure);
    }
    if (c.double_layer) n["double_layer"] = true;
    n["counter_electrode"] = emit_counter(c.counter);
    YAML::Node sep;
    sep["thickness"] = quantity_text(c.separator_thickness, "um", dim::length);
    sep["electrolyte"] = c.separator_electrolyte.name;
    sep["porosity"] = number_text(c.separator_porosity);
    sep["tortuosity"] = number_text(c.separator_tortuosity);
    n["separator"] = sep;
    n["cathode"] = emit_cathode(c);
    return n;
}

YAML::Node emit_mesh(const MeshSpec& m) {
    YAML::Node n;
    n["separator"] = m.separator;
    n["cathode"] = m.cathode;
    n["particle"] = m.particle;
    n["populations"] = m.populations;
    return n;
}

YAML::Node emit_chemistry(const ChemistrySpec& c) {
    YAML::Node n;
    n["enabled"] = c.enabled;
    n["reference_temperature"] = quantity_text(c.reference_temperature, "K", dim::temperature);
    n["electrons_per_product"] = number_text(c.electrons_per_product);
    n["tpb_weight"] = number_text(c.tpb_weight);
    for (int k = 0; k < n_sites; ++k) n["sites"][site_name(k)] = emit_site(c.site[k]);
    n["pristine_reduction"] = emit_reaction(c.pristine_reduction);
    n["lattice_oxygen"] = emit_reaction(c.lattice_oxygen);
    n["interphase"]["molar_volume"] = quantity_text(c.film_molar_volume, "mL/mol", dim::molar_volume);
    n["interphase"]["conductivity"] = quantity_text(c.film_conductivity.reference, "S/m", dim::conductivity);
    n["interphase"]["activation_energy"] = molar_energy(c.film_conductivity.activation_energy);
    if (c.film_permittivity != ChemistrySpec{}.film_permittivity)
        n["interphase"]["permittivity"] = number_text(c.film_permittivity);
    if (c.tpb_footprint > 0) n["interphase"]["tpb_footprint"] = number_text(c.tpb_footprint);
    if (c.off_cam_void_share > 0) n["interphase"]["off_cam_void_share"] = number_text(c.off_cam_void_share);
    n["contact"] = emit_contact(c);
    return n;
}

YAML::Node emit_solver(const SolverSettings& s) {
    YAML::Node n;
    n["rtol"] = number_text(s.rtol);
    n["atol"] = number_text(s.atol);
    n["max_step"] = quantity_text(s.max_step, "s", dim::time);
    n["initial_step"] = quantity_text(s.initial_step, "s", dim::time);
    n["max_order"] = s.max_order;
    n["nonlinear_convergence_coefficient"] = number_text(s.nonlinear_convergence_coefficient);
    return n;
}

YAML::Node emit_output(const OutputSpec& o) {
    YAML::Node n;
    n["file"] = o.file;
    n["sample_interval"] = quantity_text(o.sample_interval, "s", dim::time);
    n["profile_interval"] = quantity_text(o.profile_interval, "s", dim::time);
    n["flush_interval"] = quantity_text(o.flush_interval, "s", dim::time);
    n["max_file_size"] = number_text(o.max_file_size);
    n["max_samples_per_step"] = o.max_samples_per_step;
    n["max_profiles_per_step"] = o.max_profiles_per_step;
    return n;
}

YAML::Node emit_config(const SimulationConfig& c) { return emit_config_node(c, true); }

namespace {
// A node's content as text (type, style, tag, scalars length-prefixed): the key under which
// its emitted text is memoised. Walking the tree costs a few per cent of emitting it:
// yaml-cpp's emitter decides scalar by scalar, with its regexes, whether a string may be
// written plain (~10 M instructions for the Study A config, paid by every result file of a
// sweep and by every checkpoint identity).
void append_key(const YAML::Node& n, std::string& out) {
    out += static_cast<char>('a' + static_cast<int>(n.Type()));
    out += static_cast<char>('a' + static_cast<int>(n.Style()));
    out += std::to_string(n.Tag().size());
    out += ':';
    out += n.Tag();
    switch (n.Type()) {
        case YAML::NodeType::Scalar:
            out += std::to_string(n.Scalar().size());
            out += ':';
            out += n.Scalar();
            break;
        case YAML::NodeType::Sequence:
            for (const auto& x : n) append_key(x, out);
            out += ';';
            break;
        case YAML::NodeType::Map:
            for (const auto& kv : n) {
                append_key(kv.first, out);
                append_key(kv.second, out);
            }
            out += ';';
            break;
        default: break;
    }
}

// The emitted text of `make()` memoised by `key` for this process (at most 64 texts, the
// distinct sections of a sweep's cases; cleared when full).
template <class F>
std::string memoised(const std::string& key, F make) {
    static std::mutex mutex;
    static std::unordered_map<std::string, std::string> memo;
    {
        std::lock_guard<std::mutex> lock(mutex);
        auto it = memo.find(key);
        if (it != memo.end()) return it->second;
    }
    std::string text = make();
    std::lock_guard<std::mutex> lock(mutex);
    if (memo.size() >= 64) memo.clear();
    memo.emplace(key, text);
    return text;
}

// Whether yaml-cpp's emitter surely writes the string `s` plain (as it is, unquoted) in a
// block mapping: a subset of its rule (IsValidPlainScalar: not a null word, no indicator
// first, no ": ", " #", tab, break or unprintable character, no trailing space), the
// characters the resolved config's values and keys are made of. Anything else goes to
// yaml-cpp (tests/test_config.cpp compares the two on random strings).
bool surely_plain(const std::string& s) {
    if (s.empty() || s.size() > 1000 || s == "~" || s == "null" || s == "Null" || s == "NULL") return false;
    for (const char ch : s) {
        const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                        ch == ' ' || ch == '.' || ch == '_' || ch == '/' || ch == '+' || ch == '-' ||
                        ch == '(' || ch == ')';
        if (!ok) return false;
    }
    if (s.front() == ' ' || s.back() == ' ') return false;
    if (s.front() == '-' && (s.size() == 1 || s[1] == ' ')) return false;  // a sequence entry
    return true;
}

bool fast_scalar(const YAML::Node& n) {
    return n.IsScalar() && n.Tag().empty() && surely_plain(n.Scalar());
}

// The block mapping `m` as yaml-cpp's emitter writes it, its entries at column `indent`
// ("key: value", a nested mapping under "key:" two columns further in), each line after a
// newline unless it is the text's first; false (`out` then partly written) when a node is
// outside what this writes exactly as yaml-cpp does: only non-empty mappings of default
// style, untagged plain-safe scalars.
bool append_block_map(const YAML::Node& m, int indent, std::string& out) {
    if (!m.IsMap() || m.size() == 0 || !m.Tag().empty() || m.Style() == YAML::EmitterStyle::Flow) return false;
    for (const auto& kv : m) {
        if (!fast_scalar(kv.first)) return false;
        if (!out.empty()) out += '\n';
        out.append(static_cast<std::size_t>(indent), ' ');
        out += kv.first.Scalar();
        out += ':';
        if (kv.second.IsMap()) {
            if (!append_block_map(kv.second, indent + 2, out)) return false;
        } else if (fast_scalar(kv.second)) {
            out += ' ';
            out += kv.second.Scalar();
        } else {
            return false;
        }
    }
    return true;
}

// One top-level entry of the config as `YAML::Emitter` writes it inside the whole map (a
// block map at column 0: the same text standalone). Written here when append_block_map can
// (yaml-cpp's emitter decides scalar by scalar, through its regexes, whether a string may be
// plain: ~3.9 M instructions for the intercalation analogue's config), else by yaml-cpp.
std::string plain_section_text(const YAML::Node& key, const YAML::Node& value) {
    if (fast_scalar(key)) {
        std::string out = key.Scalar() + ":";
        bool fast = false;
        if (value.IsMap()) fast = append_block_map(value, 2, out);
        else if (fast_scalar(value)) fast = (out += ' ' + value.Scalar(), true);
        if (fast) return out;
    }
    YAML::Emitter em;
    em << YAML::BeginMap << YAML::Key << key << YAML::Value << value << YAML::EndMap;
    return em.c_str();
}
std::string section_text(const YAML::Node& key, const YAML::Node& value) {
    std::string k;
    append_key(key, k);
    append_key(value, k);
    return memoised(k, [&] { return plain_section_text(key, value); });
}

// The protocol entry, its steps emitted one at a time: a node tree of the whole (expanded)
// protocol costs ~3.5 kB per step in yaml-cpp, 10 MB for a 1500-cycle protocol, which set
// the peak memory of long runs.
std::string protocol_text(const YAML::Node& key, const YAML::Node& value, const Protocol& protocol) {
    YAML::Emitter em;
    em << YAML::BeginMap << YAML::Key << key << YAML::Value << YAML::BeginMap;
    for (const auto& p : value) {
        em << YAML::Key << p.first << YAML::Value;
        if (p.first.as<std::string>() != "steps" || protocol.steps.empty()) {
            em << p.second;  // an empty steps sequence as emit_config writes it
            continue;
        }
        em << YAML::BeginSeq;
        for (const auto& st : protocol.steps) em << emit_step(st);
        em << YAML::EndSeq;
    }
    em << YAML::EndMap << YAML::EndMap;
    return em.c_str();
}
}  // namespace

std::string emit_config_text(const SimulationConfig& c) {
    // The text of `YAML::Emitter << emit_config(c)`, entry by entry (block map entries at
    // column 0 are joined by a newline) and without assembling the tree (yaml-cpp merges
    // the node memory at each assignment: ~1.5 M instructions); the cell, chemistry,
    // mesh, ... memoised by content (the name, protocol and output differ from case to case
    // in a sweep).
    std::string out;
    for (const auto& [key, value] : config_sections(c, false)) {
        if (!out.empty()) out += '\n';
        const YAML::Node k(key);
        if (key == "protocol")
            out += protocol_text(k, value, c.protocol);
        else if (key == "name" || key == "output")
            out += plain_section_text(k, value);
        else
            out += section_text(k, value);
    }
    return out;
}

std::string emit_entry_text(const YAML::Node& key, const YAML::Node& value) { return plain_section_text(key, value); }

std::string emit_step_text(const Step& s) {
    const YAML::Node node = emit_step(s);
    std::string k = "step\n";
    append_key(node, k);
    return memoised(k, [&] {
        YAML::Emitter em;
        em << YAML::Flow << node;
        return std::string(em.c_str());
    });
}

}  // namespace ssbsim
