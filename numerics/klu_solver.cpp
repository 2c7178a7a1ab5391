#include "numerics/klu_solver.hpp"

#include "core/cpu.hpp"

#include <sunlinsol/sunlinsol_klu.h>
#include <nvector/nvector_serial.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace ssbsim {

namespace {

// A fresh factorisation is due when rcond falls below this fraction of its value at the
// last one. Scaling alone keeps rcond roughly constant along a run (measured: within a
// factor 10 over a Study A cycle), a pivot that has gone bad drops it by orders.
constexpr double kRcondDrop = 1e-3;

// KLU's factors refactorised and solved by our own code, with KLU's pivot order (issue #12).
//
// KLU refactorises and solves in its own packed format: per column a pointer into a block's
// `Unit` array, the row scaling divided into every entry, the BTF blocks' bookkeeping, and
// klu_solve's permutation, scaling and off-diagonal passes: on the chemistry-on embedded
// default (~320 unknowns after the chains) its solves took ~24k instructions each and its
// refactorisations (with klu_scale) ~100k, about 1.5x the multiply-subtracts of the factors.
// After each fresh (pivoting) factorisation by KLU this takes its row and column permutations
// and its BTF blocks, computes the factors' pattern once (the structural reach of each
// column in its block: the same pattern KLU's left-looking factorisation has), and from
// then on refactorises (left-looking, flat CSC arrays, no scaling: with fixed pivots the
// factors of the scaled and unscaled matrix differ by the scaling alone) and solves by
// itself. The cheap rcond is KLU's: min / max of |U_kk| of the row-scaled matrix
// (U_kk / Rs of its pivot row, Rs the row's largest magnitude, KLU's default scale = 2).
struct StaticLU {
    bool valid = false;
    sunindextype n = 0;
    std::vector<sunindextype> P, Q;          // PAQ's row k is A's row P[k], its column k A's Q[k]
    std::vector<sunindextype> block;         // block boundaries (nblocks + 1)
    std::vector<sunindextype> a_ptr, a_pos, a_row;  // per column of PAQ: A's in-block entries
    std::vector<sunindextype> l_ptr, l_row;  // L (unit lower, in block), CSC, rows ascending
    std::vector<double> l_val;
    std::vector<sunindextype> u_ptr, u_mid, u_row, u_src;  // U above the diagonal: in block
    std::vector<double> u_val;               // [u_ptr, u_mid), rows ascending; off-block [u_mid, u_ptr+1)
    std::vector<double> inv_diag, diag;      // 1 / U_kk, U_kk
    // The factors by rows for the solve (the factorisation works on the columns above):
    // per row k of PAQ its in-block L entries (columns ascending), its in-block U entries and
    // its off-block entries (columns descending), and where each value sits in l_val / u_val.
    std::vector<sunindextype> lr_ptr, lr_col, lr_src, ur_ptr, ur_col, ur_src, or_ptr, or_col, or_src;
    std::vector<double> lr_val, ur_val, or_val;
    // solve_mapped's composed permutations, for the map and the pattern (gen) they were made for.
    std::vector<sunindextype> Pm, Qm;
    const sunindextype* mapped_for = nullptr;
    long gen = 0, mapped_gen = -1;
    std::vector<double> x, y, rs;            // work (x: zero between columns), row maxima
    std::vector<char> mark;
    bool built = false;                      // the arrays above hold a complete pattern
    std::vector<sunindextype> a_cp, a_ri;    // of the matrix it was built for

    // A fresh factorisation at a restart mostly ends at KLU's last pivots and blocks; the
    // pattern is then the one built last time (rebuilding it was ~60 % of a fresh setup).
    template <class Sym, class Num>
    bool same_pattern(const sunindextype* cp, const sunindextype* ri, const Sym* sym, const Num* num) const {
        const auto same = [](const std::vector<sunindextype>& v, const auto* p) { return std::equal(v.begin(), v.end(), p); };
        return built && static_cast<sunindextype>(a_cp.size()) == n + 1 && same(a_cp, cp) &&
               static_cast<sunindextype>(a_ri.size()) == cp[n] && same(a_ri, ri) && same(P, num->Pnum) &&
               same(Q, sym->Q) && static_cast<sunindextype>(block.size()) == sym->nblocks + 1 && same(block, sym->R);
    }

