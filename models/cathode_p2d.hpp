// Pseudo-2D model of a composite-cathode half cell with a single-ion solid electrolyte
// (MODEL.md sections 1, 2, 4, 8) and the SE chemistry (sections 3-7), assembled from its
// parts, each owning a block of the state (docs/equations.md, "The model as blocks"):
//   IonicConduction        phi_e [V] per cell (separator then cathode)
//   ElectronicConduction   phi_s [V] per cathode cell
//   IntercalationKinetics  j_p [A/m2] per particle population p of a cathode cell (> 0 on
//                          delithiation)
//   ParticleDiffusion      c_0 .. c_{Nr-1} [mol/m3] per population (shell averages)
//   Reactions (models/reactions.hpp: SiteOxidation, LatticeOxygen, PristineReduction,
//   Interphase)            the chemistry states per cathode cell and the ledger charges
//   ContactIsolation       no state: each population's contact and isolation switch
//   ControlRow             i_app [A/m2] (> 0 on charge), Q [C/m2], E [J/m2]
//   CounterElectrode       no state: the potential at x = 0
// The state is ordered node by node (StateLayout) so the Jacobian stays narrowly banded.
// phi_e, phi_s are referred to the counter-electrode terminal shifted by its OCV, so the
// cathode potential vs Li/Li+ is phi_s at the current collector plus the contact drop.
#pragma once

#include <string>
#include <vector>

#include "models/cell.hpp"
#include "models/chemistry.hpp"
#include "models/contact.hpp"
#include "models/control.hpp"
#include "models/counter_electrode.hpp"
#include "models/electronic_conduction.hpp"
#include "models/intercalation.hpp"
#include "models/ionic_conduction.hpp"
#include "models/layout.hpp"
#include "models/local_terms.hpp"
#include "models/particle_diffusion.hpp"
#include "models/reactions.hpp"
#include "models/stack_pressure.hpp"
#include "numerics/dae_model.hpp"

namespace ssbsim {

// Cumulative charges per electrode area [C/m2], > 0 oxidation (zero without chemistry).
struct LedgerCharges {
    double intercalation = 0.0;
    double ox_reversible[n_sites] = {0, 0, 0}, ox_irreversible[n_sites] = {0, 0, 0};
    double reduction[n_sites] = {0, 0, 0};  // < 0: reduction of reversible products
    double lattice_oxygen = 0.0;
    double pristine_reduction = 0.0;        // < 0
};

// What the runner samples from a state.
struct Observables {
    double potential = 0.0;           // cathode vs Li/Li+ [V]
    double cell_voltage = 0.0;        // [V]
    double current_density = 0.0;     // i_app [A/m2], > 0 on charge
    double temperature = 0.0;         // [K]
    double charge = 0.0;              // Q passed [C/m2]
    double energy = 0.0;              // E passed [J/m2]
    double mean_stoichiometry = 0.0;  // volume average; 0 without intercalating CAM
    double dead_fraction = 0.0;       // volume share of isolated populations
    double contact = 1.0;             // volume-averaged theta_c of every population
    double fracture_damage = 0.0;     // volume-mean particle-fracture damage D [-]
    double fracture_contact_lost = 0.0;  // volume-mean contact the cracks removed [-]
    double film_resistance = 0.0;     // mean interphase resistance [ohm m2]
    double se_oxidised = 0.0;         // all SE oxidation so far [C/m2]
    double stack_pressure = 0.0;      // actual (die-constrained) or set pressure [Pa]
    double cam_volume_change = 0.0;   // CAM volume change since the start, cathode mean [relative]
    double coating_exposed = 0.0;     // failed (re-exposed) share of the coated area, cathode mean
    double rock_salt_thickness = 0.0;   // mean rock-salt shell delta_rs [m] (0: reconstruction off)
    double rock_salt_resistance = 0.0;  // its mean delta_rs / sigma_rs [ohm m2]
    LedgerCharges ledger;
    LedgerCharges ledger_rate;        // d(ledger)/dt [A/m2 of cell] (zero without chemistry)
};

// A spatial profile: one value per node of its grid (times components).
struct Profile {
    std::string name, unit, description;
    bool cathode_only = true;  // else every cell, separator then cathode
    int components = 1;        // values per node (c_s: one per shell)
    std::vector<double> values;
};

class CathodeP2D : public DaeModel {
public:
    CathodeP2D(const CellSpec& cell, const MeshSpec& mesh);
    CathodeP2D(const CathodeP2D&) = delete;  // the blocks refer to its geometry
    CathodeP2D& operator=(const CathodeP2D&) = delete;

