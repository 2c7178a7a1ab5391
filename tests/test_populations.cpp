// Particle populations per cathode cell (MODEL.md section 6, docs/equations.md 11.5-11.6):
// isolation traps lithium exactly, the dead fraction only grows, identical populations are
// one population, and the ledger closes with trapped lithium.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "models/contact.hpp"
#include "test_support.hpp"

using namespace ssbsim;

namespace {
constexpr double kConservationTol = 1e-8;  // MODEL.md section 10
constexpr double kLedgerRelTol = 1e-6;     // as in test_chemistry.cpp

// A Study A cell whose SE shrinkage isolates populations within the first charge.
std::vector<std::string> isolating(int populations) {
    // tpb_footprint 0: every TPB product at the CAM (Study A's TPB is ~6x its CAM surface),
    // the most void per charge, so particles isolate within the one charge. void_scale 10 nm
    // (was 5 nm): with the thinner, more conductive film of physics/b3 the charge goes further
    // and oxidises more SE, and 5 nm isolated every population (dead 1.0); 10 nm: 0.5.
    return {"chemistry.contact.void_scale=10 nm", "chemistry.interphase.tpb_footprint=0", "cell.stack_pressure=2 MPa",
            "mesh.cathode=8", "mesh.particle=8",
            "mesh.populations=" + std::to_string(populations), "output.profile_interval=1 h",
            "protocol.steps=[\"Charge at C/50 until 4.3 V\", \"Discharge at C/50 until 3.0 V\"]"};
}

// Records, per population of every cell, its mean stoichiometry when first seen isolated
// and the largest change after that; and whether the dead fraction ever fell.
class IsolationWatch : public test::Capture {
public:
    std::map<int, double> x_at_isolation;
    double worst_change = 0.0, dead_drop = 0.0, last_dead = 0.0;
    int isolated = 0;
    void on_sample(const Sample& s) override {
        test::Capture::on_sample(s);
        dead_drop = std::max(dead_drop, last_dead - s.dead_fraction);
        last_dead = s.dead_fraction;
    }
    void on_profile(double, const CathodeP2D& m, const double* y) override {
        for (int c = 0; c < m.n_cathode(); ++c)
            for (int p = 0; p < m.n_populations(); ++p) {
                if (m.population_contact(y, c, p).dead < 1.0) continue;
                const int key = c * m.n_populations() + p;
                const double x = m.mean_stoichiometry(y, c, p);
                auto it = x_at_isolation.find(key);
                if (it == x_at_isolation.end()) {
                    x_at_isolation[key] = x;
                    ++isolated;
                } else {
                    worst_change = std::max(worst_change, std::fabs(x - it->second));
                }
            }
    }
};

void expect_ledger_closes(const RunResult& r) {
    ASSERT_FALSE(r.cycles.empty());
    for (const auto& c : r.cycles) {
        ASSERT_TRUE(c.has_ledger);
        EXPECT_NEAR(c.ledger.total(), c.charge_capacity - c.discharge_capacity,
                    kLedgerRelTol * std::max(1.0, c.charge_capacity))
            << "cycle " << c.cycle;
    }
}
}  // namespace

TEST(Populations, IsolationTrapsLithiumExactly) {
    Simulation sim(test::load("configs/studies/study_a.yaml", isolating(4)));
    IsolationWatch watch;
    RunResult r = sim.run(&watch);
    ASSERT_EQ(r.status, RunStatus::complete) << r.message;
    // Populations die during the charge, but not all of them.
    ASSERT_EQ(r.cycles.size(), 1u);
    const CycleSummary& c = r.cycles[0];
    EXPECT_GT(c.dead_fraction, 0.2);
    EXPECT_LT(c.dead_fraction, 0.9);
    EXPECT_GT(watch.isolated, 4);
    // Each population carries its own shells: lithium is conserved to round-off.
    EXPECT_LT(r.lithium_balance_error, kConservationTol);
    // An isolated population keeps its lithium: no flux passes its dead contact (exactly 0);
    // its shells still redistribute lithium inside, whose sum the Newton iteration with a
    // Jacobian of an older c_j keeps to the nonlinear solver's tolerance (~3e-8 here at
    // rtol 1e-6), not to round-off.
    EXPECT_LT(watch.worst_change, 1e-6);
    // Isolation is irreversible: the dead fraction never falls.
    EXPECT_EQ(watch.dead_drop, 0.0);
    EXPECT_GT(watch.samples.back().dead_fraction, 0.2);
    // The lithium the isolated populations took with them is in the ledger, which closes.
    EXPECT_GT(c.ledger.cam_isolated, 10.0);
    expect_ledger_closes(r);
}

