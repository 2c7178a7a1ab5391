#include "numerics/ida_integrator.hpp"

#include <ida/ida.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_klu.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <Eigen/SparseCore>
#include <Eigen/SparseLU>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <sstream>

#include "core/error.hpp"
#include "numerics/chain_elimination.hpp"
#include "numerics/finite.hpp"
#include "numerics/klu_solver.hpp"
#include "numerics/newton_solver.hpp"
#include "numerics/vector_ops.hpp"

namespace ssbsim {

void SolverSettings::validate() const {
    if (!(rtol > 0 && rtol < 1)) throw Error("solver.rtol must be in (0, 1)");
    if (!(atol > 0 && atol < 1)) throw Error("solver.atol must be in (0, 1)");
    if (max_step < 0) throw Error("solver.max_step must be >= 0");
    if (max_order < 1 || max_order > 5) throw Error("solver.max_order must be 1..5");
}

SolverStats& SolverStats::operator+=(const SolverStats& o) {
    steps += o.steps;
    residual_evaluations += o.residual_evaluations;
    jacobian_evaluations += o.jacobian_evaluations;
    nonlinear_iterations += o.nonlinear_iterations;
    convergence_failures += o.convergence_failures;
    error_test_failures += o.error_test_failures;
    linear_setups += o.linear_setups;
    fresh_factorisations += o.fresh_factorisations;
    jacobian_rebuilds += o.jacobian_rebuilds;
    return *this;
}

namespace {
// IDAGetReturnFlagName returns a malloc'd string that the caller must free.
std::string flag_name(int flag) {
    char* p = IDAGetReturnFlagName(flag);
    std::string out = p ? p : "unknown IDA flag " + std::to_string(flag);
    std::free(p);
    return out;
}
}  // namespace

struct IdaIntegrator::Impl {
    SUNContext ctx = nullptr;
    N_Vector y = nullptr, yp = nullptr, atol = nullptr, id = nullptr;
    SUNMatrix A = nullptr;
    SUNLinearSolver LS = nullptr;
    SUNLinearSolver klu = nullptr;  // LS itself, or the KLU inside the chain elimination
    SUNNonlinearSolver nls = nullptr;  // our Newton (numerics/newton_solver.hpp), or IDA's own
    void* mem = nullptr;
    DaeModel* model = nullptr;
    JacobianAssembler jac;
    // Jacobian reuse (CVODE's policy on IDA): a setup that only changes cj rebuilds the kept
    // dF/dy + cj dF/dy' instead of evaluating it, unless the corrector failed, the integrator
    // restarted, or kMaxStepsBetweenEvaluations steps passed since the last evaluation.
    JacobianFreshness freshness;
    LocalSolve local;              // the model's local nonlinear elimination, for our corrector
    std::vector<char> local_mask;  // LocalSolve::unknown
    bool reuse_jacobian = false;  // the model separates dF/dy' and our corrector runs
    bool kept = false;            // jac holds an evaluation at a state of this integration
    long evaluated_at_step = 0;   // IDA's step count at it
    long rebuilds = 0;            // setups without an evaluation since the last reinit
    bool in_ic = false;           // IDACalcIC (its Newton has no retry on a fresh Jacobian)
    RootFunction roots;
    int root_count = 0;
    std::string callback_error;  // message of an exception thrown inside a callback
    std::string ida_message;     // last message from IDA's error handler
    SolverStats base;            // stats accumulated before the last reinit
    std::vector<char> reported;  // components failure reports may name (empty: all)
    double rtol = 1e-6;

    ~Impl() {
        if (mem) IDAFree(&mem);
        if (nls) SUNNonlinSolFree(nls);
        if (LS) SUNLinSolFree(LS);
        if (A) SUNMatDestroy(A);
        for (N_Vector v : {y, yp, atol, id})
            if (v) N_VDestroy(v);
        if (ctx) SUNContext_Free(&ctx);
    }

