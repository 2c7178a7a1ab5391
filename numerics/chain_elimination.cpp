#include "numerics/chain_elimination.hpp"

#include <nvector/nvector_serial.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "numerics/finite.hpp"
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
    // Blocks condensed out of S (EliminationChain::local), in S's numbering: block q holds
    // unknowns bg[bg_start[q] ..) (G) and couples to bn[bn_start[q] ..) (N). KLU solves T,
    // S without the blocks' unknowns, whose N x N entries carry the blocks' Schur complements.
    std::vector<sunindextype> s_of;      // A's unknown -> S's (-1: eliminated in a chain)
    std::vector<int> bg_start, bn_start, bgg_start, bgn_start;  // per block, plus one past the last
    std::vector<sunindextype> bg, bn;
    std::vector<sunindextype> p_gg, p_gn, p_ng;  // positions in S's values (-1: zero)
    std::vector<sunindextype> p_nn;              // positions in T's values
    std::vector<double> lu, w, ng;               // S_GG^-1 (by LU with row pivots), S_GG^-1 S_GN, S_NG
    std::vector<int> piv;
    SUNMatrix T = nullptr;
    std::vector<sunindextype> t_unknown;         // T's unknown k is S's t_unknown[k]
    std::vector<sunindextype> t_from_s;          // T's value k is S's value t_from_s[k] (-1: fill)
    std::vector<sunindextype> t_in_a;            // T's unknown k is A's t_in_a[k]
};

constexpr int kMaxBlock = 6, kMaxBorder = 8;

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
    c.s_of = map;
    return S;
}

