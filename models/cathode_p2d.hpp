// Pseudo-2D model of a composite-cathode half cell with a single-ion solid electrolyte
// (MODEL.md sections 1, 2, 4 first part, 8).
//
// State, ordered node by node so the Jacobian stays narrowly banded:
//   separator cells n = 0..Ns-1:      phi_e
//   cathode cells m = 0..Nc-1:        phi_e, phi_s, j, c_0 .. c_{Nr-1}
//   globals:                          i_app, Q, E
// phi_e, phi_s [V] are referred to the counter-electrode terminal shifted by its OCV, so
// the cathode potential vs Li/Li+ is phi_s at the current collector plus contact drop.
// j [A/m2] is the intercalation current per CAM area, > 0 for oxidation (delithiation).
// c [mol/m3] are shell averages of a finite-volume radial mesh. i_app [A/m2] is the cell
// current density, > 0 on charge. Q [C/m2] and E [J/m2] integrate charge and energy passed.
#pragma once

#include <string>
#include <vector>

#include "models/cell.hpp"
#include "models/interpolation.hpp"
#include "solvers/dae_model.hpp"

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
    void set_control(ControlMode mode, double value);
    ControlMode control_mode() const { return mode_; }

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
    int idx_current() const { return n_ - 3; }
    int idx_charge() const { return n_ - 2; }
    int idx_energy() const { return n_ - 1; }

    // Observables from a state.
    double potential_vs_li(const double* y) const;  // cathode potential vs Li/Li+ [V]
    double cell_voltage(const double* y) const { return potential_vs_li(y) - cell_.counter.potential; }
    double current_density(const double* y) const { return y[idx_current()]; }
    double lithium_in_solid(const double* y) const;  // [mol/m2 of cell]
    double surface_stoichiometry(const double* y, int m) const;
    double mean_stoichiometry(const double* y, int m) const;
    double mean_stoichiometry(const double* y) const;
    std::vector<double> cell_centres() const;  // x of every cell (separator then cathode) [m]

    const CellSpec& cell() const { return cell_; }
    double specific_area() const { return a_; }  // a_CAM [1/m]

private:
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
    double i0_ref_ = 0.0, D_ref_ = 0.0, i0_counter_ = 0.0, sigma_cam_ref_ = 0.0;
    bool cam_sigma_varies_ = false;
    std::vector<double> D_table_;      // D_s on x = k / (size - 1)
    std::vector<double> sigma_table_;  // bulk CAM conductivity on the same grid

    ControlMode mode_ = ControlMode::rest;
    double control_value_ = 0.0;

    // Scratch, sized once.
    std::vector<double> sigma_, dsigma_;
};

}  // namespace ssbsim
