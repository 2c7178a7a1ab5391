#include "core/units.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/constants.hpp"

namespace ssbsim::units {

Dimension Dimension::operator*(const Dimension& o) const {
    Dimension r;
    for (size_t i = 0; i < e.size(); ++i) r.e[i] = e[i] + o.e[i];
    return r;
}
Dimension Dimension::operator/(const Dimension& o) const {
    Dimension r;
    for (size_t i = 0; i < e.size(); ++i) r.e[i] = e[i] - o.e[i];
    return r;
}
Dimension Dimension::pow(int n) const {
    Dimension r;
    for (size_t i = 0; i < e.size(); ++i) r.e[i] = e[i] * n;
    return r;
}

std::string to_string(const Dimension& d) {
    static const char* names[] = {"m", "kg", "s", "A", "K", "mol"};
    std::string out;
    for (size_t i = 0; i < d.e.size(); ++i) {
        if (d.e[i] == 0) continue;
        if (!out.empty()) out += " ";
        out += names[i];
        if (d.e[i] != 1) out += "^" + std::to_string(d.e[i]);
    }
    return out.empty() ? "dimensionless" : out;
}

std::string si_unit(const Dimension& d) {
    struct Named {
        Dimension d;
        const char* name;
    };
    static const Named named[] = {
        {dim::dimensionless, "(dimensionless)"}, {dim::length, "m"},
        {dim::area, "m2"},                       {dim::mass, "kg"},
        {dim::time, "s"},                        {dim::current, "A"},
        {dim::temperature, "K"},                 {dim::charge, "C"},
        {dim::voltage, "V"},                     {dim::pressure, "Pa"},
        {dim::areal_mass, "kg/m2"},              {dim::density, "kg/m3"},
        {dim::concentration, "mol/m3"},          {dim::current_density, "A/m2"},
        {dim::specific_current, "A/kg"},         {dim::specific_charge, "C/kg"},
        {dim::diffusivity, "m2/s"},              {dim::conductivity, "S/m"},
        {dim::molar_energy, "J/mol"},            {dim::specific_area, "m2/kg"},
        {dim::area_resistance, "ohm m2"},        {dim::molar_volume, "m3/mol"},
        {dim::power, "W"},                       {dim::rate_constant, "1/s"},
    };
    for (const auto& n : named)
        if (n.d == d) return n.name;
    return to_string(d);
}

std::string temperature_range_message(double kelvin) {
    std::ostringstream os;
    os.precision(6);
    os << "a temperature of " << kelvin - 273.15 << " degC (" << kelvin
       << " K) is outside the range simulated: -73 degC to 227 degC";
    return os.str();
}

namespace {

struct UnitDef {
    const char* symbol;
    double factor;
    Dimension d;
};

// Units without prefix handling problems listed first; all factors are to SI.
const std::vector<UnitDef>& unit_table() {
    using namespace dim;
    static const std::vector<UnitDef> table = {
        {"m", 1.0, length},
        {"g", 1e-3, mass},
        {"s", 1.0, time},
        {"min", 60.0, time},
        {"h", 3600.0, time},
        {"day", 86400.0, time},
        {"A", 1.0, current},
        {"Ah", 3600.0, charge},
        {"C", 1.0, charge},
        {"K", 1.0, temperature},
        {"mol", 1.0, amount},
        {"V", 1.0, voltage},
        {"W", 1.0, power},
        {"Wh", 3600.0, power * time},
        {"J", 1.0, power * time},
        // eV is read per particle and converted to J/mol (activation energies).
        {"eV", constants::F, molar_energy},
        {"S", 1.0, current / voltage},
        {"ohm", 1.0, voltage / current},
        {"Ohm", 1.0, voltage / current},
        {"Pa", 1.0, pressure},
        {"bar", 1e5, pressure},
        {"atm", 101325.0, pressure},
        {"L", 1e-3, length.pow(3)},
        {"N", 1.0, pressure * area},
        {"F", 1.0, charge / voltage},  // farad (double-layer capacitances)
        {"Hz", 1.0, rate_constant},    // impedance frequencies
    };
    return table;
}

double prefix_factor(std::string_view p) {
    if (p == "p") return 1e-12;
    if (p == "n") return 1e-9;
    if (p == "u" || p == "\xC2\xB5" || p == "\xCE\xBC") return 1e-6;
    if (p == "m") return 1e-3;
    if (p == "c") return 1e-2;
    if (p == "k") return 1e3;
    if (p == "M") return 1e6;
    if (p == "G") return 1e9;
    return 0.0;
}

// One factor such as "cm2", "s^-1", "mAh": prefix, unit symbol, optional power.
std::pair<double, Dimension> parse_factor(std::string_view tok) {
    // Split off a trailing power: digits with optional '-' and optional '^'.
    size_t end = tok.size();
    while (end > 0 && std::isdigit(static_cast<unsigned char>(tok[end - 1]))) --end;
    if (end > 0 && end < tok.size() && tok[end - 1] == '-') --end;
    int power = 1;
    std::string_view body = tok.substr(0, end);
    if (end < tok.size()) {
        // Powers of real units are small integers; anything longer than one digit (and a
        // sign) is a typo, and reading it unchecked would overflow.
        std::string_view digits = tok.substr(end);
        bool negative = digits.front() == '-';
        if (negative) digits.remove_prefix(1);
        if (digits.empty() || digits.size() > 1)
            throw std::invalid_argument("unit power in '" + std::string(tok) +
                                        "' must be a single digit from -9 to 9, such as \"cm2\" or \"s^-1\"");
        power = (digits.front() - '0') * (negative ? -1 : 1);
    }
    if (!body.empty() && body.back() == '^') body.remove_suffix(1);
    if (body.empty()) throw std::invalid_argument("empty unit in '" + std::string(tok) + "'");
    for (const auto& u : unit_table()) {
        if (body == u.symbol) return {std::pow(u.factor, power), u.d.pow(power)};
    }
    for (const auto& u : unit_table()) {
        std::string_view sym = u.symbol;
        if (body.size() > sym.size() && body.substr(body.size() - sym.size()) == sym) {
            double pf = prefix_factor(body.substr(0, body.size() - sym.size()));
            if (pf != 0.0) return {std::pow(pf * u.factor, power), u.d.pow(power)};
        }
    }
    throw std::invalid_argument("unknown unit '" + std::string(body) + "'");
}

}  // namespace

Quantity parse(std::string_view text) {
    std::string s(text);
    const char* begin = s.c_str();
    while (std::isspace(static_cast<unsigned char>(*begin))) ++begin;
    char* endp = nullptr;
    double number = std::strtod(begin, &endp);
    if (endp == begin) throw std::invalid_argument("'" + s + "' does not start with a number");
    if (!std::isfinite(number)) throw std::invalid_argument("'" + s + "' is not a finite number");
    std::string unit(endp);
    // Trim.
    size_t a = unit.find_first_not_of(" \t");
    size_t b = unit.find_last_not_of(" \t");
    unit = (a == std::string::npos) ? std::string() : unit.substr(a, b - a + 1);
    if (unit.empty()) return {number, dim::dimensionless};
    if (unit == "degC" || unit == "\xC2\xB0" "C") return {number + 273.15, dim::temperature};
    if (unit == "%") return {number / 100.0, dim::dimensionless};

    double factor = 1.0;
    Dimension d;
    bool divide = false;
    // Bounds the dimension exponents (at most 9 per factor), so they cannot overflow.
    constexpr int kMaxUnitFactors = 16;
    int factors = 0;
    size_t i = 0;
    while (i < unit.size()) {
        char c = unit[i];
        if (c == ' ' || c == '*' || c == '.') {
            ++i;
            continue;
        }
        if (c == '/') {
            if (divide) throw std::invalid_argument("more than one '/' in unit '" + unit + "'");
            divide = true;
            ++i;
            continue;
        }
        size_t j = i;
        while (j < unit.size() && unit[j] != ' ' && unit[j] != '*' && unit[j] != '/') ++j;
        auto [f, fd] = parse_factor(std::string_view(unit).substr(i, j - i));
        if (++factors > kMaxUnitFactors)
            throw std::invalid_argument("unit '" + unit + "' has more than " +
                                        std::to_string(kMaxUnitFactors) + " factors");
        if (divide) {
            factor /= f;
            d = d / fd;
        } else {
            factor *= f;
            d = d * fd;
        }
        i = j;
    }
    const double value = number * factor;
    if (!std::isfinite(value))
        throw std::invalid_argument("'" + s + "' is not a finite quantity in SI units");
    return {value, d};
}

double parse_as(std::string_view text, const Dimension& expected) {
    Quantity q = parse(text);
    if (q.dimension == dim::dimensionless && expected != dim::dimensionless) {
        // A bare number is SI. A percentage is not a bare number.
        if (std::string(text).find('%') != std::string::npos)
            throw std::invalid_argument("a percentage is not a quantity in " + si_unit(expected));
        return q.value;
    }
    if (q.dimension != expected)
        throw std::invalid_argument("incompatible units: '" + std::string(text) + "' is " +
                                    si_unit(q.dimension) + ", expected " + si_unit(expected));
    return q.value;
}

}  // namespace ssbsim::units
