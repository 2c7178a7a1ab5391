#include "numerics/interpolation.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ssbsim {

Table1D::Table1D(std::vector<double> x, std::vector<double> y, Kind kind)
    : x_(std::move(x)), y_(std::move(y)), kind_(kind) {
    if (x_.size() != y_.size() || x_.size() < 2)
        throw std::invalid_argument("a table needs two columns of equal length >= 2");
    for (size_t i = 0; i < x_.size(); ++i)
        if (!std::isfinite(x_[i]) || !std::isfinite(y_[i]))
            throw std::invalid_argument("table entries must be finite numbers");
    for (size_t i = 1; i < x_.size(); ++i)
        if (!(x_[i] > x_[i - 1]))
            throw std::invalid_argument("table abscissae must be strictly increasing");
    const size_t n = x_.size();
    d_.assign(n, 0.0);
    std::vector<double> h(n - 1), delta(n - 1);
    for (size_t i = 0; i + 1 < n; ++i) {
        h[i] = x_[i + 1] - x_[i];
        delta[i] = (y_[i + 1] - y_[i]) / h[i];
    }
    if (kind_ == Kind::linear || n == 2) {
        for (size_t i = 0; i < n; ++i) d_[i] = delta[std::min(i, n - 2)];
        return;
    }
    // Fritsch-Carlson slopes with the three-point end conditions.
    for (size_t i = 1; i + 1 < n; ++i) {
        if (delta[i - 1] * delta[i] <= 0.0) {
            d_[i] = 0.0;
        } else {
            double w1 = 2 * h[i] + h[i - 1], w2 = h[i] + 2 * h[i - 1];
            d_[i] = (w1 + w2) / (w1 / delta[i - 1] + w2 / delta[i]);
        }
    }
    auto end_slope = [](double h0, double h1, double d0, double d1) {
        double d = ((2 * h0 + h1) * d0 - h0 * d1) / (h0 + h1);
        if (d * d0 <= 0) return 0.0;
        if (d0 * d1 <= 0 && std::fabs(d) > std::fabs(3 * d0)) return 3 * d0;
        return d;
    };
    d_[0] = end_slope(h[0], h[1], delta[0], delta[1]);
    d_[n - 1] = end_slope(h[n - 2], h[n - 3], delta[n - 2], delta[n - 3]);
}

double Table1D::operator()(double x, double* dydx) const {
    const size_t n = x_.size();
    // NaN fails both end comparisons below and would index past the table; it propagates
    // instead, so the solver sees a failed evaluation and reports it.
    if (std::isnan(x)) {
        if (dydx) *dydx = x;
        return x;
    }
    if (x <= x_[0]) {
        if (dydx) *dydx = d_[0];
        return y_[0] + d_[0] * (x - x_[0]);
    }
    if (x >= x_[n - 1]) {
        if (dydx) *dydx = d_[n - 1];
        return y_[n - 1] + d_[n - 1] * (x - x_[n - 1]);
    }
    size_t i = static_cast<size_t>(std::upper_bound(x_.begin(), x_.end(), x) - x_.begin()) - 1;
    double h = x_[i + 1] - x_[i];
    if (kind_ == Kind::linear) {
        double s = (y_[i + 1] - y_[i]) / h;
        if (dydx) *dydx = s;
        return y_[i] + s * (x - x_[i]);
    }
    double t = (x - x_[i]) / h;
    double t2 = t * t, t3 = t2 * t;
    double h00 = 2 * t3 - 3 * t2 + 1, h10 = t3 - 2 * t2 + t, h01 = -2 * t3 + 3 * t2,
           h11 = t3 - t2;
    if (dydx) {
        double d00 = (6 * t2 - 6 * t) / h, d10 = 3 * t2 - 4 * t + 1, d01 = (-6 * t2 + 6 * t) / h,
               d11 = 3 * t2 - 2 * t;
        *dydx = d00 * y_[i] + d10 * d_[i] + d01 * y_[i + 1] + d11 * d_[i + 1];
    }
    return h00 * y_[i] + h10 * h * d_[i] + h01 * y_[i + 1] + h11 * h * d_[i + 1];
}

}  // namespace ssbsim
