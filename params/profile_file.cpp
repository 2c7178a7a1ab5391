#include "params/profile_file.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <vector>

#include "core/error.hpp"
#include "core/hdf5_file.hpp"
#include "core/units.hpp"

namespace ssbsim {

namespace {

// The longest line of a profile text file [characters]: an EC-Lab export has a few dozen
// columns of ~15 characters.
constexpr std::size_t kMaxLine = 1 << 16;

[[noreturn]] void fail(const std::string& path, int line, const std::string& message) {
    throw std::invalid_argument(path + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + message);
}

constexpr const char* kBlank = " \t\r\"";  // trimmed off fields and headings
std::string trim(const std::string& s) { return trim_chars(s, kBlank); }

std::vector<std::string> split(const std::string& line, char sep) { return split_fields(line, sep, kBlank); }

// A column heading: "time/s", "t [h]", "I (mA)", "<I>/mA", "Ecell/V" -> name and unit.
struct Heading {
    std::string name, unit;  // name lower-case, unit as written ("" when none)
};

Heading read_heading(const std::string& text) {
    Heading h;
    const auto open = text.find_first_of("[(");
    if (open != std::string::npos) {
        const auto close = text.find_first_of("])", open);
        h.name = trim(text.substr(0, open));
        h.unit = trim(text.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1));
    } else if (const auto slash = text.find('/'); slash != std::string::npos) {
        h.name = trim(text.substr(0, slash));
        h.unit = trim(text.substr(slash + 1));
    } else {
        h.name = trim(text);
    }
    h.name = lower(h.name);
    return h;
}

// Names a column of each quantity goes by, in the order they are preferred. Those of a cell
// voltage declare the reference (EC-Lab's Ecell, a cycler's cell_voltage or U).
const std::vector<std::string> kTimeNames = {"time", "t", "test time", "test_time"};
const std::vector<std::string> kCellNames = {"ecell", "cell_voltage", "cell voltage", "u", "ewe-ece"};
const std::vector<std::string> kLiNames = {"potential", "ewe", "voltage", "e", "v"};
const std::vector<std::string> kCurrentNames = {"current", "<i>", "i"};

bool is_cell_name(const std::string& name) {
    return std::find(kCellNames.begin(), kCellNames.end(), name) != kCellNames.end();
}

int find_column(const std::vector<Heading>& hs, const std::vector<std::string>& names) {
    for (const std::string& n : names)
        for (std::size_t k = 0; k < hs.size(); ++k)
            if (hs[k].name == n) return static_cast<int>(k);
    return -1;
}

std::string listed(const std::vector<Heading>& hs) {
    std::string s;
    for (const Heading& h : hs) s += (s.empty() ? "" : ", ") + h.name + (h.unit.empty() ? "" : "/" + h.unit);
    return s;
}

// SI factor and dimension of a unit as written in a heading.
units::Quantity unit_of(const std::string& path, int line, const Heading& h) {
    if (h.unit.empty())
        fail(path, line, "the column '" + h.name + "' has no unit; write it in the heading, such as " +
                             "time/s, t [h], potential/V, current/mA");
    try {
        return units::parse("1 " + h.unit);
    } catch (const std::invalid_argument&) {
        fail(path, line, "unknown unit '" + h.unit + "' of column '" + h.name +
                             "'; expected s, min, h, V, mV, A, mA, mA/cm2, mA/g");
    }
}

// The text file: its heading line (1-based) and separator; EC-Lab's header block skipped.
struct Layout {
    int heading_line = 0;
    char sep = ',';
    bool ec_lab = false;
    Reference reference = Reference::li;
    bool reference_declared = false;
};

// A "# reference: cell" (or "reference = li") comment declares what the potentials refer to.
void read_header_key(const std::string& path, int line, const std::string& text, Layout& lay) {
    std::string t = lower(trim(text.substr(text.find_first_not_of("# \t"))));
    if (t.rfind("reference", 0) != 0) return;
    t = trim(t.substr(9));
    if (!t.empty() && (t[0] == ':' || t[0] == '=')) t = trim(t.substr(1));
    if (t == "cell" || t == "cell voltage") lay.reference = Reference::cell;
    else if (t == "li" || t == "li/li+" || t == "vs li/li+") lay.reference = Reference::li;
    else fail(path, line, "the header key 'reference' is '" + t + "'; expected cell or li");
    lay.reference_declared = true;
}

char separator_of(const std::string& heading) {
    if (heading.find('\t') != std::string::npos) return '\t';
    if (heading.find(';') != std::string::npos) return ';';
    return ',';
}

}  // namespace

