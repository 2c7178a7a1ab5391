#pragma once
// The one number and number-with-unit formatter.
//
//   format_number(0.1)            -> "0.1"        (shortest text that reads back exactly)
//   format_number(2.0/3.0, 4)     -> "0.6667"     (at most 4 significant digits, %g style)
//   format_quantity(3.6e3, "s")   -> "3600 s"
//   format_quantity(0.5, "")      -> "0.5"
//
// Use it wherever a value goes into a message, a config written back, a CSV cell or a
// report; never std::to_string (six digits after the point, "0.100000") for a double.
#include <string>
#include <string_view>

namespace ssbsim {

// Significant digits: 0 means the shortest text that parses back to the same double.
std::string format_number(double v, int significant = 0);
std::string format_quantity(double v, std::string_view unit, int significant = 0);

}  // namespace ssbsim
