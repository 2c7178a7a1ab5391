// The small-signal linearisation of a DAE F(t, y, y') = 0 at a state (y, y'), for
// impedance spectra: a perturbation dy e^{j w t} obeys (A + j w B) dy = -dF/du du, with
// A = dF/dy and B = dF/dy' taken from the model's exact Jacobian dF/dy + cj dF/dy'
// (assembled at cj = 0 and cj = 1; both emit the same pattern, so B is their difference
// entry by entry). Solved as a complex sparse system, one ordering for all frequencies and
// a numeric factorisation per frequency (Eigen's SparseLU: the 2n-by-2n real form with
// KLU would need a second pattern for the same result).
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "numerics/dae_model.hpp"

namespace ssbsim {

class LinearisedDae {
public:
    using Complex = std::complex<double>;
    // Assembles A and B of `model` at (t, y, y'); y, yp hold model.size() values.
    LinearisedDae(DaeModel& model, double t, const double* y, const double* yp);
    ~LinearisedDae();
    LinearisedDae(LinearisedDae&&) noexcept;
    LinearisedDae& operator=(LinearisedDae&&) noexcept;

    // The model's unknowns, then those added by add_unknowns.
    int size() const { return n_ + n_extra_; }
    int model_size() const { return n_; }
    // Entries of A = dF/dy and B = dF/dy' (0 outside the pattern).
    double a(int row, int col) const;
    double b(int row, int col) const;
    // Unknowns of the linear system the time-domain DAE does not have (a film potential):
    // their rows and columns are filled with add_a / add_b; returns the first one's index.
    int add_unknowns(int count);
    // Adds v to A(row, col) or B(row, col): terms the time-domain residual leaves out (the
    // double layer, a film capacitance). Inside the model's block the entry must be in its
    // pattern (std::logic_error otherwise: the model emits every structurally possible
    // entry); entries in added rows or columns may be new.
    void add_a(int row, int col, double v);
    void add_b(int row, int col, double v);
    // The entries of row `row` of A as (column, value) pairs.
    std::vector<std::pair<int, double>> row_of_a(int row) const;

    // Solves (A + j omega B) x = rhs [omega in rad/s]; x is resized to size().
    // Throws std::runtime_error when the matrix is singular at this frequency.
    void solve(double omega, const std::vector<Complex>& rhs, std::vector<Complex>& x);

private:
    int find(int row, int col) const;  // position in the CSC arrays, or -1
    // The (A, B) values of an entry outside the model's pattern, created on first use.
    std::pair<double, double>& extra(int row, int col);
    int n_ = 0, n_extra_ = 0;
    std::vector<std::pair<std::pair<int, int>, std::pair<double, double>>> extras_;
    std::vector<std::int64_t> col_ptr_, row_index_;
    std::vector<double> a_, b_;
    struct Factor;
    std::unique_ptr<Factor> lu_;  // the ordering, analysed once, and the complex matrix
};

// Frequencies [Hz] from f_max down to f_min, `per_decade` log-spaced points per decade,
// both ends included (as an EC-Lab PEIS sweep lists them).
std::vector<double> log_frequencies(double f_max, double f_min, int per_decade);

}  // namespace ssbsim
