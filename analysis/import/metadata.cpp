// Metadata ("# key: value" lines, the EC-Lab header block), quantities in them and the
// active mass.

#include <algorithm>
#include <cmath>
#include <cstring>

#include "analysis/import/detail.hpp"

namespace ssbsim::import_detail {

// Reads "9.02 mg", "9,02 mg", "4.3 V", "4300 mV" in the internal unit of q. A value
// without a unit uses `no_unit` when given and is rejected otherwise.
std::optional<double> parse_quantity(Sv text, Quantity q, std::optional<Scale> no_unit) {
    text = unquote(strip_trailing_delimiters(text));
    std::size_t end = 0;
    while (end < text.size() && (std::strchr("0123456789+-.,eE", text[end]) != nullptr)) ++end;
    // an 'e' that starts the unit is not part of the number
    while (end > 0 && (text[end - 1] == 'e' || text[end - 1] == 'E')) --end;
    double v;
    if (parse_number(text.substr(0, end), true, v) != Cell::number) return std::nullopt;
    const Sv unit = trim(text.substr(end));
    if (unit.empty()) {
        if (!no_unit) return std::nullopt;
        return (*no_unit)(v);
    }
    const auto s = unit_scale(q, unit);
    if (!s) return std::nullopt;
    return (*s)(v);
}

// Stores "key: value" (from '# key: value' or the EC-Lab header block). A unit in the key
// ("mass_mg: 9.02", "mass [mg]: 9.02") moves to the value ("mass" = "9.02 mg").
void add_metadata(MeasuredData& md, MetaLines& ml, Sv key, Sv value, int line) {
    // a key is a name (with an optional unit): free-text comments that contain a colon
    // ("# exported by X (version: 2)") are not metadata
    const Sv bare = split_unit(unquote(key)).first;
    if (!std::all_of(bare.begin(), bare.end(),
                     [](char c) { return is_alnum(c) || c == ' ' || c == '_' || c == '-' || c == '.'; }))
        return;
    const Column k = parse_column(key);
    std::string name = k.name;
    std::string text(unquote(strip_trailing_delimiters(trim(value))));
    if (!k.unit.empty()) {
        if (is_known_unit(k.unit)) {
            if (!text.empty()) text += " " + k.unit;
        } else {
            name = normalise_name(unquote(key));
        }
    }
    if (name.empty()) return;
    if (md.metadata.emplace(name, to_utf8(text)).second) ml.line[name] = line;
}

bool split_key_value(Sv line, Sv& key, Sv& value) {
    const std::size_t colon = line.find(':');
    if (colon == Sv::npos) return false;
    key = trim(line.substr(0, colon));
    value = trim(line.substr(colon + 1));
    return !key.empty();
}

// The active mass from the metadata [kg]; 0 when none is given. The entry is renamed
// "mass" so that every file reports it under one key.
double metadata_mass(const Doc& doc, MeasuredData& md, const MetaLines& ml) {
    for (Sv key : kMassKeys) {
        const auto it = md.metadata.find(std::string(key));
        if (it == md.metadata.end()) continue;
        const auto line = ml.line.find(it->first);
        const int line_no = line == ml.line.end() ? 0 : line->second;
        const auto kg = parse_quantity(it->second, Quantity::mass, std::nullopt);
        if (!kg || !(*kg > 0))
            fail(doc, line_no, it->first,
                 "expected a positive mass with its unit, such as '9.02 mg' (mg, g or kg), found " + quote(it->second));
        md.metadata.emplace("mass", it->second);
        return *kg;
    }
    return 0;
}

// The file's own mass wins; ImportOptions::mass is "the mass when the file gives none".
double choose_mass(double file_kg, const ImportOptions& options, std::vector<std::string>& warnings) {
    if (file_kg > 0) {
        if (options.mass > 0 && std::abs(options.mass - file_kg) > 1e-9 * file_kg)
            warnings.push_back("the file gives the active mass (" + format_number(file_kg * 1e6, kMessageDigits) +
                               " mg); the mass passed (" + format_number(options.mass * 1e6, kMessageDigits) +
                               " mg) is not used");
        return file_kg;
    }
    return options.mass > 0 ? options.mass : 0.0;
}

}  // namespace ssbsim::import_detail
