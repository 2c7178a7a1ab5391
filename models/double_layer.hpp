// The capacitive currents an impedance spectrum needs (MODEL.md section 5, issue #14) and
// the time-domain residual leaves out: their RC times (R_ct C_dl ~ ms to s) are far below
// the hours of a cycle, so they change no capacity (docs/equations.md section 14).
//   * CAM/SE interface: a double layer C_dl [F/m2 of CAM] across the local potential
//     difference dphi = phi_s - phi_e, on the same connected area as the intercalation
//     current (the contact and isolation switches included), so the interface is
//     C_dl || (R_film + R_ct) with the diffusion behind R_ct;
//   * counter electrode: C_ce [F/m2 of cell] across its charge-transfer resistance, as a
//     series element R_asr + R_ct,ce || C_ce.
// They enter the linearisation only (numerics/impedance.hpp): dF/dy' terms added to B.
#pragma once

#include <complex>

#include "models/cathode_p2d.hpp"
#include "numerics/impedance.hpp"

namespace ssbsim {

// Adds the CAM/SE double layer of every cathode cell and population to lin's B. lin is
// the linearisation of `model` (its A supplies the connected areas: dF/dj of the charge
// balances).
void add_double_layer(const CathodeP2D& model, LinearisedDae& lin);

// The counter electrode's impedance with its double layer minus the one the DAE holds
// (its differential resistance dphi_ce/di_app) [ohm m2], at cell current density i_app
// [A/m2] and angular frequency omega [rad/s]: added in series to the linearised impedance.
std::complex<double> counter_double_layer_correction(const CathodeP2D& model, double i_app, double omega);

}  // namespace ssbsim
