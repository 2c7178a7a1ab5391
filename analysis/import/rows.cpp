// Data rows and clock times: the rows below the header into one vector per used column
// (unused columns are not parsed), and the conversion of each column to its internal unit.

#include <algorithm>
#include <charconv>
#include <cmath>

#include "analysis/import/detail.hpp"

namespace ssbsim::import_detail {

namespace {

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

[[noreturn]] void fail_empty_cell(const Doc& doc, const Header& h, int line, std::size_t c, Sv cell, std::size_t n) {
    const Column& col = h.columns[c];
    if (c >= n)
        fail(doc, line, col.raw,
             "missing cell: the row ends after " + std::to_string(n) + " of " + std::to_string(h.columns.size()) +
                 " cells (a truncated line?)");
    if (!cell.empty())
        fail(doc, line, col.raw,
             "found " + quote(to_utf8(cell)) + " (not a number); expected a number in every row of this column");
    fail(doc, line, col.raw, "empty cell; expected a number in every row of this column");
}

// Cell c of a row with n cells, as a number: NaN when empty (or "NaN"), or text in a
// lenient column (which marks the column as text); anything else must be a number.
double read_cell(const Doc& doc, const Header& h, const std::vector<Want>& want, std::size_t c, Sv cell,
                 std::size_t n, int line, Rows& r) {
    double v = kNaN;
    switch (parse_number(cell, h.decimal_comma(), v)) {
        case Cell::number: return v;
        case Cell::empty:
            if (want[c] == Want::required) fail_empty_cell(doc, h, line, c, cell, n);
            return kNaN;
        case Cell::bad:
            if ((h.columns[c].field == Field::time || h.columns[c].field == Field::hold_duration) &&
                parse_clock(cell, h.decimal_comma(), v))
                return v;  // "[D-]H:MM:SS[.fff]" -> seconds
            if (want[c] != Want::lenient) fail_not_a_number(doc, h, line, h.columns[c], cell);
            r.text[c] = true;
            return kNaN;
    }
    return kNaN;
}

}  // namespace

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
        for (std::size_t c : used)
            r.values[c].push_back(read_cell(doc, h, want, c, c < n ? cells[c] : Sv(), n, line_no, r));
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
         "value " + format_number(v[first_above], kMessageDigits) +
             " reads as a percentage but other rows hold fractions; give the unit in the header (" + c.raw +
             "/% or " + c.raw + "/fraction) and use it in every row");
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
            fail(doc, rows.line[i], c.raw,
                 "expected a whole number from 0 to 1e9, found " + format_number(x, kMessageDigits));
        out[i] = static_cast<int>(std::lround(x)) + offset;
    }
    return out;
}

}  // namespace ssbsim::import_detail
