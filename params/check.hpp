// Range checks of the parameter structs. Every struct's validate() reports a field outside
// its range through a FieldError, so the same check serves a struct read from YAML (the
// error names file, line and key) and one built in code (the error names the field).
#pragma once

#include <functional>
#include <string>

#include "core/config.hpp"
#include "core/units.hpp"

namespace ssbsim {

// `key` is the field's config key path below the struct's section ("cathode.porosity"),
// `message` the value and its allowed range. A FieldError throws.
using FieldError = std::function<void(const std::string& key, const std::string& message)>;

// For a struct built in code: throws ConfigError("<built in code>", 0, "<section>.<key>", ...).
FieldError code_fields(const std::string& section);
// For a struct read from `section`: throws at the node the key names (file:line:key), or at
// the deepest node written on its path (a scalar material name, a parent of a default).
FieldError config_fields(const ConfigNode& section);
// Prefixes every key (a material inside the cell: "cathode.active_material").
FieldError nested_fields(const FieldError& fail, const std::string& prefix);

// The checks validate() uses; each calls `fail` (which throws) when the value is outside.
class FieldChecks {
public:
    explicit FieldChecks(const FieldError& fail) : fail_(fail) {}
    // lo <= v <= hi: "value V is out of range; expected FORM".
    double range(const std::string& key, double v, double lo, double hi, const std::string& form) const;
    // A quantity in a physically plausible range; names the SI unit and an example with a unit.
    double plausible(const std::string& key, double v, const units::Dimension& d, double lo,
                     double hi, const std::string& example) const;
    // v > 0, or v >= 0 with allow_zero: "value V UNIT must be positive".
    double sign(const std::string& key, double v, const units::Dimension& d, bool allow_zero) const;
    void require(bool ok, const std::string& key, const std::string& message) const;

private:
    const FieldError& fail_;
};

}  // namespace ssbsim
