// Fuzzes the small parsers every value goes through: quantities with units and
// PyBaMM-style step strings.
#include <cmath>

#include "core/units.hpp"
#include "fuzz_harness.hpp"
#include "params/protocol.hpp"

namespace ssbsim::fuzz {

int quantity(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    // Both parsers signal bad input with std::invalid_argument, which their callers turn
    // into located ConfigErrors; everything else is a finding.
    auto typed = [&](auto&& f) {
        guarded("quantity", [&] {
            try {
                f();
            } catch (const std::invalid_argument& e) {
                throw ssbsim::Error(e.what());
            }
        });
    };
    typed([&] {
        units::Quantity q = units::parse(text);
        if (!std::isfinite(q.value)) {
            std::fprintf(stderr, "fuzz quantity: non-finite value from '%s'\n", text.c_str());
            std::abort();
        }
    });
    typed([&] { parse_step_string(text); });
    return 0;
}

}  // namespace ssbsim::fuzz

SSBSIM_FUZZ_ENTRY(quantity)
