// The documented ssbsim CSV layouts (docs/data_formats.md): the header line, the lines
// above it, and which layout the columns make.

#include <algorithm>
#include <array>

#include "analysis/import/detail.hpp"

namespace ssbsim::import_detail {

namespace {

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

}  // namespace

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

}  // namespace ssbsim::import_detail
