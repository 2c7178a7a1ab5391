// numerics/chain_elimination.hpp: eliminating the particles' inner shells by tridiagonal
// sweeps ahead of KLU solves the same linear systems (to round-off), keeps out a chain whose
// pattern does not fit, and gives the same run as KLU on the whole matrix.
#include <gtest/gtest.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "models/cathode_p2d.hpp"
#include "numerics/chain_elimination.hpp"
#include "numerics/klu_solver.hpp"
#include "run/simulation.hpp"
#include "test_support.hpp"

namespace ssbsim {
namespace {

// A dense row-major matrix as a CSC SUNSparseMatrix (its nonzero entries).
SUNMatrix to_sparse(const std::vector<double>& dense, int n, SUNContext ctx) {
    int nnz = 0;
    for (double v : dense) nnz += v != 0.0;
    SUNMatrix A = SUNSparseMatrix(n, n, nnz, CSC_MAT, ctx);
    sunindextype* cp = SUNSparseMatrix_IndexPointers(A);
    sunindextype* ri = SUNSparseMatrix_IndexValues(A);
    double* v = SUNSparseMatrix_Data(A);
    int k = 0;
    for (int c = 0; c < n; ++c) {
        cp[c] = k;
        for (int r = 0; r < n; ++r)
            if (dense[r * n + c] != 0.0) ri[k] = r, v[k++] = dense[r * n + c];
    }
    cp[n] = k;
    return A;
}

// Solves with `solver` (after its setup on A) and returns x for b.
std::vector<double> solve_with(SUNLinearSolver solver, SUNMatrix A, const std::vector<double>& b, bool in_place,
                               SUNContext ctx) {
    const int n = static_cast<int>(b.size());
    N_Vector x = N_VNew_Serial(n, ctx), bv = N_VNew_Serial(n, ctx);
    std::copy(b.begin(), b.end(), N_VGetArrayPointer(bv));
    EXPECT_EQ(SUNLinSolSetup(solver, A), SUNLS_SUCCESS);
    if (in_place) {
        std::copy(b.begin(), b.end(), N_VGetArrayPointer(x));
        EXPECT_EQ(SUNLinSolSolve(solver, A, x, x, 0.0), SUNLS_SUCCESS);
    } else {
        EXPECT_EQ(SUNLinSolSolve(solver, A, x, bv, 0.0), SUNLS_SUCCESS);
    }
    std::vector<double> out(N_VGetArrayPointer(x), N_VGetArrayPointer(x) + n);
    N_VDestroy(x);
    N_VDestroy(bv);
    return out;
}

double max_abs(const std::vector<double>& v) {
    double m = 0.0;
    for (double x : v) m = std::max(m, std::fabs(x));
    return m;
}

// Three chains of 5 attached to a coupled block of 6; the third chain's middle unknown also
// couples to a block unknown that is not its attach, so it must stay in the sparse solve.
TEST(ChainElimination, SolvesLikeKluOnTheWholeMatrixAndKeepsOutAChainThatDoesNotFit) {
    SUNContext ctx = nullptr;
    ASSERT_EQ(SUNContext_Create(nullptr, &ctx), 0);
    const int chain_len = 5, n_chains = 3, nb = 6, n = n_chains * chain_len + nb;
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<double> dense(n * n, 0.0);
    std::vector<EliminationChain> chains(n_chains);
    const int block0 = n_chains * chain_len;
    for (int c = 0; c < n_chains; ++c) {
        chains[c].attach = block0 + 2 * c;
        for (int j = 0; j < chain_len; ++j) chains[c].interior.push_back(c * chain_len + j);
        const auto& e = chains[c].interior;
        for (int j = 0; j < chain_len; ++j) {
            const int next = j + 1 < chain_len ? e[j + 1] : chains[c].attach;
            dense[e[j] * n + e[j]] = 4.0 + u(rng);
            dense[e[j] * n + next] = u(rng);
            dense[next * n + e[j]] = u(rng);
        }
    }
    for (int r = block0; r < n; ++r)
        for (int c = block0; c < n; ++c) dense[r * n + c] = r == c ? 5.0 + u(rng) : 0.5 * u(rng);
    dense[(2 * chain_len + 2) * n + block0 + 5] = 0.3;  // chain 2 reaches a block unknown
    SUNMatrix A = to_sparse(dense, n, ctx);
    N_Vector y = N_VNew_Serial(n, ctx);
    SUNLinearSolver chain = make_chain_klu_solver(y, A, ctx, true, chains);
    SUNLinearSolver plain = make_klu_solver(y, A, ctx, true);
    ASSERT_NE(chain, nullptr);
    EXPECT_EQ(chain_solver_eliminated(chain), 2 * chain_len);
    ASSERT_EQ(SUNLinSolInitialize(chain), SUNLS_SUCCESS);
    ASSERT_EQ(SUNLinSolInitialize(plain), SUNLS_SUCCESS);
    std::vector<double> b(n);
    for (double& v : b) v = u(rng);
    // New values in the same pattern: the second setup refactorises with kept pivots.
    for (int round = 0; round < 2; ++round) {
        for (bool in_place : {false, true}) {
            const std::vector<double> xc = solve_with(chain, A, b, in_place, ctx);
            const std::vector<double> xp = solve_with(plain, A, b, false, ctx);
            for (int i = 0; i < n; ++i) EXPECT_NEAR(xc[i], xp[i], 1e-13 * max_abs(xp)) << "unknown " << i;
            // And the residual A x - b itself.
            for (int r = 0; r < n; ++r) {
                double s = -b[r];
                for (int c = 0; c < n; ++c) s += dense[r * n + c] * xc[c];
                EXPECT_NEAR(s, 0.0, 1e-13 * max_abs(b));
            }
        }
        double* v = SUNSparseMatrix_Data(A);
        for (sunindextype k = 0; k < SUNSparseMatrix_NNZ(A); ++k) v[k] *= 1.0 + 0.1 * u(rng);
        int k = 0;  // keep the dense copy in step
        for (int c = 0; c < n; ++c)
            for (int r = 0; r < n; ++r)
                if (dense[r * n + c] != 0.0) dense[r * n + c] = v[k++];
    }
    // A step far beyond the chains' diffusion time (a first row summing to ~0 against its
    // diagonal) goes to KLU on the whole matrix: the same solution, counted there.
    {
        double* v = SUNSparseMatrix_Data(A);
        const sunindextype* cp = SUNSparseMatrix_IndexPointers(A);
        const sunindextype* ri = SUNSparseMatrix_IndexValues(A);
        double* a00 = nullptr;
        double a01 = 0.0;
        for (sunindextype k = cp[0]; k < cp[1]; ++k)
            if (ri[k] == 0) a00 = &v[k];
        for (sunindextype k = cp[1]; k < cp[2]; ++k)
            if (ri[k] == 0) a01 = v[k];
        ASSERT_NE(a00, nullptr);
        *a00 = -a01 * (1.0 + 1e-9);
        dense[0] = *a00;
        const long before = klu_counters(chain_solver_full_klu(chain)).setups;
        const std::vector<double> xc = solve_with(chain, A, b, false, ctx);
        const std::vector<double> xp = solve_with(plain, A, b, false, ctx);
        EXPECT_EQ(klu_counters(chain_solver_full_klu(chain)).setups, before + 1);
        for (int i = 0; i < n; ++i) EXPECT_NEAR(xc[i], xp[i], 1e-12 * max_abs(xp)) << "unknown " << i;
        *a00 = 4.0;  // back to a diagonally dominant chain
        dense[0] = 4.0;
    }
    // A zero pivot in a chain fails the setup recoverably (IDA then takes a smaller step).
    SUNSparseMatrix_Data(A)[SUNSparseMatrix_IndexPointers(A)[0]] = 0.0;
    EXPECT_EQ(SUNLinSolSetup(chain, A), SUNLS_PACKAGE_FAIL_REC);
    SUNLinSolFree(chain);
    SUNLinSolFree(plain);
    N_VDestroy(y);
    SUNMatDestroy(A);
    SUNContext_Free(&ctx);
}

// The model's Jacobian at a state half way through as a SUNSparseMatrix.
SUNMatrix model_matrix(CathodeP2D& model, SUNContext ctx) {
    std::vector<double> y(model.size()), yp(model.size(), 0.0);
    model.initial_state(0.5, y.data(), yp.data());
    JacobianAssembler J;
    J.begin(10.0);
    model.jacobian(0.0, 10.0, y.data(), yp.data(), J);
    J.end(model.size());
    SUNMatrix A = SUNSparseMatrix(model.size(), model.size(), J.nnz(), CSC_MAT, ctx);
    std::copy(J.col_ptr().begin(), J.col_ptr().end(), SUNSparseMatrix_IndexPointers(A));
    std::copy(J.row_index().begin(), J.row_index().end(), SUNSparseMatrix_IndexValues(A));
    std::copy(J.values().begin(), J.values().end(), SUNSparseMatrix_Data(A));
    return A;
}

// Chains whose attach unknown is condensed with two local unknowns (a dense 3 x 3 block
// coupled to two of four shared "potentials"), one block reaching another block's unknown
// (so both stay in KLU): the same solution as KLU on the whole matrix, after refactorising.
TEST(ChainElimination, LocalBlocksAfterTheChainsSolveLikeKlu) {
    SUNContext ctx = nullptr;
    ASSERT_EQ(SUNContext_Create(nullptr, &ctx), 0);
    const int chain_len = 4, n_chains = 4, np = 4;
    const int per = chain_len + 3;  // interior, attach, two local
    const int n = n_chains * per + np;
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<double> dense(n * n, 0.0);
    std::vector<EliminationChain> chains(n_chains);
    const int pot0 = n_chains * per;
    for (int c = 0; c < n_chains; ++c) {
        const int base = c * per;
        for (int j = 0; j < chain_len; ++j) chains[c].interior.push_back(base + j);
        chains[c].attach = base + chain_len;
        chains[c].local = {base + chain_len + 1, base + chain_len + 2};
        const auto& e = chains[c].interior;
        for (int j = 0; j < chain_len; ++j) {
            const int next = j + 1 < chain_len ? e[j + 1] : chains[c].attach;
            dense[e[j] * n + e[j]] = 4.0 + u(rng);
            dense[e[j] * n + next] = u(rng);
            dense[next * n + e[j]] = u(rng);
        }
        for (int a = base + chain_len; a < base + per; ++a) {
            for (int b = base + chain_len; b < base + per; ++b) dense[a * n + b] = a == b ? 0.2 * u(rng) : u(rng);
            for (int p : {pot0 + c % np, pot0 + (c + 1) % np}) {
                dense[a * n + p] = u(rng);
                dense[p * n + a] = u(rng);
            }
        }
    }
    for (int r = pot0; r < n; ++r)
        for (int c = pot0; c < n; ++c) dense[r * n + c] = r == c ? 5.0 + u(rng) : 0.5 * u(rng);
    dense[(2 * per + chain_len + 1) * n + 3 * per + chain_len + 2] = 0.3;  // block 2 reaches block 3
    SUNMatrix A = to_sparse(dense, n, ctx);
    N_Vector y = N_VNew_Serial(n, ctx);
    SUNLinearSolver chain = make_chain_klu_solver(y, A, ctx, true, chains);
    SUNLinearSolver plain = make_klu_solver(y, A, ctx, true);
    ASSERT_NE(chain, nullptr);
    EXPECT_EQ(chain_solver_eliminated(chain), n_chains * chain_len);
    EXPECT_EQ(chain_solver_condensed(chain), 2 * 3);  // blocks 0 and 1
    ASSERT_EQ(SUNLinSolInitialize(chain), SUNLS_SUCCESS);
    ASSERT_EQ(SUNLinSolInitialize(plain), SUNLS_SUCCESS);
    std::vector<double> b(n);
    for (double& v : b) v = u(rng);
    for (int round = 0; round < 2; ++round) {
        for (bool in_place : {false, true}) {
            const std::vector<double> xc = solve_with(chain, A, b, in_place, ctx);
            const std::vector<double> xp = solve_with(plain, A, b, false, ctx);
            for (int i = 0; i < n; ++i) EXPECT_NEAR(xc[i], xp[i], 1e-12 * max_abs(xp)) << "unknown " << i;
        }
        double* a = SUNSparseMatrix_Data(A);
        for (sunindextype k = 0; k < SUNSparseMatrix_NNZ(A); ++k) a[k] *= 1.0 + 0.1 * u(rng);
    }
    SUNLinSolFree(chain);
    SUNLinSolFree(plain);
    N_VDestroy(y);
    SUNMatDestroy(A);
    SUNContext_Free(&ctx);
}

// The model's Jacobian solved by the chain solver and by KLU on the whole matrix, for a
// random right-hand side: the chains eliminate every inner shell, `condensed` local unknowns
// are folded out, and both give the same solution.
void expect_model_solves_like_klu(const SimulationConfig& c, int condensed_per_cell, unsigned seed) {
    CathodeP2D model(c.cell, c.mesh);
    SUNContext ctx = nullptr;
    ASSERT_EQ(SUNContext_Create(nullptr, &ctx), 0);
    SUNMatrix A = model_matrix(model, ctx);
    N_Vector v = N_VNew_Serial(model.size(), ctx);
    SUNLinearSolver chain = make_chain_klu_solver(v, A, ctx, true, model.elimination_chains());
    ASSERT_NE(chain, nullptr);
    EXPECT_EQ(chain_solver_eliminated(chain), model.n_cathode() * (model.n_shells() - 2));
    EXPECT_EQ(chain_solver_condensed(chain), condensed_per_cell * model.n_cathode());
    SUNLinearSolver plain = make_klu_solver(v, A, ctx, true);
    ASSERT_EQ(SUNLinSolInitialize(chain), SUNLS_SUCCESS);
    ASSERT_EQ(SUNLinSolInitialize(plain), SUNLS_SUCCESS);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<double> b(model.size());
    for (double& x : b) x = u(rng);
    const std::vector<double> xc = solve_with(chain, A, b, false, ctx), xp = solve_with(plain, A, b, false, ctx);
    for (int i = 0; i < model.size(); ++i) EXPECT_NEAR(xc[i], xp[i], 1e-9 * std::fabs(xp[i]) + 1e-12 * max_abs(xp));
    SUNLinSolFree(chain);
    SUNLinSolFree(plain);
    N_VDestroy(v);
    SUNMatDestroy(A);
    SUNContext_Free(&ctx);
}

// The model's chains (its particles' inner shells) fit its Jacobian, with the chemistry on.
TEST(ChainElimination, EveryInnerShellOfTheModelIsEliminated) {
    SimulationConfig c = test::load("", {"mesh.cathode=4", "mesh.particle=6", "mesh.separator=2"});
    // With the chemistry on, j couples to more than the cell's potentials: nothing is condensed.
    expect_model_solves_like_klu(c, 0, 3);
}

// Intercalation only: each particle's attach shell, surface shell and current are condensed
// (3 per cell), and the model's Jacobian solves as with KLU on the whole matrix.
TEST(ChainElimination, TheSurfaceBlocksOfTheIntercalationModelAreCondensed) {
    SimulationConfig c = test::load("benchmarks/study_a_intercalation.yaml",
                                    {"mesh.cathode=4", "mesh.particle=6", "mesh.separator=2"});
    expect_model_solves_like_klu(c, 3, 4);
}

// A die-constrained stack pressure with a breathing CAM reads every shell (the particles'
// mean concentrations): no chain fits, KLU keeps the whole matrix.
TEST(ChainElimination, ABreathingStackPressureKeepsTheShellsInKlu) {
    SimulationConfig c = test::load("", {"mesh.cathode=3", "mesh.particle=5", "mesh.separator=2",
                                         "cell.stack_pressure={initial: 18 MPa, constraint: die, stiffness: 0.2 GPa}"});
    CathodeP2D model(c.cell, c.mesh);
    SUNContext ctx = nullptr;
    ASSERT_EQ(SUNContext_Create(nullptr, &ctx), 0);
    SUNMatrix A = model_matrix(model, ctx);
    N_Vector v = N_VNew_Serial(model.size(), ctx);
    ASSERT_FALSE(model.elimination_chains().empty());
    EXPECT_EQ(make_chain_klu_solver(v, A, ctx, true, model.elimination_chains()), nullptr);
    N_VDestroy(v);
    SUNMatDestroy(A);
    SUNContext_Free(&ctx);
}

// make_klu_solver with kept pivots refactorises and solves by its own factors (KLU's pivot
// order and BTF blocks); they solve as SUNDIALS' KLU does (keep_pivots = false): a matrix
// with singleton blocks, two coupled blocks and a dense border, after changing its values,
// and after a kept pivot goes to zero (a fresh factorisation by KLU, counted).
TEST(KluKeptPivots, OwnFactorsSolveLikeSundialsKlu) {
    SUNContext ctx = nullptr;
    ASSERT_EQ(SUNContext_Create(nullptr, &ctx), 0);
    const int n = 40;
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    // Block upper triangular in a scrambled order: blocks [0,1) .. singletons, [10,22), [22,35),
    // singletons; each block strongly coupled within, sparse couplings to later blocks.
    std::vector<int> perm(n);
    for (int i = 0; i < n; ++i) perm[i] = i;
    std::shuffle(perm.begin(), perm.end(), rng);
    auto block_of = [](int i) { return i < 10 ? i : i < 22 ? 10 : i < 35 ? 22 : i; };
    std::vector<double> dense(n * n, 0.0);
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c) {
            double v = 0.0;
            if (r == c) v = 3.0 + u(rng);
            else if (block_of(r) == block_of(c) && u(rng) > 0.3) v = u(rng);
            else if (block_of(r) < block_of(c) && u(rng) > 0.8) v = 1e3 * u(rng);  // rows of other scales
            dense[perm[r] * n + perm[c]] = v;
        }
    SUNMatrix A = to_sparse(dense, n, ctx);
    N_Vector y = N_VNew_Serial(n, ctx);
    SUNLinearSolver own = make_klu_solver(y, A, ctx, true), ref = make_klu_solver(y, A, ctx, false);
    ASSERT_EQ(SUNLinSolInitialize(own), SUNLS_SUCCESS);
    ASSERT_EQ(SUNLinSolInitialize(ref), SUNLS_SUCCESS);
    std::vector<double> b(n);
    for (double& v : b) v = u(rng);
    for (int round = 0; round < 3; ++round) {
        for (bool in_place : {false, true}) {
            const std::vector<double> xo = solve_with(own, A, b, in_place, ctx);
            const std::vector<double> xr = solve_with(ref, A, b, false, ctx);
            for (int i = 0; i < n; ++i) EXPECT_NEAR(xo[i], xr[i], 1e-12 * max_abs(xr)) << "round " << round << " unknown " << i;
        }
        double* a = SUNSparseMatrix_Data(A);
        for (sunindextype k = 0; k < SUNSparseMatrix_NNZ(A); ++k) a[k] *= 1.0 + 0.2 * u(rng);
    }
    EXPECT_EQ(klu_counters(own).fresh_factorisations, 1);
    SUNLinSolFree(own);
    SUNLinSolFree(ref);
    N_VDestroy(y);
    SUNMatDestroy(A);
    // A kept pivot that goes to zero: the refactorisation fails, KLU pivots afresh (counted),
    // and the solution is exact.
    std::vector<double> small = {4, 1, 1, 4};  // one BTF block of two
    A = to_sparse(small, 2, ctx);
    y = N_VNew_Serial(2, ctx);
    own = make_klu_solver(y, A, ctx, true), ref = make_klu_solver(y, A, ctx, false);
    ASSERT_EQ(SUNLinSolInitialize(own), SUNLS_SUCCESS);
    ASSERT_EQ(SUNLinSolInitialize(ref), SUNLS_SUCCESS);
    const std::vector<double> b2 = {1.0, -2.0};
    solve_with(own, A, b2, false, ctx);
    EXPECT_EQ(klu_counters(own).fresh_factorisations, 1);
    SUNSparseMatrix_Data(A)[0] = SUNSparseMatrix_Data(A)[3] = 0.0;  // both diagonals: the first pivot is zero
    const std::vector<double> xo = solve_with(own, A, b2, true, ctx);
    EXPECT_NEAR(xo[0], -2.0, 1e-15);  // [[0, 1], [1, 0]] x = (1, -2)
    EXPECT_NEAR(xo[1], 1.0, 1e-15);
    EXPECT_EQ(klu_counters(own).fresh_factorisations, 2);
    SUNLinSolFree(own);
    SUNLinSolFree(ref);
    N_VDestroy(y);
    SUNMatDestroy(A);
    SUNContext_Free(&ctx);
}

// The chemistry-on model's whole Jacobian (all 680 unknowns at the default mesh) and the
// chain solver's reduced one: our factors with KLU's pivots against SUNDIALS' KLU.
TEST(KluKeptPivots, TheChemistryOnModelSolvesLikeSundialsKlu) {
    SimulationConfig c = test::load("", {});
    CathodeP2D model(c.cell, c.mesh);
    SUNContext ctx = nullptr;
    ASSERT_EQ(SUNContext_Create(nullptr, &ctx), 0);
    SUNMatrix A = model_matrix(model, ctx);
    N_Vector v = N_VNew_Serial(model.size(), ctx);
    SUNLinearSolver own = make_klu_solver(v, A, ctx, true), ref = make_klu_solver(v, A, ctx, false);
    SUNLinearSolver chain = make_chain_klu_solver(v, A, ctx, true, model.elimination_chains());
    ASSERT_NE(chain, nullptr);
    ASSERT_EQ(SUNLinSolInitialize(own), SUNLS_SUCCESS);
    ASSERT_EQ(SUNLinSolInitialize(ref), SUNLS_SUCCESS);
    ASSERT_EQ(SUNLinSolInitialize(chain), SUNLS_SUCCESS);
    std::mt19937 rng(8);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<double> b(model.size());
    for (double& x : b) x = u(rng);
    for (int round = 0; round < 2; ++round) {
        const std::vector<double> xr = solve_with(ref, A, b, false, ctx);
        const std::vector<double> xo = solve_with(own, A, b, false, ctx);
        const std::vector<double> xc = solve_with(chain, A, b, true, ctx);
        for (int i = 0; i < model.size(); ++i) {
            EXPECT_NEAR(xo[i], xr[i], 1e-9 * std::fabs(xr[i]) + 1e-12 * max_abs(xr)) << model.variable_name(i);
            EXPECT_NEAR(xc[i], xr[i], 1e-9 * std::fabs(xr[i]) + 1e-12 * max_abs(xr)) << model.variable_name(i);
        }
        double* a = SUNSparseMatrix_Data(A);
        for (sunindextype k = 0; k < SUNSparseMatrix_NNZ(A); ++k) a[k] *= 1.0 + 1e-3 * u(rng);
    }
    SUNLinSolFree(own);
    SUNLinSolFree(ref);
    SUNLinSolFree(chain);
    N_VDestroy(v);
    SUNMatDestroy(A);
    SUNContext_Free(&ctx);
}

// The run with the inner shells eliminated gives the run with KLU on the whole matrix: the
// intercalation analogue and the embedded default (chemistry on).
TEST(Convergence, ChainEliminationGivesTheSameAnswer) {
    for (const char* file : {"benchmarks/study_a_intercalation.yaml", ""}) {
        SCOPED_TRACE(file);
        auto solve = [&](bool eliminate) {
            SimulationConfig c = test::load(file);
            c.solver.eliminate_chains = eliminate;
            Simulation sim(c);
            return sim.run(nullptr);
        };
        const RunResult chain = solve(true), whole = solve(false);
        ASSERT_EQ(chain.status, RunStatus::complete) << chain.message;
        ASSERT_EQ(whole.status, RunStatus::complete) << whole.message;
        ASSERT_EQ(chain.cycles.size(), whole.cycles.size());
        for (std::size_t k = 0; k < chain.cycles.size(); ++k) {
            const CycleSummary &a = chain.cycles[k], &b = whole.cycles[k];
            EXPECT_NEAR(a.charge_capacity, b.charge_capacity, 1e-5 * b.charge_capacity);
            EXPECT_NEAR(a.discharge_capacity, b.discharge_capacity, 1e-5 * b.discharge_capacity);
            EXPECT_NEAR(a.coulombic_efficiency, b.coulombic_efficiency, 1e-6);
        }
        EXPECT_LT(chain.lithium_balance_error, 1e-8);
        EXPECT_NEAR(static_cast<double>(chain.stats.steps), static_cast<double>(whole.stats.steps),
                    0.05 * whole.stats.steps);
    }
}

}  // namespace
}  // namespace ssbsim
