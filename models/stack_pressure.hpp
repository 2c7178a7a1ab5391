// Stack pressure as a state (MODEL.md section 6). In a die-constrained cell the pressure
// follows the net volume change of the composite cathode through an effective stiffness:
//   P = floor(P_0 + K_eff eps_v),
//   eps_v = (1/L) sum_m h [eps_CAM (dV/V(x_m) - dV/V(x_0))] - (dV_SE/dQ) Q_ox / L,
// x_m the mean stoichiometry of cathode cell m, dV/V the CAM's relative volume change
// (vs the lithiated state), x_0 the initial stoichiometry, Q_ox [C/m2] the SE-oxidation
// charge so far (ledger: every site and kind, and lattice oxygen; like the voids, the
// reduction of reversible products is not credited) and dV_SE/dQ = (V_m,LPSC - V_m,products)
// / (n_SE F) [m3/C]. floor() is the identity above a width w and w exp((u - w) / w) below:
// no tension, and C1 for the solver. P is one global algebraic state (one dense row over
// the shells of every cell and the ledger entries, one dense column: the contact of every
// cell reads it). constraint: constant has no state; P is the set pressure (today's model).
#pragma once

#include <vector>

#include "models/local_terms.hpp"
#include "models/particle_diffusion.hpp"
#include "numerics/dae_model.hpp"

namespace ssbsim {

class StackPressure {
public:
    StackPressure(const CathodeGeometry& g, const ParticleDiffusion& particle);

    bool dynamic() const { return dynamic_; }  // die-constrained: P is a state
    void declare(StateLayout& layout);
    // oxidation_rows: state indices of the cumulative SE-oxidation charges [C/m2] (empty
    // without the chemistry).
    void bind(const StateLayout& layout, std::vector<int> oxidation_rows);
    int index() const { return index_; }  // the state's index, -1 with constant pressure

    double pressure(const double* y) const { return dynamic_ ? y[index_] : P0_; }  // [Pa]
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
    void initial_state(double* y) const;  // P consistent with the state's strain

private:
    double cam_relative(double c, double* d_dc) const;  // dV/V(c / c_max) - dV/V(x_0)
    const CathodeGeometry& g_;
    const ParticleDiffusion& particle_;
    bool dynamic_ = false, breathing_ = false;
    double P0_ = 0.0, K_ = 0.0, width_ = 0.0;  // [Pa]
    double rel0_ = 0.0;       // dV/V at the initial stoichiometry
    double se_shrink_ = 0.0;  // (V_SE - V_products) / (n_SE F) [m3/C]
    int block_ = -1, index_ = -1;
    std::vector<int> oxidation_rows_;
};

}  // namespace ssbsim
