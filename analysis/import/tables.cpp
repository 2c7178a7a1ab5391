// The table layouts: per-cycle metrics and coulombic efficiency vs hold duration.

#include <algorithm>
#include <cmath>

#include "analysis/import/detail.hpp"

namespace ssbsim::import_detail {

namespace {

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

// Stores one cell of a per-cycle table in its record: a metric of the layout, the
// uncertainty of one, or a further metric (extra) under the column's name.
void set_cycle_value(CycleRecord& rec, const Column& c, double v) {
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

// What a CE-vs-hold table reads: duration and CE, hold potential and cycle when given, and
// the first CE uncertainty column, whose index it returns (-1: none). The other named
// columns are reported as not used.
int hold_wants(const Header& h, const Roles& r, std::vector<Want>& want, std::vector<std::string>& warnings) {
    want.assign(h.columns.size(), Want::skip);
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
    if (!ignored.empty()) warnings.push_back("columns not used in a CE-vs-hold table: " + ignored);
    return sigma;
}

// A hold potential for the whole file may come as metadata ("# hold_potential: 4.3 V") [V];
// NaN when it does not.
double metadata_hold_potential(const Doc& doc, const MeasuredData& md, MetaLines& ml) {
    const auto it = md.metadata.find("hold_potential");
    if (it == md.metadata.end()) return kNaN;
    const auto v = parse_quantity(it->second, Quantity::potential, Scale{});
    if (!v || !(std::abs(*v) <= kMaxPotential))
        fail(doc, ml.line["hold_potential"], "hold_potential",
             "expected a potential such as '4.3 V' (between -" + format_number(kMaxPotential, kMessageDigits) +
                 " and " + format_number(kMaxPotential, kMessageDigits) + " V), found " + quote(it->second));
    return *v;
}

void check_hold_duration(const Doc& doc, const Column& c, const HoldRecord& rec) {
    if (rec.duration < 0)
        fail(doc, rec.line, c.raw,
             "negative hold duration " + format_number(rec.duration, kMessageDigits) +
                 " s; expected a duration from 0 (no hold) to " + format_number(kMaxDurationHours, kMessageDigits) +
                 " h");
    if (rec.duration > kMaxDuration)
        fail(doc, rec.line, c.raw,
             "hold duration " + format_number(rec.duration / 3600.0, kMessageDigits) +
                 " h is longer than any experiment; expected a duration from 0 (no hold) to " +
                 format_number(kMaxDurationHours, kMessageDigits) + " h (is the unit in the header right?)");
}

// The cycle column of a CE-vs-hold table: whole numbers from 1; an empty cell keeps cycle 1.
void read_hold_cycles(const Doc& doc, const Header& h, const Rows& rows, std::size_t c, MeasuredData& md) {
    for (std::size_t k = 0; k < rows.size(); ++k) {
        const double v = rows.values[c][k];
        if (std::isnan(v)) continue;  // empty: the default, cycle 1
        if (!(v >= 1) || v > 1e9 || std::abs(v - std::round(v)) > 1e-9)
            fail(doc, rows.line[k], h.columns[c].raw,
                 "expected a whole cycle number from 1 to 1e9, found " + format_number(v, kMessageDigits));
        md.holds[k].cycle = static_cast<int>(std::lround(v));
    }
}

}  // namespace

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
            set_cycle_value(rec, c, scale[i](rows.values[i][k]));
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
    std::vector<Want> want;
    const int sigma = hold_wants(h, r, want, md.warnings);

    Rows rows = read_rows(doc, h, want);
    const std::vector<Scale> scale = table_scales(
        doc, h, rows, want, {Field::hold_duration, Field::coulombic_efficiency, Field::hold_potential}, 0.0,
        md.warnings);
    if (rows.repeated_headers > 0)
        md.warnings.push_back(std::to_string(rows.repeated_headers) + " repeated header line(s) skipped");

    const double default_potential = metadata_hold_potential(doc, md, ml);
    const auto d = static_cast<std::size_t>(r[Field::hold_duration]);
    const auto ce = static_cast<std::size_t>(r[Field::coulombic_efficiency]);
    md.kind = MeasuredData::Kind::hold_table;
    md.holds.resize(rows.size());
    for (std::size_t k = 0; k < rows.size(); ++k) {
        HoldRecord& rec = md.holds[k];
        rec.line = rows.line[k];
        rec.duration = scale[d](rows.values[d][k]);
        check_hold_duration(doc, h.columns[d], rec);
        rec.coulombic_efficiency = scale[ce](rows.values[ce][k]);
        rec.potential = default_potential;
        if (r.has(Field::hold_potential)) {
            const auto p = static_cast<std::size_t>(r[Field::hold_potential]);
            if (!std::isnan(rows.values[p][k])) rec.potential = scale[p](rows.values[p][k]);
            if (std::abs(rec.potential) > kMaxPotential)
                fail(doc, rec.line, h.columns[p].raw,
                     "hold potential " + format_number(rec.potential, kMessageDigits) +
                         " V; expected a potential between -" + format_number(kMaxPotential, kMessageDigits) +
                         " and " + format_number(kMaxPotential, kMessageDigits) +
                         " V (a column in mV needs the unit mV)");
        }
        if (sigma >= 0) rec.sigma = scale[static_cast<std::size_t>(sigma)](rows.values[static_cast<std::size_t>(sigma)][k]);
    }
    if (r.has(Field::cycle)) read_hold_cycles(doc, h, rows, static_cast<std::size_t>(r[Field::cycle]), md);
}

}  // namespace ssbsim::import_detail