    // The pattern from KLU's symbolic and numeric objects; false if PAQ is not block upper
    // triangular in KLU's blocks (it always is) or a pivot is structurally zero.
    template <class Sym, class Num>
    bool build(SUNMatrix A, const Sym* sym, const Num* num) {
        valid = false;
        n = SUNSparseMatrix_Columns(A);
        if (!sym || !num || sym->n != n) return false;
        const sunindextype* cp = SUNSparseMatrix_IndexPointers(A);
        const sunindextype* ri = SUNSparseMatrix_IndexValues(A);
        if (same_pattern(cp, ri, sym, num)) {
            valid = true;
            return true;
        }
        built = false;
        P.assign(num->Pnum, num->Pnum + n);
        Q.assign(sym->Q, sym->Q + n);
        block.assign(sym->R, sym->R + sym->nblocks + 1);
        std::vector<sunindextype> pinv(n);
        for (sunindextype k = 0; k < n; ++k) pinv[P[k]] = k;
        a_ptr.assign(1, 0), a_pos.clear(), a_row.clear();
        l_ptr.assign(1, 0), l_row.clear();
        u_ptr.assign(1, 0), u_mid.clear(), u_row.clear(), u_src.clear();
        mark.assign(n, 0);
        for (std::size_t b = 0; b + 1 < block.size(); ++b) {
            const sunindextype k0 = block[b], k1 = block[b + 1];
            for (sunindextype j = k0; j < k1; ++j) {
                std::vector<std::pair<sunindextype, sunindextype>> off;  // (row, A position)
                const sunindextype col = Q[j];
                for (sunindextype p = cp[col]; p < cp[col + 1]; ++p) {
                    const sunindextype r = pinv[ri[p]];
                    if (r >= k0 && r < k1) {
                        a_pos.push_back(p), a_row.push_back(r);
                        mark[r] = 1;
                    } else if (r < k0) {
                        off.push_back({r, p});
                    } else {
                        return false;  // below the block diagonal: not KLU's BTF form
                    }
                }
                a_ptr.push_back(static_cast<sunindextype>(a_pos.size()));
                for (sunindextype i = k0; i < j; ++i) {
                    if (!mark[i]) continue;
                    u_row.push_back(i), u_src.push_back(-1);
                    for (sunindextype q = l_ptr[i]; q < l_ptr[i + 1]; ++q) mark[l_row[q]] = 1;
                }
                u_mid.push_back(static_cast<sunindextype>(u_row.size()));
                std::sort(off.begin(), off.end());
                for (const auto& e : off) u_row.push_back(e.first), u_src.push_back(e.second);
                u_ptr.push_back(static_cast<sunindextype>(u_row.size()));
                if (!mark[j]) return false;  // structurally zero pivot
                for (sunindextype r = j + 1; r < k1; ++r)
                    if (mark[r]) l_row.push_back(r);
                l_ptr.push_back(static_cast<sunindextype>(l_row.size()));
                for (sunindextype r = k0; r < k1; ++r) mark[r] = 0;
            }
        }
        l_val.assign(l_row.size(), 0.0);
        u_val.assign(u_row.size(), 0.0);
        inv_diag.assign(n, 0.0);
        diag.assign(n, 0.0);
        x.assign(n, 0.0);
        y.assign(n, 0.0);
        rs.assign(n, 0.0);
        build_rows();
        ++gen;
        a_cp.assign(cp, cp + n + 1);
        a_ri.assign(ri, ri + cp[n]);
        built = valid = true;
        return true;
    }

