// The narrow interface between a model and the integrator: F(t, y, y') = 0 over a state
// vector, its sparse Jacobian dF/dy + cj dF/dy', and event (root) functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ssbsim {

// Collects Jacobian entries. On the first assembly it records the (row, col) sequence and
// builds the compressed-sparse-column pattern once; later assemblies must emit the same
// sequence and only values are refilled, with no search and no allocation.
class JacobianAssembler {
public:
    // Starts an assembly. out (once the pattern is built): the values go to out[0 .. nnz)
    // in CSC order (a solver's matrix, no copy) and values() keeps the last assembly's
    // without out.
    void begin(double* out = nullptr);
    void add(int row, int col, double value) {
        if (recording_) {
            rows_.push_back(row);
            cols_.push_back(col);
            values_.push_back(value);
        } else {
            out_[position_[cursor_++]] += value;
        }
    }
    void end(int n);                    // finish; builds the pattern after the first pass

    bool has_pattern() const { return !recording_; }
    int nnz() const { return static_cast<int>(row_index_.size()); }
    const std::vector<std::int64_t>& col_ptr() const { return col_ptr_; }
    const std::vector<std::int64_t>& row_index() const { return row_index_; }
    const std::vector<double>& values() const { return values_csc_; }

private:
    bool recording_ = true;
    std::vector<int> rows_, cols_;
    std::vector<double> values_;
    std::vector<std::size_t> position_;  // entry k -> index in CSC arrays
    std::vector<std::int64_t> col_ptr_, row_index_;
    std::vector<double> values_csc_;
    double* out_ = nullptr;  // where add() sums: values_csc_ or begin's out
    std::size_t cursor_ = 0;
};

// Unknowns e_0 .. e_{m-1} (`interior`, in elimination order) whose rows and columns couple
// only to their neighbours in the chain, e_{m-1} also to `attach`: a particle's inner shells,
// where Fickian diffusion links each shell to the next only. The linear solver may eliminate
// such a chain by a tridiagonal sweep before the sparse factorisation
// (numerics/chain_elimination.hpp); it checks the claim against the Jacobian's pattern and
// leaves a chain that does not fit to the sparse solve.
// `local`: unknowns condensed together with `attach` after the chain (a dense block, e.g. a
// particle's surface shell and its intercalation current): the block's rows and columns may
// couple only to each other and to a few further unknowns (the cell's potentials), which
// keep the Schur complement; a block that does not fit stays in the sparse solve.
struct EliminationChain {
    std::vector<int> interior;
    int attach = -1;
    std::vector<int> local;
};

class DaeModel {
public:
    virtual ~DaeModel() = default;
    virtual int size() const = 0;
    // F(t, y, y'); must not throw for values IDA may try (return false to ask IDA to retry
    // with a smaller step).
    virtual bool residual(double t, const double* y, const double* ydot, double* F) = 0;
    // dF/dy + cj dF/dy' into J, same entry sequence on every call.
    virtual void jacobian(double t, double cj, const double* y, const double* ydot,
                          JacobianAssembler& J) = 0;
    // 1 for differential components, 0 for algebraic ones.
    virtual void differential_ids(double* id) const = 0;
    // Absolute tolerance per component.
    virtual void absolute_tolerances(double atol_scale, double* atol) const = 0;
    // Human-readable name of a component, e.g. "c_s[r=19] at cathode node 3".
    virtual std::string variable_name(int i) const = 0;
    // Chains the linear solver may eliminate first (none by default).
    virtual std::vector<EliminationChain> elimination_chains() const { return {}; }
};

}  // namespace ssbsim
