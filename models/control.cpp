#include "models/control.hpp"

namespace ssbsim {

void ControlRow::declare(StateLayout& layout) {
    StateLayout::BlockSpec b;
    b.region = StateLayout::Region::global;
    b.name = "current density i_app";
    current_ = layout.add(b);
    b.differential = true;
    b.reported = false;  // book-keeping
    b.name = "charge passed Q";
    charge_ = layout.add(b);
    b.name = "energy passed E";
    energy_ = layout.add(b);
}

void ControlRow::residual(double t, const double* y, const double* yp, double V, double Vcell, double* F) const {
    const int ri = layout_->index(current_, 0), rq = layout_->index(charge_, 0), re = layout_->index(energy_, 0);
    const double i_app = y[ri];
    // The cell voltage as the model defines its terminal (Vcell), not V shifted here: a
    // cell-voltage hold holds exactly what a cycler would read.
    const double v = cell_ ? Vcell : V;
    const bool follows = follow_.profile != nullptr;
    switch (mode_) {
        case ControlMode::current: F[ri] = i_app - (follows ? follow_.at(t) : value_); break;
        case ControlMode::voltage: F[ri] = v - (follows ? follow_.at(t) : value_ + rate_ * (t - t0_)); break;
        case ControlMode::power: F[ri] = i_app * Vcell - value_; break;
        case ControlMode::rest: F[ri] = i_app; break;
    }
    F[rq] = yp[rq] - i_app;
    F[re] = yp[re] - i_app * Vcell;
}

void ControlRow::jacobian(const double* y, double Vcell, const ElectronicConduction::CollectorSlope& slope,
                          int phi_s_col, int c_outer_col, int void_col, JacobianAssembler& J) const {
    // Entries always present so the pattern is fixed.
    const int ri = layout_->index(current_, 0), rq = layout_->index(charge_, 0), re = layout_->index(energy_, 0);
    const double i_app = y[ri];
    double a_i = 0, a_V = 0;
    switch (mode_) {
        case ControlMode::current: a_i = 1.0; break;
        case ControlMode::rest: a_i = 1.0; break;
        case ControlMode::voltage: a_i = slope.di; a_V = 1.0; break;
        case ControlMode::power: a_i = Vcell + i_app * slope.di; a_V = i_app; break;
    }
    J.add(ri, ri, a_i);
    J.add(ri, phi_s_col, a_V);
    J.add(ri, c_outer_col, a_V * slope.dc);
    if (void_col >= 0) J.add(ri, void_col, a_V * slope.dv);
    J.add(rq, rq, 0.0, 1.0);
    J.add(rq, ri, -1.0);
    J.add(re, re, 0.0, 1.0);
    J.add(re, ri, -(Vcell + i_app * slope.di));
    J.add(re, phi_s_col, -i_app);
    J.add(re, c_outer_col, -i_app * slope.dc);
    if (void_col >= 0) J.add(re, void_col, -i_app * slope.dv);
}

void ControlRow::tolerances(double s, double* atol) const {
    atol[layout_->index(current_, 0)] = s;
    atol[layout_->index(charge_, 0)] = s * g_.q_scale;
    atol[layout_->index(energy_, 0)] = s * g_.q_scale * 4.0;
}

}  // namespace ssbsim
