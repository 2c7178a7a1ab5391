#include "numerics/impedance.hpp"

#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace ssbsim {

struct LinearisedDae::Factor {
    Eigen::SparseMatrix<Complex> M;
    Eigen::SparseLU<Eigen::SparseMatrix<Complex>, Eigen::COLAMDOrdering<int>> lu;
    Eigen::Matrix<Complex, Eigen::Dynamic, 1> rhs, x;
    bool analysed = false;
};

LinearisedDae::LinearisedDae(DaeModel& model, double t, const double* y, const double* yp)
    : n_(model.size()), lu_(std::make_unique<Factor>()) {
    JacobianAssembler J;
    J.begin();
    model.jacobian(t, 0.0, y, yp, J);  // records the pattern: A
    J.end(n_);
    col_ptr_ = J.col_ptr();
    row_index_ = J.row_index();
    a_ = J.values();
    J.begin();
    model.jacobian(t, 1.0, y, yp, J);  // A + B, same entries
    J.end(n_);
    b_ = J.values();
    for (std::size_t k = 0; k < b_.size(); ++k) b_[k] -= a_[k];
    // The complex matrix has the same pattern; its values are refilled per frequency.
    std::vector<Eigen::Triplet<Complex>> trip;
    trip.reserve(a_.size());
    for (int c = 0; c < n_; ++c)
        for (auto k = col_ptr_[c]; k < col_ptr_[c + 1]; ++k)
            trip.emplace_back(static_cast<int>(row_index_[k]), c, Complex(1.0, 0.0));
    lu_->M.resize(n_, n_);
    lu_->M.setFromTriplets(trip.begin(), trip.end());
    lu_->M.makeCompressed();
}

LinearisedDae::~LinearisedDae() = default;
LinearisedDae::LinearisedDae(LinearisedDae&&) noexcept = default;
LinearisedDae& LinearisedDae::operator=(LinearisedDae&&) noexcept = default;

int LinearisedDae::find(int row, int col) const {
    if (col < 0 || col >= n_) return -1;
    const auto first = row_index_.begin() + col_ptr_[col], last = row_index_.begin() + col_ptr_[col + 1];
    const auto it = std::lower_bound(first, last, static_cast<std::int64_t>(row));
    return it != last && *it == row ? static_cast<int>(it - row_index_.begin()) : -1;
}

double LinearisedDae::a(int row, int col) const {
    const int k = find(row, col);
    return k < 0 ? 0.0 : a_[k];
}

double LinearisedDae::b(int row, int col) const {
    const int k = find(row, col);
    return k < 0 ? 0.0 : b_[k];
}

void LinearisedDae::add_b(int row, int col, double v) {
    const int k = find(row, col);
    if (k < 0)
        throw std::logic_error("linearisation: entry (" + std::to_string(row) + ", " + std::to_string(col) +
                               ") is not in the Jacobian pattern");
    b_[k] += v;
}

std::vector<std::pair<int, double>> LinearisedDae::row_of_a(int row) const {
    std::vector<std::pair<int, double>> out;
    for (int c = 0; c < n_; ++c) {
        const int k = find(row, c);
        if (k >= 0) out.emplace_back(c, a_[k]);
    }
    return out;
}

void LinearisedDae::solve(double omega, const std::vector<Complex>& rhs, std::vector<Complex>& x) {
    Factor& f = *lu_;
    // Eigen's compressed storage of M has the entries of the CSC pattern in the same order
    // (both sorted by column, then row).
    Complex* v = f.M.valuePtr();
    for (std::size_t k = 0; k < a_.size(); ++k) v[k] = Complex(a_[k], omega * b_[k]);
    if (!f.analysed) {
        f.lu.analyzePattern(f.M);
        f.analysed = true;
    }
    f.lu.factorize(f.M);
    if (f.lu.info() != Eigen::Success)
        throw std::runtime_error("linearisation: the matrix A + j w B is singular at w = " + std::to_string(omega) +
                                 " rad/s (" + f.lu.lastErrorMessage() + ")");
    f.rhs.resize(n_);
    for (int i = 0; i < n_; ++i) f.rhs[i] = rhs[i];
    f.x = f.lu.solve(f.rhs);
    x.resize(n_);
    for (int i = 0; i < n_; ++i) x[i] = f.x[i];
}

std::vector<double> log_frequencies(double f_max, double f_min, int per_decade) {
    std::vector<double> out;
    const double decades = std::log10(f_max / f_min);
    const int n = std::max(1, static_cast<int>(std::round(decades * per_decade)));
    for (int k = 0; k <= n; ++k) out.push_back(f_max * std::pow(10.0, -decades * k / n));
    if (f_max == f_min) out.resize(1);
    return out;
}

}  // namespace ssbsim