    // DaeModel
    int size() const override { return layout_.size(); }
    bool residual(double t, const double* y, const double* ydot, double* F) override;
    void jacobian(double t, double cj, const double* y, const double* ydot,
                  JacobianAssembler& J) override;
    bool jacobian_separates_mass() const override { return true; }
    void differential_ids(double* id) const override { layout_.differential_ids(id); }
    void absolute_tolerances(double atol_scale, double* atol) const override;
    std::string variable_name(int i) const override { return layout_.variable_name(i); }
    std::vector<EliminationChain> elimination_chains() const override;
    // The intercalation currents by their kinetics rows (DaeModel::solve_local).
    bool has_local_solve() const override { return geo_.intercalating; }
    void local_unknowns(char* mask) const override {
        for (int m = 0; m < geo_.nc; ++m)
            for (int p = 0; p < geo_.np; ++p) mask[idx_j(m, p)] = 1;
    }
    bool solve_local(const double* y_pred, double* y_cor, double* delta, const double* w) override;
    const StateLayout& layout() const { return layout_; }
    // 1 for potentials, currents and concentrations, 0 for book-keeping (Q, E, ledger,
    // chemistry tallies): what solver-failure reports name.
    std::vector<char> reported_components() const { return layout_.reported(); }

    // Operating point.
    void set_temperature(double T);
    double temperature() const { return T_; }
    // Current control: value is i_app [A/m2] (> 0 charge); voltage: V vs Li/Li+;
    // power: W per cell area [W/m2] (> 0 charge).
    // Voltage control may ramp: target = value + rate (t - t0) [V, V/s, s].
    // cell: a voltage target is the cell voltage (cell_voltage below) instead.
    void set_control(ControlMode mode, double value, double rate = 0.0, double t0 = 0.0, bool cell = false) {
        control_.set(mode, value, rate, t0, cell);
    }
    // Current [A/m2] or voltage [V] along a recorded profile (the target at IDA's time t).
    void follow_control(ControlMode mode, const FollowedProfile& p, bool cell = false) {
        control_.follow(mode, p, cell);
    }
    const FollowedProfile* followed_profile() const { return control_.followed(); }
    // The profile's jump at solver time t [s] takes effect (its later value from t on).
    void follow_jump_at(double t) { control_.follow_jump_at(t); }
    ControlMode control_mode() const { return control_.mode(); }
    double control_value() const { return control_.value(); }
    // Moves the solid potential of every cathode cell (uniformly, electrolyte at rest) to
    // where the local faradaic sources carry the current density i_app [A/m2]: a starting
    // point for consistent initialisation after a large control change.
    void shift_to_current(double* y, const double* yp, double i_app) const;
    // An intercalating CAM with no intercalation current anywhere in y (exactly 0: the
    // uniform rest of initial_state, and a rest at it). False for an inert CAM, whose
    // currents are 0 by construction.
    bool carries_no_current(const double* y) const;
    // A consistent-at-rest state: uniform stoichiometry x0, potentials at equilibrium.
    void initial_state(double x0, double* y, double* ydot) const;

