// BioLogic EC-Lab text exports (.mpt): "EC-Lab ASCII FILE", "Nb header lines : N", the
// header block of "key : value" lines, then tab-separated columns with EC-Lab's names.

#include <algorithm>
#include <charconv>
#include <string>

#include "analysis/import/detail.hpp"

namespace ssbsim::import_detail {

namespace {

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

}  // namespace

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
    md.potential_column = h.columns[sc.potential].name;
}

}  // namespace ssbsim::import_detail
