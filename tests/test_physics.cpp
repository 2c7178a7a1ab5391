// Conservation, analytical limits and the slow-rate capacity.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/constants.hpp"
#include "models/intercalation.hpp"
#include "test_support.hpp"

using namespace ssbsim;
using constants::F;

namespace {
constexpr double kConservationTol = 1e-8;  // MODEL.md section 9

// Records, at every profile snapshot, how far sum(h a j) is from the applied current.
class ChargeBalance : public test::Capture {
public:
    double worst = 0.0;
    int snapshots = 0;
    void on_profile(double, const CathodeP2D& m, const double* y) override {
        const CellSpec& c = m.cell();
        double h = c.thickness / m.n_cathode(), sum = 0.0;
        for (int k = 0; k < m.n_cathode(); ++k) sum += h * m.specific_area() * y[m.idx_j(k)];
        double i = m.current_density(y);
        double scale = std::max(std::fabs(i), 1e-3);
        worst = std::max(worst, std::fabs(sum - i) / scale);
        ++snapshots;
    }
};

// Flux-driven sphere: roots of tan(l) = l.
std::vector<double> sphere_eigenvalues(int n) {
    std::vector<double> out;
    for (int k = 1; k <= n; ++k) {
        double l = (k + 0.5) * constants::pi - 1e-3;
        for (int it = 0; it < 100; ++it) {
            double f = std::tan(l) - l, df = 1.0 / (std::cos(l) * std::cos(l)) - 1.0;
            double step = f / df;
            l -= step;
            if (std::fabs(step) < 1e-14) break;
        }
        out.push_back(l);
    }
    return out;
}

// Crank (1975) eq. 6.45-type series: sphere of radius R, uniform c0, constant outward flux
// N [mol/m2/s] at r = R. Returns c(r, t).
double sphere_constant_flux(double r, double t, double R, double D, double N, double c0,
                            const std::vector<double>& lam) {
    double tau = D * t / (R * R);
    double s = 0.0;
    for (double l : lam) s += std::sin(l * r / R) / (l * l * std::sin(l)) * std::exp(-l * l * tau);
    return c0 - N * R / D * (3 * tau + r * r / (2 * R * R) - 0.3 - 2 * R / r * s);
}

SimulationConfig fast_transport(std::vector<std::string> extra) {
    // PyBaMM reference cell with transport made effectively infinite except where a test
    // sets it, so the particle sees a uniform flux (single-particle limit).
    std::vector<std::string> set = {"materials.1.conductivity=1e7 S/m",
                                    "materials.2.ionic_conductivity.reference=1e5 S/m",
                                    "solver.rtol=1e-9", "solver.atol=1e-11",
                                    "output.profile_interval=0"};
    set.insert(set.end(), extra.begin(), extra.end());
    return test::load("configs/pybamm_reference.yaml", set);
}
}  // namespace

// detail::quarter_power (the relithiation hindrance's y^(p/2)): products and square roots
// for exponents in quarters, within 5 ulp of std::pow; std::pow itself for any other
// exponent and at y <= 0.
TEST(Physics, QuarterPowersAgreeWithPow) {
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> lg(-12.0, 1.0);
    for (int n = 1; n <= 16; ++n) {
        const double e = 0.25 * n;
        for (int k = 0; k < 2000; ++k) {
            const double y = std::pow(10.0, lg(rng));
            const double ref = std::pow(y, e);
            EXPECT_NEAR(detail::quarter_power(y, e), ref, 1.1e-15 * ref) << "y = " << y << ", e = " << e;
        }
    }
    for (double y : {0.3, 1e-8}) EXPECT_EQ(detail::quarter_power(y, 1.3), std::pow(y, 1.3));
    EXPECT_EQ(detail::quarter_power(0.0, 1.25), 0.0);
    EXPECT_EQ(detail::quarter_power(0.5, 1.0), 0.5);
}

TEST(Physics, LithiumAndChargeConservedOverFullProtocol) {
    // Intercalation only: every coulomb passes through the CAM (the chemistry's ledger
    // closure is tested in test_chemistry.cpp).
    SimulationConfig c = test::load("", {"output.profile_interval=2 h", "chemistry.enabled=false"});
    Simulation sim(c);
    ChargeBalance cap;
    RunResult r = sim.run(&cap);
    ASSERT_EQ(r.status, RunStatus::complete) << r.message;
    EXPECT_LT(r.lithium_balance_error, kConservationTol);
    EXPECT_GT(cap.snapshots, 40);
    EXPECT_LT(cap.worst, kConservationTol);
    // Net charge: sum of step capacities equals the last sample's cumulative capacity.
    double net = 0;
    for (const auto& s : r.steps) net += s.capacity;
    EXPECT_NEAR(net, cap.samples.back().capacity, 1e-9);
}

TEST(Physics, SlowRateCapacityMatchesOcvIntegral) {
    // C/100 charge and a hold to a vanishing current: the charge passed is the lithium the
    // OCV says must leave, F c_max eps L (x0 - U^-1(4.3 V)), per CAM mass.
    SimulationConfig c = test::load("configs/pybamm_reference.yaml",
        {"protocol.steps=[\"Charge at C/100 until 4.3 V\", \"Hold at 4.3 V until C/20000\", "
         "\"Discharge at C/100 until 2.5 V\", \"Hold at 2.5 V until C/20000\"]",
         "mesh.cathode=10", "mesh.particle=10", "output.sample_interval=0"});
    Simulation sim(c);
    test::Capture cap;
    RunResult r = sim.run(&cap);
    ASSERT_EQ(r.status, RunStatus::complete) << r.message;
    const CellSpec& cell = c.cell;
    double x_top = cell.cam.ocv.inverse(4.3);
    double expected = F * cell.cam.c_max * cell.eps_cam * cell.thickness *
                      (cell.initial_stoichiometry - x_top) / cell.loading / 3600.0;  // mAh/g
    ASSERT_EQ(r.cycles.size(), 1u);
    EXPECT_NEAR(r.cycles[0].charge_capacity, expected, 2e-4 * expected);
    // With no side reactions and both ends relaxed, CE -> 100 %.
    EXPECT_NEAR(r.cycles[0].coulombic_efficiency, 1.0, 2e-4);
}