TEST(Populations, IdenticalPopulationsAreOnePopulation) {
    // w = 0: three populations with the same contact, current and concentrations.
    std::vector<std::string> one = {"mesh.cathode=6", "mesh.particle=8", "output.profile_interval=0",
                                    "protocol.steps=[\"Charge at C/20 until 4.3 V\", \"Discharge at C/20 until 3.0 V\"]",
                                    "chemistry.contact.heterogeneity=0", "solver.rtol=1e-9", "solver.atol=1e-10"};
    std::vector<std::string> three = one;
    three.push_back("mesh.populations=3");
    RunResult a = Simulation(test::load("configs/studies/study_a.yaml", one)).run(nullptr);
    RunResult b = Simulation(test::load("configs/studies/study_a.yaml", three)).run(nullptr);
    ASSERT_EQ(a.status, RunStatus::complete) << a.message;
    ASSERT_EQ(b.status, RunStatus::complete) << b.message;
    ASSERT_EQ(a.cycles.size(), 1u);
    ASSERT_EQ(b.cycles.size(), 1u);
    const CycleSummary &x = a.cycles[0], &y = b.cycles[0];
    EXPECT_NEAR(y.charge_capacity, x.charge_capacity, 1e-6 * x.charge_capacity);
    EXPECT_NEAR(y.discharge_capacity, x.discharge_capacity, 1e-6 * x.charge_capacity);
    EXPECT_NEAR(y.ledger.se_oxidation_charge, x.ledger.se_oxidation_charge, 1e-6 * x.charge_capacity);
    EXPECT_NEAR(y.ledger.cam_kinetic, x.ledger.cam_kinetic, 1e-6 * x.charge_capacity);
}

namespace {
// The mean stoichiometry of each population over the cathode at the last profile.
struct Last : test::Capture {
    std::vector<double> x;
    void on_profile(double, const CathodeP2D& m, const double* y) override {
        x.assign(m.n_populations(), 0.0);
        for (int p = 0; p < m.n_populations(); ++p)
            for (int c = 0; c < m.n_cathode(); ++c) x[p] += m.mean_stoichiometry(y, c, p) / m.n_cathode();
    }
};
}  // namespace

TEST(Populations, PoorlyContactedPopulationsRelithiateLast) {
    // Three populations of Study A (none isolated): at the end of the discharge the best
    // contacted one (population 0) holds the most lithium, the worst the least.
    Last last;
    RunResult r = Simulation(test::load("configs/studies/study_a.yaml",
                                        {"mesh.populations=3", "output.profile_interval=1 h",
                                         "protocol.steps=[\"Charge at C/50 until 4.3 V\", \"Discharge at C/50 until 2.5 V\"]"}))
                      .run(&last);
    ASSERT_EQ(r.status, RunStatus::complete) << r.message;
    EXPECT_EQ(r.cycles[0].dead_fraction, 0.0);
    ASSERT_EQ(last.x.size(), 3u);
    EXPECT_GT(last.x[0], last.x[1]);
    EXPECT_GT(last.x[1], last.x[2]);
}

