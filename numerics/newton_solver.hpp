// IDA's corrector: Newton's method as SUNDIALS' own SUNNonlinSol_Newton does it (the same
// residual and linear solve, a retry from the predictor with a fresh Jacobian when a stale
// one fails), with four changes:
//  * the convergence test keeps IDA's form but not its ss = 100 after every change of step
//    size or order, which asked for a second iteration at nearly every such step (see
//    conv_test in the .cpp);
//  * on a stale Jacobian the iteration stops as soon as the contraction rate it has shown
//    cannot bring the update within the tolerance in the iterations left, rather than
//    spending them;
//  * with JacobianFreshness, a setup may rebuild the kept Jacobian at the new cj instead of
//    evaluating it (numerics/ida_integrator.cpp); a failure on such a matrix is retried with
//    a fresh one, and any failure asks for a fresh one at the next setup (as CVODE does).
//  * with LocalSolve, after a failure led by a local unknown the model's local rows are
//    solved for them at every iterate for a while (see LocalSolve).
// A fresh Jacobian that fails is handled as by SUNDIALS (IDA reduces the step). Converged
// corrections pass IDA's tolerance, so results agree to the solver's tolerance.
#pragma once

#include <sundials/sundials_context.h>
#include <sundials/sundials_nonlinearsolver.h>

namespace ssbsim {

// Between the corrector and the Jacobian callback: whether the next setup must evaluate the
// Jacobian afresh, and whether the last one did (else it rebuilt the kept dF/dy and dF/dy'
// at the new cj, numerics/ida_integrator.cpp). A failure on a rebuilt matrix is retried
// with a fresh one, as SUNDIALS retries a failure on a stale one.
struct JacobianFreshness {
    bool fresh_wanted = true;
    bool last_fresh = true;
};

// Local nonlinear elimination (Lanzkron, Rose and Wilkes 1996; Cai and Keyes 2002): the
// model solves the rows of some algebraic unknowns for them, each given all others
// (DaeModel::solve_local: the intercalation currents by their kinetics). The corrector calls
// it at the predictor and after each update, so the Newton iteration runs on the remaining
// unknowns with those rows met. It does so for the kLocalSolveWindow solves after a failure
// on a current Jacobian whose largest weighted update was such an unknown (the kinetics'
// sharp insertion drop engaging), not otherwise: where the Jacobian copes, the extra row
// solves only cost.
struct LocalSolve {
    bool (*fn)(void* data, const double* y_pred, double* y_cor, double* delta, const double* w) = nullptr;
    void* data = nullptr;
    const char* unknown = nullptr;  // per component: 1 where fn may change it
};

struct NewtonCounters {
    long solves = 0;          // corrector solves
    long early_retries = 0;   // stale Jacobians given up before the iteration budget
    long local_solves = 0;    // LocalSolve calls
    long local_windows = 0;   // failures that opened a window of them
};

// A new solver (free with SUNNonlinSolFree); nullptr if it cannot be allocated.
// `freshness` (may be null: every setup evaluates) outlives the solver.
SUNNonlinearSolver make_newton_solver(N_Vector y, SUNContext ctx, JacobianFreshness* freshness,
                                      const LocalSolve* local = nullptr);
NewtonCounters newton_counters(SUNNonlinearSolver nls);

}  // namespace ssbsim
