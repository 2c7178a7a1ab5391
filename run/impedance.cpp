#include "run/impedance.hpp"

#include <cmath>
#include <complex>
#include <stdexcept>
#include <vector>

#include "core/constants.hpp"
#include "core/error.hpp"
#include "models/double_layer.hpp"
#include "numerics/impedance.hpp"

namespace ssbsim {

namespace {

using Complex = std::complex<double>;

// The state the spectrum belongs to.
void describe_state(const CathodeP2D& model, const double* y, Spectrum& z) {
    const Observables o = model.observe(y);
    z.potential = o.potential;
    z.cell_voltage = o.cell_voltage;
    z.current_density = o.current_density;
    z.temperature = o.temperature;
    z.mean_stoichiometry = o.mean_stoichiometry;
    z.contact = o.contact;
    z.dead_fraction = o.dead_fraction;
    z.film_resistance = o.film_resistance;
}

// The linearisation under a control mode, with the double layers.
LinearisedDae linearise(CathodeP2D& model, ControlMode mode, double value, double t, const double* y,
                        const double* yp) {
    model.set_control(mode, value, 0.0, t);
    LinearisedDae lin(model, t, y, yp);
    add_double_layer(model, y, lin);
    return lin;
}

}  // namespace

Spectrum impedance_spectrum(CathodeP2D& model, const EisSpec& eis, double t, const double* y, const double* yp) {
    const ControlMode mode0 = model.control_mode();
    const double value0 = model.control_value();
    const int ri = model.idx_current();
    const double i_app = y[ri];
    Spectrum z;
    z.time = t;
    z.galvanostatic = eis.galvanostatic;
    z.amplitude = eis.amplitude;
    describe_state(model, y, z);
    z.frequency = log_frequencies(eis.f_max, eis.f_min, eis.points_per_decade);
    try {
        // Under voltage control the control row is V(y) - V_set: its A row is dV/dy.
        LinearisedDae lin = linearise(model, ControlMode::voltage, model.potential_vs_li(y), t, y, yp);
        std::vector<std::pair<int, double>> dV;
        if (eis.galvanostatic) {
            dV = lin.row_of_a(ri);
            lin = linearise(model, ControlMode::current, i_app, t, y, yp);
        }
        // Either control row reads u - u_set: dF/du = -1, so the right-hand side is e_ri.
        std::vector<Complex> rhs(lin.size(), 0.0), x;
        rhs[ri] = 1.0;
        for (double f : z.frequency) {
            const double omega = 2.0 * constants::pi * f;
            lin.solve(omega, rhs, x);
            Complex Z;
            if (eis.galvanostatic) {
                for (const auto& [col, g] : dV) Z += g * x[col];
            } else {
                Z = 1.0 / x[ri];
            }
            Z += counter_double_layer_correction(model, i_app, omega);
            z.z_real.push_back(Z.real());
            z.z_imag.push_back(Z.imag());
        }
    } catch (const std::runtime_error& e) {
        model.set_control(mode0, value0);
        throw SolverError(std::string("impedance spectrum: ") + e.what());
    }
    model.set_control(mode0, value0);
    return z;
}

}  // namespace ssbsim