// The blocks of `chains` (attach plus local) that fit S's pattern, and T.
SUNMatrix build_blocks(Content& c, const std::vector<const EliminationChain*>& chains, SUNContext ctx) {
    SUNMatrix S = c.S;
    const sunindextype nb = SUNSparseMatrix_Columns(S);
    const sunindextype* cp = SUNSparseMatrix_IndexPointers(S);
    const sunindextype* ri = SUNSparseMatrix_IndexValues(S);
    const sunindextype n = static_cast<sunindextype>(c.s_of.size());
    std::vector<int> block_of(nb, -1);
    std::vector<std::vector<sunindextype>> G;
    for (const EliminationChain* ch : chains) {
        if (ch->local.empty()) continue;
        std::vector<sunindextype> g{c.s_of[ch->attach]};
        bool ok = true;
        for (int u : ch->local) {
            if (u < 0 || u >= n || c.s_of[u] < 0) ok = false;
            else g.push_back(c.s_of[u]);
        }
        if (!ok || static_cast<int>(g.size()) > kMaxBlock) continue;
        for (sunindextype v : g) ok = ok && block_of[v] < 0 && std::count(g.begin(), g.end(), v) == 1;
        if (!ok) continue;
        for (sunindextype v : g) block_of[v] = static_cast<int>(G.size());
        G.push_back(g);
    }
    std::vector<char> bad(G.size(), 0);
    std::vector<std::vector<sunindextype>> N(G.size());
    auto add_border = [&](int q, sunindextype v) {
        if (std::find(N[q].begin(), N[q].end(), v) == N[q].end()) N[q].push_back(v);
    };
    for (sunindextype col = 0; col < nb; ++col)
        for (sunindextype k = cp[col]; k < cp[col + 1]; ++k) {
            const sunindextype r = ri[k];
            const int qr = block_of[r], qc = block_of[col];
            if (qr >= 0 && qc >= 0 && qr != qc) bad[qr] = bad[qc] = 1;
            else if (qr >= 0 && qc < 0) add_border(qr, col);
            else if (qc >= 0 && qr < 0) add_border(qc, r);
        }
    for (std::size_t q = 0; q < G.size(); ++q) {
        if (N[q].empty() || static_cast<int>(N[q].size()) > kMaxBorder) bad[q] = 1;
        for (sunindextype v : G[q]) if (find_entry(S, v, v) < 0) bad[q] = 1;
        std::sort(N[q].begin(), N[q].end());
    }
    std::fill(block_of.begin(), block_of.end(), -1);
    c.bg_start = {0}, c.bn_start = {0}, c.bgg_start = {0}, c.bgn_start = {0};
    for (std::size_t q = 0; q < G.size(); ++q) {
        if (bad[q]) continue;
        const int g = static_cast<int>(G[q].size()), m = static_cast<int>(N[q].size());
        for (sunindextype v : G[q]) block_of[v] = 1, c.bg.push_back(v);
        for (sunindextype v : N[q]) c.bn.push_back(v);
        for (int a = 0; a < g; ++a)
            for (int b = 0; b < g; ++b) c.p_gg.push_back(find_entry(S, G[q][a], G[q][b]));
        for (int a = 0; a < g; ++a)
            for (int b = 0; b < m; ++b) c.p_gn.push_back(find_entry(S, G[q][a], N[q][b]));
        for (int b = 0; b < m; ++b)
            for (int a = 0; a < g; ++a) c.p_ng.push_back(find_entry(S, N[q][b], G[q][a]));
        c.bg_start.push_back(static_cast<int>(c.bg.size()));
        c.bn_start.push_back(static_cast<int>(c.bn.size()));
        c.bgg_start.push_back(static_cast<int>(c.p_gg.size()));
        c.bgn_start.push_back(static_cast<int>(c.p_gn.size()));
    }
    if (c.bg.empty()) return nullptr;  // no block fits: KLU solves S itself
    // T: S's entries outside the blocks, and each block's N x N.
    std::vector<sunindextype> tmap(nb, -1);
    for (sunindextype i = 0; i < nb; ++i)
        if (block_of[i] < 0) {
            tmap[i] = static_cast<sunindextype>(c.t_unknown.size());
            c.t_unknown.push_back(i);
        }
    const sunindextype nt = static_cast<sunindextype>(c.t_unknown.size());
    std::vector<std::vector<std::pair<sunindextype, sunindextype>>> cols(nt);  // (row, S position)
    for (sunindextype col = 0; col < nb; ++col)
        for (sunindextype k = cp[col]; k < cp[col + 1]; ++k)
            if (tmap[col] >= 0 && tmap[ri[k]] >= 0) cols[tmap[col]].push_back({tmap[ri[k]], k});
    const std::size_t blocks = c.bg_start.size() - 1;
    for (std::size_t q = 0; q < blocks; ++q)
        for (int b1 = c.bn_start[q]; b1 < c.bn_start[q + 1]; ++b1)
            for (int b2 = c.bn_start[q]; b2 < c.bn_start[q + 1]; ++b2) {
                auto& cl = cols[tmap[c.bn[b2]]];
                const sunindextype row = tmap[c.bn[b1]];
                bool have = false;
                for (const auto& e : cl) have = have || e.first == row;
                if (!have) cl.push_back({row, -1});
            }
    std::vector<sunindextype> col_ptr{0}, rows;
    for (auto& cl : cols) {
        std::sort(cl.begin(), cl.end());
        for (const auto& e : cl) rows.push_back(e.first), c.t_from_s.push_back(e.second);
        col_ptr.push_back(static_cast<sunindextype>(rows.size()));
    }
    SUNMatrix T = SUNSparseMatrix(nt, nt, std::max<sunindextype>(1, rows.size()), CSC_MAT, ctx);
    if (!T) return nullptr;
    std::copy(col_ptr.begin(), col_ptr.end(), SUNSparseMatrix_IndexPointers(T));
    std::copy(rows.begin(), rows.end(), SUNSparseMatrix_IndexValues(T));
    for (std::size_t q = 0; q < blocks; ++q)
        for (int b1 = c.bn_start[q]; b1 < c.bn_start[q + 1]; ++b1)
            for (int b2 = c.bn_start[q]; b2 < c.bn_start[q + 1]; ++b2)
                c.p_nn.push_back(find_entry(T, tmap[c.bn[b1]], tmap[c.bn[b2]]));
    c.lu.assign(c.p_gg.size(), 0.0);
    c.w.assign(c.p_gn.size(), 0.0);
    c.ng.assign(c.p_ng.size(), 0.0);
    c.piv.assign(c.bg.size(), 0);
    // The solves work on A's numbering directly.
    for (sunindextype& v : c.bg) v = c.boundary[v];
    for (sunindextype& v : c.bn) v = c.boundary[v];
    for (sunindextype v : c.t_unknown) c.t_in_a.push_back(c.boundary[v]);
    return T;
}

