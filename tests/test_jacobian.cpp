// The analytic sparse Jacobian against central finite differences of the residual.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "models/cathode_p2d.hpp"
#include "test_support.hpp"

using namespace ssbsim;

namespace {
constexpr double kRelTol = 1e-6;  // STYLE.md: FD check at relative 1e-6 or better

// The integrator rebuilds a kept Jacobian at a new cj from its dF/dy and dF/dy' parts
// (JacobianAssembler::with_cj): every term in cj must come as a mass entry. The rebuilt
// matrix at another cj equals the one evaluated there, entry by entry to round-off.
void check_mass_entries(CathodeP2D& model, const std::vector<double>& y, const std::vector<double>& yp,
                        const JacobianAssembler& at_cj) {
    ASSERT_TRUE(model.jacobian_separates_mass());
    const double cj2 = 7.0 * at_cj.cj() + 3.0;
    JacobianAssembler fresh;
    fresh.begin(cj2);
    model.jacobian(0.0, cj2, y.data(), yp.data(), fresh);
    fresh.end(model.size());
    JacobianAssembler rebuilt = at_cj;
    rebuilt.with_cj(cj2);
    ASSERT_EQ(rebuilt.values().size(), fresh.values().size());
    int bad = 0;
    for (std::size_t k = 0; k < fresh.values().size(); ++k) {
        const double a = rebuilt.values()[k], b = fresh.values()[k];
        const double tol = 1e-12 * (std::fabs(at_cj.values()[k]) + std::fabs(b)) + 1e-300;
        if (!(std::fabs(a - b) <= tol) && bad++ < 5)
            ADD_FAILURE() << "entry " << k << " (row " << fresh.row_index()[k] << "): rebuilt at cj " << cj2 << " "
                          << a << ", evaluated " << b;
    }
    EXPECT_EQ(bad, 0);
}

void check_jacobian(CathodeP2D& model, const std::vector<double>& y, const std::vector<double>& yp,
                    double cj) {
    const int n = model.size();
    JacobianAssembler J;
    J.begin(cj);
    model.jacobian(0.0, cj, y.data(), yp.data(), J);
    J.end(n);
    check_mass_entries(model, y, yp, J);
    std::vector<double> dense(static_cast<size_t>(n) * n, 0.0);
    for (int c = 0; c < n; ++c)
        for (auto k = J.col_ptr()[c]; k < J.col_ptr()[c + 1]; ++k)
            dense[static_cast<size_t>(J.row_index()[k]) * n + c] = J.values()[k];
    std::vector<double> fp(n), fm(n), yy = y, ypp = yp, scale(n);
    model.absolute_tolerances(1.0, scale.data());  // natural scale of each variable
    // Central differences at two steps, h and h/4. The analytic entry must match one of
    // them within kRelTol of the row plus that difference's round-off: the large step
    // resolves entries whose rows are dominated by round-off (the film's, ~1e12), the small
    // one those of the steep switches (isolation, passivation, insertion), whose curvature
    // leaves a truncation error of ~1e-6 relative at h. A wrong entry fails both.
    constexpr int kSteps = 2;
    std::vector<double> fd[kSteps], noise[kSteps];
    for (int k = 0; k < kSteps; ++k) {
        fd[k].assign(static_cast<size_t>(n) * n, 0.0);
        noise[k].assign(static_cast<size_t>(n) * n, 0.0);
    }
    for (int c = 0; c < n; ++c) {
        for (int k = 0; k < kSteps; ++k) {
            const double h = (k == 0 ? 1e-5 : 2.5e-6) * std::max(std::fabs(y[c]), 1e-3 * scale[c]);
            yy[c] = y[c] + h;
            ASSERT_TRUE(model.residual(0, yy.data(), yp.data(), fp.data()));
            yy[c] = y[c] - h;
            ASSERT_TRUE(model.residual(0, yy.data(), yp.data(), fm.data()));
            yy[c] = y[c];
            // Round-off bound: a few ulps of the residual's terms over the step; terms are at
            // least of order 10 (volts, A/m2) even where F itself is ~0.
            for (int r = 0; r < n; ++r) {
                fd[k][static_cast<size_t>(r) * n + c] = (fp[r] - fm[r]) / (2 * h);
                noise[k][static_cast<size_t>(r) * n + c] = 8e-16 * std::max({std::fabs(fp[r]), std::fabs(fm[r]), 10.0}) / h;
            }
        }
        // + cj dF/dy', also by central differences.
        double hp = 1e-3 * std::max(std::fabs(yp[c]), 1.0);  // F is linear in y'
        ypp[c] = yp[c] + hp;
        ASSERT_TRUE(model.residual(0, y.data(), ypp.data(), fp.data()));
        ypp[c] = yp[c] - hp;
        ASSERT_TRUE(model.residual(0, y.data(), ypp.data(), fm.data()));
        ypp[c] = yp[c];
        for (int r = 0; r < n; ++r)
            for (int k = 0; k < kSteps; ++k) fd[k][static_cast<size_t>(r) * n + c] += cj * (fp[r] - fm[r]) / (2 * hp);
    }
    int bad = 0;
    for (int r = 0; r < n; ++r) {
        double row_max = 0;
        for (int c = 0; c < n; ++c) row_max = std::max(row_max, std::fabs(fd[0][static_cast<size_t>(r) * n + c]));
        for (int c = 0; c < n; ++c) {
            const size_t e = static_cast<size_t>(r) * n + c;
            const double a = dense[e];
            bool ok = false;
            for (int k = 0; k < kSteps; ++k) ok = ok || std::fabs(a - fd[k][e]) <= kRelTol * row_max + noise[k][e];
            if (!ok && bad++ < 10)
                ADD_FAILURE() << "J(" << model.variable_name(r) << ", " << model.variable_name(c)
                              << ") analytic " << a << " vs finite differences " << fd[0][e] << " (h), " << fd[1][e]
                              << " (h/4)";
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
    J.begin(1.0);
    model.jacobian(0, 1.0, y.data(), yp.data(), J);
    J.end(model.size());
    const int nnz = J.nnz();
    // Refills in other modes must emit the same sequence (end() throws otherwise).
    for (ControlMode mode : {ControlMode::voltage, ControlMode::power, ControlMode::rest}) {
        model.set_control(mode, 1.0);
        J.begin(2.0);
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

// cell.double_layer (models/double_layer.hpp): the interface potentials' rows, their
// capacitive currents on the connected area (whose contact derivatives carry D'), and the
// counter electrode's overpotential state.
TEST(Jacobian, MatchesFiniteDifferencesWithDoubleLayers) {
    SimulationConfig c = test::load("configs/studies/study_a.yaml",
        {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2", "chemistry.contact.void_scale=5 nm",
         "cell.double_layer=true"});
    CathodeP2D model(c.cell, c.mesh);
    ASSERT_TRUE(model.cam_double_layer_in_dae());
    ASSERT_TRUE(model.counter_double_layer_in_dae());
    auto y = perturbed_state(model, 0.6, 5);
    std::vector<double> yp(model.size(), 0.0);
    std::mt19937 rng(9);
    std::uniform_real_distribution<double> u(0.5, 1.5);
    for (int m = 0; m < model.n_cathode(); ++m) {
        y[model.idx_x(m, CathodeP2D::x_void)] = 9e-9 * u(rng);  // partly isolated: area depends on it
        y[model.idx_double_layer(m)] = y[model.idx_phi_s(m)] - y[model.idx_phi_e(model.n_separator() + m)] + 0.003 * u(rng);
        yp[model.idx_double_layer(m)] = 0.2 * u(rng);  // [V/s]
    }
    y[model.idx_counter_double_layer()] = 0.01 * u(rng);
    yp[model.idx_counter_double_layer()] = -0.3;
    for (ControlMode mode : {ControlMode::current, ControlMode::voltage}) {
        SCOPED_TRACE(static_cast<int>(mode));
        model.set_control(mode, mode == ControlMode::voltage ? 4.0 : 1.0);
        check_jacobian(model, y, yp, 57.0);
    }
}

// Die-constrained stack pressure (models/stack_pressure.hpp): its dense row over every
// shell and the oxidation ledger, and its column in every cell's contact.
TEST(Jacobian, MatchesFiniteDifferencesWithDieConstrainedPressure) {
    SimulationConfig c = test::load("configs/studies/study_a.yaml",
        {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2", "chemistry.contact.void_scale=5 nm",
         "chemistry.lattice_oxygen.rate_constant=1e-6 A/m2",
         "cell.stack_pressure={initial: 18 MPa, constraint: die, stiffness: 1 GPa}"});
    CathodeP2D model(c.cell, c.mesh);
    ASSERT_GE(model.idx_pressure(), 0);
    for (double x0 : {0.4, 0.85}) {
        auto y = perturbed_state(model, x0, 13);
        std::vector<double> yp(model.size(), 0.0);
        std::mt19937 rng(7);
        std::uniform_real_distribution<double> u(0.5, 1.5);
        for (int m = 0; m < model.n_cathode(); ++m) {
            for (int k = 0; k < 6; ++k) y[model.idx_x(m, k)] = 20.0 * u(rng);
            y[model.idx_x(m, CathodeP2D::x_void)] = 9e-9 * u(rng);
            yp[model.idx_x(m, CathodeP2D::x_void)] = 1e-13 * u(rng);
        }
        for (int k = 1; k < CathodeP2D::l_reduction; ++k) y[model.idx_ledger(k)] = 30.0 * u(rng);
        // Above and inside the floor's smooth part.
        for (double P : {12e6, 0.03e6}) {
            for (int m = 0; m < model.n_cathode(); ++m) {
                y[model.idx_pressure(m)] = P * (1.0 + 0.01 * m);
                y[model.pressure_law().strain_index(m)] = -0.003 * (m + 1) * u(rng);
            }
            SCOPED_TRACE("x0 " + std::to_string(x0) + " P " + std::to_string(P));
            model.set_control(ControlMode::current, 1.0);
            check_jacobian(model, y, yp, 57.0);
        }
    }
    // Near zero pressure the floor's exponential branch is taken: P0 + K eps_v = 0.05 MPa
    // (voids a v = the strain that takes it there).
    auto y = perturbed_state(model, 0.4, 3);
    // Voids that large come from CAM-side oxidation: its products are there too. (With
    // none, the isolated cells' passivation laws g = 1 / (1 + X / (a_contact Gamma)) change
    // over X ~ a_contact Gamma ~ 1e-10, far below the finite-difference step.)
    for (int m = 0; m < model.n_cathode(); ++m)
        for (int k : {CathodeP2D::x_rev + site_cam, CathodeP2D::x_irr + site_cam, int(CathodeP2D::x_oxygen)})
            y[model.idx_x(m, k)] = 20.0;
    const double s0 = model.pressure_law().strain(y.data());
    const double v = (18e6 + 1e9 * s0 - 0.05e6) / (1e9 * model.specific_area());
    ASSERT_GT(v, 0.0);
    for (int m = 0; m < model.n_cathode(); ++m) y[model.idx_x(m, CathodeP2D::x_void)] = v;
    double slope = 0.0;
    const double P = model.pressure_law().law(model.pressure_law().strain(y.data()), &slope);
    EXPECT_LT(P, 0.1e6);
    EXPECT_LT(slope, 1e9);
    model.pressure_law().initial_state(y.data());
    EXPECT_NEAR(model.stack_pressure(y.data()), P, 1e-9 * 18e6);
    std::vector<double> yp(model.size(), 0.0);
    check_jacobian(model, y, yp, 10.0);
}

namespace {
// A chemistry state with every product, the film and voids set.
std::vector<double> chemistry_state(const CathodeP2D& model, double x0, std::vector<double>& yp) {
    auto y = perturbed_state(model, x0, 5);
    yp.assign(model.size(), 0.0);
    for (int m = 0; m < model.n_cathode(); ++m) {
        for (int k = 0; k < CathodeP2D::x_film; ++k) y[model.idx_x(m, k)] = 10.0 + k;
        y[model.idx_x(m, CathodeP2D::x_film)] = 1e-9;
        y[model.idx_x(m, CathodeP2D::x_void)] = 8e-9;
        yp[model.idx_x(m, CathodeP2D::x_void)] = 1e-13;
        y[model.idx_phi_s(m)] = 4.25 + 0.01 * m;
    }
    return y;
}
}  // namespace

// Each reaction block alone (the others' rate constants zero, its own raised), so an entry
// one block gets wrong is not hidden by a larger one from another block in the same row.
TEST(Jacobian, MatchesFiniteDifferencesPerReactionBlock) {
    const std::vector<std::string> sites_off = {
        "chemistry.sites.carbon.rate_constant=0 A/m2", "chemistry.sites.tpb.rate_constant=0 A/m2",
        "chemistry.sites.cam.rate_constant=0 A/m2", "chemistry.sites.carbon.fast_rate_constant=0 A/m2",
        "chemistry.sites.tpb.fast_rate_constant=0 A/m2"};
    const std::vector<std::string> base = {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2",
                                           "chemistry.contact.void_scale=5 nm"};
    struct Case {
        const char* name;
        std::vector<std::string> set;
    };
    std::vector<Case> cases = {
        {"site oxidation", {"chemistry.pristine_reduction.rate_constant=0 A/m2", "chemistry.lattice_oxygen.rate_constant=0 A/m2"}},
        {"lattice oxygen", {"chemistry.pristine_reduction.rate_constant=0 A/m2", "chemistry.lattice_oxygen.rate_constant=1e-4 A/m2"}},
        {"pristine reduction", {"chemistry.pristine_reduction.rate_constant=1e-4 A/m2", "chemistry.lattice_oxygen.rate_constant=0 A/m2"}},
    };
    for (std::size_t i = 1; i < cases.size(); ++i)
        cases[i].set.insert(cases[i].set.end(), sites_off.begin(), sites_off.end());
    for (const Case& k : cases) {
        SCOPED_TRACE(k.name);
        std::vector<std::string> set = base;
        set.insert(set.end(), k.set.begin(), k.set.end());
        SimulationConfig c = test::load("configs/studies/study_a.yaml", set);
        CathodeP2D model(c.cell, c.mesh);
        ASSERT_TRUE(model.chemistry());
        std::vector<double> yp;
        for (double V : {1.7, 4.25}) {
            auto y = chemistry_state(model, 0.5, yp);
            for (int m = 0; m < model.n_cathode(); ++m) y[model.idx_phi_s(m)] = V + 0.01 * m;
            model.set_control(ControlMode::current, 1.0);
            // A small c_j: the chemistry rows' rate derivatives are not hidden under it.
            check_jacobian(model, y, yp, 1e-4);
        }
    }
}

// The passivation laws, the saturating product reduction and the hindered relithiation
// (charge transfer vanishing as x -> 1, insertion resistance near full lithiation), on a
// state near full lithiation with insertion currents around the smooth min's scale.
TEST(Jacobian, MatchesFiniteDifferencesWithPassivationLawsAndHinderedRelithiation) {
    for (const char* law : {"film", "coverage", "hyperbolic"}) {
        SCOPED_TRACE(law);
        std::vector<std::string> set = {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2",
                                        "materials.0.relithiation={exponent: 2.5, resistance: \"500 ohm m2\", onset: 0.965, width: 0.01}",
                                        // Smooth D_s and sigma_s: no table nodes near the state's stoichiometries.
                                        "materials.0.diffusivity.lithiation_factor=~",
                                        "materials.0.electronic_conductivity.lithiation_factor=~"};
        for (const char* s : {"carbon", "tpb", "cam"}) {
            const std::string p = std::string("chemistry.sites.") + s + ".";
            set.push_back(p + "passivation={law: " + law + ", coverage: \"2e-5 mol/m2\", reversible_weight: 0.6}");
            set.push_back(p + "reduction_saturation=1e-5 mol/m2");
            set.push_back(p + "reduction_rate_constant=1e-4 A/m2");
            set.push_back(p + "fast_irreversible_weight=0.3");
        }
        SimulationConfig c = test::load("configs/studies/study_a.yaml", set);
        CathodeP2D model(c.cell, c.mesh);
        ASSERT_TRUE(model.chemistry());
        std::vector<double> yp;
        // Near the OCV of the state (x_s ~ 0.99, U ~ 3.3 V): far from it exp(alpha f eta)
        // amplifies the rounding of eta beyond what the finite differences resolve.
        for (double V : {3.2, 3.4}) {
            auto y = chemistry_state(model, 0.94, yp);
            const double j[] = {-2e-3, -5e-5, 3e-5};  // far from j_eps: FD truncation stays small
            for (int m = 0; m < model.n_cathode(); ++m) {
                y[model.idx_phi_s(m)] = V + 0.01 * m;
                y[model.idx_j(m)] = j[m % 3];
            }
            model.set_control(ControlMode::current, 1.0);
            check_jacobian(model, y, yp, 1e-4);
        }
    }
}

// The layout reproduces the documented state order (docs/equations.md section 3) and names
// every component.
TEST(StateLayout, OrdersNodeByNodeAndNamesEveryComponent) {
    SimulationConfig c = test::load("configs/studies/study_a.yaml", {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2"});
    CathodeP2D model(c.cell, c.mesh);
    const int ns = 2, nr = 4, B = 3 + nr + model.n_chemistry_states();
    ASSERT_EQ(model.n_chemistry_states(), 10);
    ASSERT_EQ(model.n_ledger_entries(), 12);
    ASSERT_EQ(model.size(), ns + 3 * B + 3 + model.n_ledger_entries());
    EXPECT_EQ(model.idx_phi_e(1), 1);
    EXPECT_EQ(model.idx_phi_e(ns + 2), ns + 2 * B);
    EXPECT_EQ(model.idx_c(1, 3), ns + B + 3 + 3);
    EXPECT_EQ(model.idx_x(2, CathodeP2D::x_void), ns + 2 * B + 3 + nr + 9);
    EXPECT_EQ(model.idx_ledger(CathodeP2D::l_pristine), ns + 3 * B + 3 + 11);
    EXPECT_EQ(model.variable_name(1), "phi_e at separator cell 1");
    EXPECT_EQ(model.variable_name(model.idx_c(2, 3)), "c_s[shell 3] at cathode cell 2");
    EXPECT_EQ(model.variable_name(model.idx_x(0, CathodeP2D::x_void)), "void volume at cathode cell 0");
    EXPECT_EQ(model.variable_name(model.idx_x(1, CathodeP2D::x_rev + 1)), "reversible products (TPB) at cathode cell 1");
    EXPECT_EQ(model.variable_name(model.idx_current()), "current density i_app");
    EXPECT_EQ(model.variable_name(model.idx_ledger(CathodeP2D::l_ox_rev + 1)),
              "cumulative charge: SE oxidation reversible (TPB)");
    const StateLayout& L = model.layout();
    for (int i = 0; i < model.size(); ++i) {
        auto loc = L.locate(i);
        ASSERT_GE(loc.block, 0) << i;
        EXPECT_EQ(L.index(loc.block, loc.node, loc.component), i) << model.variable_name(i);
    }
    std::vector<double> id(model.size());
    model.differential_ids(id.data());
    EXPECT_EQ(id[model.idx_j(0)], 0.0);
    EXPECT_EQ(id[model.idx_c(0, 0)], 1.0);
    EXPECT_EQ(id[model.idx_x(0, CathodeP2D::x_void)], 1.0);
    EXPECT_EQ(id[model.idx_charge()], 1.0);
    const auto reported = model.reported_components();
    EXPECT_EQ(reported[model.idx_current()], 1);
    EXPECT_EQ(reported[model.idx_charge()], 0);
    EXPECT_EQ(reported[model.idx_x(0, 0)], 0);
}

// observe() and profiles() read the same state as the raw indices.
TEST(Observables, MatchTheStateAndTheAccessors) {
    SimulationConfig c = test::load("configs/studies/study_a.yaml", {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2"});
    CathodeP2D model(c.cell, c.mesh);
    std::vector<double> yp;
    auto y = chemistry_state(model, 0.6, yp);
    for (int k = 0; k < model.n_ledger_entries(); ++k) y[model.idx_ledger(k)] = 1.0 + k;
    y[model.idx_charge()] = 7.0;
    const Observables o = model.observe(y.data());
    EXPECT_EQ(o.potential, model.potential_vs_li(y.data()));
    EXPECT_EQ(o.current_density, y[model.idx_current()]);
    EXPECT_EQ(o.charge, 7.0);
    EXPECT_EQ(o.mean_stoichiometry, model.mean_stoichiometry(y.data()));
    EXPECT_EQ(o.dead_fraction, model.dead_fraction(y.data()));
    EXPECT_EQ(o.ledger.intercalation, 1.0);
    EXPECT_EQ(o.ledger.ox_irreversible[2], 1.0 + CathodeP2D::l_ox_irr + 2);
    EXPECT_EQ(o.ledger.pristine_reduction, 1.0 + CathodeP2D::l_pristine);
    EXPECT_EQ(o.se_oxidised, 11.0 + (2 + 3 + 4) + (5 + 6 + 7));
    const auto p = model.profiles(y.data());
    ASSERT_EQ(p.size(), 6u);
    EXPECT_EQ(p[0].name, "phi_e");
    EXPECT_EQ(p[0].values.size(), 5u);
    EXPECT_EQ(p[0].values[3], y[model.idx_phi_e(3)]);
    EXPECT_EQ(p[5].name, "c_s");
    EXPECT_EQ(p[5].components, 4);
    EXPECT_EQ(p[5].values[1 * 4 + 2], y[model.idx_c(1, 2)]);
    EXPECT_EQ(p[3].values[2], model.surface_stoichiometry(y.data(), 2));
}

namespace {
// perturbed_state with every population of every cell perturbed (perturbed_state sets
// population 0 only).
std::vector<double> perturbed_populations(const CathodeP2D& model, double x0, unsigned seed) {
    auto y = perturbed_state(model, x0, seed);
    std::mt19937 rng(seed + 1);
    std::uniform_real_distribution<double> u(-1, 1);
    const double cmax = model.cell().cam.c_max;
    for (int m = 0; m < model.n_cathode(); ++m)
        for (int p = 1; p < model.n_populations(); ++p) {
            y[model.idx_j(m, p)] = 0.05 * u(rng);
            for (int i = 0; i < model.n_shells(); ++i)
                y[model.idx_c(m, p, i)] = cmax * (x0 - 0.03 * p + 0.05 * (i / double(model.n_shells())) + 0.01 * u(rng));
        }
    return y;
}
}  // namespace

TEST(Jacobian, MatchesFiniteDifferencesWithThreePopulations) {
    SimulationConfig c = test::load("", {"mesh.cathode=4", "mesh.particle=5", "mesh.separator=2", "mesh.populations=3",
                                         "chemistry.enabled=false", "cell.cathode.film_resistance=2 ohm cm2"});
    CathodeP2D model(c.cell, c.mesh);
    ASSERT_EQ(model.n_populations(), 3);
    std::vector<double> yp(model.size(), 0.0);
    for (double x0 : {0.45, 0.9}) {
        auto y = perturbed_populations(model, x0, 7);
        for (ControlMode mode : {ControlMode::current, ControlMode::voltage}) {
            SCOPED_TRACE(static_cast<int>(mode));
            model.set_control(mode, mode == ControlMode::voltage ? 4.0 : 1.0);
            check_jacobian(model, y, yp, 123.0);
        }
    }
}

// Three populations with the chemistry on: cell 0 with population 2 inside its isolation
// switch, cell 1 with population 1 inside it and population 2 isolated, cell 2 connected.
TEST(Jacobian, MatchesFiniteDifferencesWithThreePopulationsAndIsolation) {
    SimulationConfig c = test::load("configs/studies/study_a.yaml",
        {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2", "mesh.populations=3",
         "chemistry.contact.void_scale=5 nm", "chemistry.lattice_oxygen.rate_constant=1e-6 A/m2",
         "chemistry.pristine_reduction.rate_constant=1e-6 A/m2"});
    CathodeP2D model(c.cell, c.mesh);
    const ChemistrySpec& ch = c.cell.chemistry;
    const double p = 1.0 / (1.0 + c.cell.stack_pressure / ch.reference_pressure);
    const double w = ch.heterogeneity, thr = ch.isolation_threshold;
    // Void volume at which population k's u_k rho is tau (1 + band / 2): inside its switch.
    auto in_switch = [&](int k) {
        const double u = 1.0 + w - w * (2.0 * k + 1.0) / 3.0;
        return -std::log(thr * (1.0 + 0.5 * ContactIsolation::kIsolationBand) / u) * ch.void_scale / p;
    };
    for (double x0 : {0.4, 0.85}) {
        auto y = perturbed_populations(model, x0, 11);
        std::vector<double> yp(model.size(), 0.0);
        for (int m = 0; m < model.n_cathode(); ++m) {
            for (int k = 0; k < CathodeP2D::x_film; ++k) y[model.idx_x(m, k)] = 10.0 + 2 * k + m;
            // No film: a film makes the j rows' film derivative ~1e16 at these currents,
            // beyond what central differences resolve to 1e-6 (the film's entries are
            // checked per reaction block above).
            y[model.idx_x(m, CathodeP2D::x_film)] = 0.0;
        }
        y[model.idx_x(0, CathodeP2D::x_void)] = in_switch(2);
        y[model.idx_x(1, CathodeP2D::x_void)] = in_switch(1);
        y[model.idx_x(2, CathodeP2D::x_void)] = 0.2 * in_switch(2);
        EXPECT_GT(model.population_contact(y.data(), 0, 2).dead, 0.1);
        EXPECT_LT(model.population_contact(y.data(), 0, 2).dead, 0.9);
        EXPECT_EQ(model.population_contact(y.data(), 1, 2).dead, 1.0);
        EXPECT_EQ(model.population_contact(y.data(), 2, 2).dead, 0.0);
        // Near the OCV: far from it (2.2 V at x = 0.4) the j rows' film derivatives reach
        // 1e17 and central differences lose them in round-off.
        for (double V : {3.9, 4.3}) {
            for (int m = 0; m < model.n_cathode(); ++m) y[model.idx_phi_s(m)] = V + 0.01 * m;
            for (ControlMode mode : {ControlMode::current, ControlMode::voltage}) {
                SCOPED_TRACE("x0 " + std::to_string(x0) + " V " + std::to_string(V));
                model.set_control(mode, mode == ControlMode::voltage ? 4.0 : 1.0);
                check_jacobian(model, y, yp, 57.0);
            }
        }
    }
}

// A carbon-free cell (Study D) whose CAM network opens with the voids: cell 0 with the
// poorest wired population (3) halfway through its electronic switch, cell 1 with it
// unwired and population 2 in its switch, cell 2 just past t = 0's network (equations.md 11.5).
TEST(Jacobian, MatchesFiniteDifferencesWithTheCarbonFreeNetworkOpening) {
    SimulationConfig c = test::load("configs/studies/study_d.yaml",
        {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2", "mesh.populations=5",
         "cell.stack_pressure=50 MPa", "chemistry.contact.network_scale=25 nm"});
    CathodeP2D model(c.cell, c.mesh);
    const ChemistrySpec& ch = c.cell.chemistry;
    const CellSpec& cell = c.cell;
    const double p = 1.0 / (1.0 + cell.stack_pressure / ch.reference_pressure);
    const double psi = cell.eps_cam / (cell.eps_cam + cell.eps_se + cell.eps_carbon + cell.eps_binder);
    const double share0 = ContactIsolation::cam_network_share(psi);
    // The void volume at which W P - k = 1/2 (population k halfway), by bisection on rho_cc.
    auto in_switch = [&](int k) {
        const double target = (k + 0.5) / 4.0 * share0;  // 4 of the 5 populations wired at t = 0
        double lo = 0.0, hi = 1.0;
        for (int i = 0; i < 200; ++i) {
            const double mid = 0.5 * (lo + hi);
            (ContactIsolation::percolation(6.0 * psi * mid) < target ? lo : hi) = mid;
        }
        const double rho_v = std::pow(0.5 * (lo + hi), 25e-9 / ch.void_scale);
        return -std::log(rho_v) * ch.void_scale / p;
    };
    for (double x0 : {0.6, 0.8}) {  // at 0.95 the j rows' film entries (~1e27) exceed what differences resolve
        auto y = perturbed_populations(model, x0, 13);
        std::vector<double> yp(model.size(), 0.0);
        for (int m = 0; m < model.n_cathode(); ++m) {
            for (int k = 0; k < CathodeP2D::x_film; ++k) y[model.idx_x(m, k)] = 10.0 + 2 * k + m;
            y[model.idx_x(m, CathodeP2D::x_film)] = 0.0;  // as in the tests above
        }
        y[model.idx_x(0, CathodeP2D::x_void)] = in_switch(3);
        y[model.idx_x(1, CathodeP2D::x_void)] = in_switch(2);
        y[model.idx_x(2, CathodeP2D::x_void)] = 0.02 * in_switch(3);
        EXPECT_NEAR(model.population_contact(y.data(), 0, 3).dead, 0.5, 1e-6);
        EXPECT_EQ(model.population_contact(y.data(), 1, 3).dead, 1.0);
        EXPECT_NEAR(model.population_contact(y.data(), 1, 2).dead, 0.5, 1e-6);
        EXPECT_LT(model.population_contact(y.data(), 2, 3).dead, 0.05);
        EXPECT_EQ(model.population_contact(y.data(), 2, 4).dead, 1.0);  // unwired from t = 0
        for (double V : {3.9, 4.2}) {
            for (int m = 0; m < model.n_cathode(); ++m) y[model.idx_phi_s(m)] = V + 0.01 * m;
            for (ControlMode mode : {ControlMode::current, ControlMode::voltage}) {
                SCOPED_TRACE("x0 " + std::to_string(x0) + " V " + std::to_string(V));
                model.set_control(mode, mode == ControlMode::voltage ? 4.0 : 1.0);
                check_jacobian(model, y, yp, 57.0);
            }
        }
    }
}

// Die-constrained pressure with three populations: each population's contact reads its
// cell's pressure copy (one more slot after the populations'), the isolation switch the
// set pressure. Cell 0 has population 2 inside its switch, cell 1 population 1.
TEST(Jacobian, MatchesFiniteDifferencesWithThreePopulationsAndDieConstrainedPressure) {
    SimulationConfig c = test::load("configs/studies/study_a.yaml",
        {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2", "mesh.populations=3",
         "chemistry.contact.void_scale=5 nm", "chemistry.lattice_oxygen.rate_constant=1e-6 A/m2",
         "cell.stack_pressure={initial: 18 MPa, constraint: die, stiffness: 1 GPa}"});
    CathodeP2D model(c.cell, c.mesh);
    ASSERT_EQ(model.n_populations(), 3);
    ASSERT_GE(model.idx_pressure(), 0);
    const ChemistrySpec& ch = c.cell.chemistry;
    const double p = 1.0 / (1.0 + c.cell.stack_pressure / ch.reference_pressure);  // the set pressure's
    const double w = ch.heterogeneity, thr = ch.isolation_threshold;
    auto in_switch = [&](int k) {
        const double u = 1.0 + w - w * (2.0 * k + 1.0) / 3.0;
        return -std::log(thr * (1.0 + 0.5 * ContactIsolation::kIsolationBand) / u) * ch.void_scale / p;
    };
    for (double x0 : {0.4, 0.85}) {
        auto y = perturbed_populations(model, x0, 11);
        std::vector<double> yp(model.size(), 0.0);
        for (int m = 0; m < model.n_cathode(); ++m) {
            for (int k = 0; k < CathodeP2D::x_film; ++k) y[model.idx_x(m, k)] = 10.0 + 2 * k + m;
            y[model.idx_x(m, CathodeP2D::x_film)] = 0.0;  // as in the test above
            y[model.idx_pressure(m)] = 12e6 * (1.0 + 0.01 * m);
            y[model.pressure_law().strain_index(m)] = -0.002 * (m + 1);
        }
        y[model.idx_x(0, CathodeP2D::x_void)] = in_switch(2);
        y[model.idx_x(1, CathodeP2D::x_void)] = in_switch(1);
        y[model.idx_x(2, CathodeP2D::x_void)] = 0.2 * in_switch(2);
        // Isolation follows the set pressure, whatever the actual one; the contact the actual.
        const auto at12 = model.population_contact(y.data(), 0, 2);
        EXPECT_GT(at12.dead, 0.1);
        EXPECT_LT(at12.dead, 0.9);
        EXPECT_EQ(model.population_contact(y.data(), 1, 2).dead, 1.0);
        y[model.idx_pressure(0)] = 30e6;
        const auto at30 = model.population_contact(y.data(), 0, 2);
        EXPECT_EQ(at30.dead, at12.dead);
        EXPECT_GT(at30.theta, at12.theta);  // more pressure closes more of the voids
        // The model reads it too: the outer shells' flux theta_p s_p j_p / F in cell 0 only.
        std::vector<double> f30(model.size()), f12(model.size());
        model.set_control(ControlMode::current, 1.0);
        ASSERT_TRUE(model.residual(0, y.data(), yp.data(), f30.data()));
        y[model.idx_pressure(0)] = 12e6;
        ASSERT_TRUE(model.residual(0, y.data(), yp.data(), f12.data()));
        const int nr = model.n_shells();
        EXPECT_NE(f30[model.idx_c(0, 0, nr - 1)], f12[model.idx_c(0, 0, nr - 1)]);
        EXPECT_EQ(f30[model.idx_c(2, 0, nr - 1)], f12[model.idx_c(2, 0, nr - 1)]);
        for (double V : {3.9, 4.3}) {
            for (int m = 0; m < model.n_cathode(); ++m) y[model.idx_phi_s(m)] = V + 0.01 * m;
            SCOPED_TRACE("x0 " + std::to_string(x0) + " V " + std::to_string(V));
            model.set_control(ControlMode::current, 1.0);
            check_jacobian(model, y, yp, 57.0);
        }
    }
}

// Populations sit inside their cell, after j and before the chemistry, and are named.
// cell.double_layer with the chemistry: the grown film's potential per population and cell
// (its row v + tau v' - R_g (j + C_dl (D' - v')), the kinetics reading dphi - v, the double
// layer's current area_p C_dl (D' - v_p') in the charge balances), three populations, a
// grown film, partial isolation and the insertion drop of the hindered relithiation.
TEST(Jacobian, MatchesFiniteDifferencesWithTheFilmPotentials) {
    SimulationConfig c = test::load("configs/studies/study_a.yaml",
        {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2", "mesh.populations=3",
         "chemistry.contact.void_scale=5 nm", "cell.double_layer=true", "cell.cathode.film_resistance=1 ohm cm2"});
    CathodeP2D model(c.cell, c.mesh);
    ASSERT_TRUE(model.film_capacitance_in_dae());
    ASSERT_EQ(model.n_populations(), 3);
    for (double x0 : {0.45, 0.9}) {
        auto y = perturbed_populations(model, x0, 13);
        std::vector<double> yp(model.size(), 0.0);
        std::mt19937 rng(21);
        std::uniform_real_distribution<double> u(0.5, 1.5);
        for (int m = 0; m < model.n_cathode(); ++m) {
            y[model.idx_x(m, CathodeP2D::x_film)] = 3e-9 * u(rng);  // R_g ~ 3e-3 ohm m2
            y[model.idx_x(m, CathodeP2D::x_void)] = 9e-9 * u(rng);
            y[model.idx_double_layer(m)] = y[model.idx_phi_s(m)] - y[model.idx_phi_e(model.n_separator() + m)];
            yp[model.idx_double_layer(m)] = 0.2 * u(rng);  // [V/s]
            for (int p = 0; p < model.n_populations(); ++p) {
                y[model.idx_film_potential(m, p)] = 0.002 * (u(rng) - 1.0);  // [V]
                yp[model.idx_film_potential(m, p)] = 0.5 * (u(rng) - 1.0);   // [V/s]
            }
        }
        for (ControlMode mode : {ControlMode::current, ControlMode::voltage}) {
            SCOPED_TRACE("x0 " + std::to_string(x0) + " mode " + std::to_string(static_cast<int>(mode)));
            model.set_control(mode, mode == ControlMode::voltage ? 4.0 : 1.0);
            check_jacobian(model, y, yp, 57.0);
        }
    }
}

TEST(StateLayout, OrdersPopulationsWithinTheirCell) {
    SimulationConfig c = test::load("configs/studies/study_a.yaml",
                                    {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2", "mesh.populations=3"});
    CathodeP2D model(c.cell, c.mesh);
    const int ns = 2, nr = 4, np = 3, B = 2 + np + np * nr + model.n_chemistry_states();
    ASSERT_EQ(model.size(), ns + 3 * B + 3 + model.n_ledger_entries());
    EXPECT_EQ(model.idx_j(1, 2), ns + B + 2 + 2);
    EXPECT_EQ(model.idx_c(1, 2, 3), ns + B + 2 + np + 2 * nr + 3);
    EXPECT_EQ(model.idx_x(2, CathodeP2D::x_void), ns + 2 * B + 2 + np + np * nr + 9);
    EXPECT_EQ(model.variable_name(model.idx_c(2, 1, 3)), "c_s[pop 1, shell 3] at cathode cell 2");
    EXPECT_EQ(model.variable_name(model.idx_j(0, 2)), "intercalation current j[pop 2] at cathode cell 0");
    const StateLayout& L = model.layout();
    for (int i = 0; i < model.size(); ++i) {
        auto loc = L.locate(i);
        ASSERT_GE(loc.block, 0) << i;
        EXPECT_EQ(L.index(loc.block, loc.node, loc.component), i) << model.variable_name(i);
    }
    const auto p = model.profiles(nullptr);
    ASSERT_EQ(p.size(), 8u);
    EXPECT_EQ(p[6].name, "population_stoichiometry");
    EXPECT_EQ(p[6].components, np);
    EXPECT_EQ(p[7].name, "population_contact");
}

// A fracturing coating (models/coating_fracture.hpp): Study C's 1.38 wt% LiNbO3 on LiNiO2
// delithiated beyond the layer's critical strain, with a failed share s = 0.05 below its
// equilibrium: the fracture state's rate (outer shells, s) and the re-opened CAM-side SE
// oxidation (s) in the Jacobian.
TEST(Jacobian, MatchesFiniteDifferencesWithCoatingFracture) {
    SimulationConfig c = test::load("configs/studies/study_c.yaml",
        {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2", "mesh.populations=1"});
    CathodeP2D model(c.cell, c.mesh);
    ASSERT_TRUE(model.chemistry());
    // s follows the interphase's states; LiNiO2's particle-fracture damage and rock-salt shell
    // (one population each) follow s.
    ASSERT_EQ(model.n_chemistry_states(), CathodeP2D::x_void + 4);
    std::vector<double> yp;
    auto y = chemistry_state(model, 0.05, yp);
    for (int m = 0; m < model.n_cathode(); ++m) y[model.idx_x(m, CathodeP2D::x_void + 1)] = 0.05 + 0.01 * m;
    model.set_control(ControlMode::current, 1.0);
    check_jacobian(model, y, yp, 1e-4);
}

// Particle fracture (models/particle_fracture.hpp) on Study C's LiNiO2, two populations: the
// damage rows (strain above the threshold, delithiating and lithiating populations) and the
// damage's entries in the contact, isolation and kinetics rows.
TEST(Jacobian, MatchesFiniteDifferencesWithParticleFracture) {
    SimulationConfig c = test::load("configs/studies/study_c.yaml",
        {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2", "mesh.populations=2",
         "cell.cathode.coating.mass_fraction=0.0076"});  // below h_c: no coating-fracture state
    ASSERT_TRUE(c.cell.cam.fracture.on());
    CathodeP2D model(c.cell, c.mesh);
    const int d = CathodeP2D::x_void + 1;  // the damage follows the interphase's states
    for (double x0 : {0.15, 0.6}) {
        auto y = perturbed_populations(model, x0, 5);
        std::vector<double> yp(model.size(), 0.0);
        for (int m = 0; m < model.n_cathode(); ++m) {
            y[model.idx_x(m, CathodeP2D::x_film)] = 0.0;  // as in ...AndIsolation above
            for (int p = 0; p < model.n_populations(); ++p) y[model.idx_x(m, d + p)] = 0.1 + 0.1 * p + 0.05 * m;
        }
        for (ControlMode mode : {ControlMode::current, ControlMode::voltage}) {
            SCOPED_TRACE("x0 " + std::to_string(x0));
            model.set_control(mode, mode == ControlMode::voltage ? 4.2 : 1.0);
            check_jacobian(model, y, yp, 57.0);
        }
    }
}

// The rock-salt shell (models/surface_reconstruction.hpp): its growth rows read the outer
// shells and its own thickness; the kinetics read it through delta / sigma_rs. Near the
// gate's onset (x ~ 0.2) so its derivative is not negligible.
TEST(Jacobian, MatchesFiniteDifferencesWithSurfaceReconstruction) {
    for (const char* pops : {"mesh.populations=1", "mesh.populations=2"}) {
        SimulationConfig c = test::load("configs/studies/study_b.yaml",
                                        {"mesh.cathode=3", "mesh.particle=4", "mesh.separator=2", pops});
        ASSERT_TRUE(c.cell.cam.surface_reconstruction.on());
        CathodeP2D model(c.cell, c.mesh);
        const int k = model.n_chemistry_states() - model.n_populations();  // the shells: last
        std::vector<double> yp(model.size(), 0.0);
        for (double x0 : {0.18, 0.22}) {
            auto y = perturbed_state(model, x0, 5);
            for (int m = 0; m < model.n_cathode(); ++m)
                for (int p = 0; p < model.n_populations(); ++p) y[model.idx_x(m, k + p)] = (2.0 + m + p) * 1e-9;
            model.set_control(ControlMode::current, 1.0);
            SCOPED_TRACE(std::string(pops) + " x0 " + std::to_string(x0));
            check_jacobian(model, y, yp, 31.0);
        }
    }
}
