// Minimal JSON output helpers shared by the result summary, validation and fit reports
// (ssbsim writes JSON; it never needs to read it).
#pragma once

#include <cmath>
#include <iomanip>
#include <sstream>
#include <string>

namespace ssbsim::json {

inline std::string string(const std::string& s) {
    std::ostringstream os;
    os << '"';
    for (char ch : s) {
        switch (ch) {
            case '"': os << "\\\""; break;
            case '\\': os << "\\\\"; break;
            case '\n': os << "\\n"; break;
            case '\t': os << "\\t"; break;
            default:
                if (static_cast<unsigned char>(ch) < 0x20)
                    os << "\\u" << std::hex << std::setw(4) << std::setfill('0') << int(ch) << std::dec
                       << std::setfill(' ');
                else
                    os << ch;
        }
    }
    os << '"';
    return os.str();
}

// Non-finite numbers become null.
inline std::string number(double v, int precision = 10) {
    if (!std::isfinite(v)) return "null";
    std::ostringstream os;
    os << std::setprecision(precision) << v;
    return os.str();
}

}  // namespace ssbsim::json