// Block q's kernels, at fixed sizes where the model's blocks have them (G, M > 0: the
// sizes g, m; 0: the run-time ones): y = S_GG^-1 y in place by the factors (row pivots, unit
// lower, upper).
template <int G>
inline void block_solve(const double* lu, const int* pv, int g_rt, double* y) {
    const int g = G > 0 ? G : g_rt;
    for (int a = 0; a < g; ++a) std::swap(y[a], y[pv[a]]);
    for (int a = 1; a < g; ++a)
        for (int b = 0; b < a; ++b) y[a] -= lu[a * g + b] * y[b];
    for (int a = g - 1; a >= 0; --a) {
        for (int b = a + 1; b < g; ++b) y[a] -= lu[a * g + b] * y[b];
        y[a] /= lu[a * g + a];
    }
}

// Factors S_GG (LU with partial pivoting; pv[a] = the row swapped with row a at step a),
// W = S_GG^-1 S_GN, and subtracts S_NG W from T's N x N. False on a zero or non-finite pivot.
template <int G, int M>
bool block_factor(Content& c, std::size_t q, const double* s, double* t, std::size_t nn0) {
    const int g = G > 0 ? G : c.bg_start[q + 1] - c.bg_start[q];
    const int m = M > 0 ? M : c.bn_start[q + 1] - c.bn_start[q];
    double* lu = c.lu.data() + c.bgg_start[q];
    int* pv = c.piv.data() + c.bg_start[q];
    double* w = c.w.data() + c.bgn_start[q];
    double* ng = c.ng.data() + c.bgn_start[q];
    const sunindextype* pgg = c.p_gg.data() + c.bgg_start[q];
    const sunindextype* pgn = c.p_gn.data() + c.bgn_start[q];
    const sunindextype* png = c.p_ng.data() + c.bgn_start[q];
    const sunindextype* pnn = c.p_nn.data() + nn0;
    for (int k = 0; k < g * g; ++k) lu[k] = pgg[k] >= 0 ? s[pgg[k]] : 0.0;
    for (int k = 0; k < g * m; ++k) ng[k] = png[k] >= 0 ? s[png[k]] : 0.0;
    for (int a = 0; a < g; ++a) {
        int best = a;
        for (int r = a + 1; r < g; ++r)
            if (std::fabs(lu[r * g + a]) > std::fabs(lu[best * g + a])) best = r;
        pv[a] = best;
        if (best != a)
            for (int b = 0; b < g; ++b) std::swap(lu[a * g + b], lu[best * g + b]);
        const double d = lu[a * g + a];
        if (!(std::fabs(d) > 0.0) || !std::isfinite(d)) return false;
        for (int r = a + 1; r < g; ++r) {
            const double l = lu[r * g + a] / d;
            lu[r * g + a] = l;
            for (int b = a + 1; b < g; ++b) lu[r * g + b] -= l * lu[a * g + b];
        }
    }
    // S_GG^-1 explicitly (column by column from the factors), then W = S_GG^-1 S_GN: the
    // solves then take one small matrix product each.
    double inv[kMaxBlock * kMaxBlock], y[kMaxBlock];
    for (int b = 0; b < g; ++b) {
        for (int a = 0; a < g; ++a) y[a] = a == b ? 1.0 : 0.0;
        block_solve<G>(lu, pv, g, y);
        for (int a = 0; a < g; ++a) inv[a * g + b] = y[a];
    }
    for (int k = 0; k < g * g; ++k) lu[k] = inv[k];
    for (int a = 0; a < g; ++a)
        for (int b = 0; b < m; ++b) {
            double sum = 0.0;
            for (int k = 0; k < g; ++k) sum += inv[a * g + k] * (pgn[k * m + b] >= 0 ? s[pgn[k * m + b]] : 0.0);
            w[a * m + b] = sum;
        }
    for (int b1 = 0; b1 < m; ++b1)
        for (int b2 = 0; b2 < m; ++b2) {
            double sum = 0.0;
            for (int a = 0; a < g; ++a) sum += ng[b1 * g + a] * w[a * m + b2];
            t[pnn[b1 * m + b2]] -= sum;
        }
    return true;
}