    // Numeric refactorisation with the kept pivots; false (and invalid factors) on a zero or
    // non-finite pivot.
    template <bool Fma>
    __attribute__((always_inline)) inline bool factor_body(const double* a) {
        double* xv = x.data();
        const sunindextype* lp = l_ptr.data();
        const sunindextype* lr = l_row.data();
        double* lv = l_val.data();
        for (sunindextype j = 0; j < n; ++j) {
            for (sunindextype p = a_ptr[j]; p < a_ptr[j + 1]; ++p) xv[a_row[p]] = a[a_pos[p]];
            for (sunindextype e = u_ptr[j]; e < u_mid[j]; ++e) {
                const sunindextype i = u_row[e];
                const double xi = xv[i];
                xv[i] = 0.0;
                u_val[e] = xi;
#pragma GCC unroll 2
                for (sunindextype q = lp[i]; q < lp[i + 1]; ++q) xv[lr[q]] = fms<Fma>(lv[q], xi, xv[lr[q]]);
            }
            const double d = xv[j];
            xv[j] = 0.0;
            if (!(std::fabs(d) > 0.0) || !std::isfinite(d)) {
                for (sunindextype q = lp[j]; q < lp[j + 1]; ++q) xv[lr[q]] = 0.0;
                return false;
            }
            diag[j] = d;
            const double inv = inv_diag[j] = 1.0 / d;
            for (sunindextype q = lp[j]; q < lp[j + 1]; ++q) {
                lv[q] = xv[lr[q]] * inv;
                xv[lr[q]] = 0.0;
            }
            for (sunindextype e = u_mid[j]; e < u_ptr[j + 1]; ++e) u_val[e] = a[u_src[e]];
        }
        return true;
    }

    // KLU's cheap reciprocal condition number of the row-scaled factors.
    double rcond(SUNMatrix A) {
        const sunindextype nnz = SUNSparseMatrix_IndexPointers(A)[n];
        const sunindextype* ri = SUNSparseMatrix_IndexValues(A);
        const double* a = SUNSparseMatrix_Data(A);
        std::fill(rs.begin(), rs.end(), 0.0);
        for (sunindextype p = 0; p < nnz; ++p) rs[ri[p]] = std::max(rs[ri[p]], std::fabs(a[p]));
        double lo = 0.0, hi = 0.0;
        for (sunindextype k = 0; k < n; ++k) {
            const double v = std::fabs(diag[k]) / rs[P[k]];
            if (k == 0 || v < lo) lo = v;
            if (k == 0 || v > hi) hi = v;
        }
        return hi > 0.0 && std::isfinite(lo / hi) ? lo / hi : 0.0;
    }

    // The row copies' pattern: the entries of each row in the order the column-oriented
    // solve would subtract them from it (L: columns ascending; U and off-block: descending).
    void build_rows() {
        auto by_rows = [&](auto&& entries, bool descending, std::vector<sunindextype>& ptr,
                           std::vector<sunindextype>& col, std::vector<sunindextype>& src) {
            std::vector<sunindextype> count(n + 1, 0);
            entries([&](sunindextype r, sunindextype, sunindextype) { ++count[r + 1]; });
            for (sunindextype k = 0; k < n; ++k) count[k + 1] += count[k];
            ptr = count;
            col.assign(ptr[n], 0);
            src.assign(ptr[n], 0);
            std::vector<sunindextype> next(ptr.begin(), ptr.end() - 1);
            entries([&](sunindextype r, sunindextype c, sunindextype e) {
                col[next[r]] = c;
                src[next[r]++] = e;
            });
            if (descending)
                for (sunindextype k = 0; k < n; ++k) {
                    std::reverse(col.begin() + ptr[k], col.begin() + ptr[k + 1]);
                    std::reverse(src.begin() + ptr[k], src.begin() + ptr[k + 1]);
                }
        };
        by_rows([&](auto&& f) {
            for (sunindextype j = 0; j < n; ++j)
                for (sunindextype q = l_ptr[j]; q < l_ptr[j + 1]; ++q) f(l_row[q], j, q);
        }, false, lr_ptr, lr_col, lr_src);
        by_rows([&](auto&& f) {
            for (sunindextype j = 0; j < n; ++j)
                for (sunindextype e = u_ptr[j]; e < u_mid[j]; ++e) f(u_row[e], j, e);
        }, true, ur_ptr, ur_col, ur_src);
        by_rows([&](auto&& f) {
            for (sunindextype j = 0; j < n; ++j)
                for (sunindextype e = u_mid[j]; e < u_ptr[j + 1]; ++e) f(u_row[e], j, e);
        }, true, or_ptr, or_col, or_src);
        lr_val.assign(lr_col.size(), 0.0);
        ur_val.assign(ur_col.size(), 0.0);
        or_val.assign(or_col.size(), 0.0);
    }

