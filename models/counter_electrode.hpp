// The counter electrode (lithium metal or In/InLi) at x = 0 (MODEL.md section 2): it sets
// the electrolyte potential at the separator's outer face through symmetric Butler-Volmer
// kinetics plus its area-specific resistance; the charge current reduces it. Potentials
// are referred to its terminal shifted by its OCV, so the cell voltage is the cathode
// potential vs Li/Li+ minus counter.potential.
#pragma once

#include <cmath>

#include "core/constants.hpp"
#include "models/cell.hpp"

namespace ssbsim {

class CounterElectrode {
public:
    explicit CounterElectrode(const CellSpec& cell) : spec_(cell.counter) {}

    void set_temperature(double T) {
        f_ = constants::F / (constants::R * T);
        i0_ = spec_.exchange_current.at(T);
    }
    // Electrolyte potential at x = 0 [V] for the cell current density i_app [A/m2], and its
    // derivative [ohm m2].
    double potential(double i_app, double* dphidi) const {
        double z = i_app / (2.0 * i0_);
        *dphidi = spec_.area_resistance + (2.0 / f_) / (2.0 * i0_) / std::sqrt(1 + z * z);
        return i_app * spec_.area_resistance + (2.0 / f_) * std::asinh(z);
    }
    // The faradaic current density [A/m2] across its charge-transfer overpotential eta [V]
    // (the inverse of potential() without the resistance), and its derivative [S/m2]: the
    // branch beside its double layer in time-domain runs (cell.double_layer).
    double current(double eta, double* didv) const {
        const double s = std::sinh(0.5 * f_ * eta);
        *didv = i0_ * f_ * std::cosh(0.5 * f_ * eta);
        return 2.0 * i0_ * s;
    }
    double area_resistance() const { return spec_.area_resistance; }  // [ohm m2]
    double ocv() const { return spec_.potential; }  // [V vs Li/Li+]

private:
    const CounterElectrodeMaterial& spec_;
    double f_ = 0.0, i0_ = 0.0;
};

}  // namespace ssbsim
