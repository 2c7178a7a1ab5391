// Importers for measured cycling data (see import.hpp and docs/data_formats.md).
//
// Both formats go through the same steps: split the text into lines, find the header
// line, map its columns to roles (time, potential, ...) with their units, read the data
// rows into one vector per used column, then assemble the layout found. Numbers are
// parsed with std::from_chars on the cell itself (a small copy only for decimal commas)
// and unused columns are not parsed, so a million-row file reads in well under a second.
// Unit handling is a small table of its own: measured files spell units in ways
// (mA.h, mAh g-1, µA, hours) that the config unit parser (core/units) need not know.

#include "analysis/import.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <sys/stat.h>

#include "core/error.hpp"

namespace ssbsim {

const char* to_string(MeasuredData::Kind k) {
    switch (k) {
        case MeasuredData::Kind::time_series: return "time_series";
        case MeasuredData::Kind::cycle_table: return "cycle_table";
        case MeasuredData::Kind::hold_table: return "hold_table";
    }
    return "unknown";
}

namespace {

using Sv = std::string_view;

// The longest duration a data file may describe (a hold, or the span of a time series):
// 1e5 h, over eleven years. Anything longer is a unit mix-up or a corrupt cell, and
// simulating it would not end.
constexpr double kMaxDurationHours = 1e5;
constexpr double kMaxDuration = kMaxDurationHours * 3600.0;  // [s]
// Potentials a cell can show [V]: beyond these the column is in another unit (mV read as V).
constexpr double kMaxPotential = 100.0;

constexpr const char* kLayouts =
    "expected one of the layouts of docs/data_formats.md: a time series (time, potential, "
    "current [, cycle, step]), a per-cycle table (cycle + any of charge_capacity, "
    "discharge_capacity, coulombic_efficiency, shoulder_capacity, energy_efficiency) or a "
    "CE-vs-hold table (hold_duration, coulombic_efficiency [, hold_potential, cycle, "
    "coulombic_efficiency_sd])";

// ------------------------------------------------------------------------ text helpers

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

Sv trim(Sv s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool starts_with(Sv s, Sv prefix) { return s.substr(0, prefix.size()) == prefix; }
bool ends_with(Sv s, Sv suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool starts_with_ci(Sv s, Sv prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (ascii_lower(s[i]) != ascii_lower(prefix[i])) return false;
    return true;
}

// Removes the delimiters spreadsheet programs append to short lines ("# mass: 9 mg,,,").
Sv strip_trailing_delimiters(Sv s) {
    while (!s.empty() && (s.back() == ',' || s.back() == ';' || is_space(s.back()))) s.remove_suffix(1);
    return s;
}

Sv unquote(Sv s) {
    s = trim(s);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = trim(s.substr(1, s.size() - 2));
    return s;
}

// A cell or name as it appears in a message: quoted, and shortened when long.
std::string quote(Sv s) {
    constexpr std::size_t kMax = 40;
    std::string out = "'";
    out += s.size() > kMax ? std::string(s.substr(0, kMax)) + "..." : std::string(s);
    return out + "'";
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

bool valid_utf8(Sv s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 4;
        if (n == 4) return false;
        for (std::size_t k = 1; k <= n; ++k)
            if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n + 1;
    }
    return true;
}

// EC-Lab writes its files in the Windows code page ("µF", "cm²" as single bytes). Text
// that is not valid UTF-8 is read as Latin-1, so names, metadata and messages stay printable.
std::string to_utf8(Sv s) {
    if (valid_utf8(s)) return std::string(s);
    std::string out;
    out.reserve(s.size() + 8);
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x80) {
            out += ch;
        } else {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

// The lines of the text without their terminators (LF, CRLF or CR alone); the byte-order
// mark is dropped. lines[i] is line i + 1 in messages.
std::vector<Sv> split_lines(Sv text) {
    if (starts_with(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
    const bool cr_only = text.find('\n') == Sv::npos && text.find('\r') != Sv::npos;
    const char eol = cr_only ? '\r' : '\n';
    std::vector<Sv> lines;
    lines.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), eol)) + 1);
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find(eol, pos);
        if (end == Sv::npos) end = text.size();
        Sv line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        pos = end + 1;
    }
    return lines;
}

// Splits a line at `delim` into trimmed cells. A cell in double quotes may contain the
// delimiter; the quotes are removed (a doubled quote inside stays doubled, which only
// matters for text, never for numbers).
void split_cells(Sv line, char delim, std::vector<Sv>& cells) {
    cells.clear();
    std::size_t pos = 0;
    for (;;) {
        std::size_t start = pos;
        while (start < line.size() && line[start] == ' ') ++start;
        if (start < line.size() && line[start] == '"') {
            std::size_t close = start + 1;
            while (close < line.size()) {
                if (line[close] != '"') {
                    ++close;
                } else if (close + 1 < line.size() && line[close + 1] == '"') {
                    close += 2;
                } else {
                    break;
                }
            }
            cells.push_back(trim(line.substr(start + 1, close - start - 1)));
            const std::size_t next = line.find(delim, close);
            if (next == Sv::npos) return;
            pos = next + 1;
            continue;
        }
        const std::size_t next = line.find(delim, pos);
        if (next == Sv::npos) {
            cells.push_back(trim(line.substr(pos)));
            return;
        }
        cells.push_back(trim(line.substr(pos, next - pos)));
        pos = next + 1;
    }
}

// The delimiter of a header line: the most frequent of tab, semicolon and comma outside
// quotes (tab, then semicolon, on a tie), comma when there is none.
char detect_delimiter(Sv line) {
    std::size_t tabs = 0, semicolons = 0, commas = 0;
    bool quoted = false;
    for (char c : line) {
        if (c == '"') quoted = !quoted;
        if (quoted) continue;
        tabs += c == '\t';
        semicolons += c == ';';
        commas += c == ',';
    }
    if (tabs > 0 && tabs >= semicolons && tabs >= commas) return '\t';
    if (semicolons > 0 && semicolons >= commas) return ';';
    return ',';
}

// ------------------------------------------------------------------------------ numbers

enum class Cell { number, empty, bad };

// Parses a whole cell as a number. A decimal comma ("3,456") is read when the delimiter
// cannot be a comma. "NaN" (pandas, MATLAB) counts as an empty cell; infinities are bad.
Cell parse_number(Sv s, bool decimal_comma, double& out) {
    s = trim(s);
    if (s.empty()) return Cell::empty;
    if (s.front() == '+') {  // from_chars does not take a leading '+'
        s.remove_prefix(1);
        if (s.empty() || s.front() == '+' || s.front() == '-') return Cell::bad;
    }
    char buf[64];
    if (s.find(',') != Sv::npos) {
        // One comma and no point: a decimal comma. Anything else would be digit grouping,
        // which is ambiguous ("1,234" is 1.234 in Europe and 1234 elsewhere).
        if (!decimal_comma || s.size() >= sizeof buf || s.find('.') != Sv::npos ||
            std::count(s.begin(), s.end(), ',') != 1)
            return Cell::bad;
        std::copy(s.begin(), s.end(), buf);
        std::replace(buf, buf + s.size(), ',', '.');
        s = Sv(buf, s.size());
    }
    const char* end = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(s.data(), end, out);
    if (ec != std::errc() || ptr != end) return Cell::bad;
    if (std::isnan(out)) return Cell::empty;
    if (std::isinf(out)) return Cell::bad;
    return Cell::number;
}

bool starts_like_number(Sv s) {
    return !s.empty() && ((s.front() >= '0' && s.front() <= '9') || s.front() == '-' ||
                          s.front() == '+' || s.front() == '.');
}

// -------------------------------------------------------------------------------- units

enum class Quantity { time, potential, current, specific_capacity, capacity, fraction, mass, other, none };

// A conversion to the internal unit as mul / div, so that mV, mA, % are one correctly
// rounded division: "3456 mV" gives exactly the double nearest to 3.456 V.
struct Scale {
    double mul = 1, div = 1;
    double operator()(double v) const { return v * mul / div; }
};

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

const UnitSpelling* find_unit(Sv unit) {
    const std::string c = canon_unit(unit);
    for (const auto& u : kUnits)
        if (u.spelling == c) return &u;
    return nullptr;
}

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

// ------------------------------------------------------------------------------ columns

// The roles a column can play. Order matters only for Roles below.
enum class Field {
    none, time, potential, current, cycle, step, capacity,
    charge_capacity, discharge_capacity, coulombic_efficiency, shoulder_capacity,
    energy_efficiency, hold_duration, hold_potential
};
constexpr std::size_t kFieldCount = static_cast<std::size_t>(Field::hold_potential) + 1;

struct Alias {
    Sv name;  // normalised header name (see normalise_name)
    Field field;
};

constexpr Alias kAliases[] = {
    {"time", Field::time}, {"t", Field::time}, {"time_s", Field::time}, {"test_time", Field::time},
    {"total_time", Field::time}, {"elapsed_time", Field::time}, {"time_elapsed", Field::time},
    {"potential", Field::potential}, {"voltage", Field::potential}, {"ewe", Field::potential},
    {"e", Field::potential}, {"ecell", Field::potential}, {"u", Field::potential},
    {"e_we", Field::potential}, {"cell_voltage", Field::potential}, {"cell_potential", Field::potential},
    {"current", Field::current}, {"i", Field::current}, {"cell_current", Field::current},
    {"cycle", Field::cycle}, {"cycle_number", Field::cycle}, {"cycle_index", Field::cycle},
    {"cycle_no", Field::cycle}, {"cycle_nr", Field::cycle}, {"cycle_id", Field::cycle},
    {"step", Field::step}, {"ns", Field::step}, {"step_index", Field::step}, {"step_number", Field::step},
    {"step_no", Field::step}, {"step_id", Field::step},
    {"capacity", Field::capacity}, {"specific_capacity", Field::capacity}, {"q_qo", Field::capacity},
    {"charge_capacity", Field::charge_capacity}, {"q_charge", Field::charge_capacity},
    {"charge", Field::charge_capacity}, {"q_ch", Field::charge_capacity},
    {"discharge_capacity", Field::discharge_capacity}, {"q_discharge", Field::discharge_capacity},
    {"discharge", Field::discharge_capacity}, {"q_dis", Field::discharge_capacity},
    {"coulombic_efficiency", Field::coulombic_efficiency}, {"ce", Field::coulombic_efficiency},
    {"efficiency", Field::coulombic_efficiency}, {"coulomb_efficiency", Field::coulombic_efficiency},
    {"shoulder_capacity", Field::shoulder_capacity}, {"shoulder", Field::shoulder_capacity},
    {"q_shoulder", Field::shoulder_capacity},
    {"energy_efficiency", Field::energy_efficiency}, {"ee", Field::energy_efficiency},
    {"hold_duration", Field::hold_duration}, {"hold", Field::hold_duration},
    {"hold_time", Field::hold_duration}, {"t_hold", Field::hold_duration},
    {"hold_potential", Field::hold_potential}, {"hold_voltage", Field::hold_potential},
    {"e_hold", Field::hold_potential},
};

// Metadata keys that give the active mass.
constexpr Sv kMassKeys[] = {"mass", "active_mass", "active_material_mass", "mass_of_active_material",
                            "characteristic_mass"};

constexpr Sv kSigmaSuffixes[] = {"_sd", "_err", "_sigma", "_std"};

Field field_of(Sv name) {
    for (const auto& a : kAliases)
        if (a.name == name) return a.field;
    return Field::none;
}

bool is_mass_key(Sv name) { return std::find(std::begin(kMassKeys), std::end(kMassKeys), name) != std::end(kMassKeys); }

const char* field_name(Field f) {
    switch (f) {
        case Field::time: return "time";
        case Field::potential: return "potential";
        case Field::current: return "current";
        case Field::cycle: return "cycle";
        case Field::step: return "step";
        case Field::capacity: return "capacity";
        case Field::charge_capacity: return "charge_capacity";
        case Field::discharge_capacity: return "discharge_capacity";
        case Field::coulombic_efficiency: return "coulombic_efficiency";
        case Field::shoulder_capacity: return "shoulder_capacity";
        case Field::energy_efficiency: return "energy_efficiency";
        case Field::hold_duration: return "hold_duration";
        case Field::hold_potential: return "hold_potential";
        case Field::none: break;
    }
    return "";
}

Quantity quantity_of(Field f) {
    switch (f) {
        case Field::time:
        case Field::hold_duration: return Quantity::time;
        case Field::potential:
        case Field::hold_potential: return Quantity::potential;
        case Field::current: return Quantity::current;
        case Field::capacity:
        case Field::charge_capacity:
        case Field::discharge_capacity:
        case Field::shoulder_capacity: return Quantity::specific_capacity;
        case Field::coulombic_efficiency:
        case Field::energy_efficiency: return Quantity::fraction;
        default: return Quantity::none;
    }
}

// "coulombic_efficiency_sd" -> "coulombic_efficiency"; "" when the name has no sigma suffix.
Sv strip_sigma(Sv name) {
    for (Sv suffix : kSigmaSuffixes)
        if (name.size() > suffix.size() && ends_with(name, suffix)) return name.substr(0, name.size() - suffix.size());
    return {};
}

// Lowercase, "<>" and quotes dropped, every other run of non-alphanumerics one '_':
// "<I>" -> "i", "cycle number" -> "cycle_number", "(Q-Qo)" -> "q_qo".
std::string normalise_name(Sv s) {
    std::string out;
    bool separator = false;
    for (char c : s) {
        if (c == '<' || c == '>' || c == '"' || c == '\'') continue;
        if (is_alnum(c)) {
            if (separator && !out.empty()) out += '_';
            separator = false;
            out += ascii_lower(c);
        } else {
            separator = true;
        }
    }
    return out;
}

// A name the importers know (so that "name/unit" and "name_unit" may be split after it).
bool recognised(Sv name) {
    if (field_of(name) != Field::none || is_mass_key(name)) return true;
    const Sv base = strip_sigma(name);
    return !base.empty() && field_of(base) != Field::none;
}

Quantity quantity_of_name(Sv name) {
    if (is_mass_key(name)) return Quantity::mass;
    Field f = field_of(name);
    if (f == Field::none) {
        const Sv base = strip_sigma(name);
        if (!base.empty()) f = field_of(base);
    }
    return quantity_of(f);
}

struct Column {
    std::string raw;             // as written (UTF-8), for messages
    std::string name;            // normalised, without the unit
    std::string unit;            // as written; "" when the header gives none
    Field field = Field::none;   // role, when the name is a known one
    bool sigma = false;          // "<base>_sd", "_err", "_sigma", "_std": uncertainty of base
    Field base = Field::none;    // sigma: the field it belongs to (none: another column)
    std::string key;             // key in CycleRecord::extra / ::sigma
};

// Splits "name/unit", "name [unit]", "name (unit)" and "name %" into name and unit.
// With several slashes ("Q charge/discharge/mA.h", "control/V/mA") the first split whose
// right side is a known unit wins, then the first whose left side is a known name.
std::pair<Sv, Sv> split_unit(Sv s) {
    if (ends_with(s, "]")) {
        const std::size_t open = s.rfind('[');
        if (open != Sv::npos && open > 0) return {s.substr(0, open), s.substr(open + 1, s.size() - open - 2)};
    }
    if (ends_with(s, ")")) {
        const std::size_t open = s.rfind('(');
        if (open != Sv::npos && open > 0) return {s.substr(0, open), s.substr(open + 1, s.size() - open - 2)};
    }
    for (std::size_t p = s.find('/'); p != Sv::npos; p = s.find('/', p + 1))
        if (is_known_unit(s.substr(p + 1))) return {s.substr(0, p), s.substr(p + 1)};
    for (std::size_t p = s.find('/'); p != Sv::npos; p = s.find('/', p + 1))
        if (recognised(normalise_name(s.substr(0, p)))) return {s.substr(0, p), s.substr(p + 1)};
    if (ends_with(s, "%") && s.size() > 1) return {s.substr(0, s.size() - 1), "%"};
    return {s, {}};
}

// "current_mA", "hold_duration_h", "charge_capacity_mAh_g": a known name followed by a
// unit of its own quantity. Only then, so that "cycle_index" or "t_hold" stay whole.
void split_unit_suffix(Column& c) {
    for (std::size_t p = c.name.find('_'); p != std::string::npos; p = c.name.find('_', p + 1)) {
        const Sv base = Sv(c.name).substr(0, p);
        const Sv suffix = Sv(c.name).substr(p + 1);
        if (!recognised(base)) continue;
        if (!unit_scale(quantity_of_name(base), suffix)) {
            // capacities may also be absolute (mAh), converted with the mass
            if (quantity_of_name(base) != Quantity::specific_capacity || !unit_scale(Quantity::capacity, suffix))
                continue;
        }
        c.unit = std::string(suffix);
        c.name.resize(p);
        return;
    }
}

Column parse_column(Sv raw) {
    Column c;
    const Sv s = unquote(raw);
    c.raw = std::string(s);
    const auto [name, unit] = split_unit(s);
    c.name = normalise_name(name);
    c.unit = std::string(trim(unit));
    if (c.unit.empty()) split_unit_suffix(c);
    c.field = field_of(c.name);
    if (c.field != Field::none) {
        c.key = field_name(c.field);
        return c;
    }
    const Sv base = strip_sigma(c.name);
    if (!base.empty()) {
        c.sigma = true;
        c.base = field_of(base);
        c.key = c.base != Field::none ? field_name(c.base) : std::string(base);
    } else {
        c.key = c.name;
    }
    return c;
}

// ------------------------------------------------------------------------------ header

// The text being read as lines (lines[i] is line i + 1) and the name that stands for it.
struct Doc {
    std::string name;
    std::vector<Sv> lines;
};

struct Header {
    int line = 0;                  // 1-based line of the column names
    std::size_t data_start = 0;    // index in Doc::lines of the first line below the header
    char delim = ',';
    std::string text;              // the header line, trimmed (to recognise repeats)
    std::vector<Column> columns;   // trailing empty cells dropped
    bool decimal_comma() const { return delim != ','; }
};

std::string header_text(Sv line) { return std::string(strip_trailing_delimiters(trim(line))); }

Header parse_header(Sv line, std::size_t index, char delim) {
    Header h;
    h.line = static_cast<int>(index) + 1;
    h.data_start = index + 1;
    h.delim = delim;
    h.text = header_text(line);
    const std::string utf8 = to_utf8(line);
    std::vector<Sv> cells;
    split_cells(utf8, delim, cells);
    while (!cells.empty() && cells.back().empty()) cells.pop_back();
    for (Sv cell : cells) h.columns.push_back(parse_column(cell));
    return h;
}

std::string column_list(const Header& h) {
    std::string out;
    for (const auto& c : h.columns) {
        if (!out.empty()) out += ", ";
        out += c.raw.empty() ? std::string("(unnamed)") : c.raw;
    }
    return out.empty() ? std::string("(none)") : out;
}

// Some exports put the units in a row of their own under the names ("s;V;mA"). Such a row
// fills in the units the names do not carry and is not read as data.
void apply_units_row(const Doc& doc, Header& h) {
    if (h.data_start >= doc.lines.size()) return;
    const Sv line = doc.lines[h.data_start];
    if (trim(line).empty() || trim(line).front() == '#') return;
    const std::string utf8 = to_utf8(line);
    std::vector<Sv> cells;
    split_cells(utf8, h.delim, cells);
    bool any = false;
    for (Sv cell : cells) {
        double v;
        if (parse_number(cell, h.decimal_comma(), v) != Cell::bad) {
            if (!cell.empty()) return;  // a number: a data row
            continue;
        }
        if (!is_known_unit(cell)) return;
        any = true;
    }
    if (!any) return;
    for (std::size_t i = 0; i < cells.size() && i < h.columns.size(); ++i) {
        Column& c = h.columns[i];
        if (c.unit.empty()) c.unit = std::string(trim(cells[i]));
    }
    ++h.data_start;
}

// ------------------------------------------------------------------------------ rows

enum class Want {
    skip,      // not parsed
    required,  // a number in every row
    optional,  // a number or empty (NaN)
    lenient,   // like optional, but text marks the column as a text column instead of failing
};

struct Rows {
    std::vector<int> line;                     // line of each row
    std::vector<std::vector<double>> values;   // per column (empty when skipped)
    std::vector<bool> text;                    // lenient columns that held text
    int repeated_headers = 0;
    std::size_t size() const { return line.size(); }
};

[[noreturn]] void fail(const Doc& doc, int line, const std::string& column, const std::string& message) {
    throw DataError(doc.name, line, column, message);
}

// A duration in clock notation, "H:MM:SS", "H:MM:SS.fff" or "D-HH:MM:SS" (cyclers such as
// Neware write elapsed times so), in seconds. False when the cell is not one.
bool parse_clock(Sv cell, bool decimal_comma, double& seconds) {
    Sv s = trim(cell);
    double days = 0;
    if (auto dash = s.find('-'); dash != Sv::npos && dash > 0) {
        if (parse_number(s.substr(0, dash), decimal_comma, days) != Cell::number || days < 0) return false;
        s.remove_prefix(dash + 1);
    }
    double parts[3];
    for (int k = 0; k < 3; ++k) {
        auto colon = s.find(':');
        Sv field = k < 2 ? s.substr(0, colon) : s;
        if ((k < 2 && colon == Sv::npos) || (k == 2 && s.find(':') != Sv::npos)) return false;
        if (parse_number(field, decimal_comma, parts[k]) != Cell::number || parts[k] < 0) return false;
        if (k < 2) s.remove_prefix(colon + 1);
    }
    if (parts[1] >= 60 || parts[2] >= 60) return false;
    seconds = days * 86400 + parts[0] * 3600 + parts[1] * 60 + parts[2];
    return true;
}

[[noreturn]] void fail_not_a_number(const Doc& doc, const Header& h, int line, const Column& c, Sv cell) {
    std::string msg = "expected a number, found " + quote(to_utf8(cell));
    double x = 0;
    const Sv t = trim(cell);
    const char* first = t.data() + (!t.empty() && t.front() == '+' ? 1 : 0);
    const auto [ptr, ec] = std::from_chars(first, t.data() + t.size(), x);
    if (ptr == t.data() + t.size() && (ec == std::errc::result_out_of_range || std::isinf(x)))
        msg = "expected a finite number, found " + quote(to_utf8(cell)) +
              " (an infinity, or beyond the range of numbers: 1e-308 to 1.8e308 in magnitude)";
    else if (cell.find(',') != Sv::npos && cell.find('.') != Sv::npos)
        msg += " (digit grouping such as '1.234,5' or '1,234.5' is not read)";
    else if (cell.find(',') != Sv::npos && !h.decimal_comma())
        msg += " (decimal commas are read only in files delimited by ';' or tab)";
    else if (std::count(cell.begin(), cell.end(), ':') == 2)
        msg += " (clock times are read as H:MM:SS[.fff] or D-HH:MM:SS, minutes and seconds below 60)";
    fail(doc, line, c.raw, msg);
}

[[noreturn]] void fail_too_many_cells(const Doc& doc, const Header& h, int line, std::size_t n) {
    std::string msg = "the row has " + std::to_string(n) + " cells but the header (line " +
                      std::to_string(h.line) + ") names " + std::to_string(h.columns.size()) + " columns";
    if (h.delim == ',') msg += "; if the numbers use decimal commas, the file must be delimited by ';' or tab";
    fail(doc, line, std::to_string(h.columns.size() + 1), msg);
}

bool is_repeated_header(Sv trimmed, const Header& h) {
    return !starts_like_number(trimmed) && header_text(trimmed) == h.text;
}

// Reads the data rows below the header: blank and '#' lines are skipped, and so are
// repetitions of the header line (files concatenated by copy and paste).
Rows read_rows(const Doc& doc, const Header& h, const std::vector<Want>& want) {
    const std::size_t ncols = h.columns.size();
    std::vector<std::size_t> used;
    for (std::size_t c = 0; c < ncols; ++c)
        if (want[c] != Want::skip) used.push_back(c);
    Rows r;
    r.values.resize(ncols);
    r.text.assign(ncols, false);
    const std::size_t capacity = doc.lines.size() > h.data_start ? doc.lines.size() - h.data_start : 0;
    r.line.reserve(capacity);
    for (std::size_t c : used) r.values[c].reserve(capacity);

    const bool decimal_comma = h.decimal_comma();
    std::vector<Sv> cells;
    for (std::size_t i = h.data_start; i < doc.lines.size(); ++i) {
        const int line_no = static_cast<int>(i) + 1;
        const Sv trimmed = trim(doc.lines[i]);
        // blank, comment, and spreadsheet rows of bare delimiters (",,,")
        if (strip_trailing_delimiters(trimmed).empty() || trimmed.front() == '#') continue;
        if (is_repeated_header(trimmed, h)) {
            ++r.repeated_headers;
            continue;
        }
        split_cells(doc.lines[i], h.delim, cells);
        std::size_t n = cells.size();
        while (n > ncols && cells[n - 1].empty()) --n;  // trailing delimiters
        if (n > ncols) fail_too_many_cells(doc, h, line_no, n);
        for (std::size_t c : used) {
            const Sv cell = c < n ? cells[c] : Sv();
            double v = kNaN;
            switch (parse_number(cell, decimal_comma, v)) {
                case Cell::number: break;
                case Cell::empty:
                    if (want[c] == Want::required) {
                        const Column& col = h.columns[c];
                        if (c >= n)
                            fail(doc, line_no, col.raw,
                                 "missing cell: the row ends after " + std::to_string(n) + " of " +
                                     std::to_string(ncols) + " cells (a truncated line?)");
                        if (!cell.empty())
                            fail(doc, line_no, col.raw,
                                 "found " + quote(to_utf8(cell)) +
                                     " (not a number); expected a number in every row of this column");
                        fail(doc, line_no, col.raw, "empty cell; expected a number in every row of this column");
                    }
                    v = kNaN;
                    break;
                case Cell::bad:
                    if ((h.columns[c].field == Field::time || h.columns[c].field == Field::hold_duration) &&
                        parse_clock(cell, decimal_comma, v))
                        break;  // "[D-]H:MM:SS[.fff]" -> seconds
                    if (want[c] != Want::lenient) fail_not_a_number(doc, h, line_no, h.columns[c], cell);
                    r.text[c] = true;
                    v = kNaN;
                    break;
            }
            r.values[c].push_back(v);
        }
        r.line.push_back(line_no);
    }
    if (r.size() == 0)
        fail(doc, h.line, "", "no data rows below the header; expected rows of numbers under the column names");
    return r;
}

// ------------------------------------------------------------------------------ units of columns

// The conversion of a column to its internal unit; a column without a unit is read in
// the internal unit, with a warning (the guess matters).
Scale column_scale(const Doc& doc, const Header& h, const Column& c, Quantity q, std::vector<std::string>& warnings) {
    if (c.unit.empty()) {
        warnings.push_back("column " + quote(c.raw) + " has no unit; read as " + default_unit(q));
        return {};
    }
    if (const auto s = unit_scale(q, c.unit)) return *s;
    fail(doc, h.line, c.raw,
         "unknown unit " + quote(c.unit) + " for " + (c.sigma ? c.key + " (uncertainty)" : std::string(field_name(c.field))) +
             "; expected " + expected_units(q));
}

// Per-cycle capacities are mAh/g of active material; absolute capacities (mAh) are divided
// by the mass, which must then be known.
Scale capacity_scale(const Doc& doc, const Header& h, const Column& c, double mass_kg,
                     std::vector<std::string>& warnings) {
    if (c.unit.empty() || unit_scale(Quantity::specific_capacity, c.unit))
        return column_scale(doc, h, c, Quantity::specific_capacity, warnings);
    if (const auto s = unit_scale(Quantity::capacity, c.unit)) {
        if (!(mass_kg > 0))
            fail(doc, h.line, c.raw,
                 "a capacity in " + c.unit + " needs the active mass: add a line '# mass: 9.02 mg' above "
                 "the header or pass the mass, or give the capacity in mAh/g");
        return Scale{s->mul, s->div * mass_kg * 1e3};
    }
    return column_scale(doc, h, c, Quantity::specific_capacity, warnings);  // fails: unknown unit
}

// Efficiencies: with a unit as given. Without one they are fractions, unless every value
// is above 1.5 (no efficiency is 150 %), which can only be percent. A mix is rejected.
Scale fraction_scale(const Doc& doc, const Header& h, const Column& c, const Rows& rows, std::size_t index,
                     std::vector<std::string>& warnings) {
    if (!c.unit.empty()) {
        const auto s = unit_scale(Quantity::fraction, c.unit);
        if (!s)
            fail(doc, h.line, c.raw, "unknown unit " + quote(c.unit) + "; expected " + expected_units(Quantity::fraction));
        return *s;
    }
    const auto& v = rows.values[index];
    std::size_t above = 0, given = 0, first_above = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (std::isnan(v[i])) continue;
        ++given;
        if (v[i] > 1.5 && above++ == 0) first_above = i;
    }
    if (above == 0) return {};
    if (above == given) {
        warnings.push_back("column " + quote(c.raw) + " has no unit and all its values are above 1.5; read as %");
        return Scale{1, 100};
    }
    fail(doc, rows.line[first_above], c.raw,
         "value " + num(v[first_above]) + " reads as a percentage but other rows hold fractions; "
         "give the unit in the header (" + c.raw + "/% or " + c.raw + "/fraction) and use it in every row");
}

void apply(std::vector<double>& v, Scale s) {
    if (s.mul == 1 && s.div == 1) return;
    for (double& x : v) x = s(x);
}

// Cycle and step numbers: whole numbers (EC-Lab writes them as floats, "1.0E+000").
std::vector<int> to_counts(const Doc& doc, const Rows& rows, const Column& c, std::size_t index, int offset) {
    const auto& v = rows.values[index];
    std::vector<int> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        const double x = v[i];
        if (!(x >= 0) || x > 1e9 || std::abs(x - std::round(x)) > 1e-9)
            fail(doc, rows.line[i], c.raw, "expected a whole number from 0 to 1e9, found " + num(x));
        out[i] = static_cast<int>(std::lround(x)) + offset;
    }
    return out;
}