    // The factors' values into the row copies (after each factorisation).
    void gather_rows() {
        for (std::size_t t = 0; t < lr_src.size(); ++t) lr_val[t] = l_val[lr_src[t]];
        for (std::size_t t = 0; t < ur_src.size(); ++t) ur_val[t] = u_val[ur_src[t]];
        for (std::size_t t = 0; t < or_src.size(); ++t) or_val[t] = u_val[or_src[t]];
    }

    // x = A^-1 b (x may be b): per block from the last, the off-block entries (the later
    // blocks' unknowns, solved), L forward and U backward, each row a running sum in a
    // register (no store per entry). Each row sees the same multiply-subtracts in the same
    // order as a column-oriented solve (scatter from each solved unknown): the same result
    // to the bit.
    template <bool Fma, bool Mapped = false>
    __attribute__((always_inline)) inline void solve_body(const double* b, double* xo) {
        double* yv = y.data();
        const sunindextype* pin = Mapped ? Pm.data() : P.data();
        const sunindextype* qout = Mapped ? Qm.data() : Q.data();
        for (sunindextype k = 0; k < n; ++k) yv[k] = b[pin[k]];
        const sunindextype *lp = lr_ptr.data(), *lc = lr_col.data();
        const sunindextype *up = ur_ptr.data(), *uc = ur_col.data();
        const sunindextype *op = or_ptr.data(), *oc = or_col.data();
        const double *lv = lr_val.data(), *uv = ur_val.data(), *ov = or_val.data();
        const double* id = inv_diag.data();
        for (std::size_t bl = block.size() - 1; bl-- > 0;) {
            const sunindextype k0 = block[bl], k1 = block[bl + 1];
            if (k1 - k0 == 1) {
                double acc = yv[k0];
                for (sunindextype e = op[k0]; e < op[k0 + 1]; ++e) acc = fms<Fma>(ov[e], yv[oc[e]], acc);
                yv[k0] = acc * id[k0];
                continue;
            }
            for (sunindextype i = k0; i < k1; ++i) {
                if (op[i] == op[i + 1]) continue;
                double acc = yv[i];
                for (sunindextype e = op[i]; e < op[i + 1]; ++e) acc = fms<Fma>(ov[e], yv[oc[e]], acc);
                yv[i] = acc;
            }
            for (sunindextype i = k0; i < k1; ++i) {
                double acc = yv[i];
                for (sunindextype e = lp[i]; e < lp[i + 1]; ++e) acc = fms<Fma>(lv[e], yv[lc[e]], acc);
                yv[i] = acc;
            }
            for (sunindextype i = k1 - 1; i >= k0; --i) {
                double acc = yv[i];
                for (sunindextype e = up[i]; e < up[i + 1]; ++e) acc = fms<Fma>(uv[e], yv[uc[e]], acc);
                yv[i] = acc * id[i];
            }
        }
        for (sunindextype k = 0; k < n; ++k) xo[qout[k]] = yv[k];
    }

    // The solve on the unknowns map[k] of a longer vector v, in place (the caller's gather and
    // scatter folded into the permutations P and Q).
    void solve_mapped(double* v, const sunindextype* map) {
        if (map != mapped_for || mapped_gen != gen) {
            Pm.resize(n), Qm.resize(n);
            for (sunindextype k = 0; k < n; ++k) Pm[k] = map[P[k]], Qm[k] = map[Q[k]];
            mapped_for = map;
            mapped_gen = gen;
        }
        if (has_fma()) solve_mapped_fma(v);
        else solve_body<false, true>(v, v);
    }

