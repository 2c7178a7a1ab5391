#include "core/config.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
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

namespace {

// Deeper nesting than this is no config anyone writes; bounding it keeps the checks below
// (and every later walk of the tree) off the end of the stack.
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxNodes = 1000000;

std::string key_text(const YAML::Node& key) {
    return key.IsScalar() ? key.Scalar() : std::string("<non-scalar key>");
}

// Rejects what yaml-cpp accepts silently but a config must not hold: a key given twice in
// one mapping (yaml-cpp keeps the first), keys that are not plain scalars, and nesting
// without end. `where(line, key, message)` throws.
template <class Fail>
void check_tree(const YAML::Node& node, const std::string& path, int depth, const Fail& where,
                std::size_t& budget) {
    // Aliases share nodes, so a small file can describe an exponentially large tree.
    if (budget-- == 0)
        where(node.Mark().line + 1, path,
              "the config expands (through anchors and aliases) to more than " +
                  std::to_string(kMaxNodes) + " entries");
    if (depth > kMaxDepth)
        where(node.Mark().line + 1, path,
              "nested more than " + std::to_string(kMaxDepth) + " levels deep");
    if (node.IsMap()) {
        std::set<std::string> seen;
        for (const auto& kv : node) {
            const std::string k = key_text(kv.first);
            const std::string child = path.empty() ? k : path + "." + k;
            if (!kv.first.IsScalar())
                where(kv.first.Mark().line + 1, child,
                      "a mapping key must be a plain name, such as 'temperature'");
            if (!seen.insert(k).second)
                where(kv.first.Mark().line + 1, child,
                      "key '" + k + "' appears twice in this mapping; give each key once");
            check_tree(kv.second, child, depth + 1, where, budget);
        }
    } else if (node.IsSequence()) {
        for (std::size_t i = 0; i < node.size(); ++i)
            check_tree(node[i], path + (path.empty() ? "" : ".") + std::to_string(i), depth + 1,
                       where, budget);
    }
}

// The line (1-based) where a second YAML document starts, 0 when there is none. A `---`
// after content, or content after a `...` end marker, starts one. (yaml-cpp's LoadAll
// would tell, but it never returns on some inputs, such as a lone ",".)
int second_document_line(const std::string& text) {
    auto marker = [](const std::string& l, const char* m) {
        return l.compare(0, 3, m) == 0 && (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
    };
    std::istringstream in(text);
    bool content = false, ended = false;
    int n = 0;
    for (std::string l; std::getline(in, l);) {
        ++n;
        const auto first = l.find_first_not_of(" \t\r");
        if (first == std::string::npos || l[first] == '#') continue;
        if (marker(l, "---")) {
            if (content || ended) return n;
            content = l.find_first_not_of(" \t\r", 3) != std::string::npos &&
                      l[l.find_first_not_of(" \t\r", 3)] != '#';
            continue;
        }
        if (marker(l, "...")) {
            ended = true;
            continue;
        }
        if (!content && l[0] == '%') continue;  // a directive before the document
        if (ended) return n;
        content = true;
    }
    return 0;
}

// Parses one YAML document; a second document (after `---`) would be ignored silently, so
// it is an error. `name` and `key` place messages; `located` says the text is a file whose
// lines mean something to the user (not a --set value).
YAML::Node parse_single_document(const std::string& text, const std::string& name,
                                 const std::string& key, bool located = true) {
    if (int line = second_document_line(text))
        throw ConfigError(name, located ? line : 0, key,
                          "a second YAML document (after '---' or '...') would be ignored; a config "
                          "holds one document: remove the marker or split the file");
    try {
        return YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw ConfigError(name, e.mark.is_null() || !located ? 0 : e.mark.line + 1, key,
                          "YAML syntax error: " + e.msg +
                              (located ? "" : " (a value is read as YAML: quote text, "
                                              "close brackets)"));
    }
}

// Configs are small text files; this bounds what a wrong path (a log, a device) can cost.
constexpr std::uintmax_t kMaxConfigBytes = 16u << 20;

}  // namespace

ConfigNode ConfigNode::load_string(const std::string& text, const std::string& name) {
    auto source = std::make_shared<ConfigSource>(ConfigSource{name, text, {}, {}});
    YAML::Node root = parse_single_document(text, name, "");
    ConfigNode out(root, source, "");
    std::size_t budget = kMaxNodes;
    check_tree(root, "", 0, [&](int line, const std::string& key, const std::string& message) {
        ConfigNode at(YAML::Node(), source, key);
        at.parent_line_ = line;
        at.fail(message);
    }, budget);
    return out;
}

ConfigNode ConfigNode::load_file(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st))
        throw ConfigError(path, 0, "", "cannot open the file: it does not exist");
    if (fs::is_directory(st))
        throw ConfigError(path, 0, "", "is a directory; expected a YAML config file");
    if (!fs::is_regular_file(st))
        throw ConfigError(path, 0, "", "is not a regular file; expected a YAML config file");
    const auto size = fs::file_size(path, ec);
    if (!ec && size > kMaxConfigBytes)
        throw ConfigError(path, 0, "",
                          "is " + std::to_string(size >> 20) + " MiB; a config is a YAML text file "
                          "of at most " + std::to_string(kMaxConfigBytes >> 20) + " MiB");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path, 0, "", "cannot open the file (permission denied?)");
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
        source->overridden.push_back(apply_override(root, a));
        source->override_text.push_back(a);
    }
    return ConfigNode(root, source, path_);
}

