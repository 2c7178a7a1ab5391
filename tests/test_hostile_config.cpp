// Hostile and malformed configs (issue 11): each must be a ConfigError that names the
// file (or the --set text), the line and the key, never a crash, a bare library message or
// a silently accepted value.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/error.hpp"
#include "core/units.hpp"
#include "models/particle_diffusion.hpp"
#include "numerics/interpolation.hpp"
#include "params/protocol.hpp"
#include "test_support.hpp"

using namespace ssbsim;
using ssbsim::test::load;
using ssbsim::test::load_text;

namespace {

const char* kCell = R"(name: hostile config test
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

// Runs `f`, expects a ConfigError and returns its message.
template <class F>
std::string config_error(F&& f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no ConfigError";
    return {};
}

std::string text_error(const std::string& text, const std::vector<std::string>& set = {}) {
    return config_error([&] { load_text(text, set); });
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(HostileConfig, DuplicateKeyIsAnErrorAtItsLine) {
    std::string text = std::string(kCell) + "cell:\n  area: \"1 cm2\"\n";  // line 19
    std::string e = text_error(text);
    EXPECT_TRUE(has(e, "test.yaml:19")) << e;
    EXPECT_TRUE(has(e, "key 'cell'")) << e;
    EXPECT_TRUE(has(e, "appears twice")) << e;
    // Nested, inside a flow mapping too.
    e = text_error(std::string(kCell) + "output: {file: a.h5, file: b.h5}\n");
    EXPECT_TRUE(has(e, "key 'output.file'")) << e;
}

TEST(HostileConfig, SecondYamlDocumentIsAnError) {
    std::string e = text_error(std::string(kCell) + "---\nprotocol: [Rest for 1 h]\n");
    EXPECT_TRUE(has(e, "test.yaml:19")) << e;
    EXPECT_TRUE(has(e, "second YAML document")) << e;
    e = text_error(std::string(kCell) + "...\nprotocol: [Rest for 1 h]\n");
    EXPECT_TRUE(has(e, "test.yaml:20")) << e;
    // A leading marker (with a comment) and a trailing end marker are one document.
    EXPECT_NO_THROW(load_text("--- # study\n" + std::string(kCell) + "...\n# end\n"));
}

TEST(HostileConfig, LoneCommaDoesNotHangTheParser) {
    // yaml-cpp's LoadAll never returns on this (a fuzz finding, tests/fuzz/findings).
    ConfigNode n = ConfigNode::load_string(",", "comma.yaml");
    EXPECT_FALSE(n.defined());  // yaml-cpp reads it as an empty document
    std::string e = text_error(",");
    EXPECT_TRUE(has(e, "test.yaml")) << e;
}

TEST(HostileConfig, NonScalarMappingKeyIsAnError) {
    std::string e = text_error(std::string(kCell) + "? [a, b]\n: 1\n");
    EXPECT_TRUE(has(e, "test.yaml:19")) << e;
    EXPECT_TRUE(has(e, "plain name")) << e;
}

TEST(HostileConfig, AliasBombIsBounded) {
    // Ten levels of ten aliases describe 1e10 entries in a dozen lines.
    std::string text = "a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n";
    for (int i = 1; i <= 10; ++i) {
        text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
        for (int k = 0; k < 10; ++k) text += (k ? ", *a" : "*a") + std::to_string(i - 1);
        text += "]\n";
    }
    std::string e = config_error([&] { ConfigNode::load_string(text, "bomb.yaml"); });
    EXPECT_TRUE(has(e, "bomb.yaml")) << e;
    EXPECT_TRUE(has(e, "anchors and aliases")) << e;
}

TEST(HostileConfig, DirectoryOrMissingFileAsConfig) {
    std::string e = config_error([] { ConfigNode::load_file(SSBSIM_SOURCE_DIR); });
    EXPECT_TRUE(has(e, "is a directory")) << e;
    e = config_error([] { ConfigNode::load_file("/nonexistent/ssbsim.yaml"); });
    EXPECT_TRUE(has(e, "/nonexistent/ssbsim.yaml: cannot open")) << e;
    e = config_error([] { ConfigNode::load_file("/dev/zero"); });
    EXPECT_TRUE(has(e, "not a regular file")) << e;
}

TEST(HostileConfig, UnitPowersAreBounded) {
    // atoi of these overflowed (2 um4294967297 read as 2 um, ...98 as m2).
    for (const char* bad : {"2 um4294967297", "2 um4294967298", "1 N5519555151", "2 m2147483647 m",
                            "1 m99"}) {
        EXPECT_THROW(units::parse(bad), std::invalid_argument) << bad;
    }
    EXPECT_NEAR(units::parse_as("2 cm2", units::dim::area), 2e-4, 1e-18);
    EXPECT_NEAR(units::parse_as("3 s^-1", units::dim::rate_constant), 3.0, 1e-15);
    // Finite numbers whose SI value overflows.
    EXPECT_THROW(units::parse("1e300 km3"), std::invalid_argument);
    std::string e = text_error(kCell, {"cell.cathode.particle_radius=2 um4294967297"});
    EXPECT_TRUE(has(e, "--set cell.cathode.particle_radius=2 um4294967297")) << e;
    EXPECT_TRUE(has(e, "key 'cell.cathode.particle_radius'")) << e;
}

TEST(HostileConfig, IntegersAreRangeCheckedBeforeConversion) {
    std::string e = text_error(std::string(kCell) + "mesh: {cathode: 1e12}\n");
    EXPECT_TRUE(has(e, "key 'mesh.cathode'")) << e;
    EXPECT_TRUE(has(e, "test.yaml:19")) << e;
    e = text_error(std::string(kCell) + "mesh: {cathode: -1e300}\n");
    EXPECT_TRUE(has(e, "key 'mesh.cathode'")) << e;
}

TEST(HostileConfig, SetValueSyntaxErrorNamesTheOverride) {
    std::string e = text_error(kCell, {"cell.temperature=[unclosed"});
    EXPECT_TRUE(has(e, "--set cell.temperature=[unclosed")) << e;
    EXPECT_TRUE(has(e, "key 'cell.temperature'")) << e;
    EXPECT_FALSE(has(e, "[unclosed:1")) << "a line of the --set text is no line of a file: " << e;
    e = text_error(kCell, {"protocol.99999999999999999999=Rest for 1 h"});
    EXPECT_TRUE(has(e, "not in a list of 1 entries")) << e;
    e = text_error(kCell, {"cell..area=1 cm2"});
    EXPECT_TRUE(has(e, "key path")) << e;
}

TEST(HostileConfig, MisspeltNewKeyThroughSetNamesTheOverride) {
    // Was reported at "<embedded default>:1", the line of the --set value.
    std::string e = config_error([] { load("", {"cell.cathode.partcle_radius=2 um"}); });
    EXPECT_TRUE(has(e, "--set cell.cathode.partcle_radius=2 um")) << e;
    EXPECT_TRUE(has(e, "did you mean 'particle_radius'")) << e;
    EXPECT_FALSE(has(e, "<embedded default>")) << e;
    e = config_error([] { load("", {"outptu.file=x.h5"}); });
    EXPECT_TRUE(has(e, "--set outptu.file=x.h5")) << e;
    EXPECT_TRUE(has(e, "did you mean 'output'")) << e;
}

TEST(HostileConfig, NonFiniteCRate) {
    std::string e = text_error(kCell, {"protocol.0=Charge at 1e999C until 4.3 V"});
    EXPECT_TRUE(has(e, "key 'protocol.0'")) << e;
    EXPECT_TRUE(has(e, "not a finite number")) << e;
}

TEST(HostileConfig, NestedRepeatsAreCappedInTotal) {
    std::string text = std::string(kCell) +
                       "  - repeat: 100000\n    steps:\n      - repeat: 100000\n        steps: [Rest for 1 h]\n";
    std::string e = text_error(text);
    EXPECT_TRUE(has(e, "key 'protocol.1.repeat'")) << e;
    EXPECT_TRUE(has(e, "at most 100000")) << e;
    // A real long study stays allowed: 1500 cycles of four steps.
    SimulationConfig c = load_text(std::string(kCell) +
        "  - repeat: 1500\n    steps: [Discharge at 1C until 3 V, Charge at 1C until 4.2 V, Rest for 1 h, Rest for 1 h]\n");
    EXPECT_EQ(c.protocol.steps.size(), 6001u);
}

TEST(HostileConfig, LongStepStringIsRejectedNotRecursed) {
    std::string blob(200000, 'x');
    EXPECT_THROW(parse_step_string("Rest for " + blob), std::invalid_argument);
}

TEST(HostileConfig, TemperatureRangeSpeaksDegC) {
    SimulationConfig c = load_text(kCell, {"cell.temperature=227 degC"});
    EXPECT_NEAR(c.cell.temperature, 500.15, 1e-9);
    std::string e = text_error(kCell, {"cell.temperature=228 degC"});
    EXPECT_TRUE(has(e, "228 degC")) << e;
    EXPECT_TRUE(has(e, "-73 degC to 227 degC")) << e;
    EXPECT_THROW(parse_step_string("Set temperature to 300 degC"), std::invalid_argument);
    EXPECT_NO_THROW(parse_step_string("Set temperature to -73 degC"));
}

TEST(HostileConfig, PyBaMMPeriodSuffixSetsTheStepsSamplingPeriod) {
    Step s = parse_step_string("Rest for 1 hour (1 minute period)");
    EXPECT_EQ(s.kind, Step::Kind::rest);
    EXPECT_NEAR(s.duration, 3600.0, 1e-9);
    EXPECT_NEAR(s.period, 60.0, 1e-12);
    s = parse_step_string("Charge at C/50 until 4.3 V (10 seconds period)");
    EXPECT_NEAR(s.period, 10.0, 1e-12);
    ASSERT_EQ(s.limits.size(), 1u);
    EXPECT_NEAR(s.limits[0].value, 4.3, 1e-12);
    EXPECT_THROW(parse_step_string("Rest for 1 h (0 s period)"), std::invalid_argument);
    // Mapping form and its emitted round trip.
    SimulationConfig c = load_text(kCell, {"protocol.0={rest: 1 h, period: 30 s}"});
    EXPECT_NEAR(c.protocol.steps[0].period, 30.0, 1e-12);
    YAML::Node n = emit_protocol(c.protocol);
    EXPECT_EQ(n["steps"][0]["period"].as<std::string>(), "30 s");
}

TEST(HostileConfig, MaterialPropertiesMustBePositive) {
    const std::string mat = R"(materials:
  - name: BadNMC
    kind: active
    density: "4.75 g/cm3"
    c_max: "0 mol/m3"
    theoretical_capacity: "278 mAh/g"
    ocv: {type: nmc532_mohtat2020}
    diffusivity: {reference: "1e-14 m2/s"}
    exchange_current: {reference: "1 A/m2"}
)";
    std::string text = std::string(kCell) + mat;
    text.replace(text.find("active_material: NMC532"), 23, "active_material: BadNMC");
    std::string e = text_error(text);
    EXPECT_TRUE(has(e, "key 'materials.0.c_max'")) << e;
    EXPECT_TRUE(has(e, "must be positive")) << e;
    std::string neg = text;
    neg.replace(neg.find("\"4.75 g/cm3\""), 12, "\"-4.75 g/cm3\"");
    e = text_error(neg);
    EXPECT_TRUE(has(e, "key 'materials.0.density'")) << e;
    e = config_error([] { load("", {"materials.0.c_max=0 mol/m3"}); });
    EXPECT_TRUE(has(e, "--set materials.0.c_max=0 mol/m3")) << e;
    e = config_error([] { load("", {"materials.0.density=-4.75 g/cm3"}); });
    EXPECT_TRUE(has(e, "must be positive")) << e;
}

TEST(HostileConfig, TableLookupOfNaNDoesNotReadPastTheTable) {
    Table1D t({0.0, 0.5, 1.0}, {4.2, 3.8, 3.5}, Table1D::Kind::pchip);
    double d = 0.0;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    EXPECT_TRUE(std::isnan(t(nan, &d)));
    EXPECT_TRUE(std::isnan(d));
    EXPECT_THROW(Table1D({0.0, nan}, {1.0, 2.0}, Table1D::Kind::linear), std::invalid_argument);
    EXPECT_THROW(Table1D({0.0, 1.0}, {1.0, std::numeric_limits<double>::infinity()},
                         Table1D::Kind::linear),
                 std::invalid_argument);
}

// The uniform property tables (D_s, sigma_CAM vs x) under a Newton iterate's NaN: a value
// from the table, never an index past it (a 100-cycle Study B run with EIS steps crashed so).
TEST(HostileConfig, UniformTableLookupOfNaNStaysInsideTheTable) {
    const std::vector<double> t{1.0, 2.0, 4.0};
    double d = 1.0;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    EXPECT_EQ(ParticleDiffusion::interpolate_uniform(t, nan, &d), 1.0);
    EXPECT_EQ(d, 0.0);
    EXPECT_EQ(ParticleDiffusion::interpolate_uniform(t, 2.0, &d), 4.0);
    EXPECT_EQ(ParticleDiffusion::interpolate_uniform(t, 0.75, &d), 3.0);
    EXPECT_DOUBLE_EQ(d, 4.0);
}

TEST(HostileConfig, MaterialsEntryNamingAnyFileQuotesNoneOfIt) {
    const std::string path = testing::TempDir() + "/not_a_material_" + std::to_string(::getpid()) + ".txt";
    {
        std::ofstream out(path);
        out << "root:x:0:0:root:/root:/bin/bash\nsecret line two\n";
    }
    std::string e = text_error(std::string(kCell) + "materials: [" + path + "]\n");
    EXPECT_TRUE(has(e, "not a materials file")) << e;
    EXPECT_FALSE(has(e, "root:x")) << e;
    EXPECT_FALSE(has(e, "secret")) << e;
    std::filesystem::remove(path);
}

TEST(HostileConfig, StepPeriodSetsThatStepsSamplingInARun) {
    SimulationConfig c = load("", {R"x(protocol.steps=["Charge at C/50 for 2 h (10 minutes period)", "Rest for 1 hour (1 minute period)", "Rest for 1 h"])x",
                                   "output.sample_interval=30 min", "output.profile_interval=0"});
    Simulation sim(c);
    test::Capture cap;
    RunResult r = sim.run(&cap);
    ASSERT_EQ(r.status, RunStatus::complete) << r.message;
    // Interior spacing of each step's samples: its own period, else output.sample_interval.
    const double expected[] = {600.0, 60.0, 1800.0};
    for (int step = 0; step < 3; ++step) {
        auto s = cap.of_step(step);
        ASSERT_GE(s.size(), 3u) << step;
        for (std::size_t k = 1; k + 1 < s.size(); ++k)
            EXPECT_NEAR(s[k].time - s[k - 1].time, expected[step], 1e-6) << "step " << step << " sample " << k;
    }
    EXPECT_EQ(cap.of_step(1).size(), 61u);  // t = 0, 60 s, ..., 3600 s
}

TEST(HostileConfig, StepsFromSetAreLocatedAtTheOverride) {
    // Protocol steps put in place by --set have no line in the embedded default; messages
    // about them (output bounds, rests in inert cells) name the override instead.
    std::string e = config_error([] { load("", {R"(protocol.steps=["Hold at 2.5 V for 1e9 hours"])"}); });
    EXPECT_TRUE(has(e, "--set protocol.steps=")) << e;
    EXPECT_FALSE(has(e, "<embedded default>")) << e;
    SimulationConfig c = load("", {R"(protocol.steps=["Rest for 1 h"])"});
    EXPECT_EQ(c.protocol.steps[0].line, 0);
    EXPECT_EQ(c.protocol.steps[0].source, R"(--set protocol.steps=["Rest for 1 h"])");
    c = load("configs/studies/study_a.yaml");
    EXPECT_GT(c.protocol.steps[0].line, 0);
    EXPECT_NE(c.protocol.steps[0].source.find("study_a.yaml"), std::string::npos);
}