namespace {
// The single-particle limit's check (below), with extra settings.
void check_single_particle_limit(const std::vector<std::string>& extra) {
    std::vector<std::string> set = {"materials.0.diffusivity.reference=1e-9 m2/s",
                                    "protocol.steps=[\"Charge at C/5 until 4.2 V\"]", "mesh.cathode=6",
                                    "mesh.particle=6"};
    set.insert(set.end(), extra.begin(), extra.end());
    SimulationConfig c = fast_transport(set);
    Simulation sim(c);
    test::Capture cap;
    RunResult r = sim.run(&cap);
    ASSERT_EQ(r.status, RunStatus::complete) << r.message;
    const CellSpec& cell = c.cell;
    const double f = F / (constants::R * cell.temperature);
    const double a = 3 * cell.eps_cam / cell.particle_radius;
    const double i0ref = cell.cam.exchange_current.at(cell.temperature);
    int checked = 0;
    for (const auto& s : cap.samples) {
        if (s.time < 600 || s.mean_stoichiometry < 0.1) continue;
        double x = s.mean_stoichiometry;
        double i = s.current / cell.area;
        double j = i / (a * cell.thickness);
        double i0 = i0ref * 2 * std::sqrt(x * (1 - x));
        double V = cell.cam.ocv(x) + 2 / f * std::asinh(j / (2 * i0)) +
                   2 / f * std::asinh(i / (2 * cell.counter.exchange_current.reference));
        EXPECT_NEAR(s.potential, V, 2e-4) << "t = " << s.time;
        ++checked;
    }
    EXPECT_GT(checked, 10);
}
}  // namespace

TEST(Physics, SingleParticleLimit) {
    // D_s -> large, sigma -> large: every particle is uniform and
    // V = U(x) + (2/f) asinh(j / 2 i0(x)) + (2/f) asinh(i / 2 i0_Li).
    check_single_particle_limit({});
}

TEST(Physics, SingleParticleLimitHoldsWithSeveralPopulations) {
    // Without the chemistry every population has full contact: three populations are the
    // single particle of the limit above.
    check_single_particle_limit({"mesh.populations=3"});
}

namespace {
// Radial profile at time t of a constant-flux charge, single-particle limit.
double sphere_error(int shells, double t_probe) {
    SimulationConfig c = fast_transport({"protocol.steps=[\"Charge at 1C for 300 s\"]",
                                         "cell.cathode.initial_potential=3.8 V",
                                         "mesh.cathode=2", "mesh.particle=" + std::to_string(shells),
                                         "output.profile_interval=" + std::to_string(t_probe) + " s"});
    Simulation sim(c);
    struct Probe : test::Capture {
        std::vector<double> c;
        double t = -1;
        int nr = 0, idx0 = 0;
        void on_profile(double time, const CathodeP2D& m, const double* y) override {
            if (time <= 0) return;
            if (t >= 0) return;
            t = time;
            for (int i = 0; i < m.n_shells(); ++i) c.push_back(y[m.idx_c(0, i)]);
        }
    } probe;
    RunResult r = sim.run(&probe);
    EXPECT_EQ(r.status, RunStatus::complete) << r.message;
    const CellSpec& cell = c.cell;
    const double R = cell.particle_radius, D = cell.cam.D(cell.initial_stoichiometry, cell.temperature);
    const double i = c.protocol.steps[0].current.density_for(cell.loading, cell.area, c.protocol.c_rate_basis);
    const double N = i / (3 * cell.eps_cam / R * cell.thickness) / F;  // outward Li flux
    const double c0 = cell.initial_stoichiometry * cell.cam.c_max;
    auto lam = sphere_eigenvalues(200);
    double worst = 0, scale = N * R / D;
    const double dr = R / shells;
    for (int k = 0; k < shells; ++k) {
        // Shell average of the analytical profile (Simpson on r^2 c over the shell).
        double ri = k * dr, ro = (k + 1) * dr, num = 0, den = 0;
        const int q = 20;
        for (int s = 0; s <= q; ++s) {
            double r = ri + (ro - ri) * s / q;
            double w = (s == 0 || s == q) ? 1 : (s % 2 ? 4 : 2);
            double rr = std::max(r, 1e-12 * R);
            num += w * rr * rr * sphere_constant_flux(rr, probe.t, R, D, N, c0, lam);
            den += w * rr * rr;
        }
        worst = std::max(worst, std::fabs(probe.c[k] - num / den) / scale);
    }
    return worst;
}
}  // namespace

TEST(Physics, SphericalDiffusionMatchesSeriesSolutionAtSecondOrder) {
    const double t = 120.0;  // s, tau = D t / R^2 ~ 0.13
    double e10 = sphere_error(10, t), e20 = sphere_error(20, t), e40 = sphere_error(40, t);
    EXPECT_LT(e40, 2e-3);  // relative to the flux scale N R / D
    double p1 = std::log2(e10 / e20), p2 = std::log2(e20 / e40);
    EXPECT_GT(p1, 1.7) << e10 << " " << e20;
    EXPECT_GT(p2, 1.7) << e20 << " " << e40;
}
