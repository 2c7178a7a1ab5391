// Quantities written back into a config (check --print, the result file's config attribute).
#pragma once

#include <string>

#include "core/units.hpp"

namespace ssbsim {

// `si` written in `unit` ("0.785 cm2", "45 degC") in the shortest text that units::parse_as
// reads back to exactly `si`, without float noise where a shorter text reads back the same;
// when no text in `unit` does, the SI value with the SI unit, or the bare SI number.
std::string quantity_text(double si, const std::string& unit, const units::Dimension& d);
// A dimensionless number in the shortest text that reads back exactly ("0.1").
std::string number_text(double v);

}  // namespace ssbsim
