// Small text helpers shared by the config and data readers (protocol strings, recorded
// profiles, measured spectra).
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace ssbsim {

inline std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// s without the leading and trailing characters of `chars`.
inline std::string trim_chars(const std::string& s, const char* chars) {
    const auto a = s.find_first_not_of(chars), b = s.find_last_not_of(chars);
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// The fields of a line at `sep`, each trimmed of `chars` (an empty line is one empty field).
inline std::vector<std::string> split_fields(const std::string& line, char sep, const char* chars) {
    std::vector<std::string> out;
    std::size_t a = 0;
    for (;;) {
        const std::size_t b = line.find(sep, a);
        out.push_back(trim_chars(line.substr(a, b == std::string::npos ? std::string::npos : b - a), chars));
        if (b == std::string::npos) return out;
        a = b + 1;
    }
}

}  // namespace ssbsim
