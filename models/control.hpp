// The control row and the charge and energy integrals (MODEL.md section 8): the cell
// current density i_app [A/m2] (> 0 on charge) as a global algebraic state set by the
// protocol's control mode, and Q [C/m2], E [J/m2] integrating the charge and energy passed.
#pragma once

#include "models/electronic_conduction.hpp"
#include "models/local_terms.hpp"
#include "numerics/dae_model.hpp"

namespace ssbsim {

enum class ControlMode { current, voltage, power, rest };

class ControlRow {
public:
    explicit ControlRow(const CathodeGeometry& g) : g_(g) {}

    void declare(StateLayout& layout);
    void bind(const StateLayout& layout) { layout_ = &layout; }
    int current() const { return current_; }  // blocks
    int charge() const { return charge_; }
    int energy() const { return energy_; }

    // Current: value is i_app [A/m2]; voltage: V vs Li/Li+ (target value + rate (t - t0)
    // [V, V/s, s]); power: W per cell area [W/m2] (> 0 charge).
    void set(ControlMode mode, double value, double rate, double t0) {
        mode_ = mode;
        value_ = value;
        rate_ = rate;
        t0_ = t0;
    }
    ControlMode mode() const { return mode_; }
    double value() const { return value_; }

    // Rows of i_app, Q, E; V: cathode potential vs Li/Li+, Vcell: cell voltage.
    void residual(double t, const double* y, const double* yp, double V, double Vcell, double* F) const;
    // slope: of the collector potential (electronic conduction); c_outer, void_col: columns
    // of the last cell's outer shell and void volume (void_col < 0 without).
    void jacobian(double cj, const double* y, double Vcell, const ElectronicConduction::CollectorSlope& slope,
                  int phi_s_col, int c_outer_col, int void_col, JacobianAssembler& J) const;
    void tolerances(double s, double* atol) const;

private:
    const CathodeGeometry& g_;
    const StateLayout* layout_ = nullptr;
    int current_ = -1, charge_ = -1, energy_ = -1;
    ControlMode mode_ = ControlMode::rest;
    double value_ = 0.0, rate_ = 0.0, t0_ = 0.0;
};

}  // namespace ssbsim
