// Stack pressure as a state (MODEL.md section 6). In a die-constrained cell the pressure
// follows the net volume change of the composite cathode through an effective stiffness:
//   P = floor(P_0 + K_eff eps_v),   eps_v = (1/N_c) sum_m e_m,
//   e_m = eps_CAM (dV/V(x_m) - dV/V(x_0)) - a v_void,m - s_SE n F (X_rev,C + X_irr,C)_m,
// x_m the mean stoichiometry of cathode cell m (over its populations), dV/V the CAM's relative volume change (vs
// the lithiated state), x_0 the initial stoichiometry, a v_void the SE volume the CAM-side
// oxidation (TPB, CAM surface, lattice oxygen) has removed per electrode volume (the void
// state, models/interphase.hpp), X_*,C the carbon-site products [mol/m3] (net: their
// reduction gives the volume back) and s_SE = (V_m,LPSC - V_m,products) / (n_SE F) [m3/C].
// With chemistry.interphase.tpb_footprint the TPB oxidation outside the CAM's footprint opens
// no voids at the CAM; its SE loss enters here through the TPB products, as the carbon site's:
// e_m -= s_SE n F (1 - w_TPB) (X_rev,TPB + X_irr,TPB)_m.
// floor() is the identity above a width w and w exp((u - w) / w) below: no tension, and C1
// for the solver. constraint: constant has no state; P is the set pressure (today's model).
//
// The states keep the Jacobian banded: per cathode cell an algebraic running sum
// S_m = S_{m-1} + e_m / N_c and a copy of the pressure, P_m = P_{m+1} for m < N_c - 1,
// P_{N_c-1} = floor(P_0 + K_eff S_{N_c-1}); the contact of cell m reads P_m. A single
// global P (one dense row over every shell and the ledger, one column in every cell) made
// KLU's factorisation several times denser (the whole run ~2x slower).
#pragma once

#include "models/local_terms.hpp"
#include "models/particle_diffusion.hpp"
#include "numerics/dae_model.hpp"

namespace ssbsim {

class StackPressure {
public:
    StackPressure(const CathodeGeometry& g, const ParticleDiffusion& particle);

    bool dynamic() const { return dynamic_; }  // die-constrained: P is a state
    void declare(StateLayout& layout);  // the per-cell blocks (last in a cathode cell)
    // rows, void_k, carbon_rev_k, carbon_irr_k: where the void volume and the carbon-site
    // products are (chemistry state numbers; rows null without the chemistry).
    void bind(const StateLayout& layout, const ChemistryRows* rows, int void_k, int carbon_rev_k, int carbon_irr_k);
    // The pressure copy [Pa] and the running CAM strain of cathode cell m (-1: constant).
    int index(int m) const { return dynamic_ ? layout_->cathode_index(p_block_, m) : -1; }
    int strain_index(int m) const { return dynamic_ ? layout_->cathode_index(s_block_, m) : -1; }

    double pressure(const double* y) const { return dynamic_ ? y[index(0)] : P0_; }  // [Pa]
    // The CAM's volume change since the start, averaged over the cathode [relative to the
    // CAM volume] (0 without a volume_change table).
    double cam_volume_change(const double* y) const;
    // The composite's volumetric strain eps_v since the start [1] (< 0: it shrank).
    double strain(const double* y) const;
    // The pressure law P(eps_v) [Pa] and dP/d(eps_v) [Pa].
    double law(double strain, double* slope) const;

    void residual(const double* y, double* F) const;
    void jacobian(const double* y, JacobianAssembler& J) const;
    void tolerances(double s, double* atol) const;
    // Sets the strain sums and the pressure copies consistent with the rest of y.
    void initial_state(double* y) const;

private:
    double cam_relative(double c, double* d_dc) const;  // dV/V(c / c_max) - dV/V(x_0)
    double cell_strain(const double* y, int m, double* d_dc) const;  // e_m; d_dc: of the CAM term
    const CathodeGeometry& g_;
    const ParticleDiffusion& particle_;
    bool dynamic_ = false, breathing_ = false;
    double P0_ = 0.0, K_ = 0.0, width_ = 0.0;  // [Pa]
    double rel0_ = 0.0;       // dV/V at the initial stoichiometry
    double se_shrink_ = 0.0;  // (V_SE - V_products) / (n_SE F) [m3/C]
    const StateLayout* layout_ = nullptr;
    int p_block_ = -1, s_block_ = -1;
    const ChemistryRows* rows_ = nullptr;
    int void_ = -1, carbon_rev_ = -1, carbon_irr_ = -1, tpb_rev_ = -1, tpb_irr_ = -1;
    double carbon_shrink_ = 0.0;  // s_SE n F [m3/mol of products]
    double tpb_shrink_ = 0.0;     // s_SE n F (1 - w_TPB): the TPB products off the CAM [m3/mol]
};

}  // namespace ssbsim
