#include "params/yaml_text.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace ssbsim {

namespace {
// The node at a --set style key path ("a.b.2.c"), undefined when absent.
YAML::Node lookup(const YAML::Node& root, const std::string& path) {
    YAML::Node node = YAML::Clone(root);
    std::stringstream ss(path);
    for (std::string p; std::getline(ss, p, '.');) {
        bool index = !p.empty() && std::all_of(p.begin(), p.end(), ::isdigit);
        if (index) {
            if (!node.IsSequence() || std::stoul(p) >= node.size()) return YAML::Node(YAML::NodeType::Undefined);
            node.reset(node[std::stoul(p)]);
        } else {
            if (!node.IsMap() || !node[p]) return YAML::Node(YAML::NodeType::Undefined);
            node.reset(node[p]);
        }
    }
    return node;
}
}  // namespace

std::string yaml_text(const ConfigNode& n) {
    YAML::Emitter em;
    em << n.yaml();
    return em.c_str();
}

std::string flow_text(const ConfigNode& n) {
    YAML::Emitter em;
    em << YAML::Flow << n.yaml();
    return em.c_str();
}

bool has_path(const ConfigNode& root, const std::string& path) {
    return lookup(root.yaml(), path).IsDefined();
}

std::optional<std::string> scalar_at(const ConfigNode& root, const std::string& path) {
    const YAML::Node v = lookup(root.yaml(), path);
    if (!v.IsDefined() || !v.IsScalar()) return std::nullopt;
    return v.Scalar();
}

}  // namespace ssbsim
