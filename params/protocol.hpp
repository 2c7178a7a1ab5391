// Cycling protocols: constant current (C-rate, mA/g, mA/cm2, A), constant voltage holds,
// constant power, rests, temperature changes, repeat blocks; termination by voltage,
// current, time or capacity. Steps come as mappings or as PyBaMM-style strings
// ("Charge at C/50 until 4.3 V", "Hold at 4.3 V for 10 hours").
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "core/config.hpp"
#include "params/check.hpp"

namespace ssbsim {

// A current as written by the user, resolved against a cell later.
struct CurrentSpec {
    enum class Unit { c_rate, specific, density, absolute };
    Unit unit = Unit::c_rate;
    double value = 0.0;  // 1/h, A/kg, A/m2 or A (magnitude)
    // Current density [A/m2] for a cell with this CAM loading [kg/m2], area [m2] and
    // C-rate basis [C/kg].
    double density_for(double loading, double area, double c_basis) const;
    std::string text;
};

struct Limit {
    enum class Kind { voltage, current, capacity };
    Kind kind = Kind::voltage;
    double value = 0.0;         // V; |current| spec; capacity [C/kg CAM] or [C] absolute
    CurrentSpec current;        // for Kind::current
    bool capacity_absolute = false;
    std::string text;
};

// An impedance sweep (Kind::eis): the small-signal impedance at the present state, from
// f_max down to f_min; it takes no simulated time.
struct EisSpec {
    double f_max = 0.0, f_min = 0.0;  // [Hz]
    int points_per_decade = 10;
    double amplitude = 0.005;         // potentiostatic [V], galvanostatic [A/m2]; recorded only:
                                      // the spectrum is the linear (small-amplitude) limit
    std::string amplitude_text = "5 mV";
    bool galvanostatic = false;       // else potentiostatic
    int frequency_count() const;      // points of the sweep, both ends included
};

// The most frequencies one EIS step may list.
inline constexpr int kMaxEisFrequencies = 10000;

struct Step {
    enum class Kind { current, voltage, power, rest, temperature, eis };
    Kind kind = Kind::rest;
    int direction = 0;          // +1 charge, -1 discharge, 0 otherwise (sign of the current)
    CurrentSpec current;        // Kind::current
    double voltage = 0.0;       // Kind::voltage [V vs Li/Li+]; the start of a ramp
    bool ramp = false;          // Kind::voltage: linear from `voltage` to `ramp_end` over `duration`
    double ramp_end = 0.0;      // [V]
    double power = 0.0;         // Kind::power, magnitude [W]
    double temperature = 0.0;   // Kind::temperature [K]
    EisSpec eis;                // Kind::eis
    double duration = 0.0;      // [s], 0: until a limit
    double period = 0.0;        // [s] sampling period of this step, 0: output.sample_interval
    std::vector<Limit> limits;
    std::string label;          // the step as the user wrote it (or a generated description)
    int line = 0;
    std::string source;

    // The values the parser checks, for a step built in code: finite durations >= 0, a
    // current or power > 0, finite potentials (a ramp's ends different), a temperature in
    // range, limits > 0. Keys as in a step mapping (duration, charge, hold, until, ...).
    void validate(const FieldError& fail) const;
};

struct Protocol {
    double c_rate_basis = 0.0;  // [C/kg CAM], 0: the CAM's theoretical capacity
    std::vector<Step> steps;    // repeat blocks expanded
    double shoulder_potential = 3.6;  // [V] charging-onset shoulder threshold

    // c_rate_basis >= 0, a finite shoulder_potential, and every step (keys "steps[I].KEY",
    // I from 0, the step's label in the message).
    void validate(const FieldError& fail) const;
};

// The most steps a protocol may expand to (repeat blocks multiply): 5000 cycles of a
// 20-step cycle; each step costs a few hundred bytes before the run starts.
inline constexpr std::size_t kMaxSteps = 100000;

Protocol parse_protocol(const ConfigNode& protocol);
// Parses one PyBaMM-style step string; throws std::invalid_argument on bad input.
Step parse_step_string(const std::string& text);
// with_steps false: an empty steps sequence (emit_config_text streams them).
YAML::Node emit_protocol(const Protocol& p, bool with_steps = true);
// One step as emit_protocol writes it.
YAML::Node emit_step(const Step& s);
std::string describe(const Step& s);

}  // namespace ssbsim