const std::string* ConfigNode::override_covering() const {
    if (!source_) return nullptr;
    for (std::size_t i = source_->overridden.size(); i-- > 0;) {
        const std::string& o = source_->overridden[i];
        if (path_ == o || path_.rfind(o + ".", 0) == 0) return &source_->override_text[i];
    }
    return nullptr;
}

std::string ConfigNode::origin_name() const {
    if (const std::string* o = override_covering()) return "--set " + *o;
    return source_ ? source_->name : std::string("<config>");
}

int ConfigNode::origin_line() const { return override_covering() ? 0 : line(); }

void ConfigNode::fail(const std::string& message) const {
    std::string name = source_ ? source_->name : std::string("<config>");
    int l = line();
    // A node that an override put in place has no line of its own in any file (its marks
    // are positions in the --set text): name the override instead. Later overrides win.
    if (const std::string* o = override_covering()) throw ConfigError("--set " + *o, 0, path_, message);
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
    // Range first: converting an out-of-range double to an integer is undefined.
    if (!(std::fabs(v) <= 2e9)) c.fail("expected an integer of at most 2e9 in magnitude");
    if (v != std::floor(v)) c.fail("expected an integer");
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

std::string apply_override(YAML::Node root, const std::string& assignment) {
    const std::string where = "--set " + assignment;
    auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        throw ConfigError(where, 0, "", "expected the form key.path=value, such as "
                                        "cell.temperature=\"30 degC\"");
    std::string path = assignment.substr(0, eq);
    std::string value = assignment.substr(eq + 1);
    YAML::Node v = parse_single_document(value, where, path, false);
    std::size_t budget = kMaxNodes;
    check_tree(v, path, 0, [&](int, const std::string& key, const std::string& message) {
        throw ConfigError(where, 0, key, message);
    }, budget);
    std::vector<std::string> parts;
    std::stringstream ss(path);
    for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
    if (parts.empty() || path.back() == '.' ||
        std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); }))
        throw ConfigError(where, 0, path, "a key path is names and list indices joined by '.', "
                                          "such as protocol.steps.0");
    YAML::Node node = root;
    std::string walked;
    std::string created;  // the shallowest key path this assignment creates, if any
    for (size_t i = 0; i < parts.size(); ++i) {
        const std::string& p = parts[i];
        walked += (i ? "." : "") + p;
        bool is_index = std::all_of(p.begin(), p.end(), ::isdigit);
        bool last = i + 1 == parts.size();
        if (is_index) {
            const std::size_t n = node.IsSequence() ? node.size() : 0;
            // Compare as text first: an index of 20 digits does not fit any integer.
            if (!node.IsSequence() || p.size() > 9 || std::stoul(p) >= n)
                throw ConfigError(where, 0, walked,
                                  "index " + p + " is not in a list of " + std::to_string(n) +
                                      " entries" + (n ? " (valid: 0 to " + std::to_string(n - 1) + ")" : ""));
            const size_t idx = std::stoul(p);
            if (last) {
                node[idx] = v;
                break;
            }
            node.reset(node[idx]);
        } else {
            if (node.IsDefined() && !node.IsNull() && !node.IsMap())
                throw ConfigError(where, 0, walked, "'" + p + "' is not inside a mapping");
            const YAML::Node& cnode = node;
            if (created.empty() && !(node.IsMap() && cnode[p].IsDefined())) created = walked;
            if (last) {
                node[p] = v;
                break;
            }
            YAML::Node next = node[p];
            node.reset(next);
        }
    }
    return created.empty() ? path : created;
}

}  // namespace ssbsim
