// The one JSON writer: values are built as nlohmann::ordered_json (keys in insertion
// order) and written by dump() in ssbsim's layout. ssbsim writes JSON; it never reads it.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace ssbsim::json {

using Value = nlohmann::ordered_json;

// A number rounded to `significant` digits (what the reports always printed, %.<n>g), so
// that files stay short; integral values become JSON integers ("3", not "3.0"), and
// non-finite values null.
Value number(double v, int significant = 10);

// JSON text: the top-level object one key per line, a top-level array of objects one
// object per line, everything deeper on one line (", " and ": " between items); a
// trailing newline. Bytes that are not UTF-8 are replaced by U+FFFD (never thrown on).
std::string dump(const Value& v);

}  // namespace ssbsim::json