namespace {

// Skips to the heading: EC-Lab's "Nb header lines : N" block (the heading is line N), else
// past blank lines and '#' comments (which may hold the reference key).
std::string find_heading(const std::string& path, std::istream& in, Layout& lay) {
    std::string line;
    int no = 0;
    while (std::getline(in, line)) {
        ++no;
        if (line.size() > kMaxLine) fail(path, no, "a line is longer than " + std::to_string(kMaxLine) + " characters");
        const std::string t = trim(line);
        if (no == 1 && t.rfind("EC-Lab ASCII FILE", 0) == 0) lay.ec_lab = true;
        if (lay.ec_lab) {
            const auto key = t.find("Nb header lines");
            if (key != std::string::npos) {
                lay.heading_line = std::atoi(t.substr(t.find(':') + 1).c_str());
                if (lay.heading_line <= no) fail(path, no, "'Nb header lines' must count past its own line");
            }
            if (lay.heading_line == no) return line;
            continue;
        }
        if (t.empty()) continue;
        if (t[0] == '#') {
            read_header_key(path, no, t, lay);
            continue;
        }
        lay.heading_line = no;
        return line;
    }
    fail(path, 0, "the file is empty: no heading; expected a heading such as time/s,potential/V (or t [h], "
                  "current [mA]) and rows of numbers");
}

// The column the step follows: spec.column, else the first name of its quantity.
int value_column(const std::string& path, int line, const std::vector<Heading>& hs, const FollowSpec& spec) {
    if (!spec.column.empty()) {
        const std::string want = lower(spec.column);
        for (std::size_t k = 0; k < hs.size(); ++k)
            if (hs[k].name == want || lower(hs[k].name + "/" + hs[k].unit) == want) return static_cast<int>(k);
        fail(path, line, "no column '" + spec.column + "'; the columns are " + listed(hs));
    }
    int c = -1;
    if (spec.quantity == FollowSpec::Quantity::current) {
        c = find_column(hs, kCurrentNames);
    } else {
        const bool li_first = spec.reference_given && spec.reference == Reference::li;
        c = find_column(hs, li_first ? kLiNames : kCellNames);
        if (c < 0) c = find_column(hs, li_first ? kCellNames : kLiNames);
    }
    if (c < 0)
        fail(path, line, std::string("no ") + (spec.quantity == FollowSpec::Quantity::current ? "current" : "potential") +
                             " column among " + listed(hs) + "; expected one named " +
                             (spec.quantity == FollowSpec::Quantity::current ? "current, I or <I> (such as current/mA)"
                                                                             : "potential, Ewe, Ecell or cell_voltage (such as potential/V)") +
                             ", or name it with follow.column");
    return c;
}

RecordedProfile::Unit unit_kind(const std::string& path, int line, const Heading& h, const units::Dimension& d,
                                FollowSpec::Quantity q) {
    if (q == FollowSpec::Quantity::potential) {
        if (d == units::dim::voltage) return RecordedProfile::Unit::voltage;
        fail(path, line, "the column '" + h.name + "' is in " + h.unit + ", not a potential; expected V or mV");
    }
    if (d == units::dim::current) return RecordedProfile::Unit::current;
    if (d == units::dim::current_density) return RecordedProfile::Unit::current_density;
    if (d == units::dim::specific_current) return RecordedProfile::Unit::specific_current;
    fail(path, line, "the column '" + h.name + "' is in " + h.unit + ", not a current; expected A, mA, mA/cm2 or mA/g");
}

double field_number(const std::string& path, int line, std::string text, const std::string& column, bool comma) {
    if (comma) std::replace(text.begin(), text.end(), ',', '.');
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end == text.c_str() || *end != '\0' || !std::isfinite(v))
        fail(path, line, "'" + text + "' in column '" + column + "' is not a finite number");
    return v;
}

