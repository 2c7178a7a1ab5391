#include "core/config.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/error.hpp"
#include "core/resources.hpp"

namespace ssbsim {

namespace {
std::string text_line(const std::string& text, int line) {
    if (line <= 0) return {};
    std::istringstream in(text);
    std::string l;
    for (int i = 1; std::getline(in, l); ++i)
        if (i == line) return l;
    return {};
}

// A ConfigError at `line` of `name`, with that line of `text` shown below the message.
[[noreturn]] void fail_at(const std::string& name, const std::string& text, int line,
                          const std::string& key, const std::string& message) {
    std::string msg = message;
    const std::string l = text_line(text, line);
    if (line > 0 && !l.empty()) msg += "\n  " + std::to_string(line) + " | " + l;
    throw ConfigError(name, line, key, msg);
}
}  // namespace

std::string ConfigSource::line_text(int line) const { return text_line(text, line); }

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

namespace {

// The text of a config file, or "" and `why` it cannot be read: what a wrong path (a
// directory, a device, a log of gigabytes) would otherwise cost.
std::string read_config_file(const std::string& path, std::string& text) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) return "cannot open the file: it does not exist";
    if (fs::is_directory(st)) return "is a directory; expected a YAML config file";
    if (!fs::is_regular_file(st)) return "is not a regular file; expected a YAML config file";
    const auto size = fs::file_size(path, ec);
    if (!ec && size > kMaxConfigBytes)
        return "is " + std::to_string(size >> 20) + " MiB; a config is a YAML text file of at most " +
               std::to_string(kMaxConfigBytes >> 20) + " MiB";
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot open the file (permission denied?)";
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
    return "";
}

// One YAML file parsed and checked (one document, keys given once, bounded nesting and
// alias expansion).
YAML::Node parse_checked(const std::string& text, const std::string& name) {
    YAML::Node root = parse_single_document(text, name, "");
    std::size_t budget = kMaxNodes;
    check_tree(root, "", 0, [&](int line, const std::string& key, const std::string& message) {
        fail_at(name, text, line, key, message);
    }, budget);
    return root;
}

// `extends:` chains longer than this are a mistake (or a cycle through many files); the
// file count bounds lists of bases that fan out.
constexpr int kMaxExtendsDepth = 16;
constexpr int kMaxExtendedFiles = 64;

// Where the files of an `extends:` chain are read: the file system, or the files embedded
// in the binary, keyed by their path under configs/ ("default.yaml", "studies/...").
struct FileSet {
    bool embedded = false;

    std::string display(const std::string& key) const {
        if (!embedded) return key;
        return key == "default.yaml" ? "<embedded default>" : "<embedded configs/" + key + ">";
    }
    // `ref` as written in the extends of the file `from`, relative to that file's directory.
    std::string resolve(const std::string& from, const std::string& ref) const {
        namespace fs = std::filesystem;
        const fs::path r(ref);
        if (r.is_absolute()) return r.lexically_normal().string();
        return (fs::path(from).parent_path() / r).lexically_normal().string();
    }
    // One spelling per file, so a cycle through "a.yaml" and "./x/../a.yaml" is seen.
    std::string identity(const std::string& key) const {
        if (embedded) return key;
        std::error_code ec;
        const auto c = std::filesystem::weakly_canonical(key, ec);
        return ec ? key : c.string();
    }
    std::string read(const std::string& key, std::string& text) const {
        if (!embedded) return read_config_file(key, text);
        const auto& files = embedded_files();
        const auto it = files.find(key);
        if (it == files.end())
            return "no such file among the configs embedded in the binary (an embedded config "
                   "extends only embedded ones: add it to SSBSIM_EMBEDDED_CONFIGS)";
        text = it->second;
        return "";
    }
};

// A merged tree and which file placed which key path (ConfigSource::placed).
struct Tree {
    YAML::Node root;
    std::vector<ConfigPlaced> placed;
};

bool under(const std::string& path, const std::string& prefix) {
    return prefix.empty() || path == prefix || path.rfind(prefix + ".", 0) == 0;
}

