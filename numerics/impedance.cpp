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
    J.begin(0.0);
    model.jacobian(t, 0.0, y, yp, J);  // records the pattern: A
    J.end(n_);
    col_ptr_ = J.col_ptr();
    row_index_ = J.row_index();
    a_ = J.values();
    J.begin(1.0);
    model.jacobian(t, 1.0, y, yp, J);  // A + B, same entries
    J.end(n_);
    b_ = J.values();
    for (std::size_t k = 0; k < b_.size(); ++k) b_[k] -= a_[k];
}

LinearisedDae::~LinearisedDae() = default;
LinearisedDae::LinearisedDae(LinearisedDae&&) noexcept = default;
LinearisedDae& LinearisedDae::operator=(LinearisedDae&&) noexcept = default;

int LinearisedDae::find(int row, int col) const {
    if (col < 0 || col >= n_ || row < 0 || row >= n_) return -1;
    const auto first = row_index_.begin() + col_ptr_[col], last = row_index_.begin() + col_ptr_[col + 1];
    const auto it = std::lower_bound(first, last, static_cast<std::int64_t>(row));
    return it != last && *it == row ? static_cast<int>(it - row_index_.begin()) : -1;
}

std::pair<double, double>& LinearisedDae::extra(int row, int col) {
    if (row < 0 || col < 0 || row >= size() || col >= size() || (row < n_ && col < n_))
        throw std::logic_error("linearisation: entry (" + std::to_string(row) + ", " + std::to_string(col) +
                               ") is not in the Jacobian pattern");
    for (auto& e : extras_)
        if (e.first.first == row && e.first.second == col) return e.second;
    extras_.push_back({{row, col}, {0.0, 0.0}});
    lu_->analysed = false;  // a new entry: the ordering is analysed again
    return extras_.back().second;
}

double LinearisedDae::a(int row, int col) const {
    const int k = find(row, col);
    if (k >= 0) return a_[k];
    for (const auto& e : extras_)
        if (e.first.first == row && e.first.second == col) return e.second.first;
    return 0.0;
}

double LinearisedDae::b(int row, int col) const {
    const int k = find(row, col);
    if (k >= 0) return b_[k];
    for (const auto& e : extras_)
        if (e.first.first == row && e.first.second == col) return e.second.second;
    return 0.0;
}

int LinearisedDae::add_unknowns(int count) {
    const int first = size();
    n_extra_ += count;
    lu_->analysed = false;
    return first;
}

void LinearisedDae::add_a(int row, int col, double v) {
    const int k = find(row, col);
    if (k >= 0) a_[k] += v;
    else extra(row, col).first += v;
}

void LinearisedDae::add_b(int row, int col, double v) {
    const int k = find(row, col);
    if (k >= 0) b_[k] += v;
    else extra(row, col).second += v;
}

std::vector<std::pair<int, double>> LinearisedDae::row_of_a(int row) const {
    std::vector<std::pair<int, double>> out;
    for (int c = 0; c < n_; ++c) {
        const int k = find(row, c);
        if (k >= 0) out.emplace_back(c, a_[k]);
    }
    for (const auto& e : extras_)
        if (e.first.first == row) out.emplace_back(e.first.second, e.second.first);
    return out;
}

void LinearisedDae::solve(double omega, const std::vector<Complex>& rhs, std::vector<Complex>& x) {
    Factor& f = *lu_;
    const int n = size();
    // The same triplets in the same order at every frequency: the same structure, so the
    // ordering analysed once holds (added entries are few: a rebuild costs O(nnz)).
    std::vector<Eigen::Triplet<Complex>> trip;
    trip.reserve(a_.size() + extras_.size());
    for (int c = 0; c < n_; ++c)
        for (auto k = col_ptr_[c]; k < col_ptr_[c + 1]; ++k)
            trip.emplace_back(static_cast<int>(row_index_[k]), c, Complex(a_[k], omega * b_[k]));
    for (const auto& e : extras_)
        trip.emplace_back(e.first.first, e.first.second, Complex(e.second.first, omega * e.second.second));
    f.M.resize(n, n);
    f.M.setFromTriplets(trip.begin(), trip.end());
    f.M.makeCompressed();
    if (!f.analysed) {
        f.lu.analyzePattern(f.M);
        f.analysed = true;
    }
    f.lu.factorize(f.M);
    if (f.lu.info() != Eigen::Success)
        throw std::runtime_error("linearisation: the matrix A + j w B is singular at w = " + std::to_string(omega) +
                                 " rad/s (" + f.lu.lastErrorMessage() + ")");
    f.rhs.resize(n);
    for (int i = 0; i < n; ++i) f.rhs[i] = rhs[i];
    f.x = f.lu.solve(f.rhs);
    x.resize(n);
    for (int i = 0; i < n; ++i) x[i] = f.x[i];
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