// The rows after the heading: time and value in the file's units, times non-decreasing.
void read_rows(const std::string& path, std::istream& in, const Layout& lay, int tc, int vc,
               const std::vector<Heading>& hs, RecordedProfile& p) {
    std::string line;
    int no = lay.heading_line;
    const bool comma = lay.sep != ',';  // a decimal comma is possible
    const std::size_t need = static_cast<std::size_t>(std::max(tc, vc)) + 1;
    while (std::getline(in, line)) {
        ++no;
        if (line.size() > kMaxLine) fail(path, no, "a line is longer than " + std::to_string(kMaxLine) + " characters");
        const std::string t = trim(line);
        if (t.empty() || t[0] == '#') continue;
        const std::vector<std::string> f = split(line, lay.sep);
        if (f.size() < need)
            fail(path, no, "this row has " + std::to_string(f.size()) + " fields; the heading has " +
                               std::to_string(hs.size()) + " (" + listed(hs) + ")");
        if (p.time.size() >= kMaxProfileRows)
            fail(path, no, "a profile has at most " + std::to_string(kMaxProfileRows) + " rows; resample it");
        const double time = field_number(path, no, f[tc], hs[tc].name, comma);
        if (!p.time.empty() && time < p.time.back())
            fail(path, no, "time goes back (" + f[tc] + " after " + std::to_string(p.time.back()) + " " +
                               hs[tc].unit + "); a profile needs non-decreasing time (equal times: a jump)");
        p.time.push_back(time);
        p.value.push_back(field_number(path, no, f[vc], hs[vc].name, comma));
    }
}

std::shared_ptr<RecordedProfile> read_text(const std::string& path, const FollowSpec& spec) {
    std::ifstream in(path);
    if (!in) fail(path, 0, "cannot open the profile file");
    auto p = std::make_shared<RecordedProfile>();
    Layout lay;
    const std::string heading = find_heading(path, in, lay);
    lay.sep = separator_of(heading);
    std::vector<Heading> hs;
    for (const std::string& h : split(heading, lay.sep)) hs.push_back(read_heading(h));
    const int tc = find_column(hs, kTimeNames);
    if (tc < 0) fail(path, lay.heading_line, "no time column among " + listed(hs) + "; expected one such as time/s or t [h]");
    const int vc = value_column(path, lay.heading_line, hs, spec);
    const units::Quantity tu = unit_of(path, lay.heading_line, hs[tc]), vu = unit_of(path, lay.heading_line, hs[vc]);
    if (!(tu.dimension == units::dim::time))
        fail(path, lay.heading_line, "the time column is in " + hs[tc].unit + "; expected s, min or h");
    p->unit = unit_kind(path, lay.heading_line, hs[vc], vu.dimension, spec.quantity);
    p->column = hs[vc].name + "/" + hs[vc].unit;
    if (is_cell_name(hs[vc].name)) {
        if (lay.reference_declared && lay.reference != Reference::cell)
            fail(path, lay.heading_line, "the header says 'reference: li' but the column " + p->column + " is a cell voltage");
        lay.reference = Reference::cell;
        lay.reference_declared = true;
    }
    p->reference = lay.reference;
    p->reference_declared = lay.reference_declared;
    read_rows(path, in, lay, tc, vc, hs, *p);
    for (double& t : p->time) t *= tu.value;
    for (double& v : p->value) v *= vu.value;
    return p;
}

// An earlier run's result file: /timeseries/time [s] and potential, cell_voltage [V] or
// current [A]; both references are there, so the step's reference picks the dataset.
std::shared_ptr<RecordedProfile> read_result(const std::string& path, const FollowSpec& spec) {
    auto p = std::make_shared<RecordedProfile>();
    std::string name = spec.column;
    if (name.empty())
        name = spec.quantity == FollowSpec::Quantity::current ? "current"
               : spec.reference == Reference::cell             ? "cell_voltage"
                                                               : "potential";
    try {
        const h5::Handle f = h5::open_file(path);
        for (const std::string& ds : {std::string("timeseries/time"), "timeseries/" + name})
            if (h5::object_kind(f, ds) != h5::ObjectKind::dataset)
                fail(path, 0, "no dataset /" + ds + "; expected an ssbsim result file with /timeseries/time and "
                              "/timeseries/potential, cell_voltage or current");
        for (const std::string& ds : {std::string("timeseries/time"), "timeseries/" + name}) {
            const auto shape = h5::shape(f, ds);
            if (shape.size() != 1 || shape[0] > kMaxProfileRows)
                fail(path, 0, "/" + ds + " must be one column of at most " + std::to_string(kMaxProfileRows) + " rows");
        }
        p->time = h5::read_vector(f, "timeseries/time");
        p->value = h5::read_vector(f, "timeseries/" + name);
    } catch (const Error& e) {
        fail(path, 0, std::string("cannot read the result file: ") + e.what());
    }
    p->unit = spec.quantity == FollowSpec::Quantity::current ? RecordedProfile::Unit::current : RecordedProfile::Unit::voltage;
    p->reference = name == "cell_voltage" ? Reference::cell : Reference::li;
    p->reference_declared = true;
    p->column = name;
    if (p->time.size() != p->value.size()) fail(path, 0, "/timeseries/time and /timeseries/" + name + " differ in length");
    for (std::size_t k = 1; k < p->time.size(); ++k)
        if (!(p->time[k] >= p->time[k - 1]))
            fail(path, 0, "/timeseries/time goes back at row " + std::to_string(k + 1) +
                              "; a profile needs non-decreasing time");
    return p;
}