// ------------------------------------------------------------------------------ metadata

struct MetaLines {
    std::map<std::string, int> line;  // line of each metadata key, for messages
};

// Reads "9.02 mg", "9,02 mg", "4.3 V", "4300 mV" in the internal unit of q. A value
// without a unit uses `no_unit` when given and is rejected otherwise.
std::optional<double> parse_quantity(Sv text, Quantity q, std::optional<Scale> no_unit) {
    text = unquote(strip_trailing_delimiters(text));
    std::size_t end = 0;
    while (end < text.size() && (std::strchr("0123456789+-.,eE", text[end]) != nullptr)) ++end;
    // an 'e' that starts the unit is not part of the number
    while (end > 0 && (text[end - 1] == 'e' || text[end - 1] == 'E')) --end;
    double v;
    if (parse_number(text.substr(0, end), true, v) != Cell::number) return std::nullopt;
    const Sv unit = trim(text.substr(end));
    if (unit.empty()) {
        if (!no_unit) return std::nullopt;
        return (*no_unit)(v);
    }
    const auto s = unit_scale(q, unit);
    if (!s) return std::nullopt;
    return (*s)(v);
}

// Stores "key: value" (from '# key: value' or the EC-Lab header block). A unit in the key
// ("mass_mg: 9.02", "mass [mg]: 9.02") moves to the value ("mass" = "9.02 mg").
void add_metadata(MeasuredData& md, MetaLines& ml, Sv key, Sv value, int line) {
    // a key is a name (with an optional unit): free-text comments that contain a colon
    // ("# exported by X (version: 2)") are not metadata
    const Sv bare = split_unit(unquote(key)).first;
    if (!std::all_of(bare.begin(), bare.end(),
                     [](char c) { return is_alnum(c) || c == ' ' || c == '_' || c == '-' || c == '.'; }))
        return;
    const Column k = parse_column(key);
    std::string name = k.name;
    std::string text(unquote(strip_trailing_delimiters(trim(value))));
    if (!k.unit.empty()) {
        if (is_known_unit(k.unit)) {
            if (!text.empty()) text += " " + k.unit;
        } else {
            name = normalise_name(unquote(key));
        }
    }
    if (name.empty()) return;
    if (md.metadata.emplace(name, to_utf8(text)).second) ml.line[name] = line;
}

