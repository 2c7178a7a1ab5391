#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "core/units.hpp"

using namespace ssbsim::units;

namespace {
constexpr double kRel = 1e-12;  // conversions are exact up to rounding
}

TEST(Units, ConvertsIssueExamplesToSI) {
    EXPECT_NEAR(parse_as("11.5 mg/cm2", dim::areal_mass), 0.115, 0.115 * kRel);
    EXPECT_NEAR(parse_as("60 um", dim::length), 60e-6, 60e-6 * kRel);
    EXPECT_NEAR(parse_as("45 degC", dim::temperature), 318.15, 318.15 * kRel);
    EXPECT_NEAR(parse_as("18 MPa", dim::pressure), 18e6, 18e6 * kRel);
    EXPECT_NEAR(parse_as("5.5 mA/g", dim::specific_current), 5.5, 5.5 * kRel);
    EXPECT_NEAR(parse_as("1 mA/cm2", dim::current_density), 10.0, 10.0 * kRel);
    EXPECT_NEAR(parse_as("10 h", dim::time), 36000.0, 36000.0 * kRel);
    EXPECT_NEAR(parse_as("62 m2/g", dim::specific_area), 62000.0, 62000.0 * kRel);
    EXPECT_NEAR(parse_as("278 mAh/g", dim::specific_charge), 278 * 3600.0, 278 * 3600.0 * kRel);
    EXPECT_NEAR(parse_as("2.5 mS/cm", dim::conductivity), 0.25, 0.25 * kRel);
    EXPECT_NEAR(parse_as("5 ohm cm2", dim::area_resistance), 5e-4, 5e-4 * kRel);
    EXPECT_NEAR(parse_as("163.64 mL/mol", dim::molar_volume), 163.64e-6, 163.64e-6 * kRel);
    EXPECT_NEAR(parse_as("30 kJ/mol", dim::molar_energy), 30000.0, 30000.0 * kRel);
    EXPECT_NEAR(parse_as("1e-14 m2/s", dim::diffusivity), 1e-14, 1e-14 * kRel);
    EXPECT_NEAR(parse_as("2 s^-1", dim::rate_constant), 2.0, kRel);
}

TEST(Units, BareNumberIsSI) { EXPECT_DOUBLE_EQ(parse_as("0.001", dim::length), 0.001); }

TEST(Units, ElectronVoltIsReadPerMole) {
    EXPECT_NEAR(parse_as("0.35 eV", dim::molar_energy), 0.35 * 96485.33212, 1e-6);
}

TEST(Units, RejectsWrongDimension) {
    try {
        parse_as("60 um", dim::time);
        FAIL() << "expected an error";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("incompatible units"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("expected s"), std::string::npos);
    }
}

TEST(Units, RejectsUnknownUnitAndGarbage) {
    EXPECT_THROW(parse_as("3 furlongs", dim::length), std::invalid_argument);
    EXPECT_THROW(parse_as("abc", dim::length), std::invalid_argument);
    EXPECT_THROW(parse_as("", dim::length), std::invalid_argument);
}

#include "core/format.hpp"

TEST(Format, ShortestRoundTripAndSignificantDigits) {
    using ssbsim::format_number;
    using ssbsim::format_quantity;
    EXPECT_EQ(format_number(0.1), "0.1");
    EXPECT_EQ(format_number(0.1 + 0.2), "0.30000000000000004");  // exact, not rounded away
    EXPECT_EQ(format_number(3600.0), "3600");
    EXPECT_EQ(format_number(1e-300), "1e-300");
    EXPECT_EQ(format_number(2.0 / 3.0, 4), "0.6667");
    EXPECT_EQ(format_number(std::nan("")), "nan");
    EXPECT_EQ(format_quantity(3.6e3, "s"), "3600 s");
    EXPECT_EQ(format_quantity(0.5, ""), "0.5");
    for (double v : {0.1, 1.0 / 3.0, 6.02214076e23, -2.5e-7, 123456.789})
        EXPECT_EQ(std::stod(format_number(v)), v);
}
