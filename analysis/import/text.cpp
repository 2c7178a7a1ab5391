// Text and locale handling of the importer: lines, cells, delimiters, UTF-8 / Latin-1,
// and number cells with decimal commas. Numbers are parsed with std::from_chars on the
// cell itself (a small copy only for decimal commas), so a million-row file reads in well
// under a second.

#include <algorithm>
#include <charconv>
#include <cmath>

#include "analysis/import/detail.hpp"
#include "core/error.hpp"

namespace ssbsim::import_detail {

// ------------------------------------------------------------------------ text helpers

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

bool valid_utf8(Sv s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 4;
        if (n == 4) return false;
        for (std::size_t k = 1; k <= n; ++k)
            if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n + 1;
    }
    return true;
}

}  // namespace

Sv trim(Sv s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool starts_with(Sv s, Sv prefix) { return s.substr(0, prefix.size()) == prefix; }
bool ends_with(Sv s, Sv suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool starts_with_ci(Sv s, Sv prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (ascii_lower(s[i]) != ascii_lower(prefix[i])) return false;
    return true;
}

// Removes the delimiters spreadsheet programs append to short lines ("# mass: 9 mg,,,").
Sv strip_trailing_delimiters(Sv s) {
    while (!s.empty() && (s.back() == ',' || s.back() == ';' || is_space(s.back()))) s.remove_suffix(1);
    return s;
}

Sv unquote(Sv s) {
    s = trim(s);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = trim(s.substr(1, s.size() - 2));
    return s;
}

// A cell or name as it appears in a message: quoted, and shortened when long.
std::string quote(Sv s) {
    constexpr std::size_t kMax = 40;
    std::string out = "'";
    out += s.size() > kMax ? std::string(s.substr(0, kMax)) + "..." : std::string(s);
    return out + "'";
}

// EC-Lab writes its files in the Windows code page ("µF", "cm²" as single bytes). Text
// that is not valid UTF-8 is read as Latin-1, so names, metadata and messages stay printable.
std::string to_utf8(Sv s) {
    if (valid_utf8(s)) return std::string(s);
    std::string out;
    out.reserve(s.size() + 8);
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x80) {
            out += ch;
        } else {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

// The lines of the text without their terminators (LF, CRLF or CR alone); the byte-order
// mark is dropped. lines[i] is line i + 1 in messages.
std::vector<Sv> split_lines(Sv text) {
    if (starts_with(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
    const bool cr_only = text.find('\n') == Sv::npos && text.find('\r') != Sv::npos;
    const char eol = cr_only ? '\r' : '\n';
    std::vector<Sv> lines;
    lines.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), eol)) + 1);
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find(eol, pos);
        if (end == Sv::npos) end = text.size();
        Sv line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        pos = end + 1;
    }
    return lines;
}

// Splits a line at `delim` into trimmed cells. A cell in double quotes may contain the
// delimiter; the quotes are removed (a doubled quote inside stays doubled, which only
// matters for text, never for numbers).
void split_cells(Sv line, char delim, std::vector<Sv>& cells) {
    cells.clear();
    std::size_t pos = 0;
    for (;;) {
        std::size_t start = pos;
        while (start < line.size() && line[start] == ' ') ++start;
        if (start < line.size() && line[start] == '"') {
            std::size_t close = start + 1;
            while (close < line.size()) {
                if (line[close] != '"') {
                    ++close;
                } else if (close + 1 < line.size() && line[close + 1] == '"') {
                    close += 2;
                } else {
                    break;
                }
            }
            cells.push_back(trim(line.substr(start + 1, close - start - 1)));
            const std::size_t next = line.find(delim, close);
            if (next == Sv::npos) return;
            pos = next + 1;
            continue;
        }
        const std::size_t next = line.find(delim, pos);
        if (next == Sv::npos) {
            cells.push_back(trim(line.substr(pos)));
            return;
        }
        cells.push_back(trim(line.substr(pos, next - pos)));
        pos = next + 1;
    }
}

// The delimiter of a header line: the most frequent of tab, semicolon and comma outside
// quotes (tab, then semicolon, on a tie), comma when there is none.
char detect_delimiter(Sv line) {
    std::size_t tabs = 0, semicolons = 0, commas = 0;
    bool quoted = false;
    for (char c : line) {
        if (c == '"') quoted = !quoted;
        if (quoted) continue;
        tabs += c == '\t';
        semicolons += c == ';';
        commas += c == ',';
    }
    if (tabs > 0 && tabs >= semicolons && tabs >= commas) return '\t';
    if (semicolons > 0 && semicolons >= commas) return ';';
    return ',';
}

// ------------------------------------------------------------------------------ numbers

// Parses a whole cell as a number. A decimal comma ("3,456") is read when the delimiter
// cannot be a comma. "NaN" (pandas, MATLAB) counts as an empty cell; infinities are bad.
Cell parse_number(Sv s, bool decimal_comma, double& out) {
    s = trim(s);
    if (s.empty()) return Cell::empty;
    if (s.front() == '+') {  // from_chars does not take a leading '+'
        s.remove_prefix(1);
        if (s.empty() || s.front() == '+' || s.front() == '-') return Cell::bad;
    }
    char buf[64];
    if (s.find(',') != Sv::npos) {
        // One comma and no point: a decimal comma. Anything else would be digit grouping,
        // which is ambiguous ("1,234" is 1.234 in Europe and 1234 elsewhere).
        if (!decimal_comma || s.size() >= sizeof buf || s.find('.') != Sv::npos ||
            std::count(s.begin(), s.end(), ',') != 1)
            return Cell::bad;
        std::copy(s.begin(), s.end(), buf);
        std::replace(buf, buf + s.size(), ',', '.');
        s = Sv(buf, s.size());
    }
    const char* end = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(s.data(), end, out);
    if (ec != std::errc() || ptr != end) return Cell::bad;
    if (std::isnan(out)) return Cell::empty;
    if (std::isinf(out)) return Cell::bad;
    return Cell::number;
}

bool starts_like_number(Sv s) {
    return !s.empty() && ((s.front() >= '0' && s.front() <= '9') || s.front() == '-' ||
                          s.front() == '+' || s.front() == '.');
}

// ------------------------------------------------------------------------------ messages

[[noreturn]] void fail(const Doc& doc, int line, const std::string& column, const std::string& message) {
    throw DataError(doc.name, line, column, message);
}

}  // namespace ssbsim::import_detail
