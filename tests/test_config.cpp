#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <regex>

#include "core/error.hpp"
#include "test_support.hpp"

using namespace ssbsim;
using ssbsim::test::load_text;

namespace {

// A complete small config; tests modify one line at a time.
const char* kGood = R"(name: config test
cell:
  area: "0.785 cm2"
  temperature: "45 degC"
  counter_electrode: InLi
  separator:
    thickness: "1 mm"
    electrolyte: Li6PS5Cl
  cathode:
    active_material: NMC532
    electrolyte: Li6PS5Cl
    carbon: SuperP
    composition: {basis: mass, active_material: 0.60, electrolyte: 0.35, carbon: 0.05}
    porosity: 0.15
    loading: "11.5 mg/cm2"
    particle_radius: "2 um"
protocol:
  - Charge at C/50 until 4.3 V
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
    auto pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    return text.replace(pos, from.size(), to);
}

ConfigError expect_config_error(const std::string& text, const std::vector<std::string>& set = {}) {
    try {
        load_text(text, set);
    } catch (const ConfigError& e) {
        return e;
    }
    ADD_FAILURE() << "expected a ConfigError";
    return ConfigError("", 0, "", "");
}

}  // namespace

TEST(Config, GoodConfigResolvesComposition) {
    SimulationConfig c = load_text(kGood);
    const CellSpec& cell = c.cell;
    // Volume fractions from mass fractions and densities, scaled to the solid fraction.
    double v_cam = 0.60 / cell.cam.density, v_se = 0.35 / cell.electrolyte.density,
           v_c = 0.05 / cell.carbon.density;
    double solid = 1 - 0.15;
    EXPECT_NEAR(cell.eps_cam, solid * v_cam / (v_cam + v_se + v_c), 1e-12);
    EXPECT_NEAR(cell.eps_cam + cell.eps_se + cell.eps_carbon + cell.porosity, 1.0, 1e-12);
    // Thickness follows from the loading: L = loading / (rho_CAM eps_CAM).
    EXPECT_NEAR(cell.thickness, 0.115 / (cell.cam.density * cell.eps_cam), 1e-15);
    EXPECT_NEAR(cell.temperature, 318.15, 1e-12);
    EXPECT_NEAR(cell.counter.potential, 0.62, 1e-12);
    EXPECT_EQ(c.protocol.steps.size(), 1u);
}

TEST(Config, TypoKeyNamesFileLineAndSuggestion) {
    ConfigError e = expect_config_error(replace(kGood, "particle_radius:", "partcle_radius:"));
    EXPECT_EQ(e.file(), "test.yaml");
    EXPECT_EQ(e.line(), 16);
    EXPECT_EQ(e.key(), "cell.cathode.partcle_radius");
    std::string msg = e.what();
    EXPECT_NE(msg.find("test.yaml:16"), std::string::npos) << msg;
    EXPECT_NE(msg.find("did you mean 'particle_radius'"), std::string::npos) << msg;
}

TEST(Config, MissingUnitIsRejectedWithExpectedForm) {
    ConfigError e = expect_config_error(replace(kGood, "\"11.5 mg/cm2\"", "11.5"));
    EXPECT_EQ(e.line(), 15);
    EXPECT_EQ(e.key(), "cell.cathode.loading");
    EXPECT_NE(std::string(e.what()).find("mg/cm2"), std::string::npos) << e.what();
}

TEST(Config, WrongUnitIsRejected) {
    ConfigError e = expect_config_error(replace(kGood, "\"2 um\"", "\"2 mAh\""));
    EXPECT_EQ(e.key(), "cell.cathode.particle_radius");
    EXPECT_NE(std::string(e.what()).find("incompatible units"), std::string::npos) << e.what();
}

TEST(Config, FractionsMustSum) {
    ConfigError e = expect_config_error(replace(kGood, "electrolyte: 0.35", "electrolyte: 0.45"));
    EXPECT_EQ(e.line(), 13);
    EXPECT_NE(std::string(e.what()).find("must sum to 1"), std::string::npos);
}

TEST(Config, NegativeThicknessIsRejected) {
    ConfigError e = expect_config_error(replace(kGood, "thickness: \"1 mm\"", "thickness: \"-1 mm\""));
    EXPECT_EQ(e.key(), "cell.separator.thickness");
    EXPECT_EQ(e.line(), 7);
}

TEST(Config, UnknownMaterialSuggestsClosest) {
    ConfigError e = expect_config_error(replace(kGood, "active_material: NMC532", "active_material: NMC523"));
    EXPECT_NE(std::string(e.what()).find("did you mean 'NMC532'"), std::string::npos) << e.what();
}

TEST(Config, SetOverridesAnyValue) {
    SimulationConfig c = load_text(kGood, {"cell.temperature=30 degC", "protocol.0=Rest for 2 h"});
    EXPECT_NEAR(c.cell.temperature, 303.15, 1e-12);
    EXPECT_EQ(c.protocol.steps[0].kind, Step::Kind::rest);
    EXPECT_NEAR(c.protocol.steps[0].duration, 7200.0, 1e-9);
}

TEST(Config, BadSetValueNamesTheOverride) {
    ConfigError e = expect_config_error(kGood, {"cell.temperature=hot"});
    EXPECT_NE(std::string(e.what()).find("--set cell.temperature"), std::string::npos) << e.what();
    EXPECT_THROW(load_text(kGood, {"protocol.7=Rest for 1 h"}), ConfigError);
}