bool split_key_value(Sv line, Sv& key, Sv& value) {
    const std::size_t colon = line.find(':');
    if (colon == Sv::npos) return false;
    key = trim(line.substr(0, colon));
    value = trim(line.substr(colon + 1));
    return !key.empty();
}

// The active mass from the metadata [kg]; 0 when none is given. The entry is renamed
// "mass" so that every file reports it under one key.
double metadata_mass(const Doc& doc, MeasuredData& md, const MetaLines& ml) {
    for (Sv key : kMassKeys) {
        const auto it = md.metadata.find(std::string(key));
        if (it == md.metadata.end()) continue;
        const auto line = ml.line.find(it->first);
        const int line_no = line == ml.line.end() ? 0 : line->second;
        const auto kg = parse_quantity(it->second, Quantity::mass, std::nullopt);
        if (!kg || !(*kg > 0))
            fail(doc, line_no, it->first,
                 "expected a positive mass with its unit, such as '9.02 mg' (mg, g or kg), found " + quote(it->second));
        md.metadata.emplace("mass", it->second);
        return *kg;
    }
    return 0;
}

// The file's own mass wins; ImportOptions::mass is "the mass when the file gives none".
double choose_mass(double file_kg, const ImportOptions& options, std::vector<std::string>& warnings) {
    if (file_kg > 0) {
        if (options.mass > 0 && std::abs(options.mass - file_kg) > 1e-9 * file_kg)
            warnings.push_back("the file gives the active mass (" + num(file_kg * 1e6) + " mg); the mass passed (" +
                               num(options.mass * 1e6) + " mg) is not used");
        return file_kg;
    }
    return options.mass > 0 ? options.mass : 0.0;
}

