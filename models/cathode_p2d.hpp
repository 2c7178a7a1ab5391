// Pseudo-2D model of a composite-cathode half cell with a single-ion solid electrolyte
// (MODEL.md sections 1, 2, 4, 8) and the SE chemistry (sections 3-7).
//
// State, ordered node by node so the Jacobian stays narrowly banded:
//   separator cells n = 0..Ns-1:      phi_e
//   cathode cells m = 0..Nc-1:        phi_e, phi_s, j, c_0 .. c_{Nr-1}, [chemistry states]
//   globals:                          i_app, Q, E, [ledger charges]
// With the SE chemistry on (MODEL.md 3-7), each cathode cell adds 11 states (see Extra)
// and the globals add 12 cumulative charges per reaction and site (see Ledger).
// phi_e, phi_s [V] are referred to the counter-electrode terminal shifted by its OCV, so
// the cathode potential vs Li/Li+ is phi_s at the current collector plus contact drop.
// j [A/m2] is the intercalation current per CAM area, > 0 for oxidation (delithiation).
// c [mol/m3] are shell averages of a finite-volume radial mesh. i_app [A/m2] is the cell
// current density, > 0 on charge. Q [C/m2] and E [J/m2] integrate charge and energy passed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/cell.hpp"
#include "models/chemistry.hpp"
#include "numerics/interpolation.hpp"
#include "numerics/dae_model.hpp"

namespace ssbsim {

enum class ControlMode { current, voltage, power, rest };

class CathodeP2D : public DaeModel {
public:
    CathodeP2D(const CellSpec& cell, const MeshSpec& mesh);

    // DaeModel
    int size() const override { return n_; }
    bool residual(double t, const double* y, const double* ydot, double* F) override;
    void jacobian(double t, double cj, const double* y, const double* ydot,
                  JacobianAssembler& J) override;
    void differential_ids(double* id) const override;
    void absolute_tolerances(double atol_scale, double* atol) const override;
    std::string variable_name(int i) const override;

    // Operating point.
    void set_temperature(double T);
    double temperature() const { return T_; }
    // Current control: value is i_app [A/m2] (> 0 charge); voltage: V vs Li/Li+;
    // power: W per cell area [W/m2] (> 0 charge).
    // Voltage control may ramp: target = value + rate (t - t0) [V, V/s, s].
    void set_control(ControlMode mode, double value, double rate = 0.0, double t0 = 0.0);
    ControlMode control_mode() const { return mode_; }
    double control_value() const { return control_value_; }
    // Moves the solid potential of every cathode cell (uniformly, electrolyte at rest) to
    // where the local faradaic sources carry the current density i_app [A/m2]: a starting
    // point for consistent initialisation after a large control change.
    void shift_to_current(double* y, const double* yp, double i_app) const;

    // A consistent-at-rest state: uniform stoichiometry x0, potentials at equilibrium.
    void initial_state(double x0, double* y, double* ydot) const;

    // Layout.
    int n_separator() const { return ns_; }
    int n_cathode() const { return nc_; }
    int n_shells() const { return nr_; }
    int idx_phi_e(int cell) const {  // cell over separator then cathode
        return cell < ns_ ? cell : ns_ + (cell - ns_) * block_;
    }
    int idx_phi_s(int m) const { return ns_ + m * block_ + 1; }
    int idx_j(int m) const { return ns_ + m * block_ + 2; }
    int idx_c(int m, int i) const { return ns_ + m * block_ + 3 + i; }
    int idx_x(int m, int k) const { return ns_ + m * block_ + 3 + nr_ + k; }
    int idx_current() const { return ns_ + nc_ * block_; }
    int idx_charge() const { return idx_current() + 1; }
    int idx_energy() const { return idx_current() + 2; }
    int idx_ledger(int k) const { return idx_current() + 3 + k; }

