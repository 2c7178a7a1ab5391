#include "core/config.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/error.hpp"

namespace ssbsim {

std::string ConfigSource::line_text(int line) const {
    if (line <= 0) return {};
    std::istringstream in(text);
    std::string l;
    for (int i = 1; std::getline(in, l); ++i)
        if (i == line) return l;
    return {};
}

ConfigNode::ConfigNode(YAML::Node node, std::shared_ptr<const ConfigSource> source,
                       std::string path)
    : node_(std::move(node)), source_(std::move(source)), path_(std::move(path)) {}

ConfigNode ConfigNode::load_string(const std::string& text, const std::string& name) {
    auto source = std::make_shared<ConfigSource>(ConfigSource{name, text, {}});
    try {
        return ConfigNode(YAML::Load(text), source, "");
    } catch (const YAML::Exception& e) {
        throw ConfigError(name, e.mark.line + 1, "", "YAML syntax error: " + e.msg);
    }
}

ConfigNode ConfigNode::load_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ConfigError(path, 0, "", "cannot open the file");
    std::stringstream ss;
    ss << in.rdbuf();
    return load_string(ss.str(), path);
}

int ConfigNode::line() const {
    if (node_.IsDefined()) {
        auto m = node_.Mark();
        if (!m.is_null()) return m.line + 1;
    }
    return parent_line_;
}

std::string ConfigNode::child_path(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
}

bool ConfigNode::has(const std::string& key) const {
    if (!node_.IsMap()) return false;
    auto c = node_[key];
    return c.IsDefined() && !c.IsNull();
}

ConfigNode ConfigNode::operator[](const std::string& key) const {
    // yaml-cpp returns an invalid ("zombie") node for a missing key, which throws on most
    // uses and on assignment; keep a valid undefined node instead (reset, not assign).
    YAML::Node child(YAML::NodeType::Undefined);
    if (node_.IsMap()) {
        const YAML::Node& cn = node_;
        YAML::Node found = cn[key];
        if (found.IsDefined()) child.reset(found);
    }
    ConfigNode out(child, source_, child_path(key));
    out.parent_line_ = line();
    return out;
}

ConfigNode ConfigNode::at(const std::string& key) const {
    if (!node_.IsMap()) fail("expected a mapping with key '" + key + "'");
    ConfigNode c = (*this)[key];
    if (!c.defined()) fail(key, "required key is missing");
    return c;
}

ConfigNode ConfigNode::operator[](std::size_t index) const {
    ConfigNode out(node_[index], source_, path_ + "." + std::to_string(index));
    out.parent_line_ = line();
    return out;
}

std::vector<std::string> ConfigNode::keys() const {
    std::vector<std::string> out;
    if (!node_.IsMap()) return out;
    for (const auto& kv : node_) out.push_back(kv.first.as<std::string>());
    return out;
}

