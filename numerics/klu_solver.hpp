#pragma once
// KLU as IDA's linear solver, refactorising with the kept pivot order.
//
// SUNDIALS' own KLU setup (SUNLinSolSetup_KLU, 6.4.1) refactorises with the pivots of the
// first factorisation, then estimates the reciprocal condition number; when that cheap
// estimate is below uround^(2/3) (3.7e-11) it computes klu_condest (several solves) and,
// when the condition number is above 1/uround^(2/3), throws the numeric factorisation away
// and factorises again with fresh pivoting. Our DAE mixes concentrations (1e4 mol/m3),
// potentials (1 V) and surface coverages in one Jacobian, so its condition number is large
// by scaling alone, on every step: about half of the setups of a chemistry-on cycle took the
// expensive path without the pivots ever going bad.
//
// This solver keeps the pivot order as long as it still fits: it refactorises, takes the
// cheap rcond, and factorises afresh only when rcond has fallen by more than
// `kRcondDrop` since the last fresh factorisation (a pivot that has shrunk relative to the
// others), or when the refactorisation fails. A bad pivot order cannot pass unnoticed as a
// wrong answer: IDA's Newton iteration tests every correction, and on a convergence failure
// it asks for a new Jacobian and this setup again.
#include <sundials/sundials_context.h>
#include <sundials/sundials_linearsolver.h>
#include <sundials/sundials_matrix.h>
#include <sundials/sundials_nvector.h>

namespace ssbsim {

struct KluCounters {
    long setups = 0;              // calls of the setup (one per Jacobian)
    long fresh_factorisations = 0;  // with pivoting (the first of each IDA start included;
                                    // with keep_pivots = false only those are counted)
};

// A SUNLinearSolver for a CSC SUNSparseMatrix; free with SUNLinSolFree. keep_pivots = false
// gives SUNDIALS' own setup (rcond, condest, fresh pivoting), for comparison.
SUNLinearSolver make_klu_solver(N_Vector y, SUNMatrix A, SUNContext ctx, bool keep_pivots = true);
KluCounters klu_counters(SUNLinearSolver S);
// Solves in place on the unknowns map[0..n) of v (n = the matrix's size), the caller's gather
// and scatter folded into the factors' permutations; false (v untouched) when the factors
// are KLU's own, which the caller then solves through SUNLinSolSolve.
bool klu_solve_mapped(SUNLinearSolver S, double* v, const sunindextype* map);

}  // namespace ssbsim
