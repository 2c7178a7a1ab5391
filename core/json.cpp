#include "core/json.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace ssbsim::json {

Value number(double v, int significant) {
    if (!std::isfinite(v)) return nullptr;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.*g", significant, v);
    const double r = std::strtod(buf, nullptr);
    constexpr double kExactInteger = 9007199254740992.0;  // 2^53: every integer below is a double
    if (r == std::trunc(r) && std::abs(r) < kExactInteger) return static_cast<std::int64_t>(r);
    return r;
}

namespace {
std::string scalar(const Value& v) { return v.dump(-1, ' ', false, Value::error_handler_t::replace); }

void inline_text(const Value& v, std::string& out) {
    if (v.is_object()) {
        out += '{';
        bool first = true;
        for (const auto& [key, item] : v.items()) {
            out += first ? "" : ", ";
            first = false;
            out += scalar(Value(key)) + ": ";
            inline_text(item, out);
        }
        out += '}';
    } else if (v.is_array()) {
        out += '[';
        for (std::size_t i = 0; i < v.size(); ++i) {
            out += i ? ", " : "";
            inline_text(v[i], out);
        }
        out += ']';
    } else {
        out += scalar(v);
    }
}

bool array_of_objects(const Value& v) {
    if (!v.is_array() || v.empty()) return false;
    for (const auto& x : v)
        if (!x.is_object()) return false;
    return true;
}
}  // namespace

std::string dump(const Value& v) {
    std::string out;
    if (!v.is_object()) {
        inline_text(v, out);
        return out + "\n";
    }
    out += "{";
    bool first = true;
    for (const auto& [key, item] : v.items()) {
        out += first ? "\n  " : ",\n  ";
        first = false;
        out += scalar(Value(key)) + ": ";
        if (array_of_objects(item)) {
            out += "[";
            for (std::size_t i = 0; i < item.size(); ++i) {
                out += i ? ",\n    " : "\n    ";
                inline_text(item[i], out);
            }
            out += "\n  ]";
        } else {
            inline_text(item, out);
        }
    }
    return out + "\n}\n";
}

}  // namespace ssbsim::json