// Forward: y_G = S_GG^-1 b_G (kept in x's G), b_N -= S_NG y_G.
template <int G, int M>
inline void block_forward(const Content& c, std::size_t q, double* sb) {
    const int g = G > 0 ? G : c.bg_start[q + 1] - c.bg_start[q];
    const int m = M > 0 ? M : c.bn_start[q + 1] - c.bn_start[q];
    const sunindextype* Gi = c.bg.data() + c.bg_start[q];
    const sunindextype* Ni = c.bn.data() + c.bn_start[q];
    const double* ng = c.ng.data() + c.bgn_start[q];
    const double* inv = c.lu.data() + c.bgg_start[q];  // S_GG^-1 after the setup
    double bg[kMaxBlock], y[kMaxBlock];
    for (int a = 0; a < g; ++a) bg[a] = sb[Gi[a]];
    for (int a = 0; a < g; ++a) {
        double v = 0.0;
        for (int k = 0; k < g; ++k) v += inv[a * g + k] * bg[k];
        y[a] = v;
    }
    for (int a = 0; a < g; ++a) sb[Gi[a]] = y[a];
    for (int b = 0; b < m; ++b) {
        double sum = 0.0;
        for (int a = 0; a < g; ++a) sum += ng[b * g + a] * y[a];
        sb[Ni[b]] -= sum;
    }
}

// Back: x_G = y_G - W x_N.
template <int G, int M>
inline void block_back(const Content& c, std::size_t q, double* sb) {
    const int g = G > 0 ? G : c.bg_start[q + 1] - c.bg_start[q];
    const int m = M > 0 ? M : c.bn_start[q + 1] - c.bn_start[q];
    const sunindextype* Gi = c.bg.data() + c.bg_start[q];
    const sunindextype* Ni = c.bn.data() + c.bn_start[q];
    const double* w = c.w.data() + c.bgn_start[q];
    double xn[kMaxBorder];
    for (int b = 0; b < m; ++b) xn[b] = sb[Ni[b]];
    for (int a = 0; a < g; ++a) {
        double v = sb[Gi[a]];
        for (int b = 0; b < m; ++b) v -= w[a * m + b] * xn[b];
        sb[Gi[a]] = v;
    }
}

// Block q's sizes as one of the fixed kernels' (0: the run-time kernels).
inline int block_kind(const Content& c, std::size_t q) {
    const int g = c.bg_start[q + 1] - c.bg_start[q], m = c.bn_start[q + 1] - c.bn_start[q];
    return g == 3 && m == 4 ? 1 : g == 3 && m == 3 ? 2 : 0;
}

