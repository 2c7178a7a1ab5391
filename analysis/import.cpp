// Importers for measured cycling data (see import.hpp and docs/data_formats.md): the entry.
//
// Both formats go through the same steps: split the text into lines, find the header
// line, map its columns to roles (time, potential, ...) with their units, read the data
// rows into one vector per used column, then assemble the layout found. The steps live in
// analysis/import/ (one file a step, listed in analysis/import/detail.hpp); this file
// checks the options and the kind of text, picks the format and reads files.

#include "analysis/import.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <sys/stat.h>

#include "analysis/import/detail.hpp"
#include "core/error.hpp"
#include "core/format.hpp"

namespace ssbsim {

const char* to_string(MeasuredData::Kind k) {
    switch (k) {
        case MeasuredData::Kind::time_series: return "time_series";
        case MeasuredData::Kind::cycle_table: return "cycle_table";
        case MeasuredData::Kind::hold_table: return "hold_table";
    }
    return "unknown";
}

using import_detail::ascii_lower;
using import_detail::Doc;
using import_detail::fail;
using import_detail::quote;
using import_detail::starts_with;
using import_detail::starts_with_ci;
using import_detail::trim;

namespace {

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

namespace {

// The potentials' reference as the file declares it (a "reference" header key, else the
// column's name), overridden by ImportOptions::reference.
void declare_reference(const ImportOptions& options, MeasuredData& md) {
    if (md.kind != MeasuredData::Kind::time_series) return;
    const auto key = md.metadata.find("reference");
    std::string declared;
    if (key != md.metadata.end()) {
        std::string v = key->second;
        for (char& c : v) c = ascii_lower(c);
        if (v == "cell" || v == "cell voltage" || v == "cell_voltage") declared = "cell";
        else if (v == "li" || v == "li/li+" || v == "vs li/li+") declared = "li";
        else throw DataError(md.path, 0, "reference", "the header key 'reference' is " + quote(key->second) +
                                                          "; expected cell (cell voltages) or li (vs Li/Li+)");
    }
    const std::string& col = md.potential_column;
    const bool cell_column = col == "ecell" || col == "cell_voltage" || col == "cell_potential" || col == "u";
    if (declared.empty() && cell_column) declared = "cell";
    if (declared == "li" && cell_column)
        md.warnings.push_back("the header says 'reference: li' but the potential column " + quote(col) +
                              " is named as a cell voltage; read as vs Li/Li+");
    md.reference = declared;
    if (options.reference == "auto") return;
    if (options.reference != "cell" && options.reference != "li")
        throw DataError(md.path, 0, "", "unknown reference " + quote(options.reference) + "; expected auto, cell or li");
    if (!declared.empty() && declared != options.reference)
        md.warnings.push_back("the file declares its potentials " + std::string(declared == "cell" ? "cell voltages" : "vs Li/Li+") +
                              " (column " + quote(col) + "); read as " +
                              (options.reference == "cell" ? "cell voltages" : "vs Li/Li+") + " as --reference says");
    md.reference = options.reference;
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

    Doc doc{name, import_detail::split_lines(text)};
    const bool looks_mpt = !doc.lines.empty() && starts_with_ci(trim(doc.lines[0]), "EC-Lab ASCII FILE");
    const bool mpt = options.format == "mpt" ||
                     (options.format == "auto" && (lower_extension(name) == ".mpt" || looks_mpt));
    MeasuredData md;
    md.path = name;
    md.trajectory.source = name;
    if (mpt)
        import_detail::parse_mpt(doc, options, md);
    else
        import_detail::parse_csv(doc, options, md);
    declare_reference(options, md);
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
            throw DataError(path, 0, "",
                            "the file (" + format_number(static_cast<double>(st.st_size) / 1e9,
                                                         import_detail::kMessageDigits) +
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

void refer_to_li(MeasuredData& data, double counter_ocv, const std::string& counter, double window_lo,
                 double window_hi) {
    if (data.kind != MeasuredData::Kind::time_series || data.trajectory.potential.empty()) return;
    std::vector<double>& v = data.trajectory.potential;
    const auto [lo_it, hi_it] = std::minmax_element(v.begin(), v.end());
    const double lo = *lo_it, hi = *hi_it;
    const auto volts = [](double x) { return format_number(x, 4) + " V"; };
    if (data.reference == "cell") {
        for (double& x : v) x += counter_ocv;
        data.warnings.push_back("potentials read as cell voltages against " + counter + ": " + volts(lo) + " to " +
                                volts(hi) + " cell, " + volts(lo + counter_ocv) + " to " + volts(hi + counter_ocv) +
                                " vs Li/Li+ (+" + volts(counter_ocv) + ")");
        return;
    }
    if (!data.reference.empty() || !(window_hi > window_lo) || std::fabs(counter_ocv) < 0.05) return;
    // Undeclared: which reading fits the simulated window, by the distance of the ends.
    const double as_li = std::fabs(lo - window_lo) + std::fabs(hi - window_hi);
    const double as_cell = std::fabs(lo + counter_ocv - window_lo) + std::fabs(hi + counter_ocv - window_hi);
    if (as_cell + 0.5 * std::fabs(counter_ocv) < as_li)
        data.warnings.push_back("the recorded potential (column " + quote(data.potential_column) + ") spans " +
                                volts(lo) + " to " + volts(hi) + ", read as vs Li/Li+; the simulated window is " +
                                volts(window_lo) + " to " + volts(window_hi) + " vs Li/Li+. As cell voltages against " +
                                counter + " the record would span " + volts(lo + counter_ocv) + " to " +
                                volts(hi + counter_ocv) + " vs Li/Li+ (" + volts(counter_ocv) +
                                " higher): if it is a cell voltage, say so (--reference cell, a '# reference: cell' "
                                "header or an Ecell/V column); --reference li keeps this reading");
}

}  // namespace ssbsim