static int edit_distance(const std::string& a, const std::string& b) {
    std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = static_cast<int>(i);
        for (size_t j = 1; j <= b.size(); ++j) {
            int sub = prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string closest_match(const std::string& word, const std::vector<std::string>& options) {
    std::string best;
    int best_d = 1 << 30;
    for (const auto& o : options) {
        int d = edit_distance(word, o);
        if (d < best_d) {
            best_d = d;
            best = o;
        }
    }
    int limit = std::max(2, static_cast<int>(word.size()) / 3);
    return best_d <= limit ? best : std::string();
}

void ConfigNode::allow_only(std::initializer_list<const char*> keys) const {
    allow_only(std::vector<std::string>(keys.begin(), keys.end()));
}

void ConfigNode::allow_only(const std::vector<std::string>& valid) const {
    if (!node_.IsDefined() || node_.IsNull()) return;
    if (!node_.IsMap()) fail("expected a mapping");
    for (const auto& kv : node_) {
        std::string k = kv.first.as<std::string>();
        if (std::find(valid.begin(), valid.end(), k) != valid.end()) continue;
        std::string msg = "unknown key";
        std::string guess = closest_match(k, valid);
        if (!guess.empty()) msg += "; did you mean '" + guess + "'?";
        msg += " Valid keys here: ";
        for (size_t i = 0; i < valid.size(); ++i) msg += (i ? ", " : "") + valid[i];
        ConfigNode c(kv.first, source_, child_path(k));
        c.parent_line_ = line();
        c.fail(msg);
    }
}

ConfigNode ConfigNode::with_overrides(const std::vector<std::string>& assignments) const {
    auto source = std::make_shared<ConfigSource>(source_ ? *source_ : ConfigSource{});
    YAML::Node root = YAML::Clone(node_);
    for (const auto& a : assignments) {
        apply_override(root, a);
        source->overridden.push_back(a.substr(0, a.find('=')));
    }
    return ConfigNode(root, source, path_);
}

void ConfigNode::fail(const std::string& message) const {
    std::string name = source_ ? source_->name : std::string("<config>");
    int l = line();
    if (source_)
        for (const auto& o : source_->overridden)
            if (path_ == o || path_.rfind(o + ".", 0) == 0)
                throw ConfigError("--set " + o, 0, path_, message);
    std::string msg = message;
    if (source_ && l > 0) {
        std::string text = source_->line_text(l);
        if (!text.empty()) msg += "\n  " + std::to_string(l) + " | " + text;
    }
    throw ConfigError(name, l, path_, msg);
}

void ConfigNode::fail(const std::string& key, const std::string& message) const {
    ConfigNode c = (*this)[key];
    if (!c.node_.IsDefined()) {
        // Point at the parent mapping's line for a missing key.
        ConfigNode p(node_, source_, child_path(key));
        p.parent_line_ = parent_line_;
        p.fail(message);
    }
    c.fail(message);
}

double ConfigNode::quantity(const units::Dimension& d) const {
    if (!node_.IsScalar())
        fail("expected a quantity in " + units::si_unit(d) + ", such as \"1.0 " +
             units::si_unit(d) + "\"");
    try {
        return units::parse_as(node_.Scalar(), d);
    } catch (const std::invalid_argument& e) {
        fail(std::string(e.what()) + " (expected a number with a unit of " + units::si_unit(d) +
             ")");
    }
}

double ConfigNode::quantity(const std::string& key, const units::Dimension& d) const {
    return at(key).quantity(d);
}

double ConfigNode::quantity(const std::string& key, const units::Dimension& d,
                            double fallback) const {
    ConfigNode c = (*this)[key];
    return c.defined() ? c.quantity(d) : fallback;
}

double ConfigNode::number() const {
    if (!node_.IsScalar()) fail("expected a number");
    try {
        units::Quantity q = units::parse(node_.Scalar());
        if (q.dimension != units::dim::dimensionless)
            fail("expected a plain number, got a quantity in " + units::si_unit(q.dimension));
        return q.value;
    } catch (const std::invalid_argument& e) {
        fail(std::string(e.what()) + " (expected a number)");
    }
}

double ConfigNode::number(const std::string& key) const { return at(key).number(); }

double ConfigNode::number(const std::string& key, double fallback) const {
    ConfigNode c = (*this)[key];
    return c.defined() ? c.number() : fallback;
}

int ConfigNode::integer(const std::string& key, int fallback) const {
    ConfigNode c = (*this)[key];
    if (!c.defined()) return fallback;
    double v = c.number();
    if (v != static_cast<double>(static_cast<long long>(v))) c.fail("expected an integer");
    return static_cast<int>(v);
}

bool ConfigNode::boolean(const std::string& key, bool fallback) const {
    ConfigNode c = (*this)[key];
    if (!c.defined()) return fallback;
    try {
        return c.node_.as<bool>();
    } catch (const YAML::Exception&) {
        c.fail("expected true or false");
    }
}

std::string ConfigNode::string() const {
    if (!node_.IsScalar()) fail("expected a string");
    return node_.Scalar();
}

std::string ConfigNode::string(const std::string& key) const { return at(key).string(); }

std::string ConfigNode::string(const std::string& key, const std::string& fallback) const {
    ConfigNode c = (*this)[key];
    return c.defined() ? c.string() : fallback;
}

std::vector<double> ConfigNode::numbers(const std::string& key) const {
    ConfigNode c = at(key);
    if (!c.is_sequence()) c.fail("expected a list of numbers, such as [0.1, 0.2]");
    std::vector<double> out;
    out.reserve(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) out.push_back(c[i].number());
    return out;
}

double ConfigNode::in_range(const std::string& key, double value, double lo, double hi,
                            const std::string& form) const {
    if (!(value >= lo && value <= hi)) {
        std::ostringstream os;
        os << "value " << value << " is out of range; expected " << form;
        fail(key, os.str());
    }
    return value;
}

void apply_override(YAML::Node root, const std::string& assignment) {
    auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        throw ConfigError("--set", 0, assignment, "expected the form key.path=value");
    std::string path = assignment.substr(0, eq);
    std::string value = assignment.substr(eq + 1);
    std::vector<std::string> parts;
    std::stringstream ss(path);
    for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
    YAML::Node node = root;
    for (size_t i = 0; i < parts.size(); ++i) {
        const std::string& p = parts[i];
        bool is_index = !p.empty() && std::all_of(p.begin(), p.end(), ::isdigit);
        bool last = i + 1 == parts.size();
        if (is_index) {
            size_t idx = std::stoul(p);
            if (!node.IsSequence() || idx >= node.size())
                throw ConfigError("--set", 0, path,
                                  "index " + p + " is not in a list of " +
                                      std::to_string(node.IsSequence() ? node.size() : 0) +
                                      " entries");
            if (last) {
                YAML::Node v = YAML::Load(value);
                node[idx] = v;
                return;
            }
            node.reset(node[idx]);
        } else {
            if (node.IsDefined() && !node.IsNull() && !node.IsMap())
                throw ConfigError("--set", 0, path, "'" + p + "' is not inside a mapping");
            if (last) {
                node[p] = YAML::Load(value);
                return;
            }
            YAML::Node next = node[p];
            node.reset(next);
        }
    }
}

}  // namespace ssbsim
