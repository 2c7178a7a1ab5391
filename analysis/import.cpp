// Importers for measured cycling data (see import.hpp and docs/data_formats.md): the entry.
//
// Both formats go through the same steps: split the text into lines, find the header
// line, map its columns to roles (time, potential, ...) with their units, read the data
// rows into one vector per used column, then assemble the layout found. The steps live in
// analysis/import/ (one file a step, listed in analysis/import/detail.hpp); this file
// checks the options and the kind of text, picks the format and reads files.

#include "analysis/import.hpp"

#include <cerrno>
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

}  // namespace ssbsim
