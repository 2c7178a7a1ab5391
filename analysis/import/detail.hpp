#pragma once
// What the parts of the measured-data importer share (internal; the interface is
// analysis/import.hpp). One file a step of the way from text to MeasuredData:
//
//   text.cpp     lines, cells, UTF-8 / Latin-1, decimal commas, number cells, messages
//   units.cpp    the importer's own unit table (mA.h, mAh g-1, µA, hours: spellings of
//                measured files that the config unit parser core/units need not know)
//   columns.cpp  header names -> roles and units; the header line and a units row
//   rows.cpp     data rows into one vector per used column, clock times, column scales
//   metadata.cpp "# key: value" lines, quantities in them, the active mass
//   layouts.cpp  which column plays which role, cycle/step numbering, the time series
//   tables.cpp   the per-cycle and the CE-vs-hold tables
//   csv.cpp      the ssbsim CSV layouts: finding the header, the preamble, the layout
//   mpt.cpp      BioLogic EC-Lab text exports
// analysis/import.cpp is the entry (parse_measured, load_measured).
#include <array>
#include <cstddef>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/import.hpp"
#include "core/format.hpp"

namespace ssbsim::import_detail {

using Sv = std::string_view;

// The longest duration a data file may describe (a hold, or the span of a time series):
// 1e5 h, over eleven years. Anything longer is a unit mix-up or a corrupt cell, and
// simulating it would not end.
inline constexpr double kMaxDurationHours = 1e5;
inline constexpr double kMaxDuration = kMaxDurationHours * 3600.0;  // [s]
// Potentials a cell can show [V]: beyond these the column is in another unit (mV read as V).
inline constexpr double kMaxPotential = 100.0;

// Significant digits of numbers in messages: %g's six, which the tests and the docs'
// examples of messages spell out ("at most 100000 h", "1e+12 h").
inline constexpr int kMessageDigits = 6;

inline constexpr const char* kLayouts =
    "expected one of the layouts of docs/data_formats.md: a time series (time, potential, "
    "current [, cycle, step]), a per-cycle table (cycle + any of charge_capacity, "
    "discharge_capacity, coulombic_efficiency, shoulder_capacity, energy_efficiency) or a "
    "CE-vs-hold table (hold_duration, coulombic_efficiency [, hold_potential, cycle, "
    "coulombic_efficiency_sd])";

// ------------------------------------------------------------------------ text (text.cpp)

Sv trim(Sv s);
char ascii_lower(char c);
bool is_alnum(char c);
bool starts_with(Sv s, Sv prefix);
bool ends_with(Sv s, Sv suffix);
bool starts_with_ci(Sv s, Sv prefix);
// Removes the delimiters spreadsheet programs append to short lines ("# mass: 9 mg,,,").
Sv strip_trailing_delimiters(Sv s);
Sv unquote(Sv s);
// A cell or name as it appears in a message: quoted, and shortened when long.
std::string quote(Sv s);
// Text that is not valid UTF-8 is read as Latin-1 (EC-Lab writes the Windows code page).
std::string to_utf8(Sv s);
// The lines without their terminators (LF, CRLF or CR alone), without a byte-order mark.
std::vector<Sv> split_lines(Sv text);
// Trimmed cells of a line; a cell in double quotes may contain the delimiter.
void split_cells(Sv line, char delim, std::vector<Sv>& cells);
// Tab, semicolon or comma: the most frequent outside quotes.
char detect_delimiter(Sv line);

enum class Cell { number, empty, bad };
// A whole cell as a number; decimal commas when the delimiter cannot be a comma.
Cell parse_number(Sv s, bool decimal_comma, double& out);
bool starts_like_number(Sv s);

// ------------------------------------------------------------------------ units (units.cpp)

enum class Quantity { time, potential, current, specific_capacity, capacity, fraction, mass, other, none };

// A conversion to the internal unit as mul / div, so that mV, mA, % are one correctly
// rounded division: "3456 mV" gives exactly the double nearest to 3.456 V.
struct Scale {
    double mul = 1, div = 1;
    double operator()(double v) const { return v * mul / div; }
};

// "mA.h", "mAh g-1", "mAh·g⁻¹", "µA" -> one canonical form ("mah", "mah/g", "ua").
std::string canon_unit(Sv u);
// The conversion of `unit` to q's internal unit; none when it is not a unit of q.
std::optional<Scale> unit_scale(Quantity q, Sv unit);
bool is_known_unit(Sv unit);
const char* expected_units(Quantity q);
const char* default_unit(Quantity q);

// ------------------------------------------------------------------------ columns (columns.cpp)

// The roles a column can play. Order matters only for Roles below.
enum class Field {
    none, time, potential, current, cycle, step, capacity,
    charge_capacity, discharge_capacity, coulombic_efficiency, shoulder_capacity,
    energy_efficiency, hold_duration, hold_potential
};
inline constexpr std::size_t kFieldCount = static_cast<std::size_t>(Field::hold_potential) + 1;

// Metadata keys that give the active mass, in the order they are looked for.
inline constexpr Sv kMassKeys[] = {"mass", "active_mass", "active_material_mass", "mass_of_active_material",
                                   "characteristic_mass"};

const char* field_name(Field f);
Quantity quantity_of(Field f);
// Lowercase, "<>" and quotes dropped, every other run of non-alphanumerics one '_'.
std::string normalise_name(Sv s);

struct Column {
    std::string raw;             // as written (UTF-8), for messages
    std::string name;            // normalised, without the unit
    std::string unit;            // as written; "" when the header gives none
    Field field = Field::none;   // role, when the name is a known one
    bool sigma = false;          // "<base>_sd", "_err", "_sigma", "_std": uncertainty of base
    Field base = Field::none;    // sigma: the field it belongs to (none: another column)
    std::string key;             // key in CycleRecord::extra / ::sigma
};

// "name/unit", "name [unit]", "name (unit)", "name %" -> name and unit.
std::pair<Sv, Sv> split_unit(Sv s);
Column parse_column(Sv raw);

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

[[noreturn]] void fail(const Doc& doc, int line, const std::string& column, const std::string& message);

std::string header_text(Sv line);
Header parse_header(Sv line, std::size_t index, char delim);
// The columns' names for messages: "time/s, E/V" or "(none)".
std::string column_list(const Header& h);
// A row of units under the names ("s;V;mA") fills in the units the names lack.
void apply_units_row(const Doc& doc, Header& h);

// ------------------------------------------------------------------------ rows (rows.cpp)

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

Rows read_rows(const Doc& doc, const Header& h, const std::vector<Want>& want);

Scale column_scale(const Doc& doc, const Header& h, const Column& c, Quantity q, std::vector<std::string>& warnings);
Scale capacity_scale(const Doc& doc, const Header& h, const Column& c, double mass_kg,
                     std::vector<std::string>& warnings);
Scale fraction_scale(const Doc& doc, const Header& h, const Column& c, const Rows& rows, std::size_t index,
                     std::vector<std::string>& warnings);
void apply(std::vector<double>& v, Scale s);
// Cycle and step numbers: whole numbers, plus offset.
std::vector<int> to_counts(const Doc& doc, const Rows& rows, const Column& c, std::size_t index, int offset);

// ------------------------------------------------------------------------ metadata (metadata.cpp)

struct MetaLines {
    std::map<std::string, int> line;  // line of each metadata key, for messages
};

// "9.02 mg", "4300 mV" in q's internal unit; a bare number uses `no_unit` when given.
std::optional<double> parse_quantity(Sv text, Quantity q, std::optional<Scale> no_unit);
void add_metadata(MeasuredData& md, MetaLines& ml, Sv key, Sv value, int line);
bool split_key_value(Sv line, Sv& key, Sv& value);
// The active mass of the metadata [kg]; 0 when none is given.
double metadata_mass(const Doc& doc, MeasuredData& md, const MetaLines& ml);
// The file's mass wins over ImportOptions::mass [kg].
double choose_mass(double file_kg, const ImportOptions& options, std::vector<std::string>& warnings);

// ------------------------------------------------------------------------ layouts (layouts.cpp, tables.cpp)

struct Roles {
    std::array<int, kFieldCount> column;   // index in Header::columns, -1 when absent
    std::vector<std::size_t> duplicates;   // columns that name a field already given
    Roles() { column.fill(-1); }
    int operator[](Field f) const { return column[static_cast<std::size_t>(f)]; }
    bool has(Field f) const { return (*this)[f] >= 0; }
};

Roles find_roles(const Header& h);
void warn_duplicates(const Header& h, const Roles& r, std::initializer_list<Field> used,
                     std::vector<std::string>& warnings);

struct SeriesColumns {
    int time = -1, potential = -1, current = -1, cycle = -1, step = -1;
};

// Numbering is by what the file holds: numbers that start at 1 are kept, a column that
// starts at 0 is shifted by one. A CSV says so in a warning; for EC-Lab, which counts Ns
// and (in most versions and settings) the cycle number from 0, both are usual.
enum class Numbering { csv, eclab };

std::vector<int> read_numbering(const Doc& doc, const Header& h, const Rows& rows, int index, Numbering numbering,
                                const char* what, std::vector<std::string>& warnings);
Trajectory read_series(const Doc& doc, const Header& h, const SeriesColumns& sc, Numbering numbering,
                       double mass_kg, int current_sign, std::vector<std::string>& warnings);
[[noreturn]] void fail_missing_series_column(const Doc& doc, const Header& h, Field missing);
void read_csv_series(const Doc& doc, const Header& h, const Roles& r, const ImportOptions& options,
                     double mass_kg, MeasuredData& md);
void read_cycle_table(const Doc& doc, const Header& h, const Roles& r, double mass_kg, MeasuredData& md);
void read_hold_table(const Doc& doc, const Header& h, const Roles& r, MetaLines& ml, MeasuredData& md);

// ------------------------------------------------------------------------ formats (csv.cpp, mpt.cpp)

void parse_csv(const Doc& doc, const ImportOptions& options, MeasuredData& md);
void parse_mpt(const Doc& doc, const ImportOptions& options, MeasuredData& md);

}  // namespace ssbsim::import_detail
