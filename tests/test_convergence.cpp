// Observed order of accuracy of the finite-volume discretisation in x and in r.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>

#include "test_support.hpp"

using namespace ssbsim;

namespace {
// Potential at the end of a 1C discharge of 900 s from a half-charged cell; time
// integration far tighter than the mesh error.
double end_potential(int cathode_cells, int shells, const std::string& kappa) {
    SimulationConfig c = test::load("configs/pybamm_reference.yaml",
        {"protocol.steps=[\"Discharge at 1C for 900 s\"]", "cell.cathode.initial_potential=3.9 V",
         "mesh.cathode=" + std::to_string(cathode_cells), "mesh.particle=" + std::to_string(shells),
         "materials.2.ionic_conductivity.reference=" + kappa, "solver.rtol=1e-10",
         "solver.atol=1e-12", "output.profile_interval=0"});
    Simulation sim(c);
    RunResult r = sim.run(nullptr);
    EXPECT_EQ(r.status, RunStatus::complete) << r.message;
    return r.steps.back().end_potential;
}

// Least-squares slope of log(error) against log(h) (Eigen), i.e. the observed order.
double observed_order(const std::vector<double>& h, const std::vector<double>& v) {
    // Differences between successive meshes behave like C h^p.
    const int n = static_cast<int>(v.size()) - 1;
    Eigen::MatrixXd A(n, 2);
    Eigen::VectorXd b(n);
    for (int k = 0; k < n; ++k) {
        A(k, 0) = 1.0;
        A(k, 1) = std::log(h[k]);
        b(k) = std::log(std::fabs(v[k] - v[k + 1]));
    }
    Eigen::Vector2d coef = A.colPivHouseholderQr().solve(b);
    return coef(1);
}
}  // namespace

TEST(Convergence, SecondOrderInX) {
    // A poorly conducting electrolyte makes the through-thickness profile matter.
    std::vector<double> h, v;
    for (int n : {8, 16, 32, 64}) {
        h.push_back(1.0 / n);
        v.push_back(end_potential(n, 10, "0.05 S/m"));
    }
    double p = observed_order(h, v);
    EXPECT_GT(p, 1.8) << "observed order in x " << p;
    EXPECT_LT(p, 2.3) << "observed order in x " << p;
}

TEST(Convergence, SecondOrderInR) {
    std::vector<double> h, v;
    for (int n : {8, 16, 32, 64}) {
        h.push_back(1.0 / n);
        v.push_back(end_potential(4, n, "1.3 S/m"));
    }
    double p = observed_order(h, v);
    EXPECT_GT(p, 1.8) << "observed order in r " << p;
    EXPECT_LT(p, 2.3) << "observed order in r " << p;
}
