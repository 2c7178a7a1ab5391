// The protocol runner: drives IDA through the protocol's steps and reports to an observer.
// The pieces, each in its own file of run/:
//   runner      the step loop: per step set up, integrate solver step by solver step,
//               restart after a convergence failure, end the run with a message naming
//               the simulated time, the step, the cycle and the cause;
//   step_setup  a step's control, its events (limits, shoulder) and consistent initial
//               conditions with their fallback;
//   cycle_book  step and cycle sums, the loss ledger, the lithium balance;
//   sampler     when samples and profiles go to the observer, and the output bounds;
//   readout     every read of the model's state vector.
#pragma once

#include <atomic>

#include "models/cathode_p2d.hpp"
#include "run/checkpoint.hpp"
#include "run/simulation.hpp"

namespace ssbsim {

// Runs config.protocol on `model` from its initial state (cell.initial_stoichiometry at
// rest). Solver failures, output bounds and `stop` (checked at every solver step) end the
// run with the matching status and a message; nothing already reported is lost.
RunResult run_protocol(const SimulationConfig& config, CathodeP2D& model, const std::atomic<bool>& stop,
                       RunObserver* observer);
// The same with a restart from a checkpoint and/or a checkpoint taken on the way
// (run/checkpoint.hpp). A restarted run reports the checkpoint's records first, so its
// observer sees the whole run.
RunResult run_protocol(const SimulationConfig& config, CathodeP2D& model, const std::atomic<bool>& stop,
                       RunObserver* observer, const RunControl& control);

}  // namespace ssbsim
