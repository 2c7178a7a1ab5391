// IDA's corrector: Newton's method as SUNDIALS' own SUNNonlinSol_Newton does it (the same
// residual and linear solve, a retry from the predictor with a fresh Jacobian when a stale
// one fails), with three changes:
//  * the convergence test keeps IDA's form but not its ss = 100 after every change of step
//    size or order, which asked for a second iteration at nearly every such step (see
//    conv_test in the .cpp);
//  * on a stale Jacobian the iteration stops as soon as the contraction rate it has shown
//    cannot bring the update within the tolerance in the iterations left, rather than
//    spending them;
//  * with JacobianFreshness, a setup may rebuild the kept Jacobian at the new cj instead of
//    evaluating it (numerics/ida_integrator.cpp); a failure on such a matrix is retried with
//    a fresh one, and any failure asks for a fresh one at the next setup (as CVODE does).
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

struct NewtonCounters {
    long solves = 0;          // corrector solves
    long early_retries = 0;   // stale Jacobians given up before the iteration budget
};

// A new solver (free with SUNNonlinSolFree); nullptr if it cannot be allocated.
// `freshness` (may be null: every setup evaluates) outlives the solver.
SUNNonlinearSolver make_newton_solver(N_Vector y, SUNContext ctx, JacobianFreshness* freshness);
NewtonCounters newton_counters(SUNNonlinearSolver nls);

}  // namespace ssbsim
