// Physical constants (CODATA 2018 exact values).
#pragma once

namespace ssbsim::constants {
inline constexpr double F = 96485.33212;       // Faraday constant [C/mol]
inline constexpr double R = 8.314462618;       // gas constant [J/(mol K)]
inline constexpr double T0 = 273.15;           // 0 degC [K]
inline constexpr double pi = 3.14159265358979323846;
inline constexpr double mAh_per_g = 3.6;       // 1 mAh/g = 3.6 C/g = 3600 C/kg
}  // namespace ssbsim::constants