TEST(Populations, WithoutCarbonOnlyTheCamNetworkShareIsWired) {
    // The percolation probability of the CAM network (Bouvard & Lange 1991): 0 at and
    // below Z psi = 1.764, 1 from 4.236, rising in between; Study D's 0.376 gives ~0.79.
    EXPECT_EQ(ContactIsolation::cam_network_share(0.25), 0.0);
    EXPECT_EQ(ContactIsolation::cam_network_share(0.8), 1.0);
    EXPECT_NEAR(ContactIsolation::cam_network_share(0.3386 / 0.9), 0.794, 0.002);
    EXPECT_LT(ContactIsolation::cam_network_share(0.35), ContactIsolation::cam_network_share(0.45));
    // Study D (no carbon), 5 populations, one charge: the unwired population never
    // delithiates (its lithium stays: x stays at the start value), the others do.
    auto charge = [](const std::vector<std::string>& extra, Last* last) {
        std::vector<std::string> set = {"mesh.populations=5", "output.profile_interval=1 h",
                                        "protocol.steps=[\"Charge at 0.12 mA/cm2 until 4.3 V\"]"};
        set.insert(set.end(), extra.begin(), extra.end());
        return Simulation(test::load("configs/studies/study_d.yaml", set)).run(last);
    };
    Last wired, off;
    RunResult r = charge({}, &wired);
    ASSERT_EQ(r.status, RunStatus::complete) << r.message;
    ASSERT_EQ(wired.x.size(), 5u);
    // round(0.794 x 5) = 4 wired at the start; the network's opening contacts unwire more
    // during the charge (network_scale, TheCarbonFreeNetworkUnwiresWithItsOpeningCamContacts).
    EXPECT_NEAR(wired.samples.front().dead_fraction, 0.2, 1e-12);
    EXPECT_GE(r.cycles[0].dead_fraction, 0.2);
    EXPECT_LT(r.lithium_balance_error, kConservationTol);
    EXPECT_GT(wired.x[4], 0.99);   // unwired: as made
    EXPECT_LT(wired.x[3], 0.7);    // wired: charged
    // Isolation off (tau_iso = 0) wires every population; a carbon network does too.
    RunResult o = charge({"chemistry.contact.isolation_threshold=0"}, &off);
    ASSERT_EQ(o.status, RunStatus::complete) << o.message;
    EXPECT_EQ(o.cycles[0].dead_fraction, 0.0);
    EXPECT_LT(off.x[4], 0.9);
    EXPECT_GT(o.cycles[0].charge_capacity, 1.15 * r.cycles[0].charge_capacity);
}

namespace {
// Per cathode cell and population: the isolated share the model reports and the closed form
// of docs/equations.md 11.5 at the cell's void factor (read back from population 0's contact
// at a constant pressure, where theta_0 = theta_0 u_0 rho_v for an expanding CAM).
struct NetworkWatch : test::Capture {
    double worst = 0.0, rho_min = 1.0;
    double z0 = 0.0, share0 = 0.0, exponent = 0.0, theta00 = 0.0;
    int wired = 0;
    void on_profile(double, const CathodeP2D& m, const double* y) override {
        const int np = m.n_populations();
        for (int c = 0; c < m.n_cathode(); ++c) {
            const double rho = m.population_contact(y, c, 0).theta / theta00;
            rho_min = std::min(rho_min, rho);
            const double w = wired * ContactIsolation::percolation(z0 * std::pow(rho, exponent)) / share0;
            for (int p = 0; p < np; ++p) {
                const double a = std::clamp(w - p, 0.0, 1.0);
                const double s = p < wired ? a * a * (3.0 - 2.0 * a) : 0.0;
                worst = std::max(worst, std::fabs(m.population_contact(y, c, p).dead - (1.0 - s)));
            }
        }
    }
};
}  // namespace

