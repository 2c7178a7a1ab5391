// What the parts of the cathode model exchange within one cathode cell: the local inputs
// (potential difference, intercalation current, outer shell concentrations, chemistry
// states), the local outputs (faradaic source, kinetics residual, surface flux, a rate per
// chemistry state, a current per ledger entry) and, for the Jacobian, which inputs each
// output can depend on.
//
// The local terms are evaluated once per cell for the residual (T = double) and once with
// forward-mode AD (T = Dual<N>, N = the number of input slots) for the exact Jacobian; every
// block adds its part to the same Local<T>, so a cell costs one pass however many reactions
// are on.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/error.hpp"
#include "models/cell.hpp"
#include "models/chemistry.hpp"
#include "models/layout.hpp"

// Inlines every call in the function it marks: the local terms are spread over the blocks'
// evaluate() and the Dual operators, which GCC otherwise leaves as calls once they have
// many call sites (a Jacobian ~1.5x slower than with them written in one function).
#if defined(__GNUC__)
#define SSBSIM_FLATTEN __attribute__((flatten))
#else
#define SSBSIM_FLATTEN
#endif

namespace ssbsim {

constexpr int kMaxPopulations = 8;  // particle populations per cathode cell (mesh.populations)

// Geometry and fixed properties of the cathode every block reads (MODEL.md sections 1-3).
struct CathodeGeometry {
    explicit CathodeGeometry(const CellSpec& cell, const MeshSpec& mesh);
    const CellSpec& cell;
    int ns, nc, nr;                // separator cells, cathode cells, particle shells
    int np;                        // particle populations per cathode cell
    bool chem, intercalating;      // SE chemistry on; the CAM stores lithium
    double hs, hc;                 // cell widths [m]
    double a;                      // CAM surface per electrode volume [1/m], all populations
    double c_max;                  // [mol/m3]; 1 without intercalating CAM
    double a_site[n_sites];        // carbon DPB, TPB, CAM surface (before contact) [1/m]
    double coating_pass;           // share of CAM and TPB SE oxidation a coating leaves
    double tpb_cam_side = 1.0;     // share of TPB oxidation that grows the CAM film and voids
    double coating_resistance;     // the coating layer's Li-ion resistance [ohm m2]
    // Tolerance scales: ~ a full charge [C/m2]; product inventories [mol/m3].
    double q_scale, xi_scale;
};

// Slots of the local input vector u of one cathode cell. The local terms depend on the
// potentials only through dphi = phi_s - phi_e (so the phi_e derivative is minus the phi_s
// one, exactly). Population 0's intercalation current and two outer shells are s_j,
// s_c_inner, s_c_outer; chemistry state k of the cell (in layout order) is slot s_chem + k;
// populations 1.. P-1 follow the chemistry states, three slots each in the same order
// (PopulationSlots), so one population and today's chemistry keep today's slots.
enum LocalSlot { s_dphi = 0, s_j, s_c_inner, s_c_outer, s_chem };

constexpr int kMaxChemStates = 20;  // per cathode cell
constexpr int kMaxLedger = 20;      // cumulative charges
// Jacobian AD sizes (see CathodeP2D::jacobian): no chemistry, today's chemistry, a few
// populations with it, any more.
constexpr int kSlotsNoChemistry = s_chem;
constexpr int kSlotsChemistry = s_chem + 10;
constexpr int kSlotsPopulations = kSlotsChemistry + 3 * 3;  // up to 4 populations
constexpr int kMaxSlots = 48;  // the masks below are 64 bits

constexpr int kMaxBoltzmann = 16;   // distinct exp((dphi - U) alpha f) per cell

using SlotMask = std::uint64_t;
constexpr SlotMask slot_bit(int slot) { return SlotMask(1) << slot; }
constexpr SlotMask chem_bit(int k) { return slot_bit(s_chem + k); }

// The input slot of population p's intercalation current (its inner and outer shells are
// the next two slots).
struct PopulationSlots {
    int first[kMaxPopulations] = {s_j};
    int j(int p) const { return first[p]; }
    int c_inner(int p) const { return first[p] + 1; }
    int c_outer(int p) const { return first[p] + 2; }
};

template <class T>
struct Local {
    // Inputs of the cell.
    const T* u = nullptr;
    const PopulationSlots* pop = nullptr;
    T boltzmann[kMaxBoltzmann];  // see BoltzmannFactors
    // Contact per population, set first by ContactIsolation and read by the others:
    // theta[p] its CAM/SE contact fraction, live[p] theta[p] times its isolation switch
    // (0 once isolated), area[p] its connected intercalation area [1/m].
    T theta[kMaxPopulations], live[kMaxPopulations], area[kMaxPopulations];
    T connected[kMaxPopulations];  // the isolation switch s_p (1 connected, 0 isolated)
    T a_contact;             // connected CAM surface touching SE, all populations [1/m]
    // Outputs.
    T src;                   // faradaic current per electrode volume, all reactions [A/m3]
    T kin[kMaxPopulations];  // intercalation kinetics residual per population [A/m2]
    T surf_flux[kMaxPopulations];  // Li flux out of population p's surface [mol/m2/s]
    T sigma_factor;          // contact factor on the solid conductivity
    T cam_side_oxidation;    // SE oxidation next to CAM (TPB, CAM site, lattice O) [A/m3]
    T tpb_off_cam;           // its TPB part outside the CAM's footprint (no film, voids) [A/m3]
    T carbon_oxidation;      // SE oxidation at the carbon site [A/m3]
    T rate[kMaxChemStates];  // d(state)/dt per chemistry state of the cell
    T q[kMaxLedger];         // volumetric current per ledger entry [A/m3]
};

// Population p's surface stoichiometry, extrapolated from its two outer shells (the one the
// kinetics and every surface-gated block read).
template <class T>
T surface_stoichiometry(const Local<T>& L, int p, double c_max) {
    return (1.5 * L.u[L.pop->c_outer(p)] - 0.5 * L.u[L.pop->c_inner(p)]) / c_max;
}

// Bit masks over the input slots: which inputs each output may depend on (structurally,
// for any state and parameter set), so the Jacobian emits only those entries.
struct LocalPattern {
    SlotMask src = 0, cam_side_oxidation = 0, carbon_oxidation = 0;
    SlotMask kin[kMaxPopulations] = {}, surf_flux[kMaxPopulations] = {};
    SlotMask rate[kMaxChemStates] = {}, q[kMaxLedger] = {};
};

// The chemistry's Boltzmann factors exp((dphi - U) alpha f): the reactions usually share
// onset potentials and transfer coefficients, so a cell evaluates one exp per distinct
// (U, alpha) among the reactions that are on, and each reaction reads its factor by the
// index add() gave it (refreshed with the temperature). A shared value is the same value.
class BoltzmannFactors {
public:
    void clear() { n_ = 0; }
    int add(double U, double alpha) {
        for (int i = 0; i < n_; ++i)
            if (U_[i] == U && alpha_[i] == alpha) return i;
        if (n_ == kMaxBoltzmann) throw Error("more than kMaxBoltzmann distinct Boltzmann factors (models/local_terms.hpp)");
        U_[n_] = U;
        alpha_[n_] = alpha;
        return n_++;
    }
    template <class T>
    void evaluate(const T& dphi, double f, T* out) const {
        using std::exp;
        for (int i = 0; i < n_; ++i) out[i] = exp((dphi - U_[i]) * (alpha_[i] * f));
    }

private:
    int n_ = 0;
    double U_[kMaxBoltzmann] = {}, alpha_[kMaxBoltzmann] = {};
};

// Where the chemistry states and ledger entries sit in the state vector (fixed once the
// layout is): chemistry state k of cathode cell m, ledger entry k.
struct ChemistryRows {
    int base = 0, stride = 0, ledger_base = 0;
    int row(int m, int k) const { return base + m * stride + k; }
    int ledger(int k) const { return ledger_base + k; }
};

// Adds the chemistry's per-cell states and ledger entries to the layout and hands out their
// positions: chemistry state k of a cell is input slot s_chem + k and output rate[k]; ledger
// entry k is output q[k]. The chemistry states are the last blocks of a cathode cell and the
// ledger the last globals, each in the order added.
class LocalRegistry {
public:
    explicit LocalRegistry(StateLayout& layout) : layout_(layout) {}
    // A state with d(state)/dt = rate(local inputs) per cathode cell. local_input: some local
    // term reads it (then it gets an AD slot; those come before the others). n_states() and
    // n_ledger() are the counts CathodeP2D sizes its loops by: nothing to edit by hand.
    int add_state(StateLayout::BlockSpec spec, bool local_input = true) {
        if (local_input && n_states_ > n_inputs_)
            throw Error("chemistry state '" + spec.name + "' is read by local terms: add it before the states that are not");
        const int k = n_states_;
        spec.region = StateLayout::Region::cathode_cells;
        spec.differential = true;
        spec.reported = false;  // book-keeping in failure reports
        n_states_ += spec.components;
        if (local_input) n_inputs_ = n_states_;
        if (n_states_ > kMaxChemStates || s_chem + n_inputs_ + 3 * (kMaxPopulations - 1) > kMaxSlots)
            throw Error("chemistry state '" + spec.name + "': raise kMaxChemStates / kMaxSlots in models/local_terms.hpp");
        const int b = layout_.add(std::move(spec));
        if (first_state_ < 0) first_state_ = b;
        return k;
    }
    // A cumulative charge per electrode area [C/m2], d(q)/dt = sum over cells of h q[k].
    int add_ledger(StateLayout::BlockSpec spec) {
        const int k = n_ledger_;
        spec.region = StateLayout::Region::global;
        spec.differential = true;
        spec.reported = false;
        n_ledger_ += spec.components;
        if (n_ledger_ > kMaxLedger) throw Error("ledger entry '" + spec.name + "': raise kMaxLedger in models/local_terms.hpp");
        const int b = layout_.add(std::move(spec));
        if (first_ledger_ < 0) first_ledger_ = b;
        return k;
    }
    int n_states() const { return n_states_; }
    int n_inputs() const { return n_inputs_; }
    int n_ledger() const { return n_ledger_; }
    int first_state_block() const { return first_state_; }
    int first_ledger_block() const { return first_ledger_; }

private:
    StateLayout& layout_;
    int n_states_ = 0, n_inputs_ = 0, n_ledger_ = 0, first_state_ = -1, first_ledger_ = -1;
};

}  // namespace ssbsim