bool is_hdf5(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char sig[8] = {};
    in.read(sig, 8);
    return in.gcount() == 8 && std::string(sig, 8) == std::string("\x89HDF\r\n\x1a\n", 8);
}

}  // namespace

std::shared_ptr<const RecordedProfile> read_recorded_profile(const std::string& path, const FollowSpec& spec) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        fail(path, 0, "no such profile file (a relative path is relative to the config file's directory)");
    const auto bytes = std::filesystem::file_size(path, ec);
    if (ec || bytes == 0)
        fail(path, 0, "the file is empty; expected a heading such as time/s,potential/V and rows of numbers");
    std::shared_ptr<RecordedProfile> p = is_hdf5(path) ? read_result(path, spec) : nullptr;
    if (!p) {
        if (bytes > kMaxProfileBytes)
            fail(path, 0, "a profile text file is at most " + std::to_string(kMaxProfileBytes >> 20) + " MiB");
        p = read_text(path, spec);
    }
    p->file = path;
    if (p->time.size() < 2 || !(p->time.back() > p->time.front()))
        fail(path, 0, "a profile needs at least two rows spanning a positive time; this one has " +
                          std::to_string(p->time.size()) + " row(s)");
    if (spec.quantity == FollowSpec::Quantity::potential && spec.reference_given && p->reference_declared &&
        p->reference != spec.reference)
        fail(path, 0, std::string("the step follows the potential vs ") +
                          (spec.reference == Reference::cell ? "the counter electrode (reference: cell)" : "Li/Li+ (reference: li)") +
                          " but the column " + p->column + " is " +
                          (p->reference == Reference::cell ? "a cell voltage" : "vs Li/Li+") +
                          "; drop `reference:` or name another column");
    find_profile_breaks(*p);
    return p;
}

void find_profile_breaks(RecordedProfile& p, double rel_tol) {
    p.breaks.clear();
    double scale = 0;
    for (double v : p.value) scale = std::max(scale, std::fabs(v));
    const double tol = rel_tol * scale;
    const std::size_t n = p.time.size();
    // Corners closer than this to the last break are left to IDA's error control: a dense
    // record of a fast transient (a cycler's 2 ms points after a step change) would
    // otherwise stop the solver at every row.
    const double min_gap = kMinBreakGap * (p.time.back() - p.time.front());
    double last = -std::numeric_limits<double>::infinity();
    for (std::size_t k = 1; k + 1 < n; ++k) {
        const double t0 = p.time[k - 1], t1 = p.time[k], t2 = p.time[k + 1];
        if (t1 == t0) continue;  // the later rows of a jump
        if (t2 == t1) {          // a jump at t1 (its first row); one below tol is none
            std::size_t end = k + 1;
            while (end + 1 < n && p.time[end + 1] == t1) ++end;
            if (std::fabs(p.value[end] - p.value[k]) > tol) {
                p.breaks.push_back(k);
                last = t1;
            }
            continue;
        }
        const double chord = p.value[k - 1] + (p.value[k + 1] - p.value[k - 1]) * (t1 - t0) / (t2 - t0);
        if (std::fabs(p.value[k] - chord) > tol && t1 - last > min_gap) {
            p.breaks.push_back(k);
            last = t1;
        }
    }
}

double profile_value(const RecordedProfile& p, double tau, std::size_t* hint, bool right) {
    const std::vector<double>& t = p.time;
    const std::size_t n = t.size();
    // i: the row that ends tau's segment. Strictly inside the hinted segment both sides agree.
    std::size_t i = hint ? *hint : 0;
    if (!(i > 0 && i < n && t[i - 1] < tau && tau < t[i])) {
        const auto it = right ? std::upper_bound(t.begin(), t.end(), tau) : std::lower_bound(t.begin(), t.end(), tau);
        i = static_cast<std::size_t>(it - t.begin());
        if (hint) *hint = i;
    }
    if (i == 0) return p.value.front();
    if (i == n) return p.value.back();
    if (t[i] == tau) return p.value[i];  // left-continuous at a jump: its first row
    const double w = (tau - t[i - 1]) / (t[i] - t[i - 1]);
    return p.value[i - 1] + w * (p.value[i] - p.value[i - 1]);
}

}  // namespace ssbsim