const ConfigPlaced* owner_of(const std::vector<ConfigPlaced>& placed, const std::string& path) {
    const ConfigPlaced* best = nullptr;
    for (const auto& p : placed)
        if (under(path, p.path) && (!best || p.path.size() > best->path.size())) best = &p;
    return best;
}

// `src` put the value at `path`: it owns that path and what it placed beneath it.
void place(std::vector<ConfigPlaced>& dst, const std::string& path, const std::vector<ConfigPlaced>& src) {
    dst.erase(std::remove_if(dst.begin(), dst.end(),
                             [&](const ConfigPlaced& p) { return !p.path.empty() && under(p.path, path); }),
              dst.end());
    const ConfigPlaced* owner = owner_of(src, path);
    dst.push_back({path, owner->name, owner->text});
    for (const auto& p : src)
        if (p.path.size() > path.size() && under(p.path, path)) dst.push_back(p);
}

// Applies the keys of `src` on `dst` as --set would: a mapping over a mapping merges key
// by key, anything else replaces. The replacing key and value nodes are moved over whole,
// so their marks (lines) stay those of the file that wrote them.
void merge_map(YAML::Node dst, const YAML::Node& src, const std::string& path,
               std::vector<ConfigPlaced>& dst_placed, const std::vector<ConfigPlaced>& src_placed) {
    for (const auto& kv : src) {
        const std::string k = kv.first.Scalar();
        const std::string child = path.empty() ? k : path + "." + k;
        const YAML::Node& cdst = dst;
        YAML::Node d = cdst[k];
        if (d.IsDefined() && d.IsMap() && kv.second.IsMap()) {
            merge_map(d, kv.second, child, dst_placed, src_placed);
            continue;
        }
        if (d.IsDefined()) dst.remove(k);
        dst.force_insert(kv.first, kv.second);
        place(dst_placed, child, src_placed);
    }
}

// Reads a file and the files it extends, depth first.
class ExtendsLoader {
public:
    explicit ExtendsLoader(FileSet files) : files_(files) {}

    Tree load(const std::string& key, const std::string& name, const std::string& text, int depth) {
        YAML::Node root = parse_checked(text, name);
        auto shared_text = std::make_shared<const std::string>(text);
        Tree self{root, {{"", name, shared_text}}};
        const YAML::Node& croot = root;
        if (!root.IsMap() || !croot["extends"].IsDefined()) return self;
        const YAML::Node ext = croot["extends"];
        chain_.push_back({files_.identity(key), name});
        Tree out;
        bool first = true;
        for (const YAML::Node& ref : refs(ext, name, text)) {
            Tree base = load_base(ref, key, name, text, depth);
            if (first) out = std::move(base);
            else merge_map(out.root, base.root, "", out.placed, base.placed);
            first = false;
        }
        chain_.pop_back();
        root.remove("extends");
        merge_map(out.root, root, "", out.placed, self.placed);
        return out;
    }

private:
    // The paths an `extends:` value names: one string or a list of them.
    static std::vector<YAML::Node> refs(const YAML::Node& ext, const std::string& name, const std::string& text) {
        const std::string form = "expected the path of a base config (a string, relative to this file) "
                                 "or a list of such paths, such as 'extends: ../chemistry/calibrated.yaml'";
        std::vector<YAML::Node> out;
        if (ext.IsScalar() && !ext.Scalar().empty()) out.push_back(ext);
        else if (ext.IsSequence() && ext.size() > 0)
            for (const auto& e : ext) {
                if (!e.IsScalar() || e.Scalar().empty()) fail_at(name, text, e.Mark().line + 1, "extends", form);
                out.push_back(e);
            }
        else fail_at(name, text, ext.Mark().is_null() ? 0 : ext.Mark().line + 1, "extends", form);
        return out;
    }

    std::string chain_text(const std::string& last) const {
        std::string out;
        for (const auto& c : chain_) out += c.second + " -> ";
        return out + last;
    }

