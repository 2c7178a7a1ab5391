#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <utility>
#include <vector>

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

// The message of parse_step_string's error for `text` ("" when it parses).
std::string step_error(const std::string& text) {
    try {
        parse_step_string(text);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

TEST(Protocol, EveryTimeUnitWordInAnyCaseAndSpacing) {
    const std::vector<std::pair<const char*, double>> words = {
        {"hours", 3600}, {"hour", 3600}, {"hrs", 3600}, {"hr", 3600},   {"minutes", 60}, {"minute", 60},
        {"mins", 60},    {"seconds", 1}, {"second", 1}, {"secs", 1},    {"sec", 1},      {"days", 86400},
        {"day", 86400}};
    for (const auto& [word, seconds] : words) {
        for (const std::string gap : {" ", "", "  ", "\t"}) {
            std::string upper = word;
            for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            for (const std::string& w : {std::string(word), upper}) {
                const std::string text = "Rest for 2" + gap + w;
                EXPECT_DOUBLE_EQ(parse_step_string(text).duration, 2 * seconds) << text;
            }
        }
    }
    // The units themselves are left alone (and are case-sensitive).
    EXPECT_DOUBLE_EQ(parse_step_string("Rest for 2 min").duration, 120.0);
    EXPECT_DOUBLE_EQ(parse_step_string("Rest for 2h").duration, 7200.0);
    EXPECT_NE(step_error("Rest for 2 H"), "");
    // A word is a unit only where it ends (\b): "2 hoursx", "2 hour_" are not durations.
    EXPECT_NE(step_error("Rest for 2 hoursx"), "");
    EXPECT_NE(step_error("Rest for 2 hour_"), "");
    EXPECT_NE(step_error("Rest for 2 secsy"), "");
    // Every duration of a string is normalised: a charge's, a hold's, a ramp's, a period.
    EXPECT_DOUBLE_EQ(parse_step_string("Charge at C/5 for 90 Minutes or until 4.2 V").duration, 5400.0);
    EXPECT_DOUBLE_EQ(parse_step_string("Hold at 4.2 V for 1.5hrs until C/20").duration, 5400.0);
    EXPECT_DOUBLE_EQ(parse_step_string("Ramp from 2.5 V to 4.3 V over 2 days").duration, 172800.0);
    const Step p = parse_step_string("Rest for 3 hours (30 seconds period)");
    EXPECT_DOUBLE_EQ(p.duration, 10800.0);
    EXPECT_DOUBLE_EQ(p.period, 30.0);
    EXPECT_DOUBLE_EQ(parse_step_string("Rest for 1 h(2 MINUTES PERIOD)").period, 120.0);
    EXPECT_DOUBLE_EQ(parse_step_string("Rest for 1 h ( 2 min  period ) ").period, 120.0);
}

TEST(Protocol, CRatesAndTheirErrors) {
    const std::vector<std::pair<const char*, double>> rates = {
        {"C", 1.0},   {"2C", 2.0},   {"C/50", 0.02},     {" 0.5 C / 2 ", 0.25}, {".5C", 0.5},
        {"C/.5", 2.0}, {"1e-1C", 0.1}, {"2.5E+1 C", 25.0}, {"3.C/2", 1.5}};
    for (const auto& [rate, value] : rates) {
        const Step s = parse_step_string(std::string("Charge at ") + rate + " until 4.2 V");
        EXPECT_EQ(s.current.unit, CurrentSpec::Unit::c_rate) << rate;
        EXPECT_DOUBLE_EQ(s.current.value, value) << rate;
    }
    // Not C-rates ("C" is case-sensitive), and no quantity either.
    for (const char* bad : {"C/5.", "2 c", "C/", "C2", "1.2.3C", "2e C", "C/5/2"})
        EXPECT_NE(step_error(std::string("Charge at ") + bad + " until 4.2 V"), "") << bad;
    // A C-rate's number must be finite.
    EXPECT_NE(step_error("Charge at e5 C until 4.2 V").find("'e5' is not a finite number"), std::string::npos);
    EXPECT_NE(step_error("Charge at 1e999C until 4.2 V").find("is not a finite number"), std::string::npos);
    EXPECT_NE(step_error("Charge at 0C until 4.2 V").find("a current must be positive"), std::string::npos);
}

TEST(Protocol, ReferenceSuffixesAndLimitLists) {
    const Step h = parse_step_string("Hold at 1.4 V CELL for 1 h");
    EXPECT_EQ(h.reference, Reference::cell);
    EXPECT_DOUBLE_EQ(h.voltage, 1.4);
    EXPECT_EQ(parse_step_string("Hold at 4.3 V vs Li/Li+ for 1 h").reference, Reference::li);
    EXPECT_EQ(parse_step_string("Hold at 4.3V VS  li for 1 h").reference, Reference::li);
    const Step r = parse_step_string("Ramp from 1.0 V cell to 2.0 V over 1 h");
    EXPECT_EQ(r.reference, Reference::cell);
    EXPECT_DOUBLE_EQ(r.ramp_end, 2.0);
    // "or", "or until" and "OR UNTIL" separate limits; empty pieces are dropped.
    const Step d = parse_step_string("Hold at 4.3 V until C/20 or 0.01 mA OR UNTIL 10 mAh/g");
    ASSERT_EQ(d.limits.size(), 3u);
    EXPECT_EQ(d.limits[0].text, "C/20");
    EXPECT_EQ(d.limits[1].text, "0.01 mA");
    EXPECT_EQ(d.limits[2].text, "10 mAh/g");
    EXPECT_EQ(d.limits[2].kind, Limit::Kind::capacity);
    const Step c = parse_step_string("discharge at C/10 or until 2.5 V cell");
    ASSERT_EQ(c.limits.size(), 1u);
    EXPECT_EQ(c.limits[0].reference, Reference::cell);
    // "orange" is no separator: the limit text is then not a limit.
    EXPECT_NE(step_error("Hold at 4.3 V until C/20 orange 2 V"), "");
    const Step f = parse_step_string("Follow cell  voltage from run.h5 until 2.0 V");
    EXPECT_EQ(f.kind, Step::Kind::follow);
    EXPECT_EQ(f.follow.reference, Reference::cell);
    EXPECT_EQ(f.follow.file, "run.h5");
    ASSERT_EQ(f.limits.size(), 1u);
}

TEST(Protocol, UnreadableStepStringsNameTheForms) {
    for (const char* bad : {"Charge C/50 until 4.3 V", "Hold 4.3 V for 1 h", "Rest 1 h", "Rest for", "Rest for 1 h\n",
                            "Ramp from 2.5 V to 4.3 V", "Ramp from 2.5 to 4.3 V over 1 h", "Set temperature 30 degC",
                            "Follow voltage from x.csv", "EIS 10 kHz to 10 mHz", "Hold at 4.3 for 1 h", ""})
        EXPECT_NE(step_error(bad).find("cannot read step"), std::string::npos) << bad << ": " << step_error(bad);
    EXPECT_NE(step_error("EIS from 10 kHz to 10 mHz, 10 points per century").find("cannot read '10 points per century'"),
              std::string::npos);
    EXPECT_EQ(parse_step_string("EIS from 10 kHz to 10 mHz, 1 Point Per Decade, Amplitude  2 mV").eis.points_per_decade, 1);
    // Without its closing parenthesis a period is part of the duration.
    EXPECT_NE(step_error("Rest for 1 h (30 s period"), "");
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