    // Per-cathode-cell chemistry states [mol/m3 electrode unless noted].
    enum Extra {
        x_rev = 0,        // + site: reversible SE-oxidation products
        x_irr = 3,        // + site: irreversible SE-oxidation products
        x_oxygen = 6,     // lattice-oxygen-driven products at the CAM surface
        x_pristine = 7,   // pristine-SE reduction products
        x_film = 8,       // interphase thickness [m]
        x_void = 9,       // void volume per CAM area from SE shrinkage [m]
        x_trapped = 10,   // lithium in isolated CAM
        n_extra = 11
    };
    // Cumulative charges per electrode area [C/m2], > 0 oxidation.
    enum Ledger {
        l_intercalation = 0,
        l_ox_rev = 1,     // + site
        l_ox_irr = 4,     // + site
        l_reduction = 7,  // + site (negative: reduction of reversible products)
        l_oxygen = 10,
        l_pristine = 11,  // negative
        n_ledger = 12
    };
    bool chemistry() const { return chem_; }
    bool intercalating() const { return intercalating_; }

    // Observables from a state.
    double potential_vs_li(const double* y) const;  // cathode potential vs Li/Li+ [V]
    double cell_voltage(const double* y) const { return potential_vs_li(y) - cell_.counter.potential; }
    double current_density(const double* y) const { return y[idx_current()]; }
    double lithium_in_solid(const double* y) const;  // CAM, connected + isolated [mol/m2 of cell]
    // Lithium missing from isolated CAM [mol/m2]: what the dead particles would hold at the
    // reference concentration c_ref (per cathode cell, e.g. at the start of a cycle) minus
    // what they hold.
    double isolated_deficit(const double* y, const std::vector<double>& c_ref) const;
    std::vector<double> connected_concentration(const double* y) const;  // mean c per cell
    double dead_fraction(const double* y) const;      // volume-averaged isolated CAM fraction
    double mean_contact(const double* y) const;       // volume-averaged theta_c
    double mean_film_resistance(const double* y) const;  // [ohm m2]
    double surface_stoichiometry(const double* y, int m) const;
    double mean_stoichiometry(const double* y, int m) const;
    double mean_stoichiometry(const double* y) const;
    std::vector<double> cell_centres() const;  // x of every cell (separator then cathode) [m]

    const CellSpec& cell() const { return cell_; }
    double specific_area() const { return a_; }  // a_CAM [1/m]
    double site_area(int s) const { return a_site_[s]; }  // before contact/coating [1/m]

    // Local source terms of one cathode cell, templated for value (double) and Jacobian
    // (Dual) evaluation. Inputs u: see the slot enum in cathode_p2d.cpp.
    template <class T>
    struct Local {
        T src;          // faradaic current per electrode volume, all reactions [A/m3]
        T kin;          // intercalation kinetics residual [A/m2]
        T surf_flux;    // Li flux out of the particle surface [mol/m2/s]
        T sigma_factor; // contact factor on the solid conductivity
        T rate[n_extra];
        T q[n_ledger];  // volumetric currents per ledger entry [A/m3]
        // Derivatives of rate[x_trapped], which is linear in c_mean and the void rate.
        double trapped_per_c_mean, trapped_per_void_rate;
    };
    // c_mean: particle mean concentration; void_rate: d(x_void)/dt (both used only by the
    // trapped-lithium rate).
    template <class T>
    void local_terms(const T* u, double c_mean, double void_rate, Local<T>& out) const;
    struct ContactValues {
        double theta = 1.0, dead = 0.0;
    };
    ContactValues contact_at(const double* y, int m) const;  // chemistry on
    template <class T>
    void contact(const T& v_void, const T& c_outer, T& theta, T& phi_dead, T& sigma_factor,
                 T& dphid_dv) const;

private:
    // Bit masks over the local input slots: which inputs each output of local_terms may
    // depend on (structurally), so the Jacobian emits only those entries.
    struct LocalPattern {
        std::uint32_t src = 0, kin = 0, surf_flux = 0;
        std::uint32_t rate[n_extra] = {}, q[n_ledger] = {};
    };
    static LocalPattern local_pattern();
    LocalPattern pattern_;
    double conductivity_solid(double c_outer, double* dsdc) const;
    // D_s(x) at the current temperature: a uniform table refreshed by set_temperature
    // (linear interpolation; the derivative is the interpolant's own, so the Jacobian stays
    // exact), constant when the material has no lithiation dependence.
    double Ds(double x, double* dDdx = nullptr) const {
        if (D_table_.empty()) {
            if (dDdx) *dDdx = 0.0;
            return D_ref_;
        }
        return interpolate_uniform(D_table_, x, dDdx);
    }
    // Linear interpolation on x = k / (size - 1), constant outside [0, 1].
    static double interpolate_uniform(const std::vector<double>& t, double x, double* dydx) {
        const int n = static_cast<int>(t.size()) - 1;
        double u = x * n;
        bool inside = u > 0.0 && u < n;
        u = u < 0.0 ? 0.0 : (u > n ? n : u);
        int k = static_cast<int>(u);
        if (k == n) k = n - 1;
        double slope = t[k + 1] - t[k];
        if (dydx) *dydx = inside ? slope * n : 0.0;
        return t[k] + slope * (u - k);
    }
    double counter_potential(double i_app, double* dphidi) const;
    static constexpr int kPropertyTablePoints = 16384;
    static void fill_log_table(const Table1D& factor, double base, std::vector<double>& out);

