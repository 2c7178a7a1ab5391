// Solid diffusion in the CAM particles (MODEL.md section 1): shell-averaged concentrations
// c_0 .. c_{Nr-1} [mol/m3] of a finite-volume radial mesh per particle population of a
// cathode cell (population p's shells follow population p - 1's), Fickian flux with D_s(x)
// between shells, and the population's intercalation flux out of the outer face.
#pragma once

#include <vector>

#include "models/local_terms.hpp"
#include "numerics/dae_model.hpp"
#include "numerics/interpolation.hpp"

namespace ssbsim {

// The residual's face fluxes q[1 .. nf] of one particle (q[0] untouched) from the uniform
// D_s table of set_temperature and scale = table points per (c_i + c_{i+1}): by the AVX2
// path where avx2 is set and the CPU has it, else by the scalar loop. For the test that
// the two agree to the bit; the residual calls them directly.
void particle_face_fluxes(const double* c, int nf, const double* face, const std::vector<double>& table,
                          double scale, double* q, bool avx2);

class ParticleDiffusion {
public:
    explicit ParticleDiffusion(const CathodeGeometry& g);

    void declare(StateLayout& layout);
    void bind(const StateLayout& layout) { layout_ = &layout; }
    int block() const { return block_; }
    // Shell i of population p (population 0 without p) of cathode cell m.
    int index(int m, int i) const { return layout_->cathode_index(block_, m, i); }
    int index(int m, int p, int i) const { return layout_->cathode_index(block_, m, p * g_.nr + i); }

    void set_temperature(double T);

    // Rows of population p's shells in cell m; surf_flux: Li flux out of the surface
    // [mol/m2/s].
    void residual(int m, int p, const double* y, const double* yp, double surf_flux, double* F) const;
    // Their diffusion entries and + cj on the diagonal; the surface flux enters the last
    // shell's row as surface_scale() * surf_flux (emitted by the caller, after these).
    void jacobian(int m, int p, const double* y, JacobianAssembler& J) const;
    double surface_scale() const { return rf2_[g_.nr - 1] / vol_[g_.nr - 1]; }

    double shell_weight(int i) const { return shell_weight_[i]; }  // volume fraction
    // Population p's mean [mol/m3] and surface stoichiometry; without p: the volume means
    // over the populations of the cell (equal shares).
    double mean_concentration(const double* y, int m, int p) const;
    double mean_concentration(const double* y, int m) const;
    double surface_stoichiometry(const double* y, int m, int p) const;
    double surface_stoichiometry(const double* y, int m) const;
    void tolerances(double s, double* atol) const;

    // Linear interpolation on x = k / (size - 1), constant outside [0, 1].
    static double interpolate_uniform(const std::vector<double>& t, double x, double* dydx) {
        const int n = static_cast<int>(t.size()) - 1;
        double u = x * n;
        bool inside = u > 0.0 && u < n;
        // !(u > 0) also catches NaN (a Newton iterate's), which would index out of the table.
        u = !(u > 0.0) ? 0.0 : (u > n ? n : u);
        int k = static_cast<int>(u);
        if (k == n) k = n - 1;
        double slope = t[k + 1] - t[k];
        if (dydx) *dydx = inside ? slope * n : 0.0;
        return t[k] + slope * (u - k);
    }
    // base * 10^factor(x) on the uniform grid x = k / kPropertyTablePoints.
    static void fill_log_table(const Table1D& factor, double base, std::vector<double>& out);
    static constexpr int kPropertyTablePoints = 16384;

private:
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
    const CathodeGeometry& g_;
    const StateLayout* layout_ = nullptr;
    int block_ = -1;
    double dr_;
    std::vector<double> rf2_;           // face radius squared, faces 0..Nr-1 (outer of shell i)
    std::vector<double> vol_;           // shell volume / (4 pi)
    std::vector<double> shell_weight_;  // shell volume fraction of the particle
    std::vector<double> face_coef_;     // rf2 / dr [m]
    std::vector<double> inv_vol_;       // 1 / vol [1/m3]
    double table_scale_ = 0.0;          // (1/2) n / c_max: D table index of c_i + c_{i+1}
    double D_ref_ = 0.0;
    std::vector<double> D_table_;       // D_s on x = k / (size - 1)
    // Per table interval k: D_table_[k] and D_table_[k + 1] - D_table_[k], side by side
    // (the residual's face fluxes read both with one load).
    std::vector<double> D_pairs_;
};

}  // namespace ssbsim
