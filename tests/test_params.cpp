// params/: the resolved config loads back to the same config, and every parameter struct
// rejects a field outside its range, whether it was read from YAML or built in code.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"
#include "params/emit.hpp"
#include "run/simulation.hpp"
#include "test_support.hpp"

using namespace ssbsim;

namespace {

// Loads `text` as if it were the file `name` (relative material paths resolve the same).
SimulationConfig load_as(const std::string& text, const std::string& name) {
    MaterialLibrary lib;
    return load_config(ConfigNode::load_string(text, name), lib);
}

// The fields the model reads that emit writes as numbers: exactly equal, not nearly.
void expect_same_cell(const CellSpec& a, const CellSpec& b, const std::string& what) {
    EXPECT_EQ(a.area, b.area) << what;
    EXPECT_EQ(a.temperature, b.temperature) << what;
    EXPECT_EQ(a.stack_pressure, b.stack_pressure) << what;
    EXPECT_EQ(a.separator_thickness, b.separator_thickness) << what;
    EXPECT_EQ(a.separator_tortuosity, b.separator_tortuosity) << what;
    EXPECT_EQ(a.eps_cam, b.eps_cam) << what;
    EXPECT_EQ(a.eps_se, b.eps_se) << what;
    EXPECT_EQ(a.eps_carbon, b.eps_carbon) << what;
    EXPECT_EQ(a.porosity, b.porosity) << what;
    EXPECT_EQ(a.thickness, b.thickness) << what;
    EXPECT_EQ(a.loading, b.loading) << what;
    EXPECT_EQ(a.reference_loading, b.reference_loading) << what;
    EXPECT_EQ(a.particle_radius, b.particle_radius) << what;
    EXPECT_EQ(a.ionic_tortuosity, b.ionic_tortuosity) << what;
    EXPECT_EQ(a.electronic_tortuosity, b.electronic_tortuosity) << what;
    EXPECT_EQ(a.initial_stoichiometry, b.initial_stoichiometry) << what;
    EXPECT_EQ(a.carbon.specific_surface_area, b.carbon.specific_surface_area) << what;
    EXPECT_EQ(a.counter.area_resistance, b.counter.area_resistance) << what;
    EXPECT_EQ(a.composition.basis, b.composition.basis) << what;
    EXPECT_EQ(a.chemistry.contact_initial, b.chemistry.contact_initial) << what;
    EXPECT_EQ(a.chemistry.site[site_carbon].k_ox.reference, b.chemistry.site[site_carbon].k_ox.reference) << what;
}

const char* const kShipped[] = {"configs/default.yaml",          "configs/pybamm_reference.yaml",
                                "configs/studies/study_a.yaml",  "configs/studies/study_a_carbon_only.yaml",
                                "configs/studies/study_b_mno2.yaml", "configs/studies/study_b.yaml",
                                "configs/studies/study_c.yaml", "configs/studies/study_d.yaml"};

}  // namespace

TEST(Params, ResolvedConfigIsAFixedPointForEveryShippedConfig) {
    for (const char* rel : kShipped) {
        const std::string path = test::source_path(rel);
        SimulationConfig a = test::load(rel);
        const std::string text_a = emit_config_text(a);
        SimulationConfig b = load_as(text_a, path);
        const std::string text_b = emit_config_text(b);
        EXPECT_EQ(text_a, text_b) << rel;
        expect_same_cell(a.cell, b.cell, rel);
        EXPECT_EQ(a.protocol.steps.size(), b.protocol.steps.size()) << rel;
        EXPECT_EQ(a.protocol.c_rate_basis, b.protocol.c_rate_basis) << rel;
        for (size_t i = 0; i < a.protocol.steps.size() && i < b.protocol.steps.size(); ++i) {
            EXPECT_EQ(a.protocol.steps[i].duration, b.protocol.steps[i].duration) << rel << " step " << i;
            EXPECT_EQ(a.protocol.steps[i].voltage, b.protocol.steps[i].voltage) << rel << " step " << i;
        }
        EXPECT_EQ(a.solver.rtol, b.solver.rtol) << rel;
        EXPECT_EQ(a.output.profile_interval, b.output.profile_interval) << rel;
        // The embedded default also equals its file.
        if (std::string(rel) == "configs/default.yaml") EXPECT_EQ(text_a, emit_config_text(test::load("")));
    }
}

