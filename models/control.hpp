// The control row and the charge and energy integrals (MODEL.md section 8): the cell
// current density i_app [A/m2] (> 0 on charge) as a global algebraic state set by the
// protocol's control mode, and Q [C/m2], E [J/m2] integrating the charge and energy passed.
#pragma once

#include "models/electronic_conduction.hpp"
#include "models/local_terms.hpp"
#include "numerics/dae_model.hpp"
#include "params/profile_file.hpp"

namespace ssbsim {

enum class ControlMode { current, voltage, power, rest };

// A recorded profile the control follows (a follow step): the target at solver time t is
// scale * P(tau0 + (t - t0) * dtau_dt), P linear between the file's rows, so IDA chooses its
// own steps; the runner lands only on the profile's breaks (jumps, corners).
struct FollowedProfile {
    const RecordedProfile* profile = nullptr;  // owned by the step (the config outlives the run)
    double t0 = 0.0, tau0 = 0.0, dtau_dt = 1.0, scale = 1.0;  // [s], [s], [1], SI -> control unit
    // At solver time right_at [s] a jump of the profile gives its later value (the runner
    // lands on the jump, then moves right_at there and re-initialises); elsewhere the earlier.
    double right_at = 0.0;
    mutable std::size_t hint = 0;  // the last segment, where the next look-up starts
    double at(double t) const {
        return scale * profile_value(*profile, tau0 + (t - t0) * dtau_dt, &hint, t == right_at);
    }
    double solver_time(double tau) const { return t0 + (tau - tau0) / dtau_dt; }  // file -> solver [s]
};

class ControlRow {
public:
    explicit ControlRow(const CathodeGeometry& g) : g_(g) {}

    void declare(StateLayout& layout);
    void bind(const StateLayout& layout) { layout_ = &layout; }
    int current() const { return current_; }  // blocks
    int charge() const { return charge_; }
    int energy() const { return energy_; }

    // Current: value is i_app [A/m2]; voltage: V vs Li/Li+ or, with cell, the cell voltage
    // (target value + rate (t - t0) [V, V/s, s]); power: W per cell area [W/m2] (> 0 charge).
    // cell: a voltage target is the cell voltage (else the cathode vs Li/Li+). Ends a follow.
    void set(ControlMode mode, double value, double rate, double t0, bool cell = false) {
        mode_ = mode;
        value_ = value;
        rate_ = rate;
        t0_ = t0;
        cell_ = cell;
        follow_.profile = nullptr;
    }
    // Current (i_app [A/m2]) or voltage [V] along a recorded profile.
    void follow(ControlMode mode, const FollowedProfile& p, bool cell) {
        set(mode, p.at(p.t0), 0.0, p.t0, cell);
        follow_ = p;
    }
    ControlMode mode() const { return mode_; }
    double value() const { return value_; }
    bool cell_reference() const { return cell_; }
    const FollowedProfile* followed() const { return follow_.profile ? &follow_ : nullptr; }
    void follow_jump_at(double t) { follow_.right_at = t; }

    // Rows of i_app, Q, E; V: cathode potential vs Li/Li+, Vcell: cell voltage.
    void residual(double t, const double* y, const double* yp, double V, double Vcell, double* F) const;
    // slope: of the collector potential (electronic conduction); c_outer, void_col: columns
    // of the last cell's outer shell and void volume (void_col < 0 without).
    void jacobian(const double* y, double Vcell, const ElectronicConduction::CollectorSlope& slope,
                  int phi_s_col, int c_outer_col, int void_col, JacobianAssembler& J) const;
    void tolerances(double s, double* atol) const;

private:
    const CathodeGeometry& g_;
    const StateLayout* layout_ = nullptr;
    int current_ = -1, charge_ = -1, energy_ = -1;
    ControlMode mode_ = ControlMode::rest;
    double value_ = 0.0, rate_ = 0.0, t0_ = 0.0;
    bool cell_ = false;
    FollowedProfile follow_;
};

}  // namespace ssbsim