// T's values: S's outside the blocks less each block's Schur complement S_NG S_GG^-1 S_GN.
bool block_setup(Content& c) {
    const double* s = SUNSparseMatrix_Data(c.S);
    double* t = SUNSparseMatrix_Data(c.T);
    const std::size_t nt = c.t_from_s.size();
    for (std::size_t k = 0; k < nt; ++k) t[k] = c.t_from_s[k] >= 0 ? s[c.t_from_s[k]] : 0.0;
    const std::size_t blocks = c.bg_start.size() - 1;
    std::size_t nn0 = 0;
    for (std::size_t q = 0; q < blocks; ++q) {
        const int m = c.bn_start[q + 1] - c.bn_start[q];
        const int kind = block_kind(c, q);
        const bool ok = kind == 1   ? block_factor<3, 4>(c, q, s, t, nn0)
                        : kind == 2 ? block_factor<3, 3>(c, q, s, t, nn0)
                                    : block_factor<0, 0>(c, q, s, t, nn0);
        if (!ok) return false;
        nn0 += static_cast<std::size_t>(m) * m;
    }
    return blocks == 0 || all_finite(t, nt);
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
    if (c.T && !block_setup(c)) {
        c.last_flag = SUNLS_PACKAGE_FAIL_REC;
        return SUNLS_PACKAGE_FAIL_REC;  // IDA retries with a smaller step
    }
    const int flag = SUNLinSolSetup(c.klu, c.T ? c.T : c.S);
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

// The reduced system M on A's unknowns map[k], in place in xv: by our factors with the
// gather and scatter folded into their permutations, else by KLU through c.bb and c.xb.
int reduced_solve(Content& c, SUNMatrix M, const std::vector<sunindextype>& map, double* xv, realtype tol) {
    if (klu_solve_mapped(c.klu, xv, map.data())) return c.last_flag = SUNLS_SUCCESS;
    double* bb = N_VGetArrayPointer(c.bb);
    const double* xb = N_VGetArrayPointer(c.xb);
    for (std::size_t k = 0; k < map.size(); ++k) bb[k] = xv[map[k]];
    const int flag = SUNLinSolSolve(c.klu, M, c.xb, c.bb, tol);
    c.last_flag = flag;
    if (flag == SUNLS_SUCCESS)
        for (std::size_t k = 0; k < map.size(); ++k) xv[map[k]] = xb[k];
    return flag;
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
    if (!c.T) {
        const int flag = reduced_solve(c, c.S, c.boundary, xv, tol);
        if (flag != SUNLS_SUCCESS) return flag;
    } else {
        const std::size_t blocks = c.bg_start.size() - 1;
        for (std::size_t q = 0; q < blocks; ++q) {
            const int kind = block_kind(c, q);
            if (kind == 1) block_forward<3, 4>(c, q, xv);
            else if (kind == 2) block_forward<3, 3>(c, q, xv);
            else block_forward<0, 0>(c, q, xv);
        }
        const int flag = reduced_solve(c, c.T, c.t_in_a, xv, tol);
        if (flag != SUNLS_SUCCESS) return flag;
        for (std::size_t q = 0; q < blocks; ++q) {
            const int kind = block_kind(c, q);
            if (kind == 1) block_back<3, 4>(c, q, xv);
            else if (kind == 2) block_back<3, 3>(c, q, xv);
            else block_back<0, 0>(c, q, xv);
        }
    }
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
    if (c->T) SUNMatDestroy(c->T);
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
    if (c->S) c->T = build_blocks(*c, fit, ctx);  // nullptr: no block fits, KLU on S
    SUNMatrix K = c->T ? c->T : c->S;
    if (K) {
        c->xb = N_VNew_Serial(SUNSparseMatrix_Columns(K), ctx);
        c->bb = N_VNew_Serial(SUNSparseMatrix_Columns(K), ctx);
    }
    if (c->xb && c->bb) c->klu = make_klu_solver(c->xb, K, ctx, keep_pivots);
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
int chain_solver_condensed(SUNLinearSolver S) { return S ? static_cast<int>(content(S)->bg.size()) : 0; }

}  // namespace ssbsim