// ------------------------------------------------------------------------------ roles

struct Roles {
    std::array<int, kFieldCount> column;   // index in Header::columns, -1 when absent
    std::vector<std::size_t> duplicates;   // columns that name a field already given
    Roles() { column.fill(-1); }
    int operator[](Field f) const { return column[static_cast<std::size_t>(f)]; }
    bool has(Field f) const { return (*this)[f] >= 0; }
};

// The first column of each field plays its role; later ones are reported (when used).
// Time columns named as the whole test's time win over a plain "time", which some cyclers
// (Neware, Arbin) use for the time within the step.
bool is_total_time(const Column& c) {
    return c.name == "total_time" || c.name == "test_time" || c.name == "elapsed_time" || c.name == "time_elapsed";
}

Roles find_roles(const Header& h) {
    Roles r;
    for (std::size_t i = 0; i < h.columns.size(); ++i) {
        const Field f = h.columns[i].field;
        if (f == Field::none) continue;
        int& slot = r.column[static_cast<std::size_t>(f)];
        if (slot < 0) {
            slot = static_cast<int>(i);
        } else if (f == Field::time && is_total_time(h.columns[i]) &&
                   !is_total_time(h.columns[static_cast<std::size_t>(slot)])) {
            r.duplicates.push_back(static_cast<std::size_t>(slot));
            slot = static_cast<int>(i);
        } else {
            r.duplicates.push_back(i);
        }
    }
    return r;
}