TEST(Params, ResolvedConfigHasNoFloatNoise) {
    for (const char* rel : kShipped) {
        const std::string text = emit_config_text(test::load(rel));
        EXPECT_EQ(text.find("0000000"), std::string::npos) << rel << "\n" << text;
        EXPECT_EQ(text.find("9999999"), std::string::npos) << rel << "\n" << text;
    }
    const std::string text = emit_config_text(test::load(""));
    EXPECT_NE(text.find("max_step: 0 s"), std::string::npos) << text;
    EXPECT_NE(text.find("porosity: 0.15"), std::string::npos) << text;
    EXPECT_NE(text.find("temperature: 45 degC"), std::string::npos) << text;
}

TEST(Params, ResolvedConfigKeepsTheCompositionBasisAndSizing) {
    SimulationConfig mass = test::load("configs/studies/study_a.yaml");
    const std::string m = emit_config_text(mass);
    EXPECT_NE(m.find("basis: mass"), std::string::npos) << m;
    EXPECT_NE(m.find("active_material: 0.6\n"), std::string::npos) << m;
    EXPECT_NE(m.find("loading: 11.5 mg/cm2"), std::string::npos) << m;
    const std::string v = emit_config_text(test::load("configs/studies/study_b_mno2.yaml"));
    EXPECT_NE(v.find("basis: volume"), std::string::npos) << v;
    EXPECT_NE(v.find("active_material: 0.49\n"), std::string::npos) << v;
    // A cell sized by thickness stays sized by thickness.
    SimulationConfig t = test::load_text(R"(cell:
  counter_electrode: InLi
  separator: {thickness: "1 mm"}
  cathode:
    active_material: NMC532
    carbon: SuperP
    composition: {basis: volume, active_material: 0.5, electrolyte: 0.3, carbon: 0.05}
    porosity: 0.15
    thickness: "60 um"
    particle_radius: "2 um"
protocol:
  - Charge at C/10 until 4.3 V
)");
    const std::string tt = emit_config_text(t);
    EXPECT_NE(tt.find("thickness: 60 um"), std::string::npos) << tt;
    EXPECT_EQ(load_as(tt, "t.yaml").cell.thickness, t.cell.thickness);
}

namespace {
// Builds a Simulation from a config changed in code; returns the error (empty: accepted).
template <class Change>
std::string rejection(Change change) {
    SimulationConfig c = test::load("");
    change(c);
    try {
        Simulation sim(c);
    } catch (const ConfigError& e) {
        return e.key() + " | " + e.what();
    }
    return "";
}
}  // namespace

TEST(Params, StructBuiltInCodeIsRejectedNamingTheField) {
    EXPECT_EQ(rejection([](SimulationConfig&) {}), "");
    std::string e = rejection([](SimulationConfig& c) { c.cell.porosity = 0.95; });
    EXPECT_EQ(e.rfind("cell.cathode.porosity | ", 0), 0u) << e;
    EXPECT_NE(e.find("[0, 0.9]"), std::string::npos) << e;
    EXPECT_NE(e.find("<built in code>"), std::string::npos) << e;
    e = rejection([](SimulationConfig& c) { c.cell.separator_thickness = -1e-3; });
    EXPECT_EQ(e.rfind("cell.separator.thickness | ", 0), 0u) << e;
    EXPECT_NE(e.find("plausible range [1e-07, 0.01] m"), std::string::npos) << e;
    e = rejection([](SimulationConfig& c) { c.cell.chemistry.heterogeneity = 1.5; });
    EXPECT_EQ(e.rfind("chemistry.contact.heterogeneity | ", 0), 0u) << e;
    e = rejection([](SimulationConfig& c) { c.mesh.cathode = 1; });
    EXPECT_EQ(e.rfind("mesh.cathode | ", 0), 0u) << e;
    EXPECT_NE(e.find("an integer from 2 to 2000"), std::string::npos) << e;
    e = rejection([](SimulationConfig& c) { c.solver.rtol = 0.5; });
    EXPECT_EQ(e.rfind("solver.rtol | ", 0), 0u) << e;
    e = rejection([](SimulationConfig& c) { c.output.sample_interval = -1; });
    EXPECT_EQ(e.rfind("output.sample_interval | ", 0), 0u) << e;
    e = rejection([](SimulationConfig& c) { c.cell.cam.density = 0; });
    EXPECT_EQ(e.rfind("cell.cathode.active_material.density | ", 0), 0u) << e;
    e = rejection([](SimulationConfig& c) { c.cell.eps_se = 0.5; });
    EXPECT_EQ(e.rfind("cell.cathode.composition | ", 0), 0u) << e;
    e = rejection([](SimulationConfig& c) { c.cell.particle_radius = 2 * c.cell.thickness; });
    EXPECT_EQ(e.rfind("cell.cathode.particle_radius | ", 0), 0u) << e;
}

