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
    std::vector<double> fp(n), fm(n), yy = y, ypp = yp, scale(n);
    model.absolute_tolerances(1.0, scale.data());  // natural scale of each variable
    std::vector<double> fd(static_cast<size_t>(n) * n, 0.0);
    // Round-off bound of each central difference: a few ulps of the residual's terms over
    // the step; terms are at least of order 10 (volts, A/m2) even where F itself is ~0.
    std::vector<double> noise(static_cast<size_t>(n) * n, 0.0);
    for (int c = 0; c < n; ++c) {
        double h = 1e-5 * std::max(std::fabs(y[c]), 1e-3 * scale[c]);
        yy[c] = y[c] + h;
        ASSERT_TRUE(model.residual(0, yy.data(), yp.data(), fp.data()));
        yy[c] = y[c] - h;
        ASSERT_TRUE(model.residual(0, yy.data(), yp.data(), fm.data()));
        yy[c] = y[c];
        for (int r = 0; r < n; ++r) {
            fd[static_cast<size_t>(r) * n + c] = (fp[r] - fm[r]) / (2 * h);
            noise[static_cast<size_t>(r) * n + c] = 8e-16 * std::max({std::fabs(fp[r]), std::fabs(fm[r]), 10.0}) / h;
        }
        // + cj dF/dy', also by central differences.
        double hp = 1e-3 * std::max(std::fabs(yp[c]), 1.0);  // F is linear in y'
        ypp[c] = yp[c] + hp;
        ASSERT_TRUE(model.residual(0, y.data(), ypp.data(), fp.data()));
        ypp[c] = yp[c] - hp;
        ASSERT_TRUE(model.residual(0, y.data(), ypp.data(), fm.data()));
        ypp[c] = yp[c];
        for (int r = 0; r < n; ++r) fd[static_cast<size_t>(r) * n + c] += cj * (fp[r] - fm[r]) / (2 * hp);
    }
    int bad = 0;
    for (int r = 0; r < n; ++r) {
        double row_max = 0;
        for (int c = 0; c < n; ++c) row_max = std::max(row_max, std::fabs(fd[static_cast<size_t>(r) * n + c]));
        for (int c = 0; c < n; ++c) {
            double a = dense[static_cast<size_t>(r) * n + c], f = fd[static_cast<size_t>(r) * n + c];
            if (std::fabs(a - f) > kRelTol * row_max + noise[static_cast<size_t>(r) * n + c] && bad++ < 10)
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
    SimulationConfig c = test::load("", {"mesh.cathode=3", "mesh.particle=4", "chemistry.enabled=false"});
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

TEST(Jacobian, MatchesFiniteDifferencesWithChemistry) {
    SimulationConfig c = test::load("configs/studies/study_a.yaml",
        {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2", "chemistry.contact.void_scale=5 nm",
         "cell.cathode.coating=LiNbO3", "chemistry.pristine_reduction.rate_constant=1e-6 A/m2",
         "chemistry.lattice_oxygen.rate_constant=1e-6 A/m2"});
    CathodeP2D model(c.cell, c.mesh);
    ASSERT_TRUE(model.chemistry());
    for (double x0 : {0.4, 0.85}) {
        auto y = perturbed_state(model, x0, 11);
        std::vector<double> yp(model.size(), 0.0);
        std::mt19937 rng(3);
        std::uniform_real_distribution<double> u(0.5, 1.5);
        for (int m = 0; m < model.n_cathode(); ++m) {
            for (int k = 0; k < 6; ++k) y[model.idx_x(m, k)] = 20.0 * u(rng);  // products [mol/m3]
            y[model.idx_x(m, CathodeP2D::x_oxygen)] = 5.0 * u(rng);
            y[model.idx_x(m, CathodeP2D::x_pristine)] = 5.0 * u(rng);
            y[model.idx_x(m, CathodeP2D::x_film)] = 2e-9 * u(rng);
            // Voids in the partial-isolation range (0 < dead fraction < 1).
            y[model.idx_x(m, CathodeP2D::x_void)] = 9e-9 * u(rng);
            y[model.idx_x(m, CathodeP2D::x_trapped)] = 100.0 * u(rng);
            yp[model.idx_x(m, CathodeP2D::x_void)] = 1e-13 * u(rng);
        }
        for (double V : {2.2, 3.9, 4.3}) {
            for (int m = 0; m < model.n_cathode(); ++m) y[model.idx_phi_s(m)] = V + 0.01 * m;
            for (ControlMode mode : {ControlMode::current, ControlMode::voltage}) {
                SCOPED_TRACE("x0 " + std::to_string(x0) + " V " + std::to_string(V));
                model.set_control(mode, mode == ControlMode::voltage ? 4.0 : 1.0);
                check_jacobian(model, y, yp, 57.0);
            }
        }
    }
    EXPECT_GT(model.dead_fraction(perturbed_state(model, 0.5, 1).data()), -1.0);
}