void warn_duplicates(const Header& h, const Roles& r, std::initializer_list<Field> used,
                     std::vector<std::string>& warnings) {
    for (std::size_t i : r.duplicates) {
        const Field f = h.columns[i].field;
        if (std::find(used.begin(), used.end(), f) == used.end()) continue;
        warnings.push_back("column " + quote(h.columns[i].raw) + " ignored: column " +
                           quote(h.columns[static_cast<std::size_t>(r[f])].raw) + " already gives the " +
                           field_name(f));
    }
}

// ------------------------------------------------------------------------------ layouts

struct SeriesColumns {
    int time = -1, potential = -1, current = -1, cycle = -1, step = -1;
};

// Numbering is by what the file holds: numbers that start at 1 are kept, a column that
// starts at 0 is shifted by one. A CSV says so in a warning; for EC-Lab, which counts Ns
// and (in most versions and settings) the cycle number from 0, both are usual.
enum class Numbering { csv, eclab };

std::vector<int> read_numbering(const Doc& doc, const Header& h, const Rows& rows, int index, Numbering numbering,
                                const char* what, std::vector<std::string>& warnings) {
    if (index < 0) return {};
    const auto i = static_cast<std::size_t>(index);
    const auto& values = rows.values[i];
    if (std::any_of(values.begin(), values.end(), [](double x) { return std::isnan(x); })) {
        // numbering is optional: without it the analysis detects steps and cycles itself
        warnings.push_back(std::string(what) + " column " + quote(h.columns[i].raw) +
                           " has empty cells; not used (" + what + "s are detected from the current)");
        return {};
    }
    int offset = 0;
    if (!values.empty() && *std::min_element(values.begin(), values.end()) == 0) {
        offset = 1;
        if (numbering == Numbering::csv)
            warnings.push_back(std::string(what) + " numbers in column " + quote(h.columns[i].raw) +
                               " start at 0; shifted by one to count from 1");
    }
    return to_counts(doc, rows, h.columns[i], i, offset);
}

// A time series in SI units; time must not decrease (equal times are kept).
Trajectory read_series(const Doc& doc, const Header& h, const SeriesColumns& sc, Numbering numbering,
                       double mass_kg, int current_sign, std::vector<std::string>& warnings) {
    const auto& cols = h.columns;
    const auto t = static_cast<std::size_t>(sc.time), e = static_cast<std::size_t>(sc.potential),
               i = static_cast<std::size_t>(sc.current);
    // units first: a wrong unit is a header problem, reported before any row
    const Scale st = column_scale(doc, h, cols[t], Quantity::time, warnings);
    const Scale se = column_scale(doc, h, cols[e], Quantity::potential, warnings);
    Scale si = column_scale(doc, h, cols[i], Quantity::current, warnings);
    si.mul *= current_sign;

    std::vector<Want> want(cols.size(), Want::skip);
    for (int c : {sc.time, sc.potential, sc.current})
        want[static_cast<std::size_t>(c)] = Want::required;
    for (int c : {sc.cycle, sc.step})
        if (c >= 0) want[static_cast<std::size_t>(c)] = Want::optional;
    Rows rows = read_rows(doc, h, want);
    if (rows.repeated_headers > 0)
        warnings.push_back(std::to_string(rows.repeated_headers) + " repeated header line(s) skipped");

    Trajectory tr;
    tr.source = doc.name;
    tr.mass = mass_kg;
    tr.time = std::move(rows.values[t]);
    tr.potential = std::move(rows.values[e]);
    tr.current = std::move(rows.values[i]);
    apply(tr.time, st);
    apply(tr.potential, se);
    apply(tr.current, si);
    for (std::size_t k = 1; k < tr.time.size(); ++k)
        if (tr.time[k] < tr.time[k - 1])
            fail(doc, rows.line[k], cols[t].raw,
                 "time goes back from " + num(tr.time[k - 1]) + " s (line " + std::to_string(rows.line[k - 1]) +
                     ") to " + num(tr.time[k]) + " s; expected non-decreasing time (for several runs in one "
                     "file, make the time cumulative or split the file)");
    // The time the record spans becomes simulated time: absurd spans are refused here.
    for (std::size_t k = 1; k < tr.time.size(); ++k)
        if (tr.time[k] - tr.time[0] > kMaxDuration)
            fail(doc, rows.line[k], cols[t].raw,
                 "time " + num(tr.time[k]) + " s is " + num((tr.time[k] - tr.time[0]) / 3600.0) +
                     " h after the first row (line " + std::to_string(rows.line[0]) +
                     "); a record may span at most " + num(kMaxDurationHours) +
                     " h (is the unit of the column right?)");
    for (std::size_t k = 0; k < tr.potential.size(); ++k)
        if (std::abs(tr.potential[k]) > kMaxPotential)
            fail(doc, rows.line[k], cols[e].raw,
                 "potential " + num(tr.potential[k]) + " V; expected a cell potential between -" +
                     num(kMaxPotential) + " and " + num(kMaxPotential) + " V (a column in mV needs the unit mV)");
    tr.cycle = read_numbering(doc, h, rows, sc.cycle, numbering, "cycle", warnings);
    tr.step = read_numbering(doc, h, rows, sc.step, numbering, "step", warnings);
    return tr;
}

[[noreturn]] void fail_missing_series_column(const Doc& doc, const Header& h, Field missing) {
    const char* examples = missing == Field::time        ? "time/s, time/h, t [min]"
                           : missing == Field::potential ? "potential/V, Ewe/V, voltage [mV]"
                                                         : "current/mA, I/mA, <I>/mA, current [A]";
    fail(doc, h.line, field_name(missing),
         std::string("no ") + field_name(missing) + " column (a header such as " + examples +
             "); found columns: " + column_list(h) + "; " + kLayouts);
}

void read_csv_series(const Doc& doc, const Header& h, const Roles& r, const ImportOptions& options,
                     double mass_kg, MeasuredData& md) {
    SeriesColumns sc{r[Field::time], r[Field::potential], r[Field::current], r[Field::cycle], r[Field::step]};
    warn_duplicates(h, r, {Field::time, Field::potential, Field::current, Field::cycle, Field::step}, md.warnings);
    md.kind = MeasuredData::Kind::time_series;
    md.trajectory = read_series(doc, h, sc, Numbering::csv, mass_kg, options.current_sign, md.warnings);
    std::string ignored;
    for (std::size_t c = 0; c < h.columns.size(); ++c) {
        const int ci = static_cast<int>(c);
        if (ci == sc.time || ci == sc.potential || ci == sc.current || ci == sc.cycle || ci == sc.step) continue;
        if (h.columns[c].raw.empty()) continue;
        ignored += (ignored.empty() ? "" : ", ") + quote(h.columns[c].raw);
    }
    if (!ignored.empty())
        md.warnings.push_back("columns not used in a time series: " + ignored +
                              (r.has(Field::capacity) ? " (capacities are computed from the current)" : ""));
}