TEST(Params, ProtocolStepBuiltInCodeIsRejectedNamingTheField) {
    // Through the Simulation: the step's index in the key, its label in the message.
    std::string e = rejection([](SimulationConfig& c) { c.protocol.steps[0].duration = -3600; });
    EXPECT_EQ(e.rfind("protocol.steps[0].duration | ", 0), 0u) << e;
    EXPECT_NE(e.find("<built in code>"), std::string::npos) << e;
    e = rejection([](SimulationConfig& c) { c.protocol.steps.back().period = std::nan(""); });
    EXPECT_NE(e.find(".period | "), std::string::npos) << e;
    e = rejection([](SimulationConfig& c) { c.protocol.c_rate_basis = -1; });
    EXPECT_EQ(e.rfind("protocol.c_rate_basis | ", 0), 0u) << e;
    e = rejection([](SimulationConfig& c) {
        Step s = parse_step_string("Discharge at C/10 until 2.5 V");
        s.current.value = 0;
        c.protocol.steps.push_back(s);
    });
    EXPECT_NE(e.find("].discharge | "), std::string::npos) << e;
    EXPECT_NE(e.find("'Discharge at C/10 until 2.5 V'"), std::string::npos) << e;

    // A step alone: what the parser checks, checked again for a step built in code.
    auto key_of = [](const Step& s) -> std::string {
        try {
            s.validate(code_fields("step"));
        } catch (const ConfigError& e) {
            return e.key();
        }
        return "";
    };
    for (const char* text : {"Charge at C/50 until 4.3 V", "Hold at 4.3 V for 10 hours", "Rest for 1 h",
                             "Set temperature to 30 degC", "Ramp from 2.5 V to 4.3 V over 34 hours",
                             "Discharge at 2 mW until 2 V"})
        EXPECT_EQ(key_of(parse_step_string(text)), "") << text;
    Step hold = parse_step_string("Hold at 4.3 V until C/100");
    hold.voltage = std::numeric_limits<double>::infinity();
    EXPECT_EQ(key_of(hold), "step.hold");
    Step ramp = parse_step_string("Ramp from 2.5 V to 4.3 V over 34 hours");
    ramp.ramp_end = ramp.voltage;
    EXPECT_EQ(key_of(ramp), "step.ramp");
    Step power = parse_step_string("Charge at 2 mW until 4.3 V");
    power.power = -2e-3;
    EXPECT_EQ(key_of(power), "step.charge");
    Step limit = parse_step_string("Charge at C/50 until 4.3 V");
    limit.limits[0].value = 0;
    EXPECT_EQ(key_of(limit), "step.until");
    Step temperature = parse_step_string("Set temperature to 30 degC");
    temperature.temperature = 10;  // [K]
    EXPECT_EQ(key_of(temperature), "step.temperature");
    Step rest = parse_step_string("Rest for 1 h");
    rest.duration = std::numeric_limits<double>::infinity();
    EXPECT_EQ(key_of(rest), "step.duration");
}

TEST(Params, ValidateFromYamlNamesFileLineAndKey) {
    SimulationConfig ok = test::load("");
    // The same check as for a struct built in code, located in the file.
    const std::string text = emit_config_text(ok);
    try {
        load_as(text, "resolved.yaml");
        MaterialLibrary lib;
        load_config(ConfigNode::load_string(text, "resolved.yaml").with_overrides({"chemistry.contact.heterogeneity=1.5"}), lib);
        ADD_FAILURE() << "heterogeneity 1.5 was accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.key(), "chemistry.contact.heterogeneity");
        EXPECT_NE(std::string(e.what()).find("in [0.01, 0.99]"), std::string::npos) << e.what();
    }
    try {
        std::string t = text;
        const std::string from = "porosity: 0.15";
        t.replace(t.find(from), from.size(), "porosity: 0.95");
        load_as(t, "resolved.yaml");
        ADD_FAILURE() << "porosity 0.95 was accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.key(), "cell.cathode.porosity");
        EXPECT_EQ(e.file(), "resolved.yaml");
        EXPECT_GT(e.line(), 0);
    }
}

TEST(Params, MeshAndChemistryValidateAlone) {
    MeshSpec m;
    EXPECT_NO_THROW(m.validate(code_fields("mesh")));
    m.particle = 5000;
    EXPECT_THROW(m.validate(code_fields("mesh")), ConfigError);
    ChemistrySpec c;
    c.pristine_reduction.U = 1.8;
    EXPECT_NO_THROW(c.validate(code_fields("chemistry")));
    c.site[site_tpb].alpha_ox = 0.0;
    try {
        c.validate(code_fields("chemistry"));
        ADD_FAILURE();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.key(), "chemistry.sites.tpb.alpha");
    }
}
