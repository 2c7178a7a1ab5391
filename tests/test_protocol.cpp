#include <gtest/gtest.h>

#include "core/error.hpp"
#include "params/protocol.hpp"

using namespace ssbsim;

TEST(Protocol, PybammStyleStrings) {
    Step a = parse_step_string("Charge at C/50 until 4.3 V");
    EXPECT_EQ(a.kind, Step::Kind::current);
    EXPECT_EQ(a.direction, 1);
    EXPECT_EQ(a.current.unit, CurrentSpec::Unit::c_rate);
    EXPECT_DOUBLE_EQ(a.current.value, 1.0 / 50);
    ASSERT_EQ(a.limits.size(), 1u);
    EXPECT_EQ(a.limits[0].kind, Limit::Kind::voltage);
    EXPECT_DOUBLE_EQ(a.limits[0].value, 4.3);

    Step h = parse_step_string("Hold at 4.3 V for 10 hours");
    EXPECT_EQ(h.kind, Step::Kind::voltage);
    EXPECT_DOUBLE_EQ(h.voltage, 4.3);
    EXPECT_DOUBLE_EQ(h.duration, 36000.0);

    Step d = parse_step_string("Discharge at 5.5 mA/g until 2.0 V");
    EXPECT_EQ(d.direction, -1);
    EXPECT_EQ(d.current.unit, CurrentSpec::Unit::specific);
    EXPECT_DOUBLE_EQ(d.current.value, 5.5);

    Step r = parse_step_string("Rest for 1 h");
    EXPECT_EQ(r.kind, Step::Kind::rest);
    EXPECT_DOUBLE_EQ(r.duration, 3600.0);

    Step m = parse_step_string("Charge at 1 mA/cm2 for 2 h or until 4.3 V");
    EXPECT_DOUBLE_EQ(m.duration, 7200.0);
    EXPECT_EQ(m.current.unit, CurrentSpec::Unit::density);
    EXPECT_DOUBLE_EQ(m.current.value, 10.0);
    ASSERT_EQ(m.limits.size(), 1u);

    Step c = parse_step_string("Hold at 4.3 V until C/1000");
    ASSERT_EQ(c.limits.size(), 1u);
    EXPECT_EQ(c.limits[0].kind, Limit::Kind::current);

    Step t = parse_step_string("Set temperature to 30 degC");
    EXPECT_EQ(t.kind, Step::Kind::temperature);
    EXPECT_NEAR(t.temperature, 303.15, 1e-12);

    Step p = parse_step_string("Discharge at 2 mW until 2.5 V");
    EXPECT_EQ(p.kind, Step::Kind::power);
    EXPECT_DOUBLE_EQ(p.power, 2e-3);
    Step cap = parse_step_string("Charge at 2C until 100 mAh/g");
    EXPECT_DOUBLE_EQ(cap.current.value, 2.0);
    EXPECT_EQ(cap.limits[0].kind, Limit::Kind::capacity);
    EXPECT_DOUBLE_EQ(cap.limits[0].value, 100 * 3600.0);
}

TEST(Protocol, CurrentDensityFromEachUnit) {
    const double loading = 0.115, area = 0.785e-4, basis = 278 * 3600.0;
    // C/50 of 278 mAh/g at 11.5 mg/cm2: 5.56 mA/g * 11.5 mg/cm2 = 0.0639 mA/cm2.
    double i = parse_step_string("Charge at C/50 until 4.3 V").current.density_for(loading, area, basis);
    EXPECT_NEAR(i, 278.0 / 50 * 0.115, 1e-12);
    double j = parse_step_string("Charge at 5.5 mA/g until 4.3 V").current.density_for(loading, area, basis);
    EXPECT_NEAR(j, 5.5 * 0.115, 1e-12);
    double k = parse_step_string("Charge at 1 mA until 4.3 V").current.density_for(loading, area, basis);
    EXPECT_NEAR(k, 1e-3 / area, 1e-9);
}

TEST(Protocol, RejectsIncompleteOrContradictorySteps) {
    EXPECT_THROW(parse_step_string("Charge at C/50"), std::invalid_argument);        // no end
    EXPECT_THROW(parse_step_string("Hold at 4.3 V until 4.2 V"), std::invalid_argument);
    EXPECT_THROW(parse_step_string("Charge at 4.3 V until 4.3 V"), std::invalid_argument);
    EXPECT_THROW(parse_step_string("Dance at C/50 until 4 V"), std::invalid_argument);
    EXPECT_THROW(parse_step_string("Rest for -1 h"), std::invalid_argument);
    EXPECT_THROW(parse_step_string("Charge at C/50 until 4.3 furlongs"), std::invalid_argument);
}

TEST(Protocol, MappingStepsAndRepeatBlocks) {
    ConfigNode n = ConfigNode::load_string(R"(c_rate_basis: "225 mAh/g"
steps:
  - {charge: "C/10", until: "4.3 V"}
  - repeat: 3
    steps:
      - {discharge: "C/5", until: ["2.9 V", "100 mAh/g"]}
      - {hold: "2.9 V", duration: "2 h", until: "C/100"}
      - {charge: "0.5C", until: "4.3 V"}
  - {temperature: "30 degC"}
  - {rest: "1 h"}
)", "p.yaml");
    Protocol p = parse_protocol(n);
    EXPECT_NEAR(p.c_rate_basis, 225 * 3600.0, 1e-9);
    ASSERT_EQ(p.steps.size(), 1u + 9u + 2u);
    EXPECT_EQ(p.steps[1].limits.size(), 2u);
    EXPECT_EQ(p.steps[2].kind, Step::Kind::voltage);
    EXPECT_DOUBLE_EQ(p.steps[2].duration, 7200.0);
    EXPECT_EQ(p.steps[10].kind, Step::Kind::temperature);
}

TEST(Protocol, BadMappingNamesLine) {
    ConfigNode n = ConfigNode::load_string("steps:\n  - {charge: \"C/10\"}\n  - {chrage: \"C/10\", until: \"4 V\"}\n", "p.yaml");
    try {
        parse_protocol(n);
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.line(), 2) << e.what();  // the first step has no end
    }
    ConfigNode m = ConfigNode::load_string("steps:\n  - {chrage: \"C/10\", until: \"4 V\"}\n", "p.yaml");
    try {
        parse_protocol(m);
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.line(), 2);
        EXPECT_NE(std::string(e.what()).find("did you mean 'charge'"), std::string::npos) << e.what();
    }
}