// The conversion of each column of a table: the layout's value columns by their quantity,
// sigma columns by their own unit or else as their base column, other columns as written
// (a "%" column to a fraction).
std::vector<Scale> table_scales(const Doc& doc, const Header& h, const Rows& rows, const std::vector<Want>& want,
                                std::initializer_list<Field> value_fields, double mass_kg,
                                std::vector<std::string>& warnings) {
    auto is_value = [&](Field f) { return std::find(value_fields.begin(), value_fields.end(), f) != value_fields.end(); };
    auto field_scale = [&](const Column& c, Field f, std::size_t i) -> Scale {
        switch (quantity_of(f)) {
            case Quantity::specific_capacity: return capacity_scale(doc, h, c, mass_kg, warnings);
            case Quantity::fraction: return fraction_scale(doc, h, c, rows, i, warnings);
            case Quantity::none: return {};
            default: return column_scale(doc, h, c, quantity_of(f), warnings);
        }
    };
    std::vector<Scale> scale(h.columns.size());
    std::array<int, kFieldCount> base_of;
    base_of.fill(-1);
    for (std::size_t i = 0; i < h.columns.size(); ++i) {
        const Column& c = h.columns[i];
        if (want[i] == Want::skip || !is_value(c.field)) continue;
        scale[i] = field_scale(c, c.field, i);
        if (base_of[static_cast<std::size_t>(c.field)] < 0) base_of[static_cast<std::size_t>(c.field)] = static_cast<int>(i);
    }
    for (std::size_t i = 0; i < h.columns.size(); ++i) {
        const Column& c = h.columns[i];
        if (want[i] == Want::skip || is_value(c.field)) continue;
        if (c.sigma && is_value(c.base)) {
            const int b = base_of[static_cast<std::size_t>(c.base)];
            if (!c.unit.empty())
                scale[i] = field_scale(c, c.base, i);
            else if (b >= 0)
                scale[i] = scale[static_cast<std::size_t>(b)];
        } else if (canon_unit(c.unit) == "%") {
            scale[i] = Scale{1, 100};
        }
    }
    return scale;
}

void warn_text_columns(const Header& h, const Rows& rows, std::vector<std::string>& warnings) {
    for (std::size_t i = 0; i < h.columns.size(); ++i)
        if (rows.text[i]) warnings.push_back("column " + quote(h.columns[i].raw) + " holds text; ignored");
}

void read_cycle_table(const Doc& doc, const Header& h, const Roles& r, double mass_kg, MeasuredData& md) {
    if (!r.has(Field::cycle))
        fail(doc, h.line, "cycle",
             "a per-cycle table needs a column 'cycle' (the cycle number of each row); found columns: " +
                 column_list(h));
    constexpr Field kValues[] = {Field::charge_capacity, Field::discharge_capacity, Field::coulombic_efficiency,
                                 Field::shoulder_capacity, Field::energy_efficiency};
    warn_duplicates(h, r, {Field::cycle, Field::charge_capacity, Field::discharge_capacity,
                           Field::coulombic_efficiency, Field::shoulder_capacity, Field::energy_efficiency},
                    md.warnings);
    // every named column is read: the value columns, and the rest as extras or sigmas
    std::vector<Want> want(h.columns.size(), Want::lenient);
    for (std::size_t i = 0; i < h.columns.size(); ++i)
        if (h.columns[i].name.empty()) want[i] = Want::skip;
    for (std::size_t i : r.duplicates) want[i] = Want::skip;
    want[static_cast<std::size_t>(r[Field::cycle])] = Want::required;
    for (Field f : kValues)
        if (r.has(f)) want[static_cast<std::size_t>(r[f])] = Want::optional;

    Rows rows = read_rows(doc, h, want);
    const std::vector<Scale> scale =
        table_scales(doc, h, rows, want,
                     {Field::charge_capacity, Field::discharge_capacity, Field::coulombic_efficiency,
                      Field::shoulder_capacity, Field::energy_efficiency},
                     mass_kg, md.warnings);
    warn_text_columns(h, rows, md.warnings);
    if (rows.repeated_headers > 0)
        md.warnings.push_back(std::to_string(rows.repeated_headers) + " repeated header line(s) skipped");
    const std::vector<int> cycles =
        read_numbering(doc, h, rows, r[Field::cycle], Numbering::csv, "cycle", md.warnings);

    md.kind = MeasuredData::Kind::cycle_table;
    md.cycles.resize(rows.size());
    for (std::size_t k = 0; k < rows.size(); ++k) {
        CycleRecord& rec = md.cycles[k];
        rec.cycle = cycles[k];
        rec.line = rows.line[k];
        for (std::size_t i = 0; i < h.columns.size(); ++i) {
            const Column& c = h.columns[i];
            if (want[i] == Want::skip || rows.text[i] || static_cast<int>(i) == r[Field::cycle]) continue;
            const double v = scale[i](rows.values[i][k]);
            switch (c.field) {
                case Field::charge_capacity: rec.charge_capacity = v; break;
                case Field::discharge_capacity: rec.discharge_capacity = v; break;
                case Field::coulombic_efficiency: rec.coulombic_efficiency = v; break;
                case Field::shoulder_capacity: rec.shoulder_capacity = v; break;
                case Field::energy_efficiency: rec.energy_efficiency = v; break;
                default:
                    if (c.sigma)
                        rec.sigma[c.key] = v;
                    else
                        rec.extra[c.name] = v;
                    break;
            }
        }
    }
    for (std::size_t k = 1; k < md.cycles.size(); ++k)
        if (md.cycles[k].cycle <= md.cycles[k - 1].cycle) {
            md.warnings.push_back("cycle numbers do not increase at line " + std::to_string(md.cycles[k].line));
            break;
        }
}

void read_hold_table(const Doc& doc, const Header& h, const Roles& r, MetaLines& ml, MeasuredData& md) {
    if (!r.has(Field::coulombic_efficiency))
        fail(doc, h.line, "coulombic_efficiency",
             "a CE-vs-hold table needs a column coulombic_efficiency (or CE) next to hold_duration; found columns: " +
                 column_list(h));
    warn_duplicates(h, r, {Field::hold_duration, Field::coulombic_efficiency, Field::hold_potential, Field::cycle},
                    md.warnings);
    std::vector<Want> want(h.columns.size(), Want::skip);
    want[static_cast<std::size_t>(r[Field::hold_duration])] = Want::required;
    want[static_cast<std::size_t>(r[Field::coulombic_efficiency])] = Want::required;
    if (r.has(Field::hold_potential)) want[static_cast<std::size_t>(r[Field::hold_potential])] = Want::optional;
    if (r.has(Field::cycle)) want[static_cast<std::size_t>(r[Field::cycle])] = Want::optional;
    int sigma = -1;
    std::string ignored;
    for (std::size_t i = 0; i < h.columns.size(); ++i) {
        const Column& c = h.columns[i];
        if (c.sigma && c.base == Field::coulombic_efficiency && sigma < 0) {
            sigma = static_cast<int>(i);
            want[i] = Want::optional;
        } else if (want[i] == Want::skip && !c.raw.empty()) {
            ignored += (ignored.empty() ? "" : ", ") + quote(c.raw);
        }
    }
    if (!ignored.empty()) md.warnings.push_back("columns not used in a CE-vs-hold table: " + ignored);

    Rows rows = read_rows(doc, h, want);
    const std::vector<Scale> scale = table_scales(
        doc, h, rows, want, {Field::hold_duration, Field::coulombic_efficiency, Field::hold_potential}, 0.0,
        md.warnings);
    if (rows.repeated_headers > 0)
        md.warnings.push_back(std::to_string(rows.repeated_headers) + " repeated header line(s) skipped");

    // a hold potential for the whole file may come as metadata ("# hold_potential: 4.3 V")
    double default_potential = kNaN;
    if (const auto it = md.metadata.find("hold_potential"); it != md.metadata.end()) {
        const auto v = parse_quantity(it->second, Quantity::potential, Scale{});
        if (!v || !(std::abs(*v) <= kMaxPotential))
            fail(doc, ml.line["hold_potential"], "hold_potential",
                 "expected a potential such as '4.3 V' (between -" + num(kMaxPotential) + " and " +
                     num(kMaxPotential) + " V), found " + quote(it->second));
        default_potential = *v;
    }
    const auto d = static_cast<std::size_t>(r[Field::hold_duration]);
    const auto ce = static_cast<std::size_t>(r[Field::coulombic_efficiency]);
    md.kind = MeasuredData::Kind::hold_table;
    md.holds.resize(rows.size());
    for (std::size_t k = 0; k < rows.size(); ++k) {
        HoldRecord& rec = md.holds[k];
        rec.line = rows.line[k];
        rec.duration = scale[d](rows.values[d][k]);
        if (rec.duration < 0)
            fail(doc, rec.line, h.columns[d].raw,
                 "negative hold duration " + num(rec.duration) + " s; expected a duration from 0 (no hold) to " +
                     num(kMaxDurationHours) + " h");
        if (rec.duration > kMaxDuration)
            fail(doc, rec.line, h.columns[d].raw,
                 "hold duration " + num(rec.duration / 3600.0) + " h is longer than any experiment; expected a "
                 "duration from 0 (no hold) to " + num(kMaxDurationHours) + " h (is the unit in the header right?)");
        rec.coulombic_efficiency = scale[ce](rows.values[ce][k]);
        rec.potential = default_potential;
        if (r.has(Field::hold_potential)) {
            const auto p = static_cast<std::size_t>(r[Field::hold_potential]);
            if (!std::isnan(rows.values[p][k])) rec.potential = scale[p](rows.values[p][k]);
            if (std::abs(rec.potential) > kMaxPotential)
                fail(doc, rec.line, h.columns[p].raw,
                     "hold potential " + num(rec.potential) + " V; expected a potential between -" +
                         num(kMaxPotential) + " and " + num(kMaxPotential) + " V (a column in mV needs the unit mV)");
        }
        if (sigma >= 0) rec.sigma = scale[static_cast<std::size_t>(sigma)](rows.values[static_cast<std::size_t>(sigma)][k]);
    }
    if (r.has(Field::cycle)) {
        const auto c = static_cast<std::size_t>(r[Field::cycle]);
        for (std::size_t k = 0; k < rows.size(); ++k) {
            const double v = rows.values[c][k];
            if (std::isnan(v)) continue;  // empty: the default, cycle 1
            if (!(v >= 1) || v > 1e9 || std::abs(v - std::round(v)) > 1e-9)
                fail(doc, rows.line[k], h.columns[c].raw,
                     "expected a whole cycle number from 1 to 1e9, found " + num(v));
            md.holds[k].cycle = static_cast<int>(std::lround(v));
        }
    }
}