    // Observables from a state.
    Observables observe(const double* y) const;
    double potential_vs_li(const double* y) const;  // cathode potential vs Li/Li+ [V]
    double cell_voltage(const double* y) const { return potential_vs_li(y) - counter_.ocv(); }
    double current_density(const double* y) const { return y[layout_.index(control_.current(), 0)]; }
    double charge_passed(const double* y) const { return y[layout_.index(control_.charge(), 0)]; }  // [C/m2]
    double energy_passed(const double* y) const { return y[layout_.index(control_.energy(), 0)]; }  // [J/m2]
    LedgerCharges ledger(const double* y) const;
    // The ledger's currents d(ledger)/dt [A/m2 of cell] at state y (the local terms summed).
    LedgerCharges ledger_rate(const double* y) const;
    double stack_pressure(const double* y) const { return pressure_.pressure(y); }  // [Pa]
    const StackPressure& pressure_law() const { return pressure_; }
    int idx_pressure(int m = 0) const { return pressure_.index(m); }  // cathode cell m; -1: constant pressure
    // Lithium left the CAM by intercalation [C/m2] (all of Q without side reactions).
    double intercalation_charge(const double* y) const;
    double lithium_in_solid(const double* y) const;  // CAM, connected + isolated [mol/m2 of cell]
    // Lithium missing from isolated CAM [mol/m2]: sum over the populations of their isolated
    // share times what they would hold at the reference concentration c_ref (per population
    // of every cathode cell, from population_concentrations, e.g. at the start of a cycle)
    // minus what they hold.
    double isolated_deficit(const double* y, const std::vector<double>& c_ref) const;
    // Mean concentration of every population, cell by cell [mol/m3].
    std::vector<double> population_concentrations(const double* y) const;
    double dead_fraction(const double* y) const;      // volume share of isolated populations
    double mean_contact(const double* y) const;       // volume-averaged theta_c
    void fracture_observables(const double* y, double* damage, double* contact_lost) const;
    // Population p of cathode cell m: its contact theta_p and isolated share (1 - switch).
    ContactIsolation::Values population_contact(const double* y, int m, int p) const;
    double mean_film_resistance(const double* y) const;  // [ohm m2]
    double mean_coating_exposed(const double* y) const;  // 0 without coating fracture
    // Mean rock-salt shell thickness [m] and resistance [ohm m2] over the cells and
    // populations (models/surface_reconstruction.hpp); 0 when it is off.
    double mean_rock_salt_thickness(const double* y) const;
    double mean_rock_salt_resistance(const double* y) const;
    double surface_stoichiometry(const double* y, int m) const { return particle_.surface_stoichiometry(y, m); }
    double mean_stoichiometry(const double* y, int m, int p) const;  // population p
    double mean_stoichiometry(const double* y, int m) const;
    double mean_stoichiometry(const double* y) const;
    // Named profiles (phi_e, phi_s, intercalation_current, surface_stoichiometry,
    // mean_stoichiometry, c_s; with several populations also population_stoichiometry and
    // population_contact, one component per population; intercalation_current and the
    // stoichiometries of a cell are then volume means over its populations, c_s the shells
    // of population 0); y null: names, units and shapes only.
    std::vector<Profile> profiles(const double* y) const;
    // The same into out (from profiles()), reusing its storage.
    void update_profiles(const double* y, std::vector<Profile>& out) const;
    std::vector<double> cell_centres() const;  // x of every cell (separator then cathode) [m]
    std::vector<double> shell_centres() const; // r of every particle shell [m]

    // Mesh and model.
    int n_separator() const { return geo_.ns; }
    int n_cathode() const { return geo_.nc; }
    int n_shells() const { return geo_.nr; }
    int n_populations() const { return geo_.np; }
    bool chemistry() const { return geo_.chem; }
    bool intercalating() const { return geo_.intercalating; }
    const CellSpec& cell() const { return cell_; }
    const CounterElectrode& counter() const { return counter_; }  // at the present temperature
    double specific_area() const { return geo_.a; }  // a_CAM [1/m]
    double site_area(int s) const { return geo_.a_site[s]; }  // before contact/coating [1/m]

