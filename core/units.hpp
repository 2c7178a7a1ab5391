// Quantities with units, converted once to SI at load time.
//
// A quantity is a number followed by a unit expression: "11.5 mg/cm2", "60 um", "45 degC",
// "18 MPa", "5.5 mA/g", "10 h", "62 m2/g", "0.35 eV". Unit expressions are products and
// quotients of (prefixed) units with integer powers: "mA/cm2", "ohm cm2", "m2/s", "s^-1".
// A bare number is taken as SI. The parsed dimension must match the expected one.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace ssbsim::units {

// Exponents of the SI base dimensions: length, mass, time, current, temperature, amount.
struct Dimension {
    std::array<int, 6> e{};
    constexpr Dimension() = default;
    constexpr Dimension(int m, int kg, int s, int A, int K, int mol) : e{m, kg, s, A, K, mol} {}
    bool operator==(const Dimension& o) const { return e == o.e; }
    bool operator!=(const Dimension& o) const { return !(*this == o); }
    Dimension operator*(const Dimension& o) const;
    Dimension operator/(const Dimension& o) const;
    Dimension pow(int n) const;
};

std::string to_string(const Dimension& d);

namespace dim {
inline constexpr Dimension dimensionless{0, 0, 0, 0, 0, 0};
inline constexpr Dimension length{1, 0, 0, 0, 0, 0};
inline constexpr Dimension area{2, 0, 0, 0, 0, 0};
inline constexpr Dimension mass{0, 1, 0, 0, 0, 0};
inline constexpr Dimension time{0, 0, 1, 0, 0, 0};
inline constexpr Dimension current{0, 0, 0, 1, 0, 0};
inline constexpr Dimension temperature{0, 0, 0, 0, 1, 0};
inline constexpr Dimension amount{0, 0, 0, 0, 0, 1};
inline constexpr Dimension charge{0, 0, 1, 1, 0, 0};
inline constexpr Dimension voltage{2, 1, -3, -1, 0, 0};
inline constexpr Dimension pressure{-1, 1, -2, 0, 0, 0};
inline constexpr Dimension areal_mass{-2, 1, 0, 0, 0, 0};            // kg/m2 (loading)
inline constexpr Dimension density{-3, 1, 0, 0, 0, 0};               // kg/m3
inline constexpr Dimension concentration{-3, 0, 0, 0, 0, 1};         // mol/m3
inline constexpr Dimension current_density{-2, 0, 0, 1, 0, 0};       // A/m2
inline constexpr Dimension specific_current{0, -1, 0, 1, 0, 0};      // A/kg
inline constexpr Dimension specific_charge{0, -1, 1, 1, 0, 0};       // C/kg
inline constexpr Dimension diffusivity{2, 0, -1, 0, 0, 0};           // m2/s
inline constexpr Dimension conductivity{-3, -1, 3, 2, 0, 0};         // S/m
inline constexpr Dimension molar_energy{2, 1, -2, 0, 0, -1};         // J/mol
inline constexpr Dimension specific_area{2, -1, 0, 0, 0, 0};         // m2/kg
inline constexpr Dimension area_resistance{4, 1, -3, -2, 0, 0};      // ohm m2
inline constexpr Dimension molar_volume{3, 0, 0, 0, 0, -1};          // m3/mol
inline constexpr Dimension power{2, 1, -3, 0, 0, 0};                 // W
inline constexpr Dimension rate_constant{0, 0, -1, 0, 0, 0};         // 1/s
inline constexpr Dimension frequency{0, 0, -1, 0, 0, 0};             // Hz
inline constexpr Dimension area_capacitance{-4, -1, 4, 2, 0, 0};     // F/m2
}  // namespace dim

// A parsed quantity in SI.
struct Quantity {
    double value = 0.0;
    Dimension dimension;
};

// Parses "number [unit]". Throws std::invalid_argument with a readable message on failure.
// Temperatures in degC are converted to kelvin (affine) when the unit is exactly "degC".
Quantity parse(std::string_view text);

// Parses and checks the dimension; a bare number is accepted as SI of that dimension.
// Throws std::invalid_argument naming the expected and the found dimension.
double parse_as(std::string_view text, const Dimension& expected);

// Temperatures the model is meant for [K], and the message for one outside them, in degC
// with the kelvin value beside it.
inline constexpr double kMinTemperature = 273.15 - 73.0, kMaxTemperature = 273.15 + 227.0;
std::string temperature_range_message(double kelvin);

// The SI unit spelled for messages, e.g. "m2/s" for diffusivity.
std::string si_unit(const Dimension& d);

}  // namespace ssbsim::units
