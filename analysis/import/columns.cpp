// Columns and headers: a header cell's name and unit, the role it plays (time, potential,
// ...), the header line itself and a row of units below it.

#include <algorithm>
#include <iterator>

#include "analysis/import/detail.hpp"

namespace ssbsim::import_detail {

namespace {

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

constexpr Sv kSigmaSuffixes[] = {"_sd", "_err", "_sigma", "_std"};

Field field_of(Sv name) {
    for (const auto& a : kAliases)
        if (a.name == name) return a.field;
    return Field::none;
}

bool is_mass_key(Sv name) { return std::find(std::begin(kMassKeys), std::end(kMassKeys), name) != std::end(kMassKeys); }

// "coulombic_efficiency_sd" -> "coulombic_efficiency"; "" when the name has no sigma suffix.
Sv strip_sigma(Sv name) {
    for (Sv suffix : kSigmaSuffixes)
        if (name.size() > suffix.size() && ends_with(name, suffix)) return name.substr(0, name.size() - suffix.size());
    return {};
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

}  // namespace

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

}  // namespace ssbsim::import_detail
