// The analytic sparse Jacobian against central finite differences of the residual.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "models/cathode_p2d.hpp"
#include "test_support.hpp"

using namespace ssbsim;

namespace {
constexpr double kRelTol = 1e-6;  // STYLE.md: FD check at relative 1e-6 or better

void check_jacobian(CathodeP2D& model, const std::vector<double>& y, const std::vector<double>& yp,
                    double cj) {
    const int n = model.size();
    JacobianAssembler J;
    J.begin();
    model.jacobian(0.0, cj, y.data(), yp.data(), J);
    J.end(n);
    std::vector<double> dense(static_cast<size_t>(n) * n, 0.0);
    for (int c = 0; c < n; ++c)
        for (auto k = J.col_ptr()[c]; k < J.col_ptr()[c + 1]; ++k)
            dense[static_cast<size_t>(J.row_index()[k]) * n + c] = J.values()[k];
    std::vector<double> id(n);
    model.differential_ids(id.data());
    std::vector<double> fp(n), fm(n), yy = y;
    std::vector<double> fd(static_cast<size_t>(n) * n, 0.0);
    for (int c = 0; c < n; ++c) {
        double h = 1e-6 * std::max(std::fabs(y[c]), c == model.idx_current() ? 1e-2 : 1e-3);
        yy[c] = y[c] + h;
        ASSERT_TRUE(model.residual(0, yy.data(), yp.data(), fp.data()));
        yy[c] = y[c] - h;
        ASSERT_TRUE(model.residual(0, yy.data(), yp.data(), fm.data()));
        yy[c] = y[c];
        for (int r = 0; r < n; ++r) fd[static_cast<size_t>(r) * n + c] = (fp[r] - fm[r]) / (2 * h);
        fd[static_cast<size_t>(c) * n + c] += cj * id[c];  // dF/dy' is the identity on differential rows
    }
    int bad = 0;
    for (int r = 0; r < n; ++r) {
        double row_max = 0;
        for (int c = 0; c < n; ++c) row_max = std::max(row_max, std::fabs(fd[static_cast<size_t>(r) * n + c]));
        for (int c = 0; c < n; ++c) {
            double a = dense[static_cast<size_t>(r) * n + c], f = fd[static_cast<size_t>(r) * n + c];
            if (std::fabs(a - f) > kRelTol * row_max && bad++ < 10)
                ADD_FAILURE() << "J(" << model.variable_name(r) << ", " << model.variable_name(c)
                              << ") analytic " << a << " vs finite difference " << f;
        }
    }
    EXPECT_EQ(bad, 0);
}

std::vector<double> perturbed_state(const CathodeP2D& model, double x0, unsigned seed) {
    std::vector<double> y(model.size()), yp(model.size());
    model.initial_state(x0, y.data(), yp.data());
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-1, 1);
    const double cmax = model.cell().cam.c_max;
    for (int m = 0; m < model.n_cathode(); ++m) {
        y[model.idx_phi_s(m)] += 0.01 * u(rng);
        y[model.idx_phi_e(model.n_separator() + m)] += 0.005 * u(rng);
        y[model.idx_j(m)] = 0.5 * u(rng);
        for (int i = 0; i < model.n_shells(); ++i)
            y[model.idx_c(m, i)] = cmax * (x0 + 0.05 * (i / double(model.n_shells())) + 0.01 * u(rng));
    }
    y[model.idx_current()] = 0.7;
    return y;
}
}  // namespace

TEST(Jacobian, MatchesFiniteDifferencesInEveryControlMode) {
    SimulationConfig c = test::load("", {"mesh.cathode=4", "mesh.particle=5", "mesh.separator=2",
                                         "cell.cathode.film_resistance=2 ohm cm2",
                                         "cell.cathode.contact_resistance=3 ohm cm2"});
    CathodeP2D model(c.cell, c.mesh);
    std::vector<double> yp(model.size(), 0.0);
    for (double x0 : {0.45, 0.9}) {
        auto y = perturbed_state(model, x0, 7);
        for (ControlMode mode : {ControlMode::current, ControlMode::voltage, ControlMode::power, ControlMode::rest}) {
            SCOPED_TRACE(static_cast<int>(mode));
            model.set_control(mode, mode == ControlMode::voltage ? 4.0 : 1.0);
            check_jacobian(model, y, yp, 123.0);
        }
    }
}

TEST(Jacobian, PatternIsFixedAcrossModes) {
    SimulationConfig c = test::load("", {"mesh.cathode=3", "mesh.particle=4"});
    CathodeP2D model(c.cell, c.mesh);
    std::vector<double> y(model.size()), yp(model.size());
    model.initial_state(0.8, y.data(), yp.data());
    JacobianAssembler J;
    J.begin();
    model.jacobian(0, 1.0, y.data(), yp.data(), J);
    J.end(model.size());
    const int nnz = J.nnz();
    // Refills in other modes must emit the same sequence (end() throws otherwise).
    for (ControlMode mode : {ControlMode::voltage, ControlMode::power, ControlMode::rest}) {
        model.set_control(mode, 1.0);
        J.begin();
        model.jacobian(0, 2.0, y.data(), yp.data(), J);
        EXPECT_NO_THROW(J.end(model.size()));
        EXPECT_EQ(J.nnz(), nnz);
    }
    // Narrow band: node-by-node ordering keeps nonzeros per column small.
    EXPECT_LT(nnz, 12 * model.size());
}
