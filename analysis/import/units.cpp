// The importer's unit table. Measured files spell units in ways (mA.h, mAh g-1, µA,
// hours) that the config unit parser (core/units) need not know; internal units are s, V,
// A, mAh/g (specific capacity), mAh (capacity), fraction and kg.

#include "analysis/import/detail.hpp"

namespace ssbsim::import_detail {

// Unit spellings differ in case, spaces, dots, powers and the micro sign: "mA.h", "mAh g-1",
// "mAh·g⁻¹", "µA", "uA", "mah_g" (from a "_unit" suffix) all reduce to one form.
std::string canon_unit(Sv u) {
    std::string out;
    for (std::size_t i = 0; i < u.size(); ++i) {
        const Sv rest = u.substr(i);
        if (starts_with(rest, "\xC2\xB5") || starts_with(rest, "\xCE\xBC")) {  // micro sign, Greek mu
            out += 'u';
            ++i;
        } else if (starts_with(rest, "\xC2\xB7")) {  // middle dot
            ++i;
        } else if (starts_with(rest, "\xE2\x81\xBB")) {  // superscript minus
            out += '-';
            i += 2;
        } else if (starts_with(rest, "\xC2\xB9") || starts_with(rest, "\xC2\xB2") ||
                   starts_with(rest, "\xC2\xB3")) {  // superscript 1, 2, 3
            out += rest[1] == '\xB9' ? '1' : rest[1] == '\xB2' ? '2' : '3';
            ++i;
        } else {
            const char c = u[i];
            if (c == ' ' || c == '.' || c == '*' || c == '^' || c == '[' || c == ']' || c == '(' || c == ')')
                continue;
            out += c == '_' ? '/' : ascii_lower(c);
        }
    }
    return out;
}

namespace {

struct UnitSpelling {
    Sv spelling;  // canonical form, see canon_unit
    Quantity quantity;
    double mul, div;
};

// Internal units: s, V, A, mAh/g (specific capacity), mAh (capacity), fraction, kg.
constexpr UnitSpelling kUnits[] = {
    {"s", Quantity::time, 1, 1}, {"sec", Quantity::time, 1, 1}, {"secs", Quantity::time, 1, 1},
    {"second", Quantity::time, 1, 1}, {"seconds", Quantity::time, 1, 1}, {"ms", Quantity::time, 1, 1000},
    {"min", Quantity::time, 60, 1}, {"mins", Quantity::time, 60, 1}, {"minute", Quantity::time, 60, 1},
    {"minutes", Quantity::time, 60, 1}, {"h", Quantity::time, 3600, 1}, {"hr", Quantity::time, 3600, 1},
    {"hrs", Quantity::time, 3600, 1}, {"hour", Quantity::time, 3600, 1}, {"hours", Quantity::time, 3600, 1},
    {"d", Quantity::time, 86400, 1}, {"day", Quantity::time, 86400, 1}, {"days", Quantity::time, 86400, 1},
    {"v", Quantity::potential, 1, 1}, {"volt", Quantity::potential, 1, 1}, {"volts", Quantity::potential, 1, 1},
    {"mv", Quantity::potential, 1, 1000},
    {"a", Quantity::current, 1, 1}, {"amp", Quantity::current, 1, 1}, {"amps", Quantity::current, 1, 1},
    {"ma", Quantity::current, 1, 1e3}, {"ua", Quantity::current, 1, 1e6}, {"na", Quantity::current, 1, 1e9},
    {"mah/g", Quantity::specific_capacity, 1, 1}, {"mahg-1", Quantity::specific_capacity, 1, 1},
    {"ah/kg", Quantity::specific_capacity, 1, 1}, {"ahkg-1", Quantity::specific_capacity, 1, 1},
    {"uah/mg", Quantity::specific_capacity, 1, 1}, {"ah/g", Quantity::specific_capacity, 1000, 1},
    {"mah", Quantity::capacity, 1, 1}, {"ah", Quantity::capacity, 1000, 1}, {"uah", Quantity::capacity, 1, 1000},
    {"%", Quantity::fraction, 1, 100}, {"pct", Quantity::fraction, 1, 100}, {"percent", Quantity::fraction, 1, 100},
    {"-", Quantity::fraction, 1, 1}, {"1", Quantity::fraction, 1, 1}, {"fraction", Quantity::fraction, 1, 1},
    {"frac", Quantity::fraction, 1, 1},
    {"kg", Quantity::mass, 1, 1}, {"g", Quantity::mass, 1, 1e3}, {"mg", Quantity::mass, 1, 1e6},
    {"ug", Quantity::mass, 1, 1e9},
    // Units of columns the importers do not use; known so that "dQ/C" splits into name and unit.
    {"c", Quantity::other, 1, 1}, {"mc", Quantity::other, 1, 1}, {"wh", Quantity::other, 1, 1},
    {"mwh", Quantity::other, 1, 1}, {"uwh", Quantity::other, 1, 1}, {"w", Quantity::other, 1, 1},
    {"mw", Quantity::other, 1, 1}, {"uw", Quantity::other, 1, 1}, {"f", Quantity::other, 1, 1},
    {"uf", Quantity::other, 1, 1}, {"mf", Quantity::other, 1, 1}, {"ohm", Quantity::other, 1, 1},
    {"mohm", Quantity::other, 1, 1}, {"kohm", Quantity::other, 1, 1}, {"cm2", Quantity::other, 1, 1},
    {"cm3", Quantity::other, 1, 1}, {"k", Quantity::other, 1, 1}, {"degc", Quantity::other, 1, 1},
    {"\xC2\xB0" "c", Quantity::other, 1, 1}, {"hz", Quantity::other, 1, 1}, {"g/mol", Quantity::other, 1, 1},
    {"mwh/g", Quantity::other, 1, 1}, {"wh/kg", Quantity::other, 1, 1}, {"ma/cm2", Quantity::other, 1, 1},
    {"ma/g", Quantity::other, 1, 1},
};

const UnitSpelling* find_unit(Sv unit) {
    const std::string c = canon_unit(unit);
    for (const auto& u : kUnits)
        if (u.spelling == c) return &u;
    return nullptr;
}

}  // namespace

std::optional<Scale> unit_scale(Quantity q, Sv unit) {
    // Clock notation ("h:min:s.ms" as Neware writes it, "hh:mm:ss"): cells are read as
    // durations in seconds (see parse_clock).
    if (q == Quantity::time && unit.find(':') != Sv::npos) return Scale{1, 1};
    const UnitSpelling* u = find_unit(unit);
    if (u == nullptr || u->quantity != q) return std::nullopt;
    return Scale{u->mul, u->div};
}

bool is_known_unit(Sv unit) { return !trim(unit).empty() && find_unit(unit) != nullptr; }

const char* expected_units(Quantity q) {
    switch (q) {
        case Quantity::time: return "s, min, h or d";
        case Quantity::potential: return "V or mV";
        case Quantity::current: return "A, mA, uA (µA) or nA";
        case Quantity::specific_capacity:
            return "mAh/g (also written 'mAh g-1' or 'Ah/kg'), or mAh with the active mass given";
        case Quantity::capacity: return "mAh or Ah";
        case Quantity::fraction: return "% or a fraction (no unit, '-' or 'fraction')";
        case Quantity::mass: return "mg, g or kg";
        default: return "a unit";
    }
}

const char* default_unit(Quantity q) {
    switch (q) {
        case Quantity::time: return "s";
        case Quantity::potential: return "V";
        case Quantity::current: return "A";
        case Quantity::specific_capacity: return "mAh/g";
        default: return "";
    }
}

}  // namespace ssbsim::import_detail