    Tree load_base(const YAML::Node& ref, const std::string& key, const std::string& name,
                   const std::string& text, int depth) {
        const int line = ref.Mark().line + 1;
        const std::string bkey = files_.resolve(key, ref.Scalar());
        const std::string bname = files_.display(bkey), id = files_.identity(bkey);
        for (const auto& c : chain_)
            if (c.first == id)
                fail_at(name, text, line, "extends", "the configs extend each other in a cycle: " + chain_text(bname));
        if (depth + 1 > kMaxExtendsDepth)
            fail_at(name, text, line, "extends", "extends is nested more than " + std::to_string(kMaxExtendsDepth) +
                                                     " files deep: " + chain_text(bname));
        if (++files_read_ > kMaxExtendedFiles)
            fail_at(name, text, line, "extends", "the extends chain reads more than " +
                                                     std::to_string(kMaxExtendedFiles) + " files");
        std::string btext;
        const std::string why = files_.read(bkey, btext);
        if (!why.empty()) fail_at(name, text, line, "extends", "cannot read the base config '" + bname + "': " + why);
        if ((bytes_ += btext.size()) > kMaxConfigBytes)
            fail_at(name, text, line, "extends", "the extends chain holds more than " +
                                                     std::to_string(kMaxConfigBytes >> 20) + " MiB of YAML");
        Tree base = load(bkey, bname, btext, depth + 1);
        if (!base.root.IsMap())
            fail_at(bname, btext, base.root.Mark().is_null() ? 0 : base.root.Mark().line + 1, "",
                    "a base config (named by extends in " + name + ") is a mapping of keys at the top level");
        return base;
    }

    FileSet files_;
    std::vector<std::pair<std::string, std::string>> chain_;  // (identity, name) being read
    int files_read_ = 0;
    std::size_t bytes_ = 0;
};

}  // namespace

ConfigNode ConfigNode::load_string(const std::string& text, const std::string& name) {
    // Embedded texts extend embedded files; the rest files beside them (or in the working
    // directory for a "<...>" name, whose parent path is empty).
    FileSet files;
    std::string key = name;
    const std::string prefix = "<embedded configs/";
    if (name == "<embedded default>") {
        files.embedded = true;
        key = "default.yaml";
    } else if (name.rfind(prefix, 0) == 0 && name.size() > prefix.size() + 1 && name.back() == '>') {
        files.embedded = true;
        key = name.substr(prefix.size(), name.size() - prefix.size() - 1);
    }
    Tree tree = ExtendsLoader(files).load(key, name, text, 0);
    auto source = std::make_shared<ConfigSource>(ConfigSource{name, text, {}, {}, {}});
    // One file: every node is the file's own, as before extends existed.
    if (!(tree.placed.size() == 1 && tree.placed[0].path.empty() && tree.placed[0].name == name))
        source->placed = std::move(tree.placed);
    return ConfigNode(tree.root, source, "");
}

ConfigNode ConfigNode::load_file(const std::string& path) {
    std::string text;
    const std::string why = read_config_file(path, text);
    if (!why.empty()) throw ConfigError(path, 0, "", why);
    return load_string(text, path);
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

const ConfigPlaced* ConfigNode::placed_by() const {
    return source_ && !source_->placed.empty() ? owner_of(source_->placed, path_) : nullptr;
}

std::string ConfigNode::file_name() const {
    if (const ConfigPlaced* p = placed_by()) return p->name;
    return source_ ? source_->name : std::string("<config>");
}

std::string ConfigNode::origin_name() const {
    if (const std::string* o = override_covering()) return "--set " + *o;
    return file_name();
}

int ConfigNode::origin_line() const { return override_covering() ? 0 : line(); }

void ConfigNode::fail(const std::string& message) const {
    // A node that an override put in place has no line of its own in any file (its marks
    // are positions in the --set text): name the override instead. Later overrides win.
    if (const std::string* o = override_covering()) throw ConfigError("--set " + *o, 0, path_, message);
    // The file of the extends chain that wrote the node, whose text its line is a line of.
    const ConfigPlaced* p = placed_by();
    static const std::string none;
    fail_at(file_name(), p ? *p->text : source_ ? source_->text : none, line(), path_, message);
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
