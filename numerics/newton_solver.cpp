#include "numerics/newton_solver.hpp"

#include <ida/ida.h>
#include <nvector/nvector_serial.h>

#include <algorithm>
#include <cmath>

namespace ssbsim {

namespace {

// Corrector solves with LocalSolve after a failure led by a local unknown. Measured on the
// embedded default (callgrind, whole run, 282.4M instructions without): 20 -> 250.2M,
// 50 -> 248.2M, 100 -> 252.0M, 300 -> 255.7M; every solve after any failure on a current
// Jacobian (not only those led by a local unknown): 249.0M, but the intercalation
// analogue's failures are led by other unknowns and it went from 90.1M to 108.7M.
constexpr long kLocalSolveWindow = 50;

struct Newton {
    SUNNonlinSolSysFn sys = nullptr;
    SUNNonlinSolLSetupFn lsetup = nullptr;
    SUNNonlinSolLSolveFn lsolve = nullptr;
    SUNNonlinSolConvTestFn ctest = nullptr;
    void* ctest_data = nullptr;
    N_Vector delta = nullptr;
    int max_iters = 4;
    int cur_iter = 0;
    long iters = 0;       // in the last solve (IDA adds them up)
    long conv_fails = 0;  // in the last solve
    booleantype jcur = SUNFALSE;
    double first_norm = 0.0, last_norm = 0.0;  // of the first and the last update
    // The convergence test (as IDA's idaNlsConvTest, with its ratio ss = rate / (1 - rate)
    // kept here): cj at the last setup and at the last solve.
    double ss = 20.0, cj_setup = 0.0, cj_last = 0.0;
    NewtonCounters counters;
    JacobianFreshness* freshness = nullptr;
    const LocalSolve* local = nullptr;
    long since_local_failure = kLocalSolveWindow;  // solves since a failure led by a local unknown
};

Newton* content(SUNNonlinearSolver s) { return static_cast<Newton*>(s->content); }

SUNNonlinearSolver_Type get_type(SUNNonlinearSolver) { return SUNNONLINEARSOLVER_ROOTFIND; }
int initialize(SUNNonlinearSolver s) {
    Newton* c = content(s);
    c->jcur = SUNFALSE;
    c->ss = 20.0;
    c->cj_setup = c->cj_last = 0.0;
    return SUN_NLS_SUCCESS;
}

// Whether, at the rate of contraction the iterations have shown, the update cannot pass
// IDA's test (rate / (1 - rate) |delta| <= tol, idaNlsConvTest) within the iterations left.
bool hopeless(const Newton& c, double norm, double tol, int left) {
    if (c.cur_iter < 1 || !(c.first_norm > 0.0)) return false;
    const double rate = std::pow(norm / c.first_norm, 1.0 / c.cur_iter);
    if (!(rate < 1.0)) return true;
    double projected = rate / (1.0 - rate) * norm;
    for (int k = 0; k < left; ++k) {
        projected *= rate;
        if (projected <= tol) return false;
    }
    return true;
}

// IDA's convergence test with one change. IDA sets ss = 100 whenever cj differs from the
// last step's (a new step size or order), which asks for a second iteration at nearly every
// such step. Here ss becomes the larger of the rate last measured on this Jacobian and the
// rate the cj change alone gives: with IDA's scaling of the update by 2 / (1 + cj / cj_0),
// a linear problem contracts by |1 - r| / (1 + r), r = cj / cj_0, on every mode (stiff or
// not). Otherwise as idaNlsConvTest: ss = 20 after a setup, the rate measured from the
// first update's norm, divergence (rate > 0.9) a recoverable failure.
int conv_test(Newton& c, N_Vector delta, N_Vector w, double tol) {
    const double norm = c.last_norm = N_VWrmsNorm(delta, w);
    if (c.cur_iter == 0) {
        c.first_norm = norm;
        if (norm <= 1e-4 * tol) return SUN_NLS_SUCCESS;
    } else {
        const double rate = std::pow(norm / c.first_norm, 1.0 / c.cur_iter);
        if (rate > 0.9) return SUN_NLS_CONV_RECVR;
        c.ss = rate / (1.0 - rate);
    }
    return c.ss * norm <= tol ? SUN_NLS_SUCCESS : SUN_NLS_CONTINUE;
}

// LocalSolve at y_pred + ycor (IDA's predictor plus the correction); delta takes its changes.
void solve_local(Newton& c, N_Vector ycor, N_Vector delta, N_Vector w, void* mem) {
    realtype tcur = 0.0, cj = 0.0;
    N_Vector yypred = nullptr, yppred = nullptr, yyn = nullptr, ypn = nullptr, res = nullptr;
    void* user = nullptr;
    if (IDAGetNonlinearSystemData(mem, &tcur, &yypred, &yppred, &yyn, &ypn, &res, &cj, &user) != IDA_SUCCESS) return;
    ++c.counters.local_solves;
    c.local->fn(c.local->data, N_VGetArrayPointer(yypred), N_VGetArrayPointer(ycor), N_VGetArrayPointer(delta),
                N_VGetArrayPointer(w));
}

// Whether the largest weighted component of the update is one LocalSolve sets.
bool led_by_local(const Newton& c, N_Vector delta, N_Vector w) {
    const double* d = N_VGetArrayPointer(delta);
    const double* wd = N_VGetArrayPointer(w);
    const sunindextype n = N_VGetLength(delta);
    sunindextype worst = 0;
    double largest = -1.0;
    for (sunindextype i = 0; i < n; ++i) {
        const double v = std::fabs(d[i] * wd[i]);
        if (v > largest) largest = v, worst = i;
    }
    return c.local->unknown[worst] != 0;
}

int solve(SUNNonlinearSolver s, N_Vector /*y0*/, N_Vector ycor, N_Vector w, realtype tol, booleantype call_setup,
          void* mem) {
    Newton& c = *content(s);
    if (!c.sys || !c.lsolve || !c.ctest || (call_setup && !c.lsetup)) return SUN_NLS_MEM_NULL;
    ++c.counters.solves;
    c.iters = 0;
    c.conv_fails = 0;
    booleantype jbad = SUNFALSE;
    N_Vector delta = c.delta;
    double cj = 0.0;
    const bool own = IDAGetCurrentCj(mem, &cj) == IDA_SUCCESS && cj > 0.0;  // else IDA's own test
    if (own && cj != c.cj_last && c.cj_setup > 0.0) {
        const double r = cj / c.cj_setup;
        const double rate = std::fabs(1.0 - r) / (1.0 + r);
        c.ss = std::max(c.ss, rate / (1.0 - rate));
    }
    c.cj_last = cj;
    const bool local = own && c.local && c.local->fn && c.since_local_failure < kLocalSolveWindow;
    ++c.since_local_failure;
    int flag;
    for (;;) {
        if (local) solve_local(c, ycor, delta, w, mem);  // delta: scratch until the residual
        flag = c.sys(ycor, delta, mem);
        if (flag != SUN_NLS_SUCCESS) break;
        if (call_setup) {
            if (c.freshness && jbad) c.freshness->fresh_wanted = true;
            flag = c.lsetup(jbad, &c.jcur, mem);
            if (flag != SUN_NLS_SUCCESS) break;
            if (c.freshness && !c.freshness->last_fresh) c.jcur = SUNFALSE;  // rebuilt at the new cj
            c.ss = 20.0;
            c.cj_setup = cj;
        }
        c.cur_iter = 0;
        for (;;) {
            ++c.iters;
            // The update is -J^-1 F: solved for J^-1 F and subtracted (SUNDIALS negates F
            // first; the linear solve is odd in its right-hand side to the bit, so the same).
            flag = c.lsolve(delta, mem);
            if (flag != SUN_NLS_SUCCESS) break;
            N_VLinearSum(1.0, ycor, -1.0, delta, ycor);
            if (local) solve_local(c, ycor, delta, w, mem);
            flag = own ? conv_test(c, delta, w, tol) : c.ctest(s, ycor, delta, tol, w, c.ctest_data);
            if (flag == SUN_NLS_SUCCESS) {
                c.jcur = SUNFALSE;
                return SUN_NLS_SUCCESS;
            }
            if (flag != SUN_NLS_CONTINUE) break;
            const int left = c.max_iters - c.cur_iter - 1;
            if (!c.jcur) {
                const double norm = own ? c.last_norm : N_VWrmsNorm(delta, w);
                if (c.cur_iter == 0) c.first_norm = norm;
                if (left > 0 && hopeless(c, norm, tol, left)) {
                    ++c.counters.early_retries;
                    flag = SUN_NLS_CONV_RECVR;
                    break;
                }
            }
            if (++c.cur_iter >= c.max_iters) {
                flag = SUN_NLS_CONV_RECVR;
                break;
            }
            flag = c.sys(ycor, delta, mem);
            if (flag != SUN_NLS_SUCCESS) break;
        }
        // A recoverable failure on a stale Jacobian: again from the predictor, with a fresh one.
        if (flag > 0 && !c.jcur && c.lsetup) {
            ++c.conv_fails;
            call_setup = SUNTRUE;
            jbad = SUNTRUE;
            N_VConst(0.0, ycor);
            continue;
        }
        break;
    }
    ++c.conv_fails;
    if (c.freshness) c.freshness->fresh_wanted = true;  // as CVODE: a failure asks for a fresh Jacobian
    if (flag > 0 && c.jcur && own && c.local && c.local->fn && c.local->unknown && led_by_local(c, delta, w)) {
        c.since_local_failure = 0;
        ++c.counters.local_windows;
    }
    return flag;
}

int free_solver(SUNNonlinearSolver s) {
    if (!s) return SUN_NLS_SUCCESS;
    if (s->content) {
        Newton* c = content(s);
        if (c->delta) N_VDestroy(c->delta);
        delete c;
        s->content = nullptr;
    }
    SUNNonlinSolFreeEmpty(s);
    return SUN_NLS_SUCCESS;
}

int set_sys(SUNNonlinearSolver s, SUNNonlinSolSysFn f) {
    if (!f) return SUN_NLS_ILL_INPUT;
    content(s)->sys = f;
    return SUN_NLS_SUCCESS;
}
int set_lsetup(SUNNonlinearSolver s, SUNNonlinSolLSetupFn f) {
    content(s)->lsetup = f;
    return SUN_NLS_SUCCESS;
}
int set_lsolve(SUNNonlinearSolver s, SUNNonlinSolLSolveFn f) {
    if (!f) return SUN_NLS_ILL_INPUT;
    content(s)->lsolve = f;
    return SUN_NLS_SUCCESS;
}
int set_ctest(SUNNonlinearSolver s, SUNNonlinSolConvTestFn f, void* data) {
    if (!f) return SUN_NLS_ILL_INPUT;
    content(s)->ctest = f;
    content(s)->ctest_data = data;
    return SUN_NLS_SUCCESS;
}
int set_max_iters(SUNNonlinearSolver s, int n) {
    if (n < 1) return SUN_NLS_ILL_INPUT;
    content(s)->max_iters = n;
    return SUN_NLS_SUCCESS;
}
int get_num_iters(SUNNonlinearSolver s, long* n) {
    *n = content(s)->iters;
    return SUN_NLS_SUCCESS;
}
int get_cur_iter(SUNNonlinearSolver s, int* n) {
    *n = content(s)->cur_iter;
    return SUN_NLS_SUCCESS;
}
int get_num_conv_fails(SUNNonlinearSolver s, long* n) {
    *n = content(s)->conv_fails;
    return SUN_NLS_SUCCESS;
}

}  // namespace

SUNNonlinearSolver make_newton_solver(N_Vector y, SUNContext ctx, JacobianFreshness* freshness,
                                      const LocalSolve* local) {
    SUNNonlinearSolver s = SUNNonlinSolNewEmpty(ctx);
    if (!s) return nullptr;
    auto* c = new Newton;
    s->content = c;
    c->freshness = freshness;
    c->local = local;
    c->delta = N_VClone(y);
    if (!c->delta) {
        free_solver(s);
        return nullptr;
    }
    s->ops->gettype = get_type;
    s->ops->initialize = initialize;
    s->ops->solve = solve;
    s->ops->free = free_solver;
    s->ops->setsysfn = set_sys;
    s->ops->setlsetupfn = set_lsetup;
    s->ops->setlsolvefn = set_lsolve;
    s->ops->setctestfn = set_ctest;
    s->ops->setmaxiters = set_max_iters;
    s->ops->getnumiters = get_num_iters;
    s->ops->getcuriter = get_cur_iter;
    s->ops->getnumconvfails = get_num_conv_fails;
    return s;
}

NewtonCounters newton_counters(SUNNonlinearSolver nls) { return nls ? content(nls)->counters : NewtonCounters{}; }

}  // namespace ssbsim
