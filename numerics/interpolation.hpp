// One-dimensional interpolation of tabulated material data.
#pragma once

#include <vector>

namespace ssbsim {

// Monotone piecewise-cubic Hermite interpolation (Fritsch and Carlson 1980), so tabulated
// OCV curves keep their monotonicity; or piecewise linear. Constant extrapolation of the
// end slopes is linear beyond the table.
class Table1D {
public:
    enum class Kind { linear, pchip };
    Table1D() = default;
    Table1D(std::vector<double> x, std::vector<double> y, Kind kind);

    bool empty() const { return x_.empty(); }
    // Value and derivative at x.
    double operator()(double x, double* dydx = nullptr) const;
    const std::vector<double>& x() const { return x_; }
    const std::vector<double>& y() const { return y_; }

private:
    std::vector<double> x_, y_, d_;  // knots, values, knot slopes
    Kind kind_ = Kind::linear;
};

}  // namespace ssbsim