    // Raw state indices: the assembler's shorthand and the tests' (finite-difference
    // checks). The runner and the writers read observe(), ledger() and profiles() instead.
    int idx_phi_e(int cell) const { return ionic_.index(cell); }  // cell over separator then cathode
    int idx_phi_s(int m) const { return electronic_.index(m); }
    int idx_j(int m, int p = 0) const { return layout_.cathode_index(kinetics_.block(), m, p); }
    int idx_c(int m, int i) const { return particle_.index(m, i); }  // population 0
    int idx_c(int m, int p, int i) const { return particle_.index(m, p, i); }
    int idx_x(int m, int k) const { return chem_rows_.row(m, k); }
    int idx_current() const { return layout_.index(control_.current(), 0); }
    int idx_charge() const { return layout_.index(control_.charge(), 0); }
    int idx_energy() const { return layout_.index(control_.energy(), 0); }
    int idx_ledger(int k) const { return chem_rows_.ledger(k); }
    // Time-domain double layers (cell.double_layer, models/double_layer.hpp): the CAM/SE
    // interface potential D_m of cathode cell m [V] and the counter electrode's
    // charge-transfer overpotential [V], differential states; -1 when the cell has none.
    int idx_double_layer(int m) const { return dl_block_ < 0 ? -1 : layout_.cathode_index(dl_block_, m); }
    int idx_counter_double_layer() const { return ce_block_ < 0 ? -1 : layout_.index(ce_block_, 0); }
    bool cam_double_layer_in_dae() const { return dl_block_ >= 0; }
    bool counter_double_layer_in_dae() const { return ce_block_ >= 0; }
    // With the double layer and the chemistry: the potential across the grown film of
    // population p in cathode cell m [V] (its R || C: delta / kappa || eps0 eps_r / delta,
    // equations.md 14.1), a differential state; -1 without.
    int idx_film_potential(int m, int p) const { return film_block_ < 0 ? -1 : layout_.cathode_index(film_block_, m, p); }
    bool film_capacitance_in_dae() const { return film_block_ >= 0; }
    // Per-cathode-cell chemistry states [mol/m3 electrode unless noted], in layout order
    // (checked against the blocks' registration in the constructor). Their counts come
    // from the registration: n_chemistry_states(), n_ledger_entries().
    enum Extra {
        x_rev = 0,        // + site: reversible SE-oxidation products
        x_irr = 3,        // + site: irreversible SE-oxidation products
        x_oxygen = 6,     // lattice-oxygen-driven products at the CAM surface
        x_pristine = 7,   // pristine-SE reduction products
        x_film = 8,       // interphase thickness [m]
        x_void = 9,       // void volume per CAM area from SE shrinkage [m]
    };
    // Ledger entries (see LedgerCharges), in layout order.
    enum Ledger {
        l_intercalation = 0,
        l_ox_rev = 1,     // + site
        l_ox_irr = 4,     // + site
        l_reduction = 7,  // + site (negative: reduction of reversible products)
        l_oxygen = 10,
        l_pristine = 11,  // negative
    };
    int n_chemistry_states() const { return n_chem_; }
    int n_ledger_entries() const { return n_ledger_; }

private:
    void declare_blocks();
    void declare_double_layers();
    void bind_film_potentials();
    // The film row of population p (see cathode_p2d.cpp film_residual) [V].
    template <class T>
    T film_residual(const Local<T>& L, int p, double d_rate, double v_rate) const;
    // The film rows' and the double layer's Jacobian entries of cathode cell m; emit as in
    // jacobian_cells.
    template <class LocalT, class Emit>
    void film_jacobian(int m, const double* yp, const LocalT& L, const Emit& emit,
                       JacobianAssembler& J) const;
    template <class T>
    void local_terms(const T* u, Local<T>& L, bool zero_outputs = true) const;
    // L.rate[0 .. n_chem_) and L.q[0 .. n_ledger_) = 0.
    template <class T>
    void zero_chemistry_outputs(Local<T>& L) const {
        for (int k = 0; k < n_chem_; ++k) L.rate[k] = T(0.0);
        for (int k = 0; k < n_ledger_; ++k) L.q[k] = T(0.0);
    }
    // local_terms for the Jacobian (T = Dual<N>): in AVX2 where the CPU has it.
    template <class T>
    void jacobian_local_terms(const T* u, Local<T>& L) const;
#if defined(__x86_64__) && defined(__GNUC__)
    template <class T>
    __attribute__((target("avx2"))) void local_terms_avx2(const T* u, Local<T>& L) const;
#endif
    // The local input vector of cathode cell m (its n_slots_ values).
    void local_inputs(const double* y, int m, double* u) const;
    double mean_current(const double* y, int m) const;  // see cathode_observables.cpp
    template <int N>
    void jacobian_cells(const double* y, const double* yp, JacobianAssembler& J);
    double sigma_node(const double* y, int m, double* ds_dc, double* ds_dv) const;
    double counter_boundary(const double* y, const double* yp, double i_app, double* Fr) const;
    void counter_jacobian(const double* y, JacobianAssembler& J) const;
    const Interphase& interphase() const { return reactions_.get<Interphase>(); }

    CellSpec cell_;
    CathodeGeometry geo_;
    StateLayout layout_;
    // The parts, in the order their blocks are added (which is the state order).
    ControlRow control_;
    IonicConduction ionic_;
    ElectronicConduction electronic_;
    IntercalationKinetics kinetics_;
    ParticleDiffusion particle_;
    Reactions reactions_;  // the SE side reactions and the interphase, in state order
    ContactIsolation contact_;
    StackPressure pressure_;  // a global state in a die-constrained cell
    CounterElectrode counter_;

    ChemistryRows chem_rows_;
    int dl_block_ = -1, ce_block_ = -1;  // the double layers' blocks (cell.double_layer)
    int film_block_ = -1, film_slot_ = -1;  // the grown film's potentials: block, first slot
    int n_chem_ = 0, n_ledger_ = 0;  // chemistry states per cell, ledger entries
    int n_slots_ = s_chem;           // AD input slots per cell
    PopulationSlots slots_;          // the populations' input slots
    int slot_col_[kMaxSlots] = {};   // state index of slot k (k >= 1) at cathode cell 0
    // Per cathode cell m, n_slots_ + 1 state indices: phi_s, slot 1 .. n_slots_ - 1's, phi_e
    // (local_inputs' gather, set once the slots are).
    std::vector<std::ptrdiff_t> input_cols_;
    int pressure_slot_ = -1;         // the stack pressure's slot (die-constrained, chemistry on)
    LocalPattern pattern_;
    BoltzmannFactors boltzmann_;
    double T_ = 298.15, f_ = 0.0;
    bool first_temperature_ = true;
    std::vector<double> src_;        // faradaic source per cathode cell (scratch) [A/m3]
    std::vector<double> y_trial_;    // solve_local's y_pred + y_cor (scratch)
};

}  // namespace ssbsim
