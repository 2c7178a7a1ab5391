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
    // Starts an assembly of dF/dy + cj dF/dy'.
    void begin(double cj);
    // An entry of dF/dy.
    void add(int row, int col, double value) {
        if (recording_) {
            rows_.push_back(row);
            cols_.push_back(col);
            values_.push_back(value);
            masses_.push_back(0.0);
        } else {
            values_csc_[position_[cursor_++]] += value;
        }
    }
    // An entry of dF/dy (value) and of dF/dy' (mass): value + cj mass in the matrix. Every
    // term of the model's Jacobian in cj comes through here, so the matrix can be rebuilt at
    // another cj from the kept parts (with_cj).
    void add(int row, int col, double value, double mass) {
        if (recording_) {
            rows_.push_back(row);
            cols_.push_back(col);
            values_.push_back(value + cj_ * mass);
            masses_.push_back(mass);
        } else {
            const std::size_t k = position_[cursor_++];
            values_csc_[k] += value + cj_ * mass;
            masses_csc_[k] += mass;
        }
    }
    void end(int n);                    // finish; builds the pattern after the first pass

    double cj() const { return cj_; }
    // The last assembly's dF/dy and dF/dy' at another cj: values = dF/dy + cj dF/dy' (the
    // stale Jacobian's state with the new step's coefficient).
    void with_cj(double cj);

    bool has_pattern() const { return !recording_; }
    int nnz() const { return static_cast<int>(row_index_.size()); }
    const std::vector<std::int64_t>& col_ptr() const { return col_ptr_; }
    const std::vector<std::int64_t>& row_index() const { return row_index_; }
    const std::vector<double>& values() const { return values_csc_; }

private:
    bool recording_ = true;
    std::vector<int> rows_, cols_;
    std::vector<double> values_, masses_;
    std::vector<std::size_t> position_;  // entry k -> index in CSC arrays
    std::vector<std::int64_t> col_ptr_, row_index_;
    std::vector<double> values_csc_, masses_csc_;  // dF/dy + cj dF/dy', and dF/dy'
    std::size_t cursor_ = 0;
    double cj_ = 0.0;
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
    // Whether every term of jacobian() in cj comes as a mass entry (JacobianAssembler::add
    // with dF/dy'), so that the integrator may rebuild a kept Jacobian at a new cj.
    virtual bool jacobian_separates_mass() const { return false; }
    // Chains the linear solver may eliminate first (none by default).
    virtual std::vector<EliminationChain> elimination_chains() const { return {}; }
    // Local nonlinear elimination for the corrector (numerics/newton_solver.hpp LocalSolve):
    // whether the model has algebraic unknowns each of which its own residual row fixes,
    // given every other unknown (a reaction current by its rate law); local_unknowns marks
    // them (mask[i] = 1); solve_local solves those rows at y = y_pred + y_cor by changing
    // only those unknowns in y_cor, adds each change to delta (the corrector's last update,
    // which was subtracted from y_cor) and returns whether it changed any. w: the
    // corrector's error weights; each unknown is solved to 1e-3 / w of it.
    virtual bool has_local_solve() const { return false; }
    virtual void local_unknowns(char* /*mask*/) const {}
    virtual bool solve_local(const double* /*y_pred*/, double* /*y_cor*/, double* /*delta*/, const double* /*w*/) {
        return false;
    }
};

}  // namespace ssbsim
