#include "run/cycle_book.hpp"

#include <cmath>

#include "core/constants.hpp"

namespace ssbsim {

CycleBook::CycleBook(const StateReadout& readout, double mass_basis)
    : readout_(readout), to_mAh_g_(1.0 / (mass_basis * 3600.0)), to_mWh_g_(1.0 / (mass_basis * 3600.0)) {
    cycle_.cycle = 1;
}

void CycleBook::start_run(const double* y) {
    li0_ = readout_.lithium_in_solid(y);
    snapshot_ledger(y);
}

bool CycleBook::begin_step(const Step& st, const double* y) {
    bool closed = false;
    if (st.direction > 0 && seen_discharge_) {
        closed_ = close_cycle(y);
        snapshot_ledger(y);
        const int next = cycle_.cycle + 1;
        cycle_ = CycleSummary();
        cycle_.cycle = next;
        seen_discharge_ = any_step_ = false;
        closed = true;
    }
    if (st.direction < 0) seen_discharge_ = true;
    return closed;
}

StepSummary CycleBook::open_step(int index, const Step& st, double t, const double* y) {
    StepSummary ss;
    ss.index = index;
    ss.cycle = cycle_.cycle;
    ss.label = st.label;
    ss.start_time = t;
    q_step0_ = readout_.charge(y);
    e_step0_ = readout_.energy(y);
    return ss;
}

void CycleBook::add_shoulder(const double* y) {
    cycle_.shoulder_capacity += (readout_.charge(y) - q_step0_) * to_mAh_g_;
}

void CycleBook::close_step(StepSummary& ss, double t, const double* y) {
    ss.end_time = t;
    ss.capacity = (readout_.charge(y) - q_step0_) * to_mAh_g_;
    ss.energy = (readout_.energy(y) - e_step0_) * to_mWh_g_;
    ss.end_potential = readout_.potential(y);
    ss.end_cell_voltage = readout_.cell_voltage(y);
    ss.end_current = readout_.current(y);
    any_step_ = true;
    if (ss.capacity > 0) cycle_.charge_capacity += ss.capacity; else cycle_.discharge_capacity -= ss.capacity;
    if (ss.energy > 0) cycle_.charge_energy += ss.energy; else cycle_.discharge_energy -= ss.energy;
}

void CycleBook::close_temperature_step(StepSummary& ss, double t, const double* y) const {
    ss.end_time = t;
    ss.end_reason = "temperature set";
    ss.end_potential = readout_.potential(y);
    ss.end_cell_voltage = readout_.cell_voltage(y);
}

CycleSummary CycleBook::close_cycle(const double* y) const {
    CycleSummary cs = cycle_;
    cs.coulombic_efficiency = cs.charge_capacity > 0 ? cs.discharge_capacity / cs.charge_capacity : 0.0;
    cs.energy_efficiency = cs.charge_energy > 0 ? cs.discharge_energy / cs.charge_energy : 0.0;
    close_ledger(cs, y);
    return cs;
}

void CycleBook::snapshot_ledger(const double* y) {
    if (!readout_.chemistry()) return;
    ledger0_ = readout_.ledger(y);
    c_ref_ = readout_.population_concentrations(y);
}

// The five terms of MODEL.md section 7 from the ledger's growth over the cycle [mAh/g].
void CycleBook::close_ledger(CycleSummary& cs, const double* y) const {
    cs.dead_fraction = readout_.dead_fraction(y);
    if (!readout_.chemistry()) return;
    const LedgerCharges now = readout_.ledger(y);
    const LedgerCharges& q0 = ledger0_;
    auto d = [&](double q, double start) { return (q - start) * to_mAh_g_; };
    auto& L = cs.ledger;
    cs.has_ledger = true;
    for (int s = 0; s < 3; ++s) {  // carbon, TPB, CAM
        L.by_site_reversible[s] =
            d(now.ox_reversible[s], q0.ox_reversible[s]) + d(now.reduction[s], q0.reduction[s]);
        L.by_site_irreversible[s] = d(now.ox_irreversible[s], q0.ox_irreversible[s]);
        L.se_oxidation_reversible += L.by_site_reversible[s];
        L.se_oxidation_irreversible += L.by_site_irreversible[s];
        L.se_oxidation_charge +=
            d(now.ox_reversible[s], q0.ox_reversible[s]) + d(now.ox_irreversible[s], q0.ox_irreversible[s]);
        L.se_reduction -= d(now.reduction[s], q0.reduction[s]);
    }
    // Lattice-oxygen-driven oxidation is irreversible and sits at the CAM surface.
    const double oxygen = d(now.lattice_oxygen, q0.lattice_oxygen);
    L.by_site_irreversible[2] += oxygen;
    L.se_oxidation_irreversible += oxygen;
    L.se_oxidation_charge += oxygen;
    L.other = d(now.pristine_reduction, q0.pristine_reduction);
    L.se_reduction -= L.other;
    // Lithium missing from the isolated populations against the cycle's start (those
    // isolated before it hold what they held then); the rest of the intercalation gap is
    // kinetic: lithium missing from the connected ones.
    L.cam_isolated = readout_.isolated_deficit(y, c_ref_) * constants::F * to_mAh_g_;
    L.cam_kinetic = d(now.intercalation, q0.intercalation) - L.cam_isolated;
}

double CycleBook::lithium_balance_error(const double* y) const {
    const double li = readout_.lithium_in_solid(y) + readout_.intercalation_charge(y) / constants::F;
    return li0_ > 0 ? std::fabs(li - li0_) / li0_ : 0.0;
}

void CycleBook::save(RunCheckpoint::Book& b) const {
    b.li0 = li0_;
    b.open_cycle = cycle_;
    b.seen_discharge = seen_discharge_;
    b.any_step = any_step_;
    b.ledger0 = ledger0_;
    b.c_ref = c_ref_;
}

void CycleBook::restore(const RunCheckpoint::Book& b) {
    li0_ = b.li0;
    cycle_ = b.open_cycle;
    seen_discharge_ = b.seen_discharge;
    any_step_ = b.any_step;
    ledger0_ = b.ledger0;
    c_ref_ = b.c_ref;
}

}  // namespace ssbsim
