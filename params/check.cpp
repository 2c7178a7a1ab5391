#include "params/check.hpp"

#include <sstream>

#include "core/error.hpp"

namespace ssbsim {

FieldError code_fields(const std::string& section) {
    return [section](const std::string& key, const std::string& message) {
        throw ConfigError("<built in code>", 0, section.empty() ? key : section + "." + key, message);
    };
}

FieldError config_fields(const ConfigNode& section) {
    return [section](const std::string& key, const std::string& message) {
        ConfigNode n = section;
        std::string rest = key;
        for (auto dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
            const std::string head = rest.substr(0, dot);
            if (!n.is_map() || !n.has(head)) break;
            n = n[head];
            rest = rest.substr(dot + 1);
        }
        if (n.is_map()) n.fail(rest.substr(0, rest.find('.')), message);
        n.fail(message);
    };
}

FieldError nested_fields(const FieldError& fail, const std::string& prefix) {
    return [fail, prefix](const std::string& key, const std::string& message) {
        fail(prefix + "." + key, message);
    };
}

double FieldChecks::range(const std::string& key, double v, double lo, double hi,
                          const std::string& form) const {
    if (!(v >= lo && v <= hi)) {
        std::ostringstream os;
        os << "value " << v << " is out of range; expected " << form;
        fail_(key, os.str());
    }
    return v;
}

double FieldChecks::plausible(const std::string& key, double v, const units::Dimension& d,
                              double lo, double hi, const std::string& example) const {
    // A bare number is SI, so a forgotten unit usually lands far outside the range.
    if (!(v >= lo && v <= hi)) {
        const std::string u = units::si_unit(d);
        std::ostringstream os;
        os << "value " << v << " " << u << " is outside the plausible range [" << lo << ", " << hi
           << "] " << u << "; a bare number is read as SI (" << u << ") - give a unit, such as \""
           << example << "\"";
        fail_(key, os.str());
    }
    return v;
}

double FieldChecks::sign(const std::string& key, double v, const units::Dimension& d,
                         bool allow_zero) const {
    if (!(allow_zero ? v >= 0 : v > 0)) {
        std::ostringstream os;
        os << "value " << v << " " << units::si_unit(d) << " must be "
           << (allow_zero ? "zero or positive" : "positive");
        fail_(key, os.str());
    }
    return v;
}

void FieldChecks::require(bool ok, const std::string& key, const std::string& message) const {
    if (!ok) fail_(key, message);
}

}  // namespace ssbsim