    // c - a b; with FMA (one rounding) where the CPU has it.
    template <bool Fma>
    static __attribute__((always_inline)) inline double fms(double a, double b, double c) {
        if constexpr (Fma) return __builtin_fma(-a, b, c);
        else return c - a * b;
    }
    __attribute__((target("avx2,fma"))) bool factor_fma(const double* a) { return factor_body<true>(a); }
    __attribute__((target("avx2,fma"))) void solve_fma(const double* b, double* xo) { solve_body<true>(b, xo); }
    __attribute__((target("avx2,fma"))) void solve_mapped_fma(double* v) { solve_body<true, true>(v, v); }
    bool factor(const double* a) {
        const bool ok = has_fma() ? factor_fma(a) : factor_body<false>(a);
        if (ok) gather_rows();
        return ok;
    }
    void solve(const double* b, double* xo) {
        if (has_fma()) solve_fma(b, xo);
        else solve_body<false>(b, xo);
    }
    static bool has_fma() { return cpu_has_avx2_fma(); }
};

struct Content {
    SUNLinearSolver klu = nullptr;  // SUNDIALS' KLU solver: symbolic, numeric, solve
    double rcond_fresh = 0;          // rcond after the last fresh factorisation
    bool keep_pivots = true;         // false: SUNDIALS' own setup (for comparison)
    KluCounters counters;
    bool fresh_due = false;          // IDA (re)started: factorise afresh, keep the analysis
    StaticLU lu;                     // valid: refactorisations and solves by it, with KLU's pivots
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
        // Our factors with KLU's pivots (the same rcond); KLU's own if they cannot be had.
        if (c->lu.build(A, k->symbolic, k->numeric) && c->lu.factor(SUNSparseMatrix_Data(A))) {
            c->rcond_fresh = c->lu.rcond(A);
        } else {
            c->lu.valid = false;
            c->rcond_fresh = sun_klu_rcond(k->symbolic, k->numeric, &k->common) ? k->common.rcond : 0.0;
        }
    } else {
        c->lu.valid = false;
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
    if (c->lu.valid) {
        if (c->lu.factor(SUNSparseMatrix_Data(A)) && c->lu.rcond(A) >= kRcondDrop * c->rcond_fresh) {
            k->last_flag = SUNLS_SUCCESS;
            return SUNLS_SUCCESS;
        }
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
    Content* c = content(S);
    if (c->lu.valid) {
        c->lu.solve(N_VGetArrayPointer(b), N_VGetArrayPointer(x));
        klu_of(S)->last_flag = SUNLS_SUCCESS;
        return SUNLS_SUCCESS;
    }
    return SUNLinSolSolve(c->klu, A, x, b, tol);
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
    // AMD on A + A^T rather than SUNDIALS' default COLAMD: on the chain-reduced system of the
    // embedded default (170 unknowns) the factors hold 549 + 488 entries in KLU's blocks (L,
    // U off the diagonal) against 529 + 700, and a cycling run, the analogue and the
    // chemistry-on default ran 1-3 % faster (benchmarks/README.md, 2026-12-06).
    if (SUNLinSol_KLUSetOrdering(klu, 0) != SUNLS_SUCCESS) {
        SUNLinSolFree(klu);
        return nullptr;
    }
    SUNLinearSolver S = SUNLinSolNewEmpty(ctx);
    if (!S) {
        SUNLinSolFree(klu);
        return nullptr;
    }
    auto* c = new Content;
    c->klu = klu;
    c->keep_pivots = keep_pivots;
    S->content = c;
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

bool klu_solve_mapped(SUNLinearSolver S, double* v, const sunindextype* map) {
    Content* c = content(S);
    if (!c->lu.valid) return false;
    c->lu.solve_mapped(v, map);
    klu_of(S)->last_flag = SUNLS_SUCCESS;
    return true;
}

KluCounters klu_counters(SUNLinearSolver S) { return S ? content(S)->counters : KluCounters{}; }

}  // namespace ssbsim
