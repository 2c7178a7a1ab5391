#include "numerics/chain_elimination.hpp"

#include <nvector/nvector_serial.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "numerics/klu_solver.hpp"

namespace ssbsim {

namespace {

// The chains' data, flat over their interior unknowns t (chain c: t in [start[c], start[c+1])).
// Positions index A's value array (-1: structurally zero entry).
struct Content {
    SUNLinearSolver klu = nullptr;  // on the reduced matrix S
    SUNLinearSolver full = nullptr;  // KLU on the whole matrix (steps far beyond the diffusion time)
    bool use_full = false;           // the last setup went to `full`
    SUNMatrix S = nullptr;
    N_Vector xb = nullptr, bb = nullptr;
    std::vector<sunindextype> boundary;  // S's unknown k is A's boundary[k]
    std::vector<sunindextype> s_source;  // S's value k is A's value s_source[k]
    std::vector<int> start;              // per chain, plus one past the last
    std::vector<sunindextype> attach;    // A's unknown a of chain c
    std::vector<sunindextype> attach_low;   // position of A_{a,last}
    std::vector<sunindextype> attach_diag;  // position of S_aa in S's values
    std::vector<sunindextype> unknown;   // A's unknown of interior t
    std::vector<sunindextype> pos_diag, pos_low, pos_up;  // A_tt, A_{t,t-1}, A_{t,next}
    std::vector<double> inv_d, low, up;  // 1 / pivot, multiplier l_t, A_{t,next}
    std::vector<double> attach_mul;      // A_{a,last} / d_last per chain
    std::vector<int> group_width;        // the sweeps take chains group_width[g] at a time, in order
    long last_flag = SUNLS_SUCCESS;
};

// Chains swept side by side: eight fill the floating-point units (four left them waiting
// on each chain's dependent multiply-subtract, ~4.8 % of the intercalation analogue's
// solve in the sweeps, perf 2026-12-02), then four, then one at a time.
constexpr int kGroupWidths[] = {8, 4};

// A chain's first row sums to cj V / V = cj plus the D_s'(c) gradient terms: against its
// diagonal (the diffusion conductance), this is 1 / (h * diffusion rate). Beyond
// kFarStep (steps of ~1e6 diffusion times, e.g. a hold of 1e9 h at equilibrium) the
// condensed diagonal of the attach unknown holds the particle's whole capacity as a
// difference of conductances, and the rounding there steered IDA to twice the steps of KLU
// on the whole matrix (hostile_output's 1e9 h hold); such setups go to that.
constexpr double kFarStep = 1e-6;

bool far_step(const Content& c, const double* a) {
    const std::size_t chains = c.attach.size();
    for (std::size_t ch = 0; ch < chains; ++ch) {
        const int t0 = c.start[ch];
        const double d = a[c.pos_diag[t0]], u = c.pos_up[t0] >= 0 ? a[c.pos_up[t0]] : 0.0;
        if (std::fabs(d + u) < kFarStep * std::fabs(d)) return true;
    }
    return false;
}

Content* content(SUNLinearSolver S) { return static_cast<Content*>(S->content); }

// Position of A_{row,col} in the value array, -1 when not in the pattern.
sunindextype find_entry(SUNMatrix A, sunindextype row, sunindextype col) {
    const sunindextype* cp = SUNSparseMatrix_IndexPointers(A);
    const sunindextype* ri = SUNSparseMatrix_IndexValues(A);
    for (sunindextype k = cp[col]; k < cp[col + 1]; ++k)
        if (ri[k] == row) return k;
    return -1;
}

// The chains that fit A's pattern: every entry in an interior unknown's row or column lies
// on the chain's tridiagonal (its last unknown's neighbour being the attach unknown), each
// interior unknown and attach unknown has its diagonal, no unknown is claimed twice.
std::vector<const EliminationChain*> fitting_chains(SUNMatrix A, const std::vector<EliminationChain>& chains) {
    const sunindextype n = SUNSparseMatrix_Columns(A);
    std::vector<int> chain_of(n, -1), place(n, -1);
    std::vector<char> bad(chains.size(), 0);
    for (std::size_t c = 0; c < chains.size(); ++c) {
        const auto& e = chains[c].interior;
        const int a = chains[c].attach;
        bad[c] = e.empty() || a < 0 || a >= n || find_entry(A, a, a) < 0;
        for (std::size_t j = 0; j < e.size() && !bad[c]; ++j) {
            if (e[j] < 0 || e[j] >= n || e[j] != e[0] + static_cast<int>(j) || chain_of[e[j]] >= 0 ||
                find_entry(A, e[j], e[j]) < 0)
                bad[c] = 1;  // the sweeps read x[first + j]: contiguous chains only
            else chain_of[e[j]] = static_cast<int>(c), place[e[j]] = static_cast<int>(j);
        }
    }
    for (std::size_t c = 0; c < chains.size(); ++c)  // an attach unknown stays in S
        if (chains[c].attach >= 0 && chains[c].attach < n && chain_of[chains[c].attach] >= 0)
            bad[c] = bad[chain_of[chains[c].attach]] = 1;
    // Is (r, col) on the tridiagonal of the chain of interior unknown u (u is r or col)?
    auto neighbour = [&](sunindextype u, sunindextype other) {
        const auto& ch = chains[chain_of[u]];
        const int j = place[u];
        const int last = static_cast<int>(ch.interior.size()) - 1;
        return other == u || (j > 0 && other == ch.interior[j - 1]) ||
               (j < last && other == ch.interior[j + 1]) || (j == last && other == ch.attach);
    };
    const sunindextype* cp = SUNSparseMatrix_IndexPointers(A);
    const sunindextype* ri = SUNSparseMatrix_IndexValues(A);
    for (sunindextype col = 0; col < n; ++col)
        for (sunindextype k = cp[col]; k < cp[col + 1]; ++k) {
            const sunindextype r = ri[k];
            if (chain_of[r] >= 0 && !neighbour(r, col)) bad[chain_of[r]] = 1;
            if (chain_of[col] >= 0 && !neighbour(col, r)) bad[chain_of[col]] = 1;
        }
    std::vector<const EliminationChain*> out;
    for (std::size_t c = 0; c < chains.size(); ++c)
        if (!bad[c]) out.push_back(&chains[c]);
    return out;
}

void build_chains(Content& c, SUNMatrix A, const std::vector<const EliminationChain*>& chains) {
    for (const EliminationChain* ch : chains) {
        c.start.push_back(static_cast<int>(c.unknown.size()));
        const auto& e = ch->interior;
        for (std::size_t j = 0; j < e.size(); ++j) {
            const sunindextype next = j + 1 < e.size() ? e[j + 1] : ch->attach;
            c.unknown.push_back(e[j]);
            c.pos_diag.push_back(find_entry(A, e[j], e[j]));
            c.pos_low.push_back(j > 0 ? find_entry(A, e[j], e[j - 1]) : -1);
            c.pos_up.push_back(find_entry(A, e[j], next));
        }
        c.attach.push_back(ch->attach);
        c.attach_low.push_back(find_entry(A, ch->attach, e.back()));
    }
    c.start.push_back(static_cast<int>(c.unknown.size()));
    const std::size_t m = c.unknown.size();
    c.inv_d.assign(m, 0.0);
    c.low.assign(m, 0.0);
    c.up.assign(m, 0.0);
    c.attach_mul.assign(c.attach.size(), 0.0);
    // Groups of chains of one length, widest first (the sweeps interleave them).
    const auto length = [&](std::size_t ch) { return c.start[ch + 1] - c.start[ch]; };
    std::size_t ch = 0;
    while (ch < c.attach.size()) {
        int width = 1;
        for (int w : kGroupWidths) {
            if (ch + w > c.attach.size()) continue;
            bool same = true;
            for (int q = 1; q < w; ++q) same = same && length(ch + q) == length(ch);
            if (same) {
                width = w;
                break;
            }
        }
        c.group_width.push_back(width);
        ch += width;
    }
}

// S = A over the unknowns left (their order kept), CSC; S_aa's positions for the chains.
SUNMatrix build_reduced(Content& c, SUNMatrix A, SUNContext ctx) {
    const sunindextype n = SUNSparseMatrix_Columns(A);
    std::vector<sunindextype> map(n, 0);
    for (sunindextype u : c.unknown) map[u] = -1;
    for (sunindextype i = 0; i < n; ++i)
        if (map[i] == 0) {
            map[i] = static_cast<sunindextype>(c.boundary.size());
            c.boundary.push_back(i);
        }
    const sunindextype* cp = SUNSparseMatrix_IndexPointers(A);
    const sunindextype* ri = SUNSparseMatrix_IndexValues(A);
    std::vector<sunindextype> col_ptr{0}, rows;
    for (sunindextype col : c.boundary) {
        for (sunindextype k = cp[col]; k < cp[col + 1]; ++k)
            if (map[ri[k]] >= 0) {
                rows.push_back(map[ri[k]]);
                c.s_source.push_back(k);
            }
        col_ptr.push_back(static_cast<sunindextype>(rows.size()));
    }
    const sunindextype nb = static_cast<sunindextype>(c.boundary.size());
    SUNMatrix S = SUNSparseMatrix(nb, nb, std::max<sunindextype>(1, rows.size()), CSC_MAT, ctx);
    if (!S) return nullptr;
    std::copy(col_ptr.begin(), col_ptr.end(), SUNSparseMatrix_IndexPointers(S));
    std::copy(rows.begin(), rows.end(), SUNSparseMatrix_IndexValues(S));
    for (sunindextype a : c.attach) c.attach_diag.push_back(find_entry(S, map[a], map[a]));
    return S;
}

// The forward sweep of every chain and S's values; then KLU's setup on S.
int setup(SUNLinearSolver LS, SUNMatrix A) {
    Content& c = *content(LS);
    const double* a = SUNSparseMatrix_Data(A);
    c.use_full = far_step(c, a);
    if (c.use_full) return c.last_flag = SUNLinSolSetup(c.full, A);
    double* s = SUNSparseMatrix_Data(c.S);
    const std::size_t ns = c.s_source.size();
    for (std::size_t k = 0; k < ns; ++k) s[k] = a[c.s_source[k]];
    const std::size_t chains = c.attach.size();
    for (std::size_t ch = 0; ch < chains; ++ch) {
        const int t0 = c.start[ch], t1 = c.start[ch + 1];
        double prev_inv = 0.0, prev_up = 0.0;
        for (int t = t0; t < t1; ++t) {
            double d = a[c.pos_diag[t]];
            if (t > t0) {
                const double l = c.pos_low[t] >= 0 ? a[c.pos_low[t]] * prev_inv : 0.0;
                d -= l * prev_up;
                c.low[t] = l;
            }
            prev_up = c.up[t] = c.pos_up[t] >= 0 ? a[c.pos_up[t]] : 0.0;
            if (!(std::fabs(d) > 0.0) || !std::isfinite(d)) {
                c.last_flag = SUNLS_PACKAGE_FAIL_REC;
                return SUNLS_PACKAGE_FAIL_REC;  // IDA retries with a smaller step
            }
            prev_inv = c.inv_d[t] = 1.0 / d;
        }
        const double g = c.attach_low[ch] >= 0 ? a[c.attach_low[ch]] * prev_inv : 0.0;
        c.attach_mul[ch] = g;
        s[c.attach_diag[ch]] -= g * prev_up;
    }
    const int flag = SUNLinSolSetup(c.klu, c.S);
    c.last_flag = flag;
    return flag;
}

// The sweeps of G chains of equal length side by side: each chain's recurrence is a chain
// of dependent multiply-subtracts, so G of them interleaved keep the floating-point units
// busy (the same operations per chain, in the same order, as one at a time).
template <int G>
void forward(const Content& c, std::size_t ch, double* xv) {
    double* x[G];
    const double* l[G];
    double z[G];
    for (int q = 0; q < G; ++q) {
        x[q] = xv + c.unknown[c.start[ch + q]];
        l[q] = c.low.data() + c.start[ch + q];
        z[q] = x[q][0];
    }
    const int m = c.start[ch + 1] - c.start[ch];
    for (int j = 1; j < m; ++j)  // z_j = b_j - l_j z_{j-1}
        for (int q = 0; q < G; ++q) z[q] = x[q][j] -= l[q][j] * z[q];
    for (int q = 0; q < G; ++q) xv[c.attach[ch + q]] -= c.attach_mul[ch + q] * z[q];
}

template <int G>
void backward(const Content& c, std::size_t ch, double* xv) {
    double* x[G];
    const double *u[G], *d[G];
    double next[G];
    for (int q = 0; q < G; ++q) {
        x[q] = xv + c.unknown[c.start[ch + q]];
        u[q] = c.up.data() + c.start[ch + q];
        d[q] = c.inv_d.data() + c.start[ch + q];
        next[q] = xv[c.attach[ch + q]];
    }
    const int m = c.start[ch + 1] - c.start[ch];
    for (int j = m - 1; j >= 0; --j)  // x_j = (z_j - u_j x_{j+1}) / d_j
        for (int q = 0; q < G; ++q) next[q] = x[q][j] = (x[q][j] - u[q][j] * next[q]) * d[q][j];
}

int solve(SUNLinearSolver LS, SUNMatrix A, N_Vector x, N_Vector b, realtype tol) {
    Content& c = *content(LS);
    if (c.use_full) return c.last_flag = SUNLinSolSolve(c.full, A, x, b, tol);
    double* xv = N_VGetArrayPointer(x);
    const sunindextype n = N_VGetLength(x);
    if (x != b) std::memcpy(xv, N_VGetArrayPointer(b), sizeof(double) * n);
    std::size_t ch = 0;
    for (int w : c.group_width) {
        if (w == 8) forward<8>(c, ch, xv);
        else if (w == 4) forward<4>(c, ch, xv);
        else forward<1>(c, ch, xv);
        ch += w;
    }
    double* bb = N_VGetArrayPointer(c.bb);
    const std::size_t nb = c.boundary.size();
    for (std::size_t k = 0; k < nb; ++k) bb[k] = xv[c.boundary[k]];
    const int flag = SUNLinSolSolve(c.klu, c.S, c.xb, c.bb, tol);
    c.last_flag = flag;
    if (flag != SUNLS_SUCCESS) return flag;
    const double* xb = N_VGetArrayPointer(c.xb);
    for (std::size_t k = 0; k < nb; ++k) xv[c.boundary[k]] = xb[k];
    ch = 0;
    for (int w : c.group_width) {
        if (w == 8) backward<8>(c, ch, xv);
        else if (w == 4) backward<4>(c, ch, xv);
        else backward<1>(c, ch, xv);
        ch += w;
    }
    return SUNLS_SUCCESS;
}

SUNLinearSolver_Type get_type(SUNLinearSolver) { return SUNLINEARSOLVER_DIRECT; }
SUNLinearSolver_ID get_id(SUNLinearSolver) { return SUNLINEARSOLVER_CUSTOM; }
int initialize(SUNLinearSolver LS) {
    const int flag = SUNLinSolInitialize(content(LS)->klu);
    return flag != SUNLS_SUCCESS ? flag : SUNLinSolInitialize(content(LS)->full);
}
sunindextype last_flag(SUNLinearSolver LS) { return content(LS)->last_flag; }
void free_content(Content* c) {
    if (c->klu) SUNLinSolFree(c->klu);
    if (c->full) SUNLinSolFree(c->full);
    if (c->S) SUNMatDestroy(c->S);
    if (c->xb) N_VDestroy(c->xb);
    if (c->bb) N_VDestroy(c->bb);
    delete c;
}

int free_solver(SUNLinearSolver LS) {
    if (!LS) return SUNLS_SUCCESS;
    if (Content* c = content(LS)) {
        free_content(c);
        LS->content = nullptr;
    }
    SUNLinSolFreeEmpty(LS);
    return SUNLS_SUCCESS;
}

}  // namespace

SUNLinearSolver make_chain_klu_solver(N_Vector y, SUNMatrix A, SUNContext ctx, bool keep_pivots,
                                      const std::vector<EliminationChain>& chains) {
    const std::vector<const EliminationChain*> fit = fitting_chains(A, chains);
    if (fit.empty()) return nullptr;
    auto* c = new Content;
    build_chains(*c, A, fit);
    c->S = build_reduced(*c, A, ctx);
    const sunindextype nb = static_cast<sunindextype>(c->boundary.size());
    if (c->S) {
        c->xb = N_VNew_Serial(nb, ctx);
        c->bb = N_VNew_Serial(nb, ctx);
    }
    if (c->xb && c->bb) c->klu = make_klu_solver(c->xb, c->S, ctx, keep_pivots);
    if (c->klu) c->full = make_klu_solver(y, A, ctx, keep_pivots);
    SUNLinearSolver LS = c->klu && c->full ? SUNLinSolNewEmpty(ctx) : nullptr;
    if (!LS) {
        free_content(c);
        return nullptr;
    }
    LS->content = c;
    LS->ops->gettype = get_type;
    LS->ops->getid = get_id;
    LS->ops->initialize = initialize;
    LS->ops->setup = setup;
    LS->ops->solve = solve;
    LS->ops->lastflag = last_flag;
    LS->ops->free = free_solver;
    return LS;
}

SUNLinearSolver chain_solver_klu(SUNLinearSolver S) { return S ? content(S)->klu : nullptr; }
SUNLinearSolver chain_solver_full_klu(SUNLinearSolver S) { return S ? content(S)->full : nullptr; }
int chain_solver_eliminated(SUNLinearSolver S) {
    return S ? static_cast<int>(content(S)->unknown.size()) : 0;
}

}  // namespace ssbsim
