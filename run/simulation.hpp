// A simulation: the resolved configuration (cell, mesh, solver, protocol, output) and the
// protocol runner that drives IDA through the steps and reports to an observer.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "models/cathode_p2d.hpp"
#include "numerics/ida_integrator.hpp"
#include "params/emit.hpp"
#include "params/load.hpp"

namespace ssbsim {

struct RunControl;

// Simulated seconds each protocol step is expected to take (for progress and ETA): the
// duration of a timed step; for a step ending at a limit an upper estimate from its
// current and the capacity window (a C/50 charge: 50 h).
std::vector<double> estimate_step_durations(const SimulationConfig& c);
// A title from the resolved values (materials, temperature, pressure), not from the
// free-text name: what summaries and plots show.
std::string run_title(const SimulationConfig& c);

// Text of the embedded default config (Study A, first cycle).
const std::string& default_config_text();

struct Sample {
    double time = 0;            // [s]
    double potential = 0;       // cathode vs Li/Li+ [V]
    double cell_voltage = 0;    // [V]
    double current = 0;         // [A], > 0 on charge
    double temperature = 0;     // [K]
    double capacity = 0;        // net charge passed since start [mAh/g CAM], > 0 charge
    double step_capacity = 0;   // net charge passed in this step [mAh/g CAM]
    double mean_stoichiometry = 0;
    double dead_fraction = 0;   // isolated CAM fraction
    double contact = 1;         // mean CAM/SE contact fraction theta_c
    double se_oxidised = 0;     // cumulative SE-oxidation charge [mAh/g]
    double film_resistance = 0; // mean interphase resistance [ohm m2]
    double stack_pressure = 0;  // actual (die-constrained) or set stack pressure [Pa]
    double cam_volume_change = 0;  // CAM volume change since the start [relative]
    double coating_exposed = 0;    // failed share of the coated area (models/coating_fracture.hpp)
    double fracture_damage = 0;        // mean particle-fracture damage [-]
    double fracture_contact_lost = 0;  // mean contact removed by it [-]
    double rock_salt_thickness = 0;   // mean rock-salt shell of the CAM surface [m]
    double rock_salt_resistance = 0;  // its Li-ion resistance [ohm m2]
    // Per site (carbon DPB, TPB, CAM DPB; MODEL.md 9): SE-oxidation currents [A/m2 of cell]
    // into reversible and irreversible products and the reduction of reversible products
    // (< 0), and their cumulative charges [mAh/g] (the ledger's).
    double se_current_reversible[3] = {0, 0, 0}, se_current_irreversible[3] = {0, 0, 0};
    double se_reduction_current[3] = {0, 0, 0};
    double se_reversible[3] = {0, 0, 0}, se_irreversible[3] = {0, 0, 0}, se_reduction[3] = {0, 0, 0};
    int step = 0, cycle = 0;
};

struct StepSummary {
    int index = 0, cycle = 0;
    std::string label, end_reason;
    double start_time = 0, end_time = 0;      // [s]
    double capacity = 0;                      // net [mAh/g], > 0 charge
    double energy = 0;                        // net [Wh/kg = mWh/g], > 0 charge
    double end_potential = 0, end_current = 0;
    double end_cell_voltage = 0;              // [V] cathode vs the counter electrode
};

struct CycleSummary {
    int cycle = 0;
    double charge_capacity = 0, discharge_capacity = 0;  // [mAh/g]
    double coulombic_efficiency = 0;                      // fraction
    double charge_energy = 0, discharge_energy = 0;      // [mWh/g]
    double energy_efficiency = 0;
    double shoulder_capacity = 0;                         // below shoulder potential on charge [mAh/g]
    // The loss ledger (MODEL.md section 7): charge minus discharge capacity split into
    // causes [mAh/g]; the five terms sum to the gap to solver tolerance.
    struct Ledger {
        double se_oxidation_reversible = 0;    // reversible SE oxidation not yet reduced
        double se_oxidation_irreversible = 0;  // irreversible SE oxidation (incl. lattice O)
        double cam_kinetic = 0;                // Li missing from connected CAM
        double cam_isolated = 0;               // Li held back by isolated CAM
        double other = 0;                      // pristine-SE reduction
        double by_site_reversible[3] = {0, 0, 0};    // carbon, TPB, CAM
        double by_site_irreversible[3] = {0, 0, 0};
        double se_oxidation_charge = 0;        // all SE oxidation during the cycle
        double se_reduction = 0;               // all SE-related reduction during the cycle
        double total() const {
            return se_oxidation_reversible + se_oxidation_irreversible + cam_kinetic + cam_isolated + other;
        }
    } ledger;
    bool has_ledger = false;
    double dead_fraction = 0;   // isolated CAM fraction at cycle end
};

// A small-signal impedance spectrum taken by an EIS step (run/impedance.hpp) at the state
// the protocol had reached: Z = dV/dI of the cathode terminal against the counter electrode.
struct Spectrum {
    int step = 0, cycle = 0;    // protocol step index (from 0) and cycle
    std::string label;
    bool galvanostatic = false;
    double amplitude = 0;       // as the step asked: [V] or [A/m2] (the spectrum is its linear limit)
    double time = 0;            // [s]
    // The state it belongs to.
    double potential = 0, cell_voltage = 0;  // [V]
    double current_density = 0;              // [A/m2]
    double temperature = 0;                  // [K]
    double mean_stoichiometry = 0, contact = 1, dead_fraction = 0;
    double film_resistance = 0;              // [ohm m2]
    std::vector<double> frequency;           // [Hz], descending
    std::vector<double> z_real, z_imag;      // per cell area [ohm m2] (z_imag < 0: capacitive)
};

// output_limit: the run stopped cleanly because it reached an output.max_* bound.
enum class RunStatus { complete, failed, interrupted, output_limit };
const char* to_string(RunStatus s);

struct RunResult {
    RunStatus status = RunStatus::complete;
    std::string message;
    std::vector<CycleSummary> cycles;
    std::vector<StepSummary> steps;
    std::vector<Spectrum> spectra;  // one per EIS step, in protocol order
    SolverStats stats;
    double final_time = 0;
    double lithium_balance_error = 0;  // relative, |Li_CAM + Q_intercalation/F - initial| / initial
};

class RunObserver {
public:
    virtual ~RunObserver() = default;
    virtual void on_start(const SimulationConfig&, const CathodeP2D&) {}
    virtual void on_sample(const Sample&) {}
    // An observer that needs only how many samples a run has (output off) answers false:
    // the sampler then calls on_sample_skipped() instead of building each Sample (the
    // observables of the whole state at every solver step: a tenth of a cycling run).
    // Asked at every sample, so the answer may change during a run.
    virtual bool wants_samples() const { return true; }
    virtual void on_sample_skipped() {}
    // The same for profiles (false: the sampler keeps the profile grid and the bounds but
    // neither interpolates the state for them nor calls on_profile).
    virtual bool wants_profiles() const { return true; }
    virtual void on_profile(double /*t*/, const CathodeP2D&, const double* /*y*/) {}
    virtual void on_step(const StepSummary&) {}
    virtual void on_cycle(const CycleSummary&) {}
    virtual void on_spectrum(const Spectrum&) {}
    virtual void on_finish(const RunResult&) {}
};

// An observer that passes every call on to the next one (nullptr: none). One that adds to
// a run (a progress display, a recorder) overrides what it adds to and calls the base.
class ForwardingObserver : public RunObserver {
public:
    explicit ForwardingObserver(RunObserver* next) : next_(next) {}
    void on_start(const SimulationConfig& c, const CathodeP2D& m) override {
        if (next_) next_->on_start(c, m);
    }
    void on_sample(const Sample& s) override {
        if (next_) next_->on_sample(s);
    }
    // A subclass may read the samples and profiles itself, so it gets them unless it says
    // otherwise (one that only passes them on, or reads them only sometimes: next_wants_*()).
    bool wants_samples() const override { return true; }
    void on_sample_skipped() override {
        if (next_) next_->on_sample_skipped();
    }
    bool wants_profiles() const override { return true; }
    void on_profile(double t, const CathodeP2D& m, const double* y) override {
        if (next_) next_->on_profile(t, m, y);
    }
    void on_step(const StepSummary& s) override {
        if (next_) next_->on_step(s);
    }
    void on_cycle(const CycleSummary& c) override {
        if (next_) next_->on_cycle(c);
    }
    void on_spectrum(const Spectrum& z) override {
        if (next_) next_->on_spectrum(z);
    }
    void on_finish(const RunResult& r) override {
        if (next_) next_->on_finish(r);
    }

protected:
    bool next_wants_samples() const { return next_ && next_->wants_samples(); }
    bool next_wants_profiles() const { return next_ && next_->wants_profiles(); }

private:
    RunObserver* next_;
};

class Simulation {
public:
    explicit Simulation(SimulationConfig config);
    // Runs the protocol. Solver failures end the run with status failed and a message
    // naming the simulated time, the step and the cause; nothing already reported is lost.
    RunResult run(RunObserver* observer = nullptr);
    // The same with a restart and/or a checkpoint (run/checkpoint.hpp; a restart is checked
    // against this simulation first: ConfigError naming the mismatch).
    RunResult run(RunObserver* observer, const RunControl& control);
    // Asks a running simulation to stop at the next solver step (signal-safe).
    void request_stop() { stop_requested_ = true; }
    const SimulationConfig& config() const { return config_; }
    CathodeP2D& model() { return model_; }

private:
    SimulationConfig config_;
    CathodeP2D model_;
    std::atomic<bool> stop_requested_{false};
};

}  // namespace ssbsim
