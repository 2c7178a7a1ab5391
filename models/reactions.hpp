// The SE side reactions and other reaction-owned per-cell states, as one list that
// CathodeP2D iterates (fold expressions over a tuple: no virtual calls, every call inlined
// into the SSBSIM_FLATTEN local terms). Adding a reaction is its header plus one entry in
// `Reactions` below (docs/equations.md section 13).
//
// Every entry R provides
//   explicit R(const CathodeGeometry&);
//   static constexpr int sum_rank;             // its place in the sum of the local terms
//   void declare(LocalRegistry&);              // its states and ledger entries
//   void pattern(LocalPattern&, SlotMask contact) const;  // contact: the contact's inputs
//   void set_temperature(double T, BoltzmannFactors&);
//   template <class T> void evaluate(Local<T>&) const;
//   void tolerances(const ChemistryRows&, double s, double* atol) const;
// The list order is the declaration order, hence the state and ledger order; evaluate and
// set_temperature run in increasing sum_rank (ties: list order), so the floating-point
// sums (src, cam_side_oxidation) keep their order when an entry is added. pattern runs in
// sum_rank order too: a consumer (Interphase) reads the masks of the sources before it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <tuple>
#include <utility>

#include "models/coating_fracture.hpp"
#include "models/interphase.hpp"
#include "models/lattice_oxygen.hpp"
#include "models/local_terms.hpp"
#include "models/particle_fracture.hpp"
#include "models/pristine_reduction.hpp"
#include "models/site_oxidation.hpp"
#include "models/surface_reconstruction.hpp"

namespace ssbsim {

namespace detail {
// The list positions sorted by rank (stable), at compile time.
template <std::size_t N>
struct RankOrder {
    std::size_t at[N > 0 ? N : 1] = {};
};
template <int... Rank>
constexpr RankOrder<sizeof...(Rank)> rank_order() {
    constexpr std::size_t n = sizeof...(Rank);
    const int rank[n > 0 ? n : 1] = {Rank...};
    RankOrder<n> o;
    for (std::size_t i = 0; i < n; ++i) o.at[i] = i;
    for (std::size_t i = 1; i < n; ++i)  // insertion sort: stable
        for (std::size_t j = i; j > 0 && rank[o.at[j - 1]] > rank[o.at[j]]; --j) {
            const std::size_t t = o.at[j];
            o.at[j] = o.at[j - 1];
            o.at[j - 1] = t;
        }
    return o;
}
}  // namespace detail

template <class... R>
class ReactionSet {
public:
    static constexpr std::size_t size = sizeof...(R);

    explicit ReactionSet(const CathodeGeometry& g) : items_(geometry_for<R>(g)...) {}

    template <class X>
    const X& get() const { return std::get<X>(items_); }
    template <class X>
    X& get() { return std::get<X>(items_); }

    // In list order (the state order).
    void declare(LocalRegistry& r) { (std::get<R>(items_).declare(r), ...); }
    void tolerances(const ChemistryRows& rows, double s, double* atol) const {
        (std::get<R>(items_).tolerances(rows, s, atol), ...);
    }
    // In sum_rank order.
    void pattern(LocalPattern& p, SlotMask contact) const {
        in_rank_order([&](const auto& x) { x.pattern(p, contact); });
    }
    void set_temperature(double T, BoltzmannFactors& bz) {
        in_rank_order_mut([&](auto& x) { x.set_temperature(T, bz); }, std::make_index_sequence<size>{});
    }
    template <class T>
    void evaluate(Local<T>& L) const {
        in_rank_order([&](const auto& x) { x.evaluate(L); });
    }

private:
    template <class>
    static const CathodeGeometry& geometry_for(const CathodeGeometry& g) { return g; }

    static constexpr detail::RankOrder<size> order_ = detail::rank_order<R::sum_rank...>();
    template <class F>
    void in_rank_order(F&& f) const { in_rank_order(f, std::make_index_sequence<size>{}); }
    template <class F, std::size_t... I>
    void in_rank_order(F& f, std::index_sequence<I...>) const { (f(std::get<order_.at[I]>(items_)), ...); }
    template <class F, std::size_t... I>
    void in_rank_order_mut(F&& f, std::index_sequence<I...>) { (f(std::get<order_.at[I]>(items_)), ...); }

    std::tuple<R...> items_;
};

// THE list of reactions, in state (declaration) order: a new entry goes last (after
// Interphase, so today's state and ledger positions stay; see CathodeP2D::Extra), and sets
// its sum_rank for where its terms join the sums.
using Reactions = ReactionSet<SiteOxidation, LatticeOxygen, PristineReduction, Interphase, CoatingFracture,
                              ParticleFracture, SurfaceReconstruction>;

}  // namespace ssbsim
