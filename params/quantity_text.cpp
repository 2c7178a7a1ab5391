#include "params/quantity_text.hpp"

#include <cmath>
#include <stdexcept>

#include "core/format.hpp"

namespace ssbsim {

namespace {
bool reads_back(const std::string& text, const units::Dimension& d, double si) {
    try {
        return units::parse_as(text, d) == si;
    } catch (const std::invalid_argument&) {
        return false;
    }
}
}  // namespace

std::string number_text(double v) { return format_number(v); }

std::string quantity_text(double si, const std::string& unit, const units::Dimension& d) {
    if (!std::isfinite(si)) return format_number(si);
    // The unit is affine at most (degC): value = (si - zero) / (one - zero).
    const double zero = units::parse_as("0 " + unit, d), one = units::parse_as("1 " + unit, d);
    const double v = (si - zero) / (one - zero);
    // 15 significant digits drop the noise of the conversion (318.15 K - 273.15 = 45.000...03).
    for (int digits : {15, 0}) {
        const std::string text = format_number(v, digits) + " " + unit;
        if (reads_back(text, d, si)) return text;
    }
    const std::string si_text = format_number(si) + " " + units::si_unit(d);
    if (reads_back(si_text, d, si)) return si_text;
    return format_number(si);
}

}  // namespace ssbsim
