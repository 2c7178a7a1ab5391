// Forward-mode automatic differentiation with a fixed number of derivative slots, used to
// build the exact Jacobian of each cathode cell's local source terms (kinetics, side
// reactions, contact) without hand-written derivatives.
#pragma once

#include <array>
#include <cmath>

namespace ssbsim {

template <int N>
struct Dual {
    double v = 0.0;
    std::array<double, N> d{};
    Dual() = default;
    Dual(double value) : v(value) {}  // NOLINT: constants promote implicitly
    static Dual variable(double value, int slot) {
        Dual x(value);
        x.d[slot] = 1.0;
        return x;
    }
    // f(v) with f'(v) = df.
    Dual chain(double f, double df) const {
        Dual r(f);
        for (int k = 0; k < N; ++k) r.d[k] = df * d[k];
        return r;
    }
};

template <int N> Dual<N> operator+(Dual<N> a, const Dual<N>& b) { a.v += b.v; for (int k = 0; k < N; ++k) a.d[k] += b.d[k]; return a; }
template <int N> Dual<N> operator-(Dual<N> a, const Dual<N>& b) { a.v -= b.v; for (int k = 0; k < N; ++k) a.d[k] -= b.d[k]; return a; }
template <int N> Dual<N> operator-(Dual<N> a) { a.v = -a.v; for (auto& x : a.d) x = -x; return a; }
template <int N> Dual<N> operator*(const Dual<N>& a, const Dual<N>& b) {
    Dual<N> r(a.v * b.v);
    for (int k = 0; k < N; ++k) r.d[k] = a.d[k] * b.v + a.v * b.d[k];
    return r;
}
template <int N> Dual<N> operator/(const Dual<N>& a, const Dual<N>& b) {
    Dual<N> r(a.v / b.v);
    for (int k = 0; k < N; ++k) r.d[k] = (a.d[k] * b.v - a.v * b.d[k]) / (b.v * b.v);
    return r;
}
template <int N> Dual<N> operator+(Dual<N> a, double b) { a.v += b; return a; }
template <int N> Dual<N> operator+(double b, Dual<N> a) { a.v += b; return a; }
template <int N> Dual<N> operator-(Dual<N> a, double b) { a.v -= b; return a; }
template <int N> Dual<N> operator-(double b, const Dual<N>& a) { return Dual<N>(b) - a; }
template <int N> Dual<N> operator*(Dual<N> a, double b) { a.v *= b; for (auto& x : a.d) x *= b; return a; }
template <int N> Dual<N> operator*(double b, Dual<N> a) { return a * b; }
template <int N> Dual<N> operator/(Dual<N> a, double b) { return a * (1.0 / b); }
template <int N> Dual<N> operator/(double b, const Dual<N>& a) { return Dual<N>(b) / a; }
template <int N> Dual<N> exp(const Dual<N>& a) { double e = std::exp(a.v); return a.chain(e, e); }
template <int N> Dual<N> sqrt(const Dual<N>& a) { double s = std::sqrt(a.v); return a.chain(s, s > 0 ? 0.5 / s : 0.0); }
template <int N> Dual<N> pow(const Dual<N>& a, double p) { double r = std::pow(a.v, p); return a.chain(r, a.v != 0 ? p * r / a.v : 0.0); }

inline double value(double x) { return x; }
template <int N> double value(const Dual<N>& x) { return x.v; }

// Applies a scalar function given as value and derivative at value(x).
inline double apply(double x, double f, double /*df*/) { (void)x; return f; }
template <int N> Dual<N> apply(const Dual<N>& x, double f, double df) { return x.chain(f, df); }

}  // namespace ssbsim
