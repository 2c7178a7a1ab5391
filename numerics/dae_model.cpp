#include "numerics/dae_model.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace ssbsim {

void JacobianAssembler::begin(double* out) {
    if (recording_) {
        rows_.clear();
        cols_.clear();
        values_.clear();
    } else {
        out_ = out ? out : values_csc_.data();
        std::fill(out_, out_ + values_csc_.size(), 0.0);
        cursor_ = 0;
    }
}

void JacobianAssembler::end(int n) {
    if (!recording_) {
        if (cursor_ != position_.size())
            throw std::logic_error("Jacobian assembly emitted a different number of entries");
        return;
    }
    const std::size_t m = rows_.size();
    std::vector<std::size_t> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return cols_[a] != cols_[b] ? cols_[a] < cols_[b] : rows_[a] < rows_[b];
    });
    position_.assign(m, 0);
    col_ptr_.assign(n + 1, 0);
    row_index_.clear();
    values_csc_.clear();
    int last_row = -1, last_col = -1;
    for (std::size_t k : order) {
        if (cols_[k] != last_col || rows_[k] != last_row) {
            row_index_.push_back(rows_[k]);
            values_csc_.push_back(0.0);
            col_ptr_[cols_[k] + 1]++;
            last_row = rows_[k];
            last_col = cols_[k];
        }
        position_[k] = row_index_.size() - 1;
        values_csc_.back() += values_[k];
    }
    for (int c = 0; c < n; ++c) col_ptr_[c + 1] += col_ptr_[c];
    recording_ = false;
    rows_ = {};
    cols_ = {};
    values_ = {};
}

}  // namespace ssbsim
