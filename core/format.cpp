#include "core/format.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace ssbsim {

std::string format_number(double v, int significant) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    if (significant <= 0) {
        auto r = std::to_chars(buf, buf + sizeof buf, v);
        return std::string(buf, r.ptr);
    }
    std::snprintf(buf, sizeof buf, "%.*g", significant > 17 ? 17 : significant, v);
    return buf;
}

std::string format_quantity(double v, std::string_view unit, int significant) {
    std::string s = format_number(v, significant);
    if (!unit.empty()) {
        s += ' ';
        s += unit;
    }
    return s;
}

}  // namespace ssbsim