// ------------------------------------------------------------------------------ CSV

// How many distinct fields a line's cells name (header lines name at least two).
int count_fields(Sv line) {
    const char delim = detect_delimiter(line);
    const std::string utf8 = to_utf8(line);
    std::vector<Sv> cells;
    split_cells(utf8, delim, cells);
    std::array<bool, kFieldCount> seen{};
    int n = 0;
    for (Sv cell : cells) {
        const Field f = parse_column(cell).field;
        if (f != Field::none && !seen[static_cast<std::size_t>(f)]) {
            seen[static_cast<std::size_t>(f)] = true;
            ++n;
        }
    }
    return n;
}

// A data row: every non-empty cell is a number (either decimal separator).
bool all_numeric(Sv line) {
    std::vector<Sv> cells;
    split_cells(line, detect_delimiter(line), cells);
    bool any = false;
    for (Sv cell : cells) {
        double v;
        const Cell kind = parse_number(cell, true, v);
        if (kind == Cell::bad) return false;
        any = any || kind == Cell::number;
    }
    return any;
}

Sv uncomment(Sv line) {
    line = trim(line);
    while (!line.empty() && line.front() == '#') line.remove_prefix(1);
    return trim(line);
}

struct HeaderPosition {
    std::size_t index;  // in Doc::lines; lines.size() when there is no candidate
    bool commented;     // the header is a comment line ("# time,potential,current")
};

// The header is the first non-comment line naming at least two known columns; lines
// above it that are not comments are an instrument's header block (skipped, with a
// warning). When the data follows comments only, the last comment line above it may be
// the header (numpy.savetxt writes "# time,potential,current"). Otherwise the first
// non-comment line is taken, so that the error lists what it holds.
HeaderPosition find_csv_header(const Doc& doc) {
    constexpr int kSearch = 200;  // header blocks are short; don't scan a big file's rows
    const std::size_t none = doc.lines.size();
    std::size_t first = none, last_comment = none;
    int seen = 0;
    for (std::size_t i = 0; i < doc.lines.size() && seen < kSearch; ++i) {
        const Sv t = trim(doc.lines[i]);
        if (t.empty()) continue;
        if (t.front() == '#') {
            if (first == none) last_comment = i;
            continue;
        }
        if (first == none) first = i;
        ++seen;
        if (all_numeric(t)) break;  // the data has begun
        if (count_fields(t) >= 2) return {i, false};
    }
    if (first != none && last_comment != none && all_numeric(trim(doc.lines[first])) &&
        count_fields(uncomment(doc.lines[last_comment])) >= 2)
        return {last_comment, true};
    return {first, false};
}

void read_csv_preamble(const Doc& doc, std::size_t header, MeasuredData& md, MetaLines& ml) {
    std::size_t skipped = 0;
    for (std::size_t i = 0; i < header; ++i) {
        Sv t = trim(doc.lines[i]);
        if (t.empty()) continue;
        if (t.front() == '#') {
            while (!t.empty() && t.front() == '#') t.remove_prefix(1);
        } else {
            ++skipped;
        }
        Sv key, value;
        if (split_key_value(t, key, value)) add_metadata(md, ml, key, value, static_cast<int>(i) + 1);
    }
    if (skipped > 0)
        md.warnings.push_back(std::to_string(skipped) + " line(s) above the column header (line " +
                              std::to_string(header + 1) + ") skipped as a header block");
}

void parse_csv(const Doc& doc, const ImportOptions& options, MeasuredData& md) {
    md.format = "csv";
    const HeaderPosition pos = find_csv_header(doc);
    const std::size_t hi = pos.index;
    if (hi == doc.lines.size()) {
        const bool blank = std::all_of(doc.lines.begin(), doc.lines.end(), [](Sv l) { return trim(l).empty(); });
        fail(doc, 0, "", std::string(blank ? "the file is empty" : "the file has only comment lines") +
                             "; expected a header line naming the columns and rows of numbers below it; " + kLayouts);
    }
    if (!pos.commented && all_numeric(trim(doc.lines[hi])))
        fail(doc, static_cast<int>(hi) + 1, "",
             "expected a header line naming the columns (e.g. time/s,potential/V,current/mA) above the data, "
             "found numbers; " + std::string(kLayouts));
    MetaLines ml;
    read_csv_preamble(doc, hi, md, ml);
    const Sv header_line = pos.commented ? uncomment(doc.lines[hi]) : doc.lines[hi];
    Header h = parse_header(header_line, hi, detect_delimiter(header_line));
    apply_units_row(doc, h);
    const double mass = choose_mass(metadata_mass(doc, md, ml), options, md.warnings);
    md.trajectory.source = doc.name;
    md.trajectory.mass = mass;

    const Roles r = find_roles(h);
    const bool series = r.has(Field::time) || r.has(Field::potential) || r.has(Field::current);
    const bool per_cycle = r.has(Field::charge_capacity) || r.has(Field::discharge_capacity) ||
                           r.has(Field::coulombic_efficiency) || r.has(Field::shoulder_capacity) ||
                           r.has(Field::energy_efficiency) ||
                           // a cycle column with only further metrics (e.g. se_reversibility)
                           (r.has(Field::cycle) && !series && h.columns.size() > 1);
    if (r.has(Field::hold_duration)) {
        read_hold_table(doc, h, r, ml, md);
    } else if (r.has(Field::time) && r.has(Field::potential) && r.has(Field::current)) {
        read_csv_series(doc, h, r, options, mass, md);
    } else if (per_cycle) {
        read_cycle_table(doc, h, r, mass, md);
    } else if (series) {
        for (Field f : {Field::time, Field::potential, Field::current})
            if (!r.has(f)) fail_missing_series_column(doc, h, f);
    } else {
        fail(doc, h.line, "", "no known columns; found columns: " + column_list(h) + "; " + kLayouts);
    }
    md.trajectory.source = doc.name;
    md.trajectory.mass = mass;
}

// ------------------------------------------------------------------------------ EC-Lab .mpt

bool is_mpt_column_header(Sv line) {
    return line.find('\t') != Sv::npos && (starts_with_ci(trim(line), "mode") || line.find("time/s") != Sv::npos);
}

// "Nb header lines : 62" -> 62; 0 when the line is not of this form.
int stated_header_lines(Sv line) {
    if (!starts_with_ci(trim(line), "Nb header lines")) return 0;
    Sv key, value;
    if (!split_key_value(line, key, value)) return 0;
    int n = 0;
    const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    return ec == std::errc() && p == value.data() + value.size() && n > 0 ? n : 0;
}

