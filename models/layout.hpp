// The state vector of a cell model as named blocks (STYLE.md pattern 2).
//
// A block is a named variable with a number of components (1 for a potential, N_r for
// the shell concentrations), either per node of a region of the mesh (every cell, or the
// cathode cells only) or global (one set for the whole cell). The state is ordered node by
// node - every block of node 0, then every block of node 1, ... - and then the globals, in
// the order the blocks were added, so the Jacobian stays narrowly banded and a block that
// is added later goes to the end of its node (or of the globals).
//
// Blocks are added first; finish() fixes the offsets. index(block, node, component) is then
// O(1) and inline: regions are contiguous runs of nodes with one stride each.
#pragma once

#include <string>
#include <vector>

namespace ssbsim {

class StateLayout {
public:
    enum class Region { all_cells, cathode_cells, global };

    // The mesh: n_separator cells then n_cathode cells, numbered 0 .. N-1 over both.
    StateLayout(int n_separator, int n_cathode);

    struct BlockSpec {
        std::string name;              // "phi_e", "c_s", "trapped lithium"
        Region region = Region::cathode_cells;
        int components = 1;
        // Label of each component; empty: "name" for one, "name[label i]" for several.
        std::vector<std::string> component_names;
        std::string component_label;   // "shell": c_s[shell 3]
        bool differential = false;     // the state has a time derivative in its residual
        bool reported = true;          // named in solver-failure reports (not book-keeping)
    };
    // Returns the block's id. Only before finish().
    int add(BlockSpec spec);
    void finish();

    int size() const { return size_; }
    int n_separator() const { return ns_; }
    int n_cathode() const { return nc_; }
    int n_cells() const { return ns_ + nc_; }
    int n_blocks() const { return static_cast<int>(blocks_.size()); }
    int find(const std::string& name) const;  // block id, -1 if absent
    const BlockSpec& block(int b) const { return blocks_[b].spec; }

    // Index of a component. node: cell over separator then cathode for all_cells blocks,
    // cathode cell for cathode_cells blocks, ignored for globals.
    int index(int b, int node, int component = 0) const {
        const Block& k = blocks_[b];
        switch (k.spec.region) {
            case Region::all_cells:
                return node < ns_ ? node * sep_stride_ + k.offset_sep + component
                                  : sep_size_ + (node - ns_) * cat_stride_ + k.offset_cat + component;
            case Region::cathode_cells: return sep_size_ + node * cat_stride_ + k.offset_cat + component;
            case Region::global: break;
        }
        return global_start_ + k.offset_global + component;
    }
    // Index of a cathode-cell block at cathode cell m (the hot-loop form).
    int cathode_index(int b, int m, int component = 0) const {
        return sep_size_ + m * cat_stride_ + blocks_[b].offset_cat + component;
    }
    int cathode_stride() const { return cat_stride_; }  // states per cathode cell
    int global_start() const { return global_start_; }

    // Which block, node and component state i is.
    struct Location {
        int block = -1, node = 0, component = 0;
    };
    Location locate(int i) const;
    // "c_s[shell 3] at cathode cell 2", "phi_e at separator cell 0", "charge passed Q".
    std::string variable_name(int i) const;
    // 1 for the components of differential blocks.
    void differential_ids(double* id) const;
    // 1 for the components of reported blocks (see BlockSpec::reported).
    std::vector<char> reported() const;

private:
    struct Block {
        BlockSpec spec;
        int offset_sep = -1, offset_cat = -1, offset_global = -1;  // within a node / the globals
    };
    std::vector<Block> blocks_;
    int ns_, nc_;
    bool finished_ = false;
    int sep_stride_ = 0, cat_stride_ = 0, n_global_ = 0;
    int sep_size_ = 0, global_start_ = 0, size_ = 0;
    std::string component_name(const Block& k, int component) const;
};

}  // namespace ssbsim
