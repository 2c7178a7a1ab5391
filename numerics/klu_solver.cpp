#include "numerics/klu_solver.hpp"

#include <sunlinsol/sunlinsol_klu.h>
#include <sunmatrix/sunmatrix_sparse.h>

namespace ssbsim {

namespace {

// A fresh factorisation is due when rcond falls below this fraction of its value at the
// last one. Scaling alone keeps rcond roughly constant along a run (measured: within a
// factor 10 over a Study A cycle), a pivot that has gone bad drops it by orders.
constexpr double kRcondDrop = 1e-3;

struct Content {
    SUNLinearSolver klu = nullptr;  // SUNDIALS' KLU solver: symbolic, numeric, solve
    double rcond_fresh = 0;          // rcond after the last fresh factorisation
    bool keep_pivots = true;         // false: SUNDIALS' own setup (for comparison)
    KluCounters counters;
    bool fresh_due = false;          // IDA (re)started: factorise afresh, keep the analysis
};

Content* content(SUNLinearSolver S) { return static_cast<Content*>(S->content); }
SUNLinearSolverContent_KLU klu_of(SUNLinearSolver S) {
    return static_cast<SUNLinearSolverContent_KLU>(content(S)->klu->content);
}

#if defined(SUNDIALS_INT64_T)
using KluIndex = SuiteSparse_long;
#else
using KluIndex = int;
#endif

// The full path of SUNDIALS' setup: analysis (first time) and factorisation with pivoting.
int fresh_setup(SUNLinearSolver S, SUNMatrix A) {
    Content* c = content(S);
    SUNLinearSolverContent_KLU k = klu_of(S);
    int flag;
    if (k->first_factorize || !k->numeric) {
        flag = SUNLinSolSetup(c->klu, A);  // analyses, factorises, clears first_factorize
    } else {
        sun_klu_free_numeric(&k->numeric, &k->common);
        k->numeric = sun_klu_factor(reinterpret_cast<KluIndex*>(SUNSparseMatrix_IndexPointers(A)),
                                    reinterpret_cast<KluIndex*>(SUNSparseMatrix_IndexValues(A)),
                                    SUNSparseMatrix_Data(A), k->symbolic, &k->common);
        flag = k->numeric ? SUNLS_SUCCESS : SUNLS_PACKAGE_FAIL_UNREC;
        k->last_flag = flag;
    }
    if (flag == SUNLS_SUCCESS) {
        ++c->counters.fresh_factorisations;
        c->rcond_fresh = sun_klu_rcond(k->symbolic, k->numeric, &k->common) ? k->common.rcond : 0.0;
    }
    return flag;
}

int setup(SUNLinearSolver S, SUNMatrix A) {
    Content* c = content(S);
    SUNLinearSolverContent_KLU k = klu_of(S);
    ++c->counters.setups;
    if (!c->keep_pivots) {
        const bool first = k->first_factorize || !k->numeric;
        const int flag = SUNLinSolSetup(c->klu, A);
        if (first && flag == SUNLS_SUCCESS) ++c->counters.fresh_factorisations;
        return flag;
    }
    if (k->first_factorize || !k->numeric || c->fresh_due) {
        c->fresh_due = false;
        return fresh_setup(S, A);
    }
    const bool refactored =
        sun_klu_refactor(reinterpret_cast<KluIndex*>(SUNSparseMatrix_IndexPointers(A)),
                         reinterpret_cast<KluIndex*>(SUNSparseMatrix_IndexValues(A)),
                         SUNSparseMatrix_Data(A), k->symbolic, k->numeric, &k->common) != 0;
    if (refactored && sun_klu_rcond(k->symbolic, k->numeric, &k->common) &&
        k->common.rcond >= kRcondDrop * c->rcond_fresh) {
        k->last_flag = SUNLS_SUCCESS;
        return SUNLS_SUCCESS;
    }
    return fresh_setup(S, A);
}

SUNLinearSolver_Type get_type(SUNLinearSolver) { return SUNLINEARSOLVER_DIRECT; }
SUNLinearSolver_ID get_id(SUNLinearSolver) { return SUNLINEARSOLVER_CUSTOM; }
// IDA initialises its linear solver at every start (each protocol step, each restart), and
// SUNDIALS' KLU then analyses the matrix again (BTF, COLAMD: ~40 % of a fresh setup) although
// the pattern never changes (IdaIntegrator fixes it at the first Jacobian). The analysis is
// kept; the next setup still factorises with fresh pivoting, as SUNDIALS' would, and the
// same analysis of the same pattern gives the same factors to the bit.
int initialize(SUNLinearSolver S) {
    Content* c = content(S);
    SUNLinearSolverContent_KLU k = klu_of(S);
    if (!c->keep_pivots || !k->symbolic || !k->numeric || k->first_factorize)
        return SUNLinSolInitialize(c->klu);
    c->fresh_due = true;
    k->last_flag = SUNLS_SUCCESS;
    return SUNLS_SUCCESS;
}
int solve(SUNLinearSolver S, SUNMatrix A, N_Vector x, N_Vector b, realtype tol) {
    return SUNLinSolSolve(content(S)->klu, A, x, b, tol);
}
sunindextype last_flag(SUNLinearSolver S) { return SUNLinSolLastFlag(content(S)->klu); }
int space(SUNLinearSolver S, long* lrw, long* liw) { return SUNLinSolSpace(content(S)->klu, lrw, liw); }
int free_solver(SUNLinearSolver S) {
    if (!S) return SUNLS_SUCCESS;
    if (Content* c = content(S)) {
        if (c->klu) SUNLinSolFree(c->klu);
        delete c;
        S->content = nullptr;
    }
    SUNLinSolFreeEmpty(S);
    return SUNLS_SUCCESS;
}

}  // namespace

SUNLinearSolver make_klu_solver(N_Vector y, SUNMatrix A, SUNContext ctx, bool keep_pivots) {
    SUNLinearSolver klu = SUNLinSol_KLU(y, A, ctx);
    if (!klu) return nullptr;
    SUNLinearSolver S = SUNLinSolNewEmpty(ctx);
    if (!S) {
        SUNLinSolFree(klu);
        return nullptr;
    }
    S->content = new Content{klu, 0.0, keep_pivots, {}, false};
    S->ops->gettype = get_type;
    S->ops->getid = get_id;
    S->ops->initialize = initialize;
    S->ops->setup = setup;
    S->ops->solve = solve;
    S->ops->lastflag = last_flag;
    S->ops->space = space;
    S->ops->free = free_solver;
    return S;
}

KluCounters klu_counters(SUNLinearSolver S) { return S ? content(S)->counters : KluCounters{}; }

}  // namespace ssbsim