TEST(Populations, TheCarbonFreeNetworkUnwiresWithItsOpeningCamContacts) {
    // The percolation law's limits: nothing spans at Z psi = 1.764, everything from 4.236.
    EXPECT_EQ(ContactIsolation::percolation(1.764), 0.0);
    EXPECT_EQ(ContactIsolation::percolation(4.236), 1.0);
    EXPECT_NEAR(ContactIsolation::percolation(4.236 - 2.472 * std::pow(1.0 - std::pow(0.5, 2.5), 1.0 / 3.7)), 0.5,
                1e-12);
    // Study D, one charge at a constant 50 MPa (the LiCoO2 expands: no breathing gaps),
    // CAM-CAM contacts opening at network_scale = v_scale / 2: rho_cc = rho_v^2.
    const std::vector<std::string> set = {"output.profile_interval=0.5 h", "cell.stack_pressure=50 MPa",
                                          "chemistry.contact.network_scale=25 nm",
                                          "protocol.steps=[\"Charge at 0.12 mA/cm2 until 4.3 V\"]"};
    const SimulationConfig cfg = test::load("configs/studies/study_d.yaml", set);
    const CellSpec& c = cfg.cell;
    const double psi = c.eps_cam / (c.eps_cam + c.eps_se + c.eps_carbon + c.eps_binder);
    NetworkWatch watch;
    watch.z0 = 6.0 * psi;
    watch.share0 = ContactIsolation::cam_network_share(psi);
    watch.exponent = c.chemistry.void_scale / 25e-9;
    watch.theta00 = c.chemistry.contact_initial * (1.0 + c.chemistry.heterogeneity - c.chemistry.heterogeneity / 5);
    watch.wired = static_cast<int>(std::lround(watch.share0 * 5));
    ASSERT_EQ(watch.wired, 4);
    RunResult r = Simulation(cfg).run(&watch);
    ASSERT_EQ(r.status, RunStatus::complete) << r.message;
    // The voids opened contacts (rho_v < 1), and every population's switch is the closed
    // form S(W P - p), W = n_wired P_e(Z psi rho_v^2) / P_e(Z psi), at its cell's void.
    EXPECT_LT(watch.rho_min, 0.999);
    EXPECT_LT(watch.worst, 1e-9);
    // Lithium stays exact; the dead fraction only grows, from the static network's 0.2.
    EXPECT_LT(r.lithium_balance_error, kConservationTol);
    EXPECT_NEAR(watch.samples.front().dead_fraction, 0.2, 1e-12);
    EXPECT_GT(r.cycles[0].dead_fraction, 0.2 + 1e-4);
    double drop = 0.0;
    for (std::size_t i = 1; i < watch.samples.size(); ++i)
        drop = std::max(drop, watch.samples[i - 1].dead_fraction - watch.samples[i].dead_fraction);
    EXPECT_EQ(drop, 0.0);
    // The limit network_scale -> infinity is the static network: 0.2 dead, and network_scale 0 (off) alike.
    for (const char* off : {"chemistry.contact.network_scale=1 m", "chemistry.contact.network_scale=0"}) {
        std::vector<std::string> s = set;
        s.push_back(off);
        RunResult o = Simulation(test::load("configs/studies/study_d.yaml", s)).run(nullptr);
        ASSERT_EQ(o.status, RunStatus::complete) << o.message;
        EXPECT_NEAR(o.cycles[0].dead_fraction, 0.2, 1e-6) << off;
    }
}

TEST(Populations, MeshKeyIsValidated) {
    try {
        test::load("configs/studies/study_a.yaml", {"mesh.populations=9"});
        ADD_FAILURE() << "9 populations were accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("mesh.populations"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("1 to 8"), std::string::npos) << e.what();
    }
}

// A carbon-free composite below the CAM network's percolation threshold has no particle on
// the collector: a clear error naming the composition before any step, not a solver failure.
TEST(Populations, ACarbonFreeCamBelowThePercolationThresholdIsRejected) {
    SimulationConfig c = test::load("configs/studies/study_d.yaml",
                                    {"cell.cathode.composition={basis: mass, active_material: 0.45, electrolyte: 0.55}"});
    try {
        Simulation sim(c);
        sim.run();
        FAIL() << "expected an error";
    } catch (const Error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("cell.cathode.composition"), std::string::npos) << m;
        EXPECT_NE(m.find("does not percolate"), std::string::npos) << m;
    }
}
