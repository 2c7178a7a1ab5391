#include "run/checkpoint.hpp"

#include <algorithm>
#include <cstdint>
#include <iomanip>
#include <sstream>

#include "core/error.hpp"
#include "params/emit.hpp"

namespace ssbsim {

std::string checkpoint_identity(const SimulationConfig& config, int next_step) {
    return checkpoint_identity(identity_rest(config), config, next_step);
}

std::string identity_rest(const SimulationConfig& config) {
    // What a run's own file names may differ in: its name, description and output file.
    // Everything else (cell, chemistry, mesh, solver, sampling, output bounds) shapes the
    // solution or the records, so it must match.
    SimulationConfig c = config;
    c.name = "";
    c.description = "";
    c.output.file = "";
    c.protocol.steps.clear();
    return emit_config_text(c);
}

std::string checkpoint_identity(const std::string& rest, const SimulationConfig& config, int next_step) {
    std::string text = rest;
    text += "\n# the first " + std::to_string(next_step) + " protocol steps\n";
    for (int k = 0; k < next_step && k < static_cast<int>(config.protocol.steps.size()); ++k)
        text += "- " + emit_step_text(config.protocol.steps[k]) + "\n";
    return text;
}

std::string identity_digest(const std::string& identity) {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a, 64 bit
    for (unsigned char ch : identity) h = (h ^ ch) * 1099511628211ull;
    std::ostringstream os;
    os << std::hex << std::setw(16) << std::setfill('0') << h;
    return os.str();
}

namespace {
// The first line where two texts differ, as "'A' (checkpoint) vs 'B' (this run)".
std::string first_difference(const std::string& a, const std::string& b) {
    std::istringstream sa(a), sb(b);
    std::string la, lb;
    int line = 0;
    for (;;) {
        ++line;
        const bool ga = static_cast<bool>(std::getline(sa, la)), gb = static_cast<bool>(std::getline(sb, lb));
        if (!ga && !gb) return "";
        if (!ga) la = "(end)";
        if (!gb) lb = "(end)";
        if (la != lb)
            return "line " + std::to_string(line) + " of the resolved config: '" + la + "' (checkpoint) vs '" + lb +
                   "' (this run)";
    }
}
}  // namespace

void check_restart(const RunCheckpoint& ck, const SimulationConfig& config, const CathodeP2D& model,
                   const std::string& source) {
    const int n_steps = static_cast<int>(config.protocol.steps.size());
    const int k = std::max(0, std::min(ck.next_step, n_steps));
    check_restart(ck, n_steps, checkpoint_identity(config, k), model, source);
}

void check_restart(const RunCheckpoint& ck, int n_steps, const std::string& mine, const CathodeP2D& model,
                   const std::string& source) {
    const auto fail = [&](const std::string& why) {
        throw ConfigError(source, 0, "restart", "the checkpoint cannot continue this run: " + why);
    };
    if (ck.next_step < 1 || ck.next_step > n_steps)
        fail("it was taken after " + std::to_string(ck.next_step) + " protocol steps, this protocol has " +
             std::to_string(n_steps));
    const int n = model.size();
    if (static_cast<int>(ck.variable_names.size()) != n || static_cast<int>(ck.y.size()) != n ||
        static_cast<int>(ck.yp.size()) != n)
        fail("its model has " + std::to_string(ck.variable_names.size()) + " states, this one " + std::to_string(n));
    for (int i = 0; i < n; ++i)
        if (ck.variable_names[i] != model.variable_name(i))
            fail("state " + std::to_string(i) + " is '" + ck.variable_names[i] + "' there and '" +
                 model.variable_name(i) + "' here (another state layout)");
    if (mine != ck.identity) {
        const std::string diff = first_difference(ck.identity, mine);
        fail("another model or protocol prefix (digest " + ck.digest + " vs " + identity_digest(mine) + "): " +
             (diff.empty() ? std::string("the texts differ") : diff));
    }
}

}  // namespace ssbsim
