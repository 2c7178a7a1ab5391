// Impedance spectra of the cell at a state of its protocol (issue #14): the DAE linearised
// at (t, y, y') with its exact Jacobian (numerics/impedance.hpp), the double layers added
// (models/double_layer.hpp), solved frequency by frequency for the response of the control.
// Potentiostatic: a voltage perturbation dV on the control row, Z = dV / di_app.
// Galvanostatic: a current perturbation di_app, Z = (dV/dy . dy) / di_app. Both give the
// same Z for a linear system (a test checks it); both are offered as the cyclers offer them.
#pragma once

#include "models/cathode_p2d.hpp"
#include "params/protocol.hpp"
#include "run/simulation.hpp"

namespace ssbsim {

// The spectrum of `model` at state (t, y, yp) for the sweep `eis`; the model's control is
// left as it was. z per cell area [ohm m2]. Throws SolverError when the linear system is
// singular at a frequency.
Spectrum impedance_spectrum(CathodeP2D& model, const EisSpec& eis, double t, const double* y, const double* yp);

}  // namespace ssbsim
