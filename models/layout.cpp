#include "models/layout.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace ssbsim {

StateLayout::StateLayout(int n_separator, int n_cathode) : ns_(n_separator), nc_(n_cathode) {}

int StateLayout::add(BlockSpec spec) {
    if (finished_) throw Error("state layout: block '" + spec.name + "' added after the layout was fixed");
    if (spec.components < 1) throw Error("state layout: block '" + spec.name + "' has no components");
    if (find(spec.name) >= 0) throw Error("state layout: block '" + spec.name + "' added twice");
    blocks_.push_back(Block{std::move(spec)});
    return n_blocks() - 1;
}

void StateLayout::finish() {
    sep_stride_ = cat_stride_ = n_global_ = 0;
    for (Block& k : blocks_) {
        const int n = k.spec.components;
        switch (k.spec.region) {
            case Region::all_cells:
                k.offset_sep = sep_stride_;
                sep_stride_ += n;
                k.offset_cat = cat_stride_;
                cat_stride_ += n;
                break;
            case Region::cathode_cells:
                k.offset_cat = cat_stride_;
                cat_stride_ += n;
                break;
            case Region::global:
                k.offset_global = n_global_;
                n_global_ += n;
                break;
        }
    }
    sep_size_ = ns_ * sep_stride_;
    global_start_ = sep_size_ + nc_ * cat_stride_;
    size_ = global_start_ + n_global_;
    finished_ = true;
}

int StateLayout::find(const std::string& name) const {
    for (int b = 0; b < n_blocks(); ++b)
        if (blocks_[b].spec.name == name) return b;
    return -1;
}

StateLayout::Location StateLayout::locate(int i) const {
    Location loc;
    if (i < 0 || i >= size_) return loc;
    Region region;
    int within;  // offset within the node or the globals
    if (i < sep_size_) {
        region = Region::all_cells;
        loc.node = i / sep_stride_;
        within = i % sep_stride_;
    } else if (i < global_start_) {
        region = Region::cathode_cells;
        loc.node = ns_ + (i - sep_size_) / cat_stride_;
        within = (i - sep_size_) % cat_stride_;
    } else {
        region = Region::global;
        within = i - global_start_;
    }
    for (int b = 0; b < n_blocks(); ++b) {
        const Block& k = blocks_[b];
        int offset = region == Region::all_cells ? k.offset_sep
                     : region == Region::cathode_cells ? k.offset_cat : k.offset_global;
        if (offset < 0 || within < offset || within >= offset + k.spec.components) continue;
        // A global block's offset is among the globals only; a cell block's among the node's.
        if ((region == Region::global) != (k.spec.region == Region::global)) continue;
        loc.block = b;
        loc.component = within - offset;
        if (k.spec.region == Region::cathode_cells) loc.node -= ns_;  // cathode-cell numbering
        return loc;
    }
    return loc;
}

std::string StateLayout::component_name(const Block& k, int component) const {
    if (!k.spec.component_names.empty()) return k.spec.component_names[component];
    if (k.spec.components == 1) return k.spec.name;
    return k.spec.name + "[" + k.spec.component_label + " " + std::to_string(component) + "]";
}

std::string StateLayout::variable_name(int i) const {
    const Location loc = locate(i);
    if (loc.block < 0) return "state " + std::to_string(i) + " (outside the layout)";
    const Block& k = blocks_[loc.block];
    std::string name = component_name(k, loc.component);
    switch (k.spec.region) {
        case Region::global: return name;
        case Region::cathode_cells: return name + " at cathode cell " + std::to_string(loc.node);
        case Region::all_cells: break;
    }
    return loc.node < ns_ ? name + " at separator cell " + std::to_string(loc.node)
                          : name + " at cathode cell " + std::to_string(loc.node - ns_);
}

void StateLayout::differential_ids(double* id) const {
    std::fill(id, id + size_, 0.0);
    for (int b = 0; b < n_blocks(); ++b) {
        if (!blocks_[b].spec.differential) continue;
        const int n = blocks_[b].spec.components;
        if (blocks_[b].spec.region == Region::global) {
            for (int c = 0; c < n; ++c) id[index(b, 0, c)] = 1.0;
            continue;
        }
        const int nodes = blocks_[b].spec.region == Region::all_cells ? ns_ + nc_ : nc_;
        for (int node = 0; node < nodes; ++node)
            for (int c = 0; c < n; ++c) id[index(b, node, c)] = 1.0;
    }
}

std::vector<char> StateLayout::reported() const {
    std::vector<char> r(size_, 0);
    for (int i = 0; i < size_; ++i) r[i] = blocks_[locate(i).block].spec.reported ? 1 : 0;
    return r;
}

}  // namespace ssbsim
