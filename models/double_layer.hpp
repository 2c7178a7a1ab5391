// The capacitive currents an impedance spectrum needs (MODEL.md section 5, issue #14) and
// the time-domain residual leaves out by default: their RC times (R_ct C_dl ~ ms to s) are
// far below the hours of a cycle, so they change no capacity (docs/equations.md section 14).
//   * CAM/SE interface: the film as R_k || C_k elements in series with the interface - the
//     grown interphase delta / kappa_int || eps0 eps_r / delta, and the fixed film resistance
//     (R_film,0 and a coating) || cell.cathode.film_capacitance [F/m2 of CAM] - then a double
//     layer C_dl [F/m2 of CAM] || the faradaic branch (R_ct with the diffusion behind it), on
//     the same connected area as the intercalation current (the contact and isolation
//     switches included): one added unknown per element, population and cell, the potential
//     across it. Without a film (R_f below 1e-9 ohm m2) C_dl sits across dphi = phi_s - phi_e;
//   * counter electrode: C_ce [F/m2 of cell] across its charge-transfer resistance, as a
//     series element R_asr + R_ct,ce || C_ce.
// They enter the linearisation only (numerics/impedance.hpp): dF/dy' terms added to B. With
// cell.double_layer the DAE itself holds the double layers and (with the chemistry) the grown
// film's R_g || C_g as a potential per population and cell (CathodeP2D, equations.md 14.1)
// and nothing is added here.
#pragma once

#include <complex>

#include "models/cathode_p2d.hpp"
#include "numerics/impedance.hpp"

namespace ssbsim {

// Adds the CAM/SE double layer and film of every cathode cell and population to lin. lin
// is the linearisation of `model` at state y (its A supplies the connected areas, dF/dj of
// the charge balances, and each film resistance, from the kinetics row; y the grown film's
// thickness). Nothing with cell.double_layer: the DAE holds the double layers then.
void add_double_layer(const CathodeP2D& model, const double* y, LinearisedDae& lin);

// The counter electrode's impedance with its double layer minus the one the DAE holds
// (its differential resistance dphi_ce/di_app) [ohm m2], at cell current density i_app
// [A/m2] and angular frequency omega [rad/s]: added in series to the linearised impedance.
std::complex<double> counter_double_layer_correction(const CathodeP2D& model, double i_app, double omega);

}  // namespace ssbsim
