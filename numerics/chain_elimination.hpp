#pragma once
// Static condensation of chains of unknowns ahead of KLU (issue #12).
//
// Of the 468 unknowns of the intercalation analogue, 360 are the inner shells of the 20
// particles: each shell's row couples only to its two neighbours (Fickian diffusion), the
// innermost to one, the last inner one also to the shell the surface terms read. KLU handles
// them like any other sparse column (permutation, row scaling, a BTF block, indexed
// load-multiply-subtract per factor entry), which made its solves and refactorisations half
// of the linear algebra of a step. This solver eliminates each chain by a tridiagonal sweep
// (the Thomas algorithm, from the chain's closed end), adds the one Schur-complement term per
// chain to its attach unknown's diagonal, and leaves KLU the remaining unknowns (108 of 468):
//
//   setup: d_0 = A_00, l_j = A_{j,j-1} / d_{j-1}, d_j = A_jj - l_j A_{j-1,j};
//          S = A_BB with S_aa -= A_{a,last} A_{last,a} / d_last;  KLU (kept pivots) on S;
//   solve: forward sweep on the chain, b_a -= A_{a,last} z_last / d_last, KLU solve on S,
//          back substitution along the chain.
//
// The sweep does not pivot: the chains are differential rows (cj V on the diagonal plus the
// diffusion conductances), diagonally dominant for every step size IDA takes. A pivot that
// is zero or not finite fails the setup recoverably, so IDA retries with a smaller step.
// Setups of steps ~1e6 diffusion times long go to KLU on the whole matrix (see kFarStep).
// Chains whose rows or columns touch anything beyond their neighbours and attach unknown in
// the matrix's pattern (e.g. the particles' mean concentrations in a breathing stack
// pressure's row) are left in the sparse solve.
#include <vector>

#include <sundials/sundials_context.h>
#include <sundials/sundials_linearsolver.h>
#include <sundials/sundials_matrix.h>
#include <sundials/sundials_nvector.h>

#include "numerics/dae_model.hpp"

namespace ssbsim {

// A SUNLinearSolver for the CSC SUNSparseMatrix A (its pattern fixed: the values may change,
// the index arrays not), eliminating those of `chains` that fit A's pattern and solving the
// rest with make_klu_solver (numerics/klu_solver.hpp). Free with SUNLinSolFree. Returns
// nullptr when no chain fits (use make_klu_solver then).
SUNLinearSolver make_chain_klu_solver(N_Vector y, SUNMatrix A, SUNContext ctx, bool keep_pivots,
                                      const std::vector<EliminationChain>& chains);
// The inner KLU solvers (their counters: on the reduced matrix, and on the whole one for
// steps far beyond the particles' diffusion time), and the number of unknowns eliminated.
SUNLinearSolver chain_solver_klu(SUNLinearSolver S);
SUNLinearSolver chain_solver_full_klu(SUNLinearSolver S);
int chain_solver_eliminated(SUNLinearSolver S);
// The unknowns condensed in dense blocks after the chains (EliminationChain::local with the
// attach unknown): KLU solves the rest, the blocks' Schur complements on their borders.
int chain_solver_condensed(SUNLinearSolver S);

}  // namespace ssbsim
