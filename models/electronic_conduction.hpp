// Electronic conduction in the cathode (MODEL.md section 2): the solid potential phi_s [V]
// per cathode cell, a charge balance per cell through the carbon network (above its
// percolation threshold; or a measured effective conductivity in its place,
// params/cell.hpp carbon_network_conductivity) and the CAM, whose conductivity may depend on its lithiation and
// scales with the contact factor; the cell current leaves at the current collector
// (x = L) through half a cell and the contact resistance.
#pragma once

#include <vector>

#include "models/local_terms.hpp"
#include "models/particle_diffusion.hpp"
#include "numerics/dae_model.hpp"

namespace ssbsim {

class ElectronicConduction {
public:
    explicit ElectronicConduction(const CathodeGeometry& g);

    void declare(StateLayout& layout);
    // current: block of i_app; chem, void_state: where cell m's void volume is (chem null
    // without the chemistry: the contact factor then is 1).
    void bind(const StateLayout& layout, const ParticleDiffusion& particle, int current,
              const ChemistryRows* chem, int void_state) {
        layout_ = &layout;
        particle_ = &particle;
        current_ = current;
        chem_ = chem;
        void_ = void_state;
    }
    int block() const { return block_; }
    int index(int m) const { return layout_->cathode_index(block_, m); }

    void set_temperature(double T);
    // Bulk solid conductivity [S/m] at the outer shell concentration, before contact.
    double conductivity(double c_outer, double* dsdc) const;
    // The effective conductivity of cell m and its derivatives by c_outer and the void
    // volume, set by the caller (who knows the contact) before residual/jacobian.
    void set_sigma(int m, double sigma) { sigma_[m] = sigma; }
    void set_sigma(int m, double sigma, double ds_dc, double ds_dv) {
        sigma_[m] = sigma;
        dsigma_[m] = ds_dc;
        dsigma_v_[m] = ds_dv;
    }
    double sigma(int m) const { return sigma_[m]; }

    // Rows of every cathode cell; src: faradaic current per volume [A/m3].
    void residual(const double* y, double i_app, const double* src, double* F) const;
    // The conduction entries of cell m's row (faces to its neighbours, the collector).
    void jacobian(int m, const double* y, JacobianAssembler& J) const;

    // Potential at the current collector [V vs the counter reference], with sigma_last the
    // effective conductivity of the last cell, and its derivatives by i_app, c_outer and
    // the void volume of the last cell (at the sigma set last).
    double collector_potential(const double* y, double i_app, double sigma_last) const;
    struct CollectorSlope {
        double di, dc, dv;
    };
    CollectorSlope collector_slope(double i_app) const;
    void tolerances(double s, double* atol) const;

private:
    const CathodeGeometry& g_;
    const StateLayout* layout_ = nullptr;
    const ParticleDiffusion* particle_ = nullptr;
    const ChemistryRows* chem_ = nullptr;
    int block_ = -1, current_ = -1, void_ = -1;
    double sigma_carbon_eff_ = 0.0, cam_sigma_factor_ = 0.0, sigma_cam_ref_ = 0.0;
    bool cam_sigma_varies_ = false;
    std::vector<double> sigma_table_;  // bulk CAM conductivity on x = k / (size - 1)
    // Per cathode cell, refreshed by each evaluation (scratch, sized once).
    std::vector<double> sigma_, dsigma_, dsigma_v_;
};

}  // namespace ssbsim
