// Ionic conduction in the single-ion solid electrolyte (MODEL.md section 2): the
// electrolyte potential phi_e [V] in every cell (separator then cathode), a charge balance
// per cell with face conductances kappa_eff / h in series, the counter electrode setting
// the potential at x = 0, and the faradaic sources of the cathode cells. In the cathode
// kappa_eff is kappa_SE eps_SE / tau or the composite's measured effective conductivity
// (params/cell.hpp effective_ionic_conductivity).
#pragma once

#include <vector>

#include "models/counter_electrode.hpp"
#include "models/local_terms.hpp"
#include "numerics/dae_model.hpp"

namespace ssbsim {

class IonicConduction {
public:
    explicit IonicConduction(const CathodeGeometry& g) : g_(g), G_(g.ns + g.nc) {}

    void declare(StateLayout& layout);
    // current: the block of the cell current density i_app (a global).
    void bind(const StateLayout& layout, int current) {
        layout_ = &layout;
        current_ = current;
        rows_.resize(g_.ns + g_.nc);
        for (int n = 0; n < g_.ns + g_.nc; ++n) rows_[n] = layout.index(block_, n);
    }
    int block() const { return block_; }
    int index(int cell) const { return layout_->index(block_, cell); }

    void set_temperature(double T);

    // Rows of every cell; phi_b: potential at x = 0; src: faradaic current per volume of
    // each cathode cell [A/m3].
    void residual(const double* y, double phi_b, const double* src, double* F) const;
    // The conduction entries; dphib: d(phi_b)/d(i_app). The sources are the caller's.
    // d(row of cell 0)/d(phi_b) = -G_0 [S/m2]: the counter electrode's own state in
    // time-domain double-layer runs.
    double boundary_conductance() const { return G_[0]; }
    void jacobian(double dphib, JacobianAssembler& J) const;
    void tolerances(double s, double* atol) const;

private:
    const CathodeGeometry& g_;
    const StateLayout* layout_ = nullptr;
    int block_ = -1, current_ = -1;
    std::vector<double> G_;  // conductances of faces 0..N-1 (face 0 = counter side) [S/m2]
    std::vector<int> rows_;  // index(n) of every cell (bind: the residual's hot loop)
};

}  // namespace ssbsim
