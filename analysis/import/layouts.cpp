// Layouts: which column plays which role, cycle and step numbering, and the time series
// (the per-cycle and CE-vs-hold tables are in tables.cpp).

#include <algorithm>
#include <cmath>

#include "analysis/import/detail.hpp"

namespace ssbsim::import_detail {

namespace {

// The first column of each field plays its role; later ones are reported (when used).
// Time columns named as the whole test's time win over a plain "time", which some cyclers
// (Neware, Arbin) use for the time within the step.
bool is_total_time(const Column& c) {
    return c.name == "total_time" || c.name == "test_time" || c.name == "elapsed_time" || c.name == "time_elapsed";
}

// Time must not decrease, the record may span at most kMaxDuration (it becomes simulated
// time: absurd spans are refused here) and potentials must be a cell's.
void check_series(const Doc& doc, const Rows& rows, const Column& time, const Column& potential,
                  const Trajectory& tr) {
    constexpr int n = kMessageDigits;
    for (std::size_t k = 1; k < tr.time.size(); ++k)
        if (tr.time[k] < tr.time[k - 1])
            fail(doc, rows.line[k], time.raw,
                 "time goes back from " + format_number(tr.time[k - 1], n) + " s (line " +
                     std::to_string(rows.line[k - 1]) + ") to " + format_number(tr.time[k], n) +
                     " s; expected non-decreasing time (for several runs in one file, make the time cumulative "
                     "or split the file)");
    for (std::size_t k = 1; k < tr.time.size(); ++k)
        if (tr.time[k] - tr.time[0] > kMaxDuration)
            fail(doc, rows.line[k], time.raw,
                 "time " + format_number(tr.time[k], n) + " s is " +
                     format_number((tr.time[k] - tr.time[0]) / 3600.0, n) + " h after the first row (line " +
                     std::to_string(rows.line[0]) + "); a record may span at most " +
                     format_number(kMaxDurationHours, n) + " h (is the unit of the column right?)");
    for (std::size_t k = 0; k < tr.potential.size(); ++k)
        if (std::abs(tr.potential[k]) > kMaxPotential)
            fail(doc, rows.line[k], potential.raw,
                 "potential " + format_number(tr.potential[k], n) + " V; expected a cell potential between -" +
                     format_number(kMaxPotential, n) + " and " + format_number(kMaxPotential, n) +
                     " V (a column in mV needs the unit mV)");
}

}  // namespace

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
    check_series(doc, rows, cols[t], cols[e], tr);
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
    md.potential_column = h.columns[sc.potential].name;
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

}  // namespace ssbsim::import_detail
