// The books of a run: per-step and per-cycle sums of charge and energy, the shoulder
// capacity, the loss ledger (MODEL.md section 7) and the lithium balance. This is "the
// ledger": the one place where charge minus discharge capacity is split into causes.
//
// A cycle runs from a charge to the last step before the next charge that follows a
// discharge. At every cycle start the book snapshots the ledger's cumulative charges and
// the connected CAM concentration; at the cycle end the differences give the five terms,
// which sum to the capacity gap to solver tolerance (tests/test_chemistry.cpp checks it).
#pragma once

#include <vector>

#include "params/protocol.hpp"
#include "run/checkpoint.hpp"
#include "run/readout.hpp"
#include "run/simulation.hpp"

namespace ssbsim {

class CycleBook {
public:
    // mass_basis: the CAM (or basis) loading capacities refer to [kg/m2].
    CycleBook(const StateReadout& readout, double mass_basis);

    // At the start of the run, from the initial state: lithium for the balance and the
    // first cycle's ledger snapshot.
    void start_run(const double* y);
    int cycle() const { return cycle_.cycle; }

    // Before protocol step `st` from state y: a charge after a discharge closes the running
    // cycle (then returns true; closed_cycle() holds it) and opens the next one.
    bool begin_step(const Step& st, const double* y);
    const CycleSummary& closed_cycle() const { return closed_; }

    // A step's record with its start (index, cycle, label, time t [s]); remembers the
    // charge and energy at y for the step's sums.
    StepSummary open_step(int index, const Step& st, double t, const double* y);
    double step_start_charge() const { return q_step0_; }  // [C/m2]
    // The charge step reached the shoulder potential at y (or ended below it): the charge
    // passed since the step start counts as shoulder capacity.
    void add_shoulder(const double* y);
    // Ends a step at time t [s], state y: its capacity, energy and end values, added to the
    // cycle's sums.
    void close_step(StepSummary& ss, double t, const double* y);
    // A temperature step passes no charge: only its end values.
    void close_temperature_step(StepSummary& ss, double t, const double* y) const;

    // A cycle with at least one (non-temperature) step is open.
    bool has_open_cycle() const { return any_step_; }
    // Closes the open cycle at state y: efficiencies, dead fraction, the ledger.
    CycleSummary close_cycle(const double* y) const;
    // |Li in CAM + Q_intercalation / F - initial| / initial at state y (0 without CAM Li).
    double lithium_balance_error(const double* y) const;

    // The books between two steps, for a checkpoint (run/checkpoint.hpp), and back: a run
    // restarted from them closes its cycles as the unbroken run does.
    void save(RunCheckpoint::Book& b) const;
    void restore(const RunCheckpoint::Book& b);

private:
    void snapshot_ledger(const double* y);
    void close_ledger(CycleSummary& cs, const double* y) const;

    const StateReadout& readout_;
    const double to_mAh_g_;  // C/m2 -> mAh/g
    const double to_mWh_g_;  // J/m2 -> mWh/g
    double li0_ = 0;         // lithium in the CAM at the start [mol/m2]

    // The open cycle's sums.
    CycleSummary cycle_;
    bool seen_discharge_ = false, any_step_ = false;
    CycleSummary closed_;
    // The open step's starting charge [C/m2] and energy [J/m2].
    double q_step0_ = 0, e_step0_ = 0;
    // Ledger at the cycle start: cumulative charges, connected CAM concentration per cathode
    // cell [mol/m3], and the isolated-CAM deficit against it [mol/m2].
    LedgerCharges ledger0_;
    std::vector<double> c_ref_;
    double deficit0_ = 0;
};

}  // namespace ssbsim