    CellSpec cell_;
    int ns_, nc_, nr_, block_, n_;
    bool chem_ = false, intercalating_ = true;
    ChemistrySpec chemistry_;
    double a_site_[n_sites] = {0, 0, 0};  // carbon DPB, TPB, CAM surface (before contact) [1/m]
    double coating_pass_ = 1.0;           // 1 - coating blocking factor
    double pressure_factor_ = 1.0;        // 1 / (1 + P / P_ref)
    double se_shrink_ = 0.0;              // (V_SE - V_decomposed) / n_SE F [m3/C]
    // Temperature-dependent chemistry rates.
    double k_ox_[n_sites] = {0, 0, 0}, k_red_[n_sites] = {0, 0, 0}, k_fast_[n_sites] = {0, 0, 0};
    double k_pristine_ = 0.0, k_oxygen_ = 0.0, film_kappa_ = 1.0;
    // Distinct (U, alpha) of the chemistry's exp((dphi - U) alpha f) and the one each
    // reaction uses (-1: reaction off); refreshed by set_temperature.
    static constexpr int kMaxBoltzmann = 3 * n_sites + 2;
    int n_boltzmann_ = 0;
    double boltzmann_U_[kMaxBoltzmann] = {}, boltzmann_alpha_[kMaxBoltzmann] = {};
    int bz_ox_[n_sites] = {-1, -1, -1}, bz_fast_[n_sites] = {-1, -1, -1}, bz_red_[n_sites] = {-1, -1, -1};
    int bz_pristine_ = -1, bz_oxygen_ = -1;
    void index_boltzmann();
    double hs_, hc_;  // cell widths [m]
    double a_;        // CAM surface per electrode volume [1/m]
    double c_max_;
    double dr_;
    std::vector<double> rf2_;   // face radius squared, faces 0..Nr-1 (outer of shell i)
    std::vector<double> vol_;   // shell volume / (4 pi)
    std::vector<double> shell_weight_;  // shell volume fraction of the particle

    // Temperature-dependent, refreshed by set_temperature.
    double T_ = 298.15, f_ = 0.0;
    bool first_temperature_ = true;
    std::vector<double> G_e_;   // ionic conductances of faces 0..N-1 (face 0 = counter side) [S/m2]
    double sigma_carbon_eff_ = 0.0, cam_sigma_factor_ = 0.0;
    double i0_ref_ = 0.0, i0_scale_ = 0.0, D_ref_ = 0.0, i0_counter_ = 0.0, sigma_cam_ref_ = 0.0;
    bool cam_sigma_varies_ = false;
    std::vector<double> D_table_;      // D_s on x = k / (size - 1)
    std::vector<double> sigma_table_;  // bulk CAM conductivity on the same grid

    ControlMode mode_ = ControlMode::rest;
    double control_value_ = 0.0, control_rate_ = 0.0, control_t0_ = 0.0;

    // Scratch, sized once.
    mutable std::vector<double> sigma_;
    std::vector<double> dsigma_, dsigma_v_, src_;
    void sigma_node(const double* y, int m, double* ds_dc, double* ds_dv) const;
};

}  // namespace ssbsim
