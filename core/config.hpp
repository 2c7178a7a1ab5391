// Configuration nodes that remember where they came from (file, line, key path), so every
// error names the file, the line, the key and the expected form.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/units.hpp"

namespace ssbsim {

// One file of an `extends:` chain and a key path it placed in the merged tree.
struct ConfigPlaced {
    std::string path;                        // "" for the whole tree (the first base read)
    std::string name;                        // the file's path or "<embedded configs/...>"
    std::shared_ptr<const std::string> text;  // its text, for error context
};

// The text a YAML tree was read from, kept for error context.
struct ConfigSource {
    std::string name;  // file path or "<embedded default>" or "--set"
    std::string text;
    std::vector<std::string> overridden;     // key paths replaced or created by --set
    std::vector<std::string> override_text;  // the assignments, parallel to `overridden`
    // For a file that extends others: which file placed which key path. A node belongs to
    // the entry with the longest path that is its own path or a prefix of it; empty when
    // the tree is one file (`name`, `text`).
    std::vector<ConfigPlaced> placed;
    std::string line_text(int line) const;  // 1-based
};

class ConfigNode {
public:
    ConfigNode() = default;
    ConfigNode(YAML::Node node, std::shared_ptr<const ConfigSource> source, std::string path);

    // Reads a YAML file (throws ConfigError with file:line on syntax errors). A top-level
    // `extends: PATH` (or a list of paths) is resolved: the base files are read first
    // (recursively) and this file's keys applied on top, mappings merged key by key, any
    // other value replacing (the path semantics of --set). PATH is relative to the
    // directory of the file that names it.
    static ConfigNode load_file(const std::string& path);
    // The same for text already read. `name` places errors and decides where `extends:`
    // looks: "<embedded default>" (configs/default.yaml) and "<embedded configs/PATH>" among
    // the files embedded in the binary, another "<...>" name in the working directory, a
    // path beside that path.
    static ConfigNode load_string(const std::string& text, const std::string& name);
    // Applies --set assignments to a loaded tree and remembers them for error messages.
    ConfigNode with_overrides(const std::vector<std::string>& assignments) const;

    bool defined() const { return node_.IsDefined() && !node_.IsNull(); }
    bool is_map() const { return node_.IsMap(); }
    bool is_sequence() const { return node_.IsSequence(); }
    bool is_scalar() const { return node_.IsScalar(); }
    bool has(const std::string& key) const;
    std::size_t size() const { return node_.size(); }

    ConfigNode operator[](const std::string& key) const;  // may be undefined
    ConfigNode at(const std::string& key) const;          // required
    ConfigNode operator[](std::size_t index) const;
    std::vector<std::string> keys() const;

    // Rejects keys not in the list, suggesting the closest valid one.
    void allow_only(std::initializer_list<const char*> keys) const;
    void allow_only(const std::vector<std::string>& keys) const;

    // Scalar readers. The `key` form reads a child; absent keys take the default or throw.
    double quantity(const units::Dimension& d) const;
    double quantity(const std::string& key, const units::Dimension& d) const;
    double quantity(const std::string& key, const units::Dimension& d, double fallback) const;
    double number() const;
    double number(const std::string& key) const;
    double number(const std::string& key, double fallback) const;
    int integer(const std::string& key, int fallback) const;
    bool boolean(const std::string& key, bool fallback) const;
    std::string string() const;
    std::string string(const std::string& key) const;
    std::string string(const std::string& key, const std::string& fallback) const;
    std::vector<double> numbers(const std::string& key) const;

    // Range checks on a read value; throw a ConfigError naming the allowed range.
    double in_range(const std::string& key, double value, double lo, double hi,
                    const std::string& form) const;

    [[noreturn]] void fail(const std::string& message) const;
    [[noreturn]] void fail(const std::string& key, const std::string& message) const;

    const std::string& path() const { return path_; }
    std::string child_path(const std::string& key) const;
    int line() const;  // 1-based, 0 when unknown
    // Where the user wrote this node: the file and line, or "--set <assignment>" and 0 for
    // a node an override put in place (its marks are positions in the --set text).
    std::string origin_name() const;
    int origin_line() const;
    // The file this node was written in, --set or not: the top file, or for a key an
    // `extends:` base placed, that base (relative paths in a value are relative to it).
    std::string file_name() const;
    const YAML::Node& yaml() const { return node_; }
    const ConfigSource* source() const { return source_.get(); }

private:
    const std::string* override_covering() const;  // the --set text that placed this node
    const ConfigPlaced* placed_by() const;         // the extends-chain file, if any
    YAML::Node node_;
    std::shared_ptr<const ConfigSource> source_;
    std::string path_;
    int parent_line_ = 0;
};

// Applies a command-line override "a.b.0.c=value" to a YAML tree (value read as YAML).
// Returns the shallowest key path the assignment created (the whole path when every key
// existed), which error messages attribute to the override. Throws ConfigError naming the
// assignment on a malformed path or value.
std::string apply_override(YAML::Node root, const std::string& assignment);

// Closest string by edit distance, empty when nothing is reasonably close.
std::string closest_match(const std::string& word, const std::vector<std::string>& options);

}  // namespace ssbsim