    void check(int flag, const char* what) const {
        if (flag < 0) {
            std::ostringstream os;
            os << what << " failed (" << flag_name(flag) << ")";
            if (!ida_message.empty()) os << ": " << ida_message;
            throw SolverError(os.str());
        }
    }
};

namespace {

// At most this many steps between Jacobian evaluations while setups only change cj (CVODE's
// msbj is 50; 10 measured best of 5, 10, 20, 50 and 1000 on 10 C/2 cycles, benchmarks/README.md).
constexpr long kMaxStepsBetweenEvaluations = 10;

int residual_trampoline(realtype t, N_Vector y, N_Vector yp, N_Vector r, void* data) {
    auto* impl = static_cast<IdaIntegrator::Impl*>(data);
    try {
        bool ok = impl->model->residual(t, N_VGetArrayPointer(y), N_VGetArrayPointer(yp),
                                        N_VGetArrayPointer(r));
        return ok ? 0 : 1;  // recoverable: IDA retries with a smaller step
    } catch (const std::exception& e) {
        impl->callback_error = e.what();
        return -1;
    }
}

int jacobian_trampoline(realtype t, realtype cj, N_Vector y, N_Vector yp, N_Vector /*r*/,
                        SUNMatrix J, void* data, N_Vector, N_Vector, N_Vector) {
    auto* impl = static_cast<IdaIntegrator::Impl*>(data);
    try {
        auto& asmb = impl->jac;
        long nst = 0;
        IDAGetNumSteps(impl->mem, &nst);
        auto& fr = impl->freshness;
        if (impl->reuse_jacobian && impl->kept && !fr.fresh_wanted && !impl->in_ic &&
            nst - impl->evaluated_at_step < kMaxStepsBetweenEvaluations) {
            asmb.with_cj(cj);
            fr.last_fresh = false;
            ++impl->rebuilds;
        } else {
            impl->kept = false;  // until the assembly completes (the model may throw)
            asmb.begin(cj);
            impl->model->jacobian(t, cj, N_VGetArrayPointer(y), N_VGetArrayPointer(yp), asmb);
            asmb.end(impl->model->size());
            impl->kept = true;
            impl->evaluated_at_step = nst;
            fr.fresh_wanted = false;
            fr.last_fresh = true;
        }
        // Only the values: the index arrays were set once (the matrix's zero operation,
        // which IDA calls before every Jacobian, is a no-op here: see keep_pattern).
        const auto& v = asmb.values();
        std::memcpy(SUNSparseMatrix_Data(J), v.data(), v.size() * sizeof(double));
        if (all_finite(v.data(), v.size())) return 0;
        impl->kept = false;  // never rebuilt from: the next setup evaluates
        return 1;
    } catch (const std::exception& e) {
        impl->callback_error = e.what();
        return -1;
    }
}

int root_trampoline(realtype t, N_Vector y, N_Vector yp, realtype* g, void* data) {
    auto* impl = static_cast<IdaIntegrator::Impl*>(data);
    try {
        impl->roots(t, N_VGetArrayPointer(y), N_VGetArrayPointer(yp), g);
        return 0;
    } catch (const std::exception& e) {
        impl->callback_error = e.what();
        return -1;
    }
}

// IDA zeroes the Jacobian matrix before each evaluation (SUNMatZero_Sparse clears the
// values and the index arrays), and the callback would then copy the whole pattern back in:
// ~2 % of a chemistry-on step. Every evaluation emits the same pattern and overwrites every
// value, so the matrix keeps its pattern and zeroing is left out.
int keep_pattern(SUNMatrix) { return 0; }

void error_handler(int /*code*/, const char* /*module*/, const char* function, char* msg,
                   void* data) {
    auto* impl = static_cast<IdaIntegrator::Impl*>(data);
    impl->ida_message = std::string(function) + ": " + msg;
}

}  // namespace

IdaIntegrator::IdaIntegrator(DaeModel& model, const SolverSettings& s, double t0,
                             const double* y0, const double* yp0)
    : impl_(std::make_unique<Impl>()), model_(model), t_(t0) {
    s.validate();
    Impl& m = *impl_;
    m.model = &model;
    const int n = model.size();
    if (SUNContext_Create(nullptr, &m.ctx) != 0) throw SolverError("SUNContext_Create failed");
    m.y = N_VNew_Serial(n, m.ctx);
    if (s.fast_vector_ops) enable_fast_vector_ops(m.y);  // IDA clones its work vectors from y
    m.yp = N_VNew_Serial(n, m.ctx);
    if (s.fast_vector_ops) enable_fast_vector_ops(m.yp);  // IDA's sums into y' go by its ops
    m.atol = N_VNew_Serial(n, m.ctx);
    m.id = N_VNew_Serial(n, m.ctx);
    std::copy(y0, y0 + n, N_VGetArrayPointer(m.y));
    std::copy(yp0, yp0 + n, N_VGetArrayPointer(m.yp));
    model.absolute_tolerances(s.atol, N_VGetArrayPointer(m.atol));
    model.differential_ids(N_VGetArrayPointer(m.id));

    // Record the Jacobian pattern once.
    m.jac.begin(1.0);
    model.jacobian(t0, 1.0, y0, yp0, m.jac);
    m.jac.end(n);
    m.A = SUNSparseMatrix(n, n, m.jac.nnz(), CSC_MAT, m.ctx);
    if (m.A) {
        std::copy(m.jac.col_ptr().begin(), m.jac.col_ptr().end(), SUNSparseMatrix_IndexPointers(m.A));
        std::copy(m.jac.row_index().begin(), m.jac.row_index().end(), SUNSparseMatrix_IndexValues(m.A));
        m.A->ops->zero = keep_pattern;
    }
    if (m.A && s.eliminate_chains) {
        const std::vector<EliminationChain> chains = model.elimination_chains();
        if (!chains.empty()) m.LS = make_chain_klu_solver(m.y, m.A, m.ctx, s.keep_pivots, chains);
        if (m.LS) m.klu = chain_solver_klu(m.LS);
    }
    if (!m.LS) m.klu = m.LS = make_klu_solver(m.y, m.A, m.ctx, s.keep_pivots);
    if (!m.A || !m.LS) throw SolverError("cannot create the KLU linear solver");

    m.mem = IDACreate(m.ctx);
    if (!m.mem) throw SolverError("IDACreate failed");
    m.check(IDASetErrHandlerFn(m.mem, error_handler, &m), "IDASetErrHandlerFn");
    m.check(IDAInit(m.mem, residual_trampoline, t0, m.y, m.yp), "IDAInit");
    m.check(IDASetUserData(m.mem, &m), "IDASetUserData");
    m.rtol = s.rtol;
    m.check(IDASVtolerances(m.mem, s.rtol, m.atol), "IDASVtolerances");
    m.check(IDASetLinearSolver(m.mem, m.LS, m.A), "IDASetLinearSolver");
    if (s.adaptive_newton) {
        if (s.local_elimination && model.has_local_solve()) {
            m.local.fn = [](void* data, const double* yp, double* yc, double* d, const double* w) {
                try {  // nothing may leave through SUNDIALS' C frames
                    return static_cast<DaeModel*>(data)->solve_local(yp, yc, d, w);
                } catch (const std::exception&) {
                    return false;  // y_cor as the update left it; the residual will tell
                }
            };
            m.local.data = &model;
            m.local_mask.assign(model.size(), 0);
            model.local_unknowns(m.local_mask.data());
            m.local.unknown = m.local_mask.data();
        }
        m.nls = make_newton_solver(m.y, m.ctx, &m.freshness, &m.local);
        m.reuse_jacobian = s.reuse_jacobian && model.jacobian_separates_mass();
        if (!m.nls) throw SolverError("cannot create the Newton solver");
        m.check(IDASetNonlinearSolver(m.mem, m.nls), "IDASetNonlinearSolver");
    }
    m.check(IDASetJacFn(m.mem, jacobian_trampoline), "IDASetJacFn");
    m.check(IDASetId(m.mem, m.id), "IDASetId");
    m.check(IDASetSuppressAlg(m.mem, SUNTRUE), "IDASetSuppressAlg");
    m.check(IDASetMaxNumSteps(m.mem, 100000), "IDASetMaxNumSteps");
    m.check(IDASetMaxOrd(m.mem, s.max_order), "IDASetMaxOrd");
    m.check(IDASetNonlinConvCoef(m.mem, s.nonlinear_convergence_coefficient), "IDASetNonlinConvCoef");
    if (s.max_step > 0) m.check(IDASetMaxStep(m.mem, s.max_step), "IDASetMaxStep");
    if (s.initial_step > 0) m.check(IDASetInitStep(m.mem, s.initial_step), "IDASetInitStep");
}

IdaIntegrator::~IdaIntegrator() = default;

void IdaIntegrator::reinit(double t0, const double* y0, const double* yp0) {
    Impl& m = *impl_;
    m.base = stats();
    const int n = model_.size();
    if (y0 != N_VGetArrayPointer(m.y)) std::copy(y0, y0 + n, N_VGetArrayPointer(m.y));
    if (yp0 != N_VGetArrayPointer(m.yp)) std::copy(yp0, yp0 + n, N_VGetArrayPointer(m.yp));
    m.check(IDAReInit(m.mem, t0, m.y, m.yp), "IDAReInit");
    m.freshness.fresh_wanted = true;
    m.rebuilds = 0;
    t_ = t0;
}

// Newton's method on the algebraic equations alone (differential y and all y' held), with a
// fresh Jacobian every iteration. IDA's corrector and IDACalcIC reuse one Jacobian over
// their iterations, and IDA leaves the algebraic unknowns out of its error test
// (IDASetSuppressAlg): where an algebraic row's derivatives change several-fold over the
// last steps (a cell's intercalation current near the knee of the insertion drop,
// models/intercalation.hpp), the corrector can pass with that row unconverged, the error
// accumulates step by step, and from the drifted state neither converges at any step size.
// The exact Newton converges from it (Study A at 40 degC on 60 x 60: 5 iterations).
// Returns whether it converged (y unchanged otherwise).
bool IdaIntegrator::settle_algebraic(double t) {
    Impl& m = *impl_;
    const int n = model_.size();
    const double* id = N_VGetArrayPointer(m.id);
    const double* atol = N_VGetArrayPointer(m.atol);
    double* y = N_VGetArrayPointer(m.y);
    double* yp = N_VGetArrayPointer(m.yp);
    std::vector<int> pos(n, -1), alg;
    for (int i = 0; i < n; ++i)
        if (id[i] == 0.0) {
            pos[i] = static_cast<int>(alg.size());
            alg.push_back(i);
        }
    const int na = static_cast<int>(alg.size());
    if (na == 0) return false;
    const std::vector<double> y0(y, y + n);
    std::vector<double> F(n);
    Eigen::VectorXd r(na), dx(na);
    Eigen::SparseLU<Eigen::SparseMatrix<double>, Eigen::COLAMDOrdering<int>> lu;
    constexpr int kIterations = 20;
    for (int it = 0; it < kIterations; ++it) {
        if (!model_.residual(t, y, yp, F.data())) break;
        m.jac.begin(0.0);
        m.kept = false;
        model_.jacobian(t, 0.0, y, yp, m.jac);  // dF/dy
        m.jac.end(n);
        std::vector<Eigen::Triplet<double>> entries;
        for (int c = 0; c < n; ++c) {
            if (pos[c] < 0) continue;
            for (auto k = m.jac.col_ptr()[c]; k < m.jac.col_ptr()[c + 1]; ++k) {
                const int row = m.jac.row_index()[k];
                if (pos[row] >= 0) entries.emplace_back(pos[row], pos[c], m.jac.values()[k]);
            }
        }
        Eigen::SparseMatrix<double> M(na, na);
        M.setFromTriplets(entries.begin(), entries.end());
        lu.compute(M);
        if (lu.info() != Eigen::Success) break;
        for (int k = 0; k < na; ++k) r(k) = -F[alg[k]];
        dx = lu.solve(r);
        // Converged when the step is far inside the error weights (IDA's own scale).
        double worst = 0.0;
        for (int k = 0; k < na; ++k) {
            const int i = alg[k];
            y[i] += dx(k);
            worst = std::max(worst, std::fabs(dx(k)) / (m.rtol * std::fabs(y[i]) + atol[i]));
        }
        if (!std::isfinite(worst)) break;
        if (worst < 1e-3) return true;
    }
    std::copy(y0.begin(), y0.end(), y);
    return false;
}

void IdaIntegrator::calc_ic(double t_next, int step_sizes) {
    Impl& m = *impl_;
    m.ida_message.clear();
    m.check(IDASetMaxNumStepsIC(m.mem, step_sizes), "IDASetMaxNumStepsIC");
    struct InIc {
        bool& b;
        ~InIc() { b = false; }
    } in_ic{m.in_ic = true};
    int flag = IDACalcIC(m.mem, IDA_YA_YDP_INIT, t_next);
    // A failure from a drifted state (see settle_algebraic): settle it, then try again.
    if (flag < 0 && settle_algebraic(t_)) {
        m.base = stats();  // IDAReInit clears IDA's counters
        m.check(IDAReInit(m.mem, t_, m.y, m.yp), "IDAReInit");
        m.rebuilds = 0;
        m.ida_message.clear();
        flag = IDACalcIC(m.mem, IDA_YA_YDP_INIT, t_next);
    }
    if (flag < 0) {
        std::string cause = !m.callback_error.empty() ? m.callback_error : m.ida_message;
        // No local error estimates exist before the first step: the caller explains the
        // failure in terms of the physical state.
        throw SolverError("consistent initial conditions could not be found (" + flag_name(flag) +
                          "): " + cause);
    }
    m.check(IDAGetConsistentIC(m.mem, m.y, m.yp), "IDAGetConsistentIC");
    m.freshness.fresh_wanted = true;  // the first step evaluates at its own state
}

void IdaIntegrator::set_roots(int count, RootFunction fn) {
    Impl& m = *impl_;
    m.roots = std::move(fn);
    m.root_count = count;
    m.check(IDARootInit(m.mem, count, count > 0 ? root_trampoline : nullptr), "IDARootInit");
}

void IdaIntegrator::set_stop_time(double t_stop) {
    impl_->check(IDASetStopTime(impl_->mem, t_stop), "IDASetStopTime");
}

void IdaIntegrator::set_max_newton_iterations(int n) {
    impl_->check(IDASetMaxNonlinIters(impl_->mem, n), "IDASetMaxNonlinIters");
}

void IdaIntegrator::clear_stop_time() {
    // IDAClearStopTime arrived in SUNDIALS 6.5; a stop time beyond any protocol is the same.
    impl_->check(IDASetStopTime(impl_->mem, 1e300), "IDASetStopTime");
}

IdaIntegrator::Result IdaIntegrator::step(double t_out) {
    Impl& m = *impl_;
    m.ida_message.clear();
    m.callback_error.clear();
    double t = t_;
    int flag = IDASolve(m.mem, t_out, &t, m.y, m.yp, IDA_ONE_STEP);
    t_ = t;
    if (flag == IDA_SUCCESS) return Result::step;
    if (flag == IDA_TSTOP_RETURN) return Result::stop_time;
    if (flag == IDA_ROOT_RETURN) return Result::root;
    std::ostringstream os;
    os << flag_name(flag);
    if (!m.callback_error.empty()) os << ": " << m.callback_error;
    else if (!m.ida_message.empty()) os << ": " << m.ida_message;
    os << describe_worst_components(3);
    throw SolverError(os.str());
}

void IdaIntegrator::set_reported_components(std::vector<char> mask) {
    impl_->reported = std::move(mask);
}

std::vector<int> IdaIntegrator::roots_found() const {
    std::vector<int> info(impl_->root_count, 0);
    if (impl_->root_count > 0) IDAGetRootInfo(impl_->mem, info.data());
    return info;
}

const double* IdaIntegrator::y() const { return N_VGetArrayPointer(impl_->y); }
const double* IdaIntegrator::yp() const { return N_VGetArrayPointer(impl_->yp); }
double* IdaIntegrator::y_mutable() { return N_VGetArrayPointer(impl_->y); }
double* IdaIntegrator::yp_mutable() { return N_VGetArrayPointer(impl_->yp); }

void IdaIntegrator::interpolate(double t, double* y_out) const {
    N_Vector v = N_VMake_Serial(model_.size(), y_out, impl_->ctx);
    int flag = IDAGetDky(impl_->mem, t, 0, v);
    N_VDestroy(v);
    impl_->check(flag, "IDAGetDky");
}

SolverStats IdaIntegrator::stats() const {
    const Impl& m = *impl_;
    long nst = 0, nre = 0, nje = 0, nni = 0, ncf = 0, netf = 0;
    IDAGetNumSteps(m.mem, &nst);
    IDAGetNumResEvals(m.mem, &nre);
    IDAGetNumJacEvals(m.mem, &nje);
    IDAGetNumNonlinSolvIters(m.mem, &nni);
    IDAGetNumNonlinSolvConvFails(m.mem, &ncf);
    IDAGetNumErrTestFails(m.mem, &netf);
    SolverStats s = m.base;
    SolverStats now{nst, nre, nje - m.rebuilds, nni, ncf, netf};
    now.jacobian_rebuilds = m.rebuilds;
    s += now;
    // The KLU counters run over the integrator's whole life, across reinits.
    KluCounters klu = klu_counters(m.klu);
    if (m.LS != m.klu) {  // the chain elimination's KLU on the whole matrix too
        const KluCounters full = klu_counters(chain_solver_full_klu(m.LS));
        klu.setups += full.setups;
        klu.fresh_factorisations += full.fresh_factorisations;
    }
    s.linear_setups = klu.setups;
    s.fresh_factorisations = klu.fresh_factorisations;
    return s;
}

int IdaIntegrator::eliminated_unknowns() const {
    return impl_->LS != impl_->klu ? chain_solver_eliminated(impl_->LS) : 0;
}

std::string IdaIntegrator::describe_worst_components(int count) const {
    const Impl& m = *impl_;
    const int n = model_.size();
    N_Vector ele = N_VClone(m.y), w = N_VClone(m.y);
    std::string out;
    if (IDAGetEstLocalErrors(m.mem, ele) == IDA_SUCCESS && IDAGetErrWeights(m.mem, w) == IDA_SUCCESS) {
        const double* e = N_VGetArrayPointer(ele);
        const double* wt = N_VGetArrayPointer(w);
        std::vector<int> idx;
        for (int i = 0; i < n; ++i)
            if (m.reported.empty() || (i < static_cast<int>(m.reported.size()) && m.reported[i])) idx.push_back(i);
        const int shown = std::min<int>(count, static_cast<int>(idx.size()));
        auto score = [&](int i) { return std::fabs(e[i] * wt[i]); };
        std::partial_sort(idx.begin(), idx.begin() + shown, idx.end(),
                          [&](int a, int b) { return score(a) > score(b); });
        std::ostringstream os;
        if (shown > 0) os << "; largest weighted local errors:";
        for (int k = 0; k < shown; ++k)
            os << " " << model_.variable_name(idx[k]) << " (" << score(idx[k]) << ", value "
               << N_VGetArrayPointer(m.y)[idx[k]] << ")" << (k + 1 < shown ? "," : "");
        out = os.str();
    }
    N_VDestroy(ele);
    N_VDestroy(w);
    return out;
}

}  // namespace ssbsim