// The column header line: line N of "Nb header lines : N" (it counts every line up to and
// including the column names). When that line is not a column header (the count is missing
// or wrong, e.g. after editing), the first line that looks like one is taken, with a warning.
std::size_t find_mpt_header(const Doc& doc, bool banner, std::vector<std::string>& warnings) {
    const int stated = doc.lines.size() > 1 ? stated_header_lines(doc.lines[1]) : 0;
    if (stated > 0 && static_cast<std::size_t>(stated) <= doc.lines.size() &&
        is_mpt_column_header(doc.lines[static_cast<std::size_t>(stated) - 1]))
        return static_cast<std::size_t>(stated) - 1;
    for (std::size_t i = 0; i < doc.lines.size(); ++i) {
        if (!is_mpt_column_header(doc.lines[i])) continue;
        if (!banner)
            warnings.push_back("no 'EC-Lab ASCII FILE' line; read as an EC-Lab export with the column header at line " +
                               std::to_string(i + 1));
        else if (stated > 0)
            warnings.push_back("'Nb header lines : " + std::to_string(stated) + "' does not point at the column header; "
                               "found it at line " + std::to_string(i + 1));
        else
            warnings.push_back("no 'Nb header lines : N' line; found the column header at line " + std::to_string(i + 1));
        return i;
    }
    fail(doc, stated > 0 ? stated : (banner ? 2 : 1), "",
         "no column header line (a tab-separated line starting with 'mode' or containing 'time/s'); expected an "
         "EC-Lab text export: 'EC-Lab ASCII FILE', 'Nb header lines : N', the header block, then the column names "
         "on line N and tab-separated data");
}

// The header block: "key : value" lines become metadata (keys normalised); the first line
// without a colon names the technique ("Galvanostatic Cycling with Potential Limitation").
void read_mpt_block(const Doc& doc, std::size_t from, std::size_t to, MeasuredData& md, MetaLines& ml) {
    for (std::size_t i = from; i < to; ++i) {
        const Sv t = trim(doc.lines[i]);
        if (t.empty()) continue;
        Sv key, value;
        if (split_key_value(t, key, value)) {
            const std::string k = normalise_name(key);
            if (!k.empty() && !value.empty() && md.metadata.emplace(k, to_utf8(value)).second)
                ml.line[k] = static_cast<int>(i) + 1;
        } else if (md.metadata.count("technique") == 0 && doc.lines[i].find('\t') == Sv::npos &&
                   !starts_with(doc.lines[i], " ")) {
            md.metadata.emplace("technique", to_utf8(t));
        }
    }
}

// The active mass of the header block. EC-Lab's default "0.001 mg" means "not entered".
double mpt_mass(const Doc& doc, MeasuredData& md, MetaLines& ml) {
    for (const char* key : {"mass_of_active_material", "characteristic_mass"}) {
        const auto it = md.metadata.find(key);
        if (it == md.metadata.end()) continue;
        const auto kg = parse_quantity(it->second, Quantity::mass, std::nullopt);
        if (!kg || !(*kg > 0))
            fail(doc, ml.line[key], key, "expected a mass such as '9.021 mg', found " + quote(it->second));
        if (*kg <= 1.0000001e-9) {
            md.warnings.push_back(std::string(key) + " is EC-Lab's default " + quote(it->second) +
                                  " (not entered); not used as the active mass");
            continue;
        }
        md.metadata.emplace("mass", it->second);
        return *kg;
    }
    return 0;
}

int find_column(const Header& h, std::initializer_list<Sv> names) {
    for (Sv name : names)
        for (std::size_t i = 0; i < h.columns.size(); ++i)
            if (h.columns[i].name == name) return static_cast<int>(i);
    return -1;
}

void parse_mpt(const Doc& doc, const ImportOptions& options, MeasuredData& md) {
    md.format = "mpt";
    md.kind = MeasuredData::Kind::time_series;
    if (doc.lines.empty() || std::all_of(doc.lines.begin(), doc.lines.end(), [](Sv l) { return trim(l).empty(); }))
        fail(doc, 0, "", "the file is empty; expected an EC-Lab text export starting with 'EC-Lab ASCII FILE'");
    const bool banner = starts_with_ci(trim(doc.lines[0]), "EC-Lab ASCII FILE");
    const std::size_t hi = find_mpt_header(doc, banner, md.warnings);
    MetaLines ml;
    read_mpt_block(doc, banner ? 2 : 0, hi, md, ml);
    const Header h = parse_header(doc.lines[hi], hi, '\t');

    // EC-Lab's names: the working-electrode potential Ewe is preferred over the cell voltage
    SeriesColumns sc;
    sc.time = find_column(h, {"time"});
    sc.potential = find_column(h, {"ewe", "ecell"});
    sc.current = find_column(h, {"i"});
    sc.cycle = find_column(h, {"cycle_number"});
    sc.step = find_column(h, {"ns"});
    const std::pair<int, const char*> required[] = {
        {sc.time, "time/s"}, {sc.potential, "Ewe/V or Ecell/V"}, {sc.current, "<I>/mA or I/mA"}};
    for (const auto& [index, names] : required)
        if (index < 0)
            fail(doc, h.line, names,
                 std::string("no ") + names + " column in the EC-Lab column header; found columns: " + column_list(h));

    const double mass = choose_mass(mpt_mass(doc, md, ml), options, md.warnings);
    md.trajectory = read_series(doc, h, sc, Numbering::eclab, mass, options.current_sign, md.warnings);
}

// ------------------------------------------------------------------------------ entry

void check_text(const std::string& text, const std::string& name) {
    if (starts_with(text, "\xFF\xFE") || starts_with(text, "\xFE\xFF"))
        fail(Doc{name, {}}, 0, "", "the file is UTF-16 encoded; save it as UTF-8 (or ASCII) text");
    if (std::memchr(text.data(), '\0', text.size()) != nullptr)
        fail(Doc{name, {}}, 0, "",
             "not a text file (it contains NUL bytes); expected CSV text or an EC-Lab text export (.mpt; EC-Lab's "
             "binary .mpr files must be exported as text first)");
}

std::string lower_extension(const std::string& name) {
    const std::size_t dot = name.rfind('.');
    const std::size_t slash = name.find_last_of("/\\");
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
    std::string ext = name.substr(dot);
    for (char& c : ext) c = ascii_lower(c);
    return ext;
}

}  // namespace

MeasuredData parse_measured(const std::string& text, const std::string& name, const ImportOptions& options) {
    if (options.current_sign != 1 && options.current_sign != -1)
        throw std::invalid_argument("ImportOptions::current_sign must be +1 or -1");
    if (options.format != "auto" && options.format != "csv" && options.format != "mpt")
        throw DataError(name, 0, "", "unknown format " + quote(options.format) + "; expected auto, csv or mpt");
    check_text(text, name);
    if (options.format == "auto" && lower_extension(name) == ".mpr")
        throw DataError(name, 0, "", "EC-Lab binary file (.mpr); export it as text (.mpt) in EC-Lab and read that");

    Doc doc{name, split_lines(text)};
    const bool looks_mpt = !doc.lines.empty() && starts_with_ci(trim(doc.lines[0]), "EC-Lab ASCII FILE");
    const bool mpt = options.format == "mpt" ||
                     (options.format == "auto" && (lower_extension(name) == ".mpt" || looks_mpt));
    MeasuredData md;
    md.path = name;
    md.trajectory.source = name;
    if (mpt)
        parse_mpt(doc, options, md);
    else
        parse_csv(doc, options, md);
    return md;
}

MeasuredData load_measured(const std::string& path, const ImportOptions& options) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0)
        throw DataError(path, 0, "", std::string("cannot open the file: ") + std::strerror(errno));
    if (S_ISDIR(st.st_mode))
        throw DataError(path, 0, "",
                        "is a directory; expected a measured-data file: CSV (docs/data_formats.md) or an EC-Lab "
                        "text export (.mpt)");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DataError(path, 0, "", std::string("cannot open the file: ") + std::strerror(errno));
    std::string text;
    if (S_ISREG(st.st_mode)) {
        try {
            text.resize(static_cast<std::size_t>(st.st_size));
        } catch (const std::exception&) {  // bad_alloc, length_error
            throw DataError(path, 0, "", "the file (" + num(static_cast<double>(st.st_size) / 1e9) +
                                             " GB) is too large to read into memory; split it");
        }
        if (st.st_size > 0 && !in.read(text.data(), static_cast<std::streamsize>(st.st_size)))
            throw DataError(path, 0, "", "cannot read the file (it changed or shrank while being read?)");
    } else {  // a pipe or device (/dev/stdin, process substitution): read to its end
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (in.bad()) throw DataError(path, 0, "", "cannot read the file");
    }
    return parse_measured(text, path, options);
}

}  // namespace ssbsim
