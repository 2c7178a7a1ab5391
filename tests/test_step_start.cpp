// The start of a current step (issue #12): StepStarter starts Newton for a change of
// current it has met before from the last such change's jump (run/step_setup.cpp). The
// jump is only a start guess: the consistent state must be the one a start without it
// finds, and it must take less work.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "models/cathode_p2d.hpp"
#include "numerics/ida_integrator.hpp"
#include "run/readout.hpp"
#include "run/step_setup.hpp"
#include "test_support.hpp"

namespace ssbsim {
namespace {

struct Bench {
    // Study A with its chemistry on a coarse mesh: the case of issue #12's cycling figure.
    SimulationConfig c = test::load("configs/studies/study_a.yaml",
                                    {"mesh.cathode=4", "mesh.particle=6", "mesh.separator=2",
                                     "protocol.steps=[\"Charge at C/2 until 4.3 V\", \"Discharge at C/2 until 2.5 V\"]"});
    CathodeP2D model{c.cell, c.mesh};
    std::vector<double> y, yp;
    double t = 0.0;
    Bench() : y(model.size()), yp(model.size()) {
        model.set_temperature(c.cell.temperature);
        model.set_control(ControlMode::rest, 0.0);
        model.initial_state(c.cell.initial_stoichiometry, y.data(), yp.data());
    }
};

// Starts step st with `starter` from b.y, b.yp; returns the residual evaluations it took.
long start(Bench& b, IdaIntegrator& ida, StepStarter& starter, const Step& st) {
    const double i = apply_step_control(b.model, b.c, st, b.t);
    const long r0 = ida.stats().residual_evaluations;
    EXPECT_EQ(starter.start(st, b.t, 3600.0, i, b.y.data(), b.yp.data()), "");
    return ida.stats().residual_evaluations - r0;
}

// Runs step st for `seconds` from b.y, b.yp; leaves its end state there.
void run_for(Bench& b, IdaIntegrator& ida, StepStarter& starter, const Step& st, double seconds) {
    start(b, ida, starter, st);
    ida.set_stop_time(b.t + seconds);
    while (ida.step(b.t + seconds) != IdaIntegrator::Result::stop_time) {
    }
    b.t = ida.time();
    std::copy(ida.y(), ida.y() + b.model.size(), b.y.begin());
    std::copy(ida.yp(), ida.yp() + b.model.size(), b.yp.begin());
}

TEST(StepStart, RememberedJumpEndsAtTheConsistentStateOfAPlainStart) {
    Bench b;
    const int n = b.model.size();
    IdaIntegrator ida(b.model, b.c.solver, 0.0, b.y.data(), b.yp.data());
    StateReadout readout(b.model);
    StepStarter starter(b.model, readout, ida, b.c);
    const Step& charge = b.c.protocol.steps[0];
    const Step& discharge = b.c.protocol.steps[1];
    run_for(b, ida, starter, charge, 1200.0);
    run_for(b, ida, starter, discharge, 600.0);  // charge -> discharge is remembered
    run_for(b, ida, starter, charge, 600.0);

    // Discharge again, from the same state: by a starter that has met no change of current
    // yet, then by the one that remembers this one.
    StepStarter plain(b.model, readout, ida, b.c);
    const long plain_work = start(b, ida, plain, discharge);
    const std::vector<double> y_plain(ida.y(), ida.y() + n), yp_plain(ida.yp(), ida.yp() + n);
    const long remembered_work = start(b, ida, starter, discharge);

    std::vector<double> id(n);
    b.model.differential_ids(id.data());
    const double rtol = b.c.solver.rtol;
    int algebraic = 0;
    for (int i = 0; i < n; ++i) {
        if (id[i] != 0.0) {  // IDA keeps the differential values as given
            ASSERT_EQ(ida.y()[i], y_plain[i]) << b.model.variable_name(i);
            continue;
        }
        ++algebraic;
        // Both are Newton's answer to IDACalcIC's tolerance (a small fraction of rtol).
        EXPECT_NEAR(ida.y()[i], y_plain[i], rtol * (std::fabs(y_plain[i]) + 1.0)) << b.model.variable_name(i);
    }
    EXPECT_GT(algebraic, 0);
    EXPECT_NEAR(readout.current_density(ida.y()), readout.current_density(y_plain.data()),
                1e-6 * std::fabs(readout.current_density(y_plain.data())));
    EXPECT_NEAR(readout.potential(ida.y()), readout.potential(y_plain.data()), 1e-6);
    EXPECT_LT(remembered_work, plain_work) << "residual evaluations of the start, remembered jump / plain";
    RecordProperty("residuals_remembered", static_cast<int>(remembered_work));
    RecordProperty("residuals_plain", static_cast<int>(plain_work));
}

}  // namespace
}  // namespace ssbsim