TEST(Config, EmbeddedDefaultAndShippedConfigsLoad) {
    SimulationConfig d = ssbsim::test::load("");
    EXPECT_EQ(d.protocol.steps.size(), 4u);
    EXPECT_NEAR(d.protocol.c_rate_basis, 278 * 3600.0, 1e-9);
    SimulationConfig r = ssbsim::test::load("configs/pybamm_reference.yaml");
    EXPECT_NEAR(r.cell.thickness, 6.182795699e-5, 1e-5 * 6.18e-5);  // problem.md section 2 (density rounded)
}

TEST(Config, StreamedConfigTextEqualsTheNodeTree) {
    // emit_config_text (the result file's `config` attribute) must write what the node tree
    // emits, byte for byte, with and without steps.
    for (SimulationConfig c : {load_text(kGood), ssbsim::test::load("")}) {
        for (int pass = 0; pass < 2; ++pass) {
            YAML::Emitter em;
            em << emit_config(c);
            EXPECT_EQ(emit_config_text(c), std::string(em.c_str()));
            c.protocol.steps.clear();
        }
    }
}

TEST(Config, MemoisedConfigTextEqualsTheNodeTreeForShippedConfigs) {
    // emit_config_text memoises the emitted cell, chemistry, mesh and solver entries by
    // content: every shipped config, twice (the second from the memo), and a case of a sweep
    // that differs in one step and the name, as the whole tree emits them.
    const char* const shipped[] = {"configs/default.yaml", "configs/pybamm_reference.yaml",
                                   "configs/studies/study_a.yaml", "configs/studies/study_b.yaml",
                                   "configs/studies/study_c.yaml", "configs/studies/study_d.yaml",
                                   "benchmarks/study_a_intercalation.yaml"};
    for (const char* rel : shipped) {
        SimulationConfig c = ssbsim::test::load(rel);
        for (int pass = 0; pass < 3; ++pass) {
            YAML::Emitter em;
            em << emit_config(c);
            EXPECT_EQ(emit_config_text(c), std::string(em.c_str())) << rel << " pass " << pass;
            c.name += " / case 2";
            c.protocol.steps.back().duration *= 2;
            c.protocol.steps.back().label = "changed: " + c.protocol.steps.back().label;
        }
        c.cell.temperature += 1;  // a changed section is emitted afresh, not taken from the memo
        YAML::Emitter em;
        em << emit_config(c);
        EXPECT_EQ(emit_config_text(c), std::string(em.c_str())) << rel;
    }
}

TEST(Config, DirectlyWrittenEntriesEqualYamlCppsEmitter) {
    // emit_entry_text writes block mappings of plain-safe scalars itself: on random keys and
    // values (from the characters of the resolved config and the ones that make yaml-cpp
    // quote: ':', '#', '-' and space placement, null words, quotes, non-ASCII), nested
    // mappings, empty ones and sequences, its text must be yaml-cpp's, byte for byte.
    std::mt19937 rng(12);
    const std::string chars = "aZ09 ._/+-()::##'\"~!%@&*,[]{}|>\t\xc3\xa9";
    const std::vector<std::string> words = {"", "~", "null", "Null", "NULL", "true", "no", "1e-06", "-5", "- 5",
                                            "-", "a: b", "a #b", "a#b", "a:b", " a", "a ", "C/50", "0.785 cm2"};
    auto scalar = [&] {
        if (rng() % 3 == 0) return words[rng() % words.size()];
        std::string w;
        const int n = 1 + static_cast<int>(rng() % 8);
        for (int i = 0; i < n; ++i) w += chars[rng() % chars.size()];
        return w;
    };
    std::function<YAML::Node(int)> tree = [&](int depth) {
        const unsigned kind = rng() % 8;
        if (depth > 2 || kind < 4) return YAML::Node(scalar());
        YAML::Node n;
        if (kind == 7) {
            n.push_back(scalar());
            return n;
        }
        const int entries = kind == 6 ? 0 : 1 + static_cast<int>(rng() % 4);
        if (entries == 0) return YAML::Node(YAML::NodeType::Map);
        for (int i = 0; i < entries; ++i) n[scalar() + std::to_string(i)] = tree(depth + 1);
        return n;
    };
    int direct = 0;
    for (int i = 0; i < 4000; ++i) {
        const YAML::Node key(rng() % 4 ? std::string("k") + std::to_string(i) : scalar());
        const YAML::Node value = tree(0);
        YAML::Emitter em;
        em << YAML::BeginMap << YAML::Key << key << YAML::Value << value << YAML::EndMap;
        const std::string text = emit_entry_text(key, value);
        ASSERT_EQ(text, std::string(em.c_str())) << "entry " << i;
        direct += text.find('"') == std::string::npos ? 1 : 0;
    }
    EXPECT_GT(direct, 500);  // the direct path was taken often
}

TEST(Config, ResolvedConfigRoundTrips) {
    SimulationConfig a = load_text(kGood);
    YAML::Emitter em;
    em << emit_config(a);
    SimulationConfig b = load_text(em.c_str());
    EXPECT_NEAR(a.cell.thickness, b.cell.thickness, 1e-12 * a.cell.thickness);
    EXPECT_NEAR(a.cell.eps_cam, b.cell.eps_cam, 1e-9);
    EXPECT_EQ(a.protocol.steps.size(), b.protocol.steps.size());
}
