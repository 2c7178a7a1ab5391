#include "io/schema.hpp"

#include "io/result_reader.hpp"

namespace ssbsim::schema {

namespace {
constexpr Type F = Type::float64, I = Type::int64, S = Type::string;
constexpr Presence always = Presence::always, optional = Presence::optional, ledger_only = Presence::ledger,
                   added = Presence::added;
constexpr JsonPlace rec = JsonPlace::record, led = JsonPlace::ledger, site = JsonPlace::by_site;
using L = CycleSummary::Ledger;
}  // namespace

const std::vector<Field<Sample>>& sample_fields() {
    using R = Sample;
    // Samples are not in `info --json` (a run has millions); the json column stays empty.
    static const std::vector<Field<R>> f = {
        {"time", F, 0, "s", "simulated time", always, number<&R::time>(), nullptr, rec, nullptr, nullptr},
        {"potential", F, 0, "V", "cathode potential vs Li/Li+", always, number<&R::potential>(), nullptr, rec,
         nullptr, nullptr},
        {"cell_voltage", F, 0, "V", "cell voltage (cathode vs counter electrode)", always,
         number<&R::cell_voltage>(), nullptr, rec, nullptr, nullptr},
        {"current", F, 0, "A", "cell current, positive on charge", always, number<&R::current>(), nullptr, rec,
         nullptr, nullptr},
        {"temperature", F, 0, "K", "cell temperature", always, number<&R::temperature>(), nullptr, rec, nullptr,
         nullptr},
        {"capacity", F, 0, "mA*h/g",
         "net charge since t = 0 per gram of the capacity basis (CAM), positive on charge", always,
         number<&R::capacity>(), nullptr, rec, nullptr, nullptr},
        {"capacity_abs", F, 0, "mA*h",
         "net charge since t = 0, positive on charge (capacity x capacity_basis_mass_kg)", optional,
         absolute<&R::capacity>(nullptr), nullptr, rec, nullptr, nullptr},
        {"step_capacity", F, 0, "mA*h/g", "net charge since the step start per gram of the capacity basis (CAM)",
         always, number<&R::step_capacity>(), nullptr, rec, nullptr, nullptr},
        {"mean_stoichiometry", F, 0, "1", "mean stoichiometry of connected CAM", always,
         number<&R::mean_stoichiometry>(), nullptr, rec, nullptr, nullptr},
        {"dead_fraction", F, 0, "1", "isolated CAM fraction", always, number<&R::dead_fraction>(), nullptr, rec,
         nullptr, nullptr},
        {"contact_fraction", F, 0, "1", "mean CAM/SE contact theta_c", always, number<&R::contact>(), nullptr, rec,
         nullptr, nullptr},
        {"se_oxidised", F, 0, "mA*h/g", "cumulative SE-oxidation charge", always, number<&R::se_oxidised>(),
         nullptr, rec, nullptr, nullptr},
        {"film_resistance", F, 0, "ohm*m^2", "mean interphase resistance", always, number<&R::film_resistance>(),
         nullptr, rec, nullptr, nullptr},
        {"step", I, 0, "", "0-based protocol step index", always, number<&R::step>(), nullptr, rec, nullptr, nullptr},
        {"cycle", I, 0, "", "1-based cycle number", always, number<&R::cycle>(), nullptr, rec, nullptr, nullptr},
        // MODEL.md section 9 (zeros without the chemistry; the pressure is the set one
        // unless the cell is die-constrained).
        {"stack_pressure", F, 0, "Pa", "stack pressure (die-constrained: the actual one)", added,
         number<&R::stack_pressure>(), nullptr, rec, nullptr, nullptr},
        {"cam_volume_change", F, 0, "1", "CAM volume change since the start, cathode mean (relative)", added,
         number<&R::cam_volume_change>(), nullptr, rec, nullptr, nullptr},
        {"coating_exposed", F, 0, "1",
         "failed (re-exposed) share of the coated CAM area, cathode mean (0 without coating fracture)", added,
         number<&R::coating_exposed>(), nullptr, rec, nullptr, nullptr},
        {"rock_salt_thickness", F, 0, "m", "mean rock-salt surface shell of the CAM (surface reconstruction)", added,
         number<&R::rock_salt_thickness>(), nullptr, rec, nullptr, nullptr},
        {"rock_salt_resistance", F, 0, "ohm*m^2", "mean Li-ion resistance of the rock-salt shell", added,
         number<&R::rock_salt_resistance>(), nullptr, rec, nullptr, nullptr},
        {"se_current_reversible", F, kSites, "A/m^2",
         "SE oxidation into reversible products per cell area; columns carbon, tpb, cam", added,
         row<&R::se_current_reversible>(), nullptr, rec, nullptr, nullptr},
        {"se_current_irreversible", F, kSites, "A/m^2",
         "SE oxidation into irreversible products per cell area; columns carbon, tpb, cam (with lattice oxygen)", added,
         row<&R::se_current_irreversible>(), nullptr, rec, nullptr, nullptr},
        {"se_reduction_current", F, kSites, "A/m^2",
         "reduction of reversible products per cell area (negative); columns carbon, tpb, cam", added,
         row<&R::se_reduction_current>(), nullptr, rec, nullptr, nullptr},
        {"se_oxidised_reversible", F, kSites, "mA*h/g",
         "cumulative SE oxidation into reversible products; columns carbon, tpb, cam", added,
         row<&R::se_reversible>(), nullptr, rec, nullptr, nullptr},
        {"se_oxidised_irreversible", F, kSites, "mA*h/g",
         "cumulative SE oxidation into irreversible products; columns carbon, tpb, cam (with lattice oxygen)", added,
         row<&R::se_irreversible>(), nullptr, rec, nullptr, nullptr},
        {"se_reduced", F, kSites, "mA*h/g",
         "cumulative reduction of reversible products (negative); columns carbon, tpb, cam", added,
         row<&R::se_reduction>(), nullptr, rec, nullptr, nullptr},
        // Particle fracture (docs/equations.md 11.10); zeros with it off.
        {"fracture_damage", F, 0, "1", "particle-fracture damage D, cathode mean (zeros with fracture off)", added,
         number<&R::fracture_damage>(), nullptr, rec, nullptr, nullptr},
        {"fracture_contact_lost", F, 0, "1", "CAM/SE contact removed by particle fracture, cathode mean", added,
         number<&R::fracture_contact_lost>(), nullptr, rec, nullptr, nullptr},
    };
    return f;
}

const std::vector<Field<StepSummary>>& step_fields() {
    using R = StepSummary;
    static const std::vector<Field<R>> f = {
        {"index", I, 0, "", "0-based protocol step index", always, number<&R::index>(), "index", rec, nullptr,
         nullptr},
        {"cycle", I, 0, "", "1-based cycle number", always, number<&R::cycle>(), "cycle", rec, nullptr, nullptr},
        {"label", S, 0, "", "the step as written", always, text<&R::label>(), "label", rec, nullptr, nullptr},
        {"start_time", F, 0, "s", "", always, number<&R::start_time>(), "start_time_s", rec, nullptr, nullptr},
        {"end_time", F, 0, "s", "", always, number<&R::end_time>(), "end_time_s", rec, nullptr, nullptr},
        {"capacity", F, 0, "mA*h/g", "net charge of the step per gram CAM, positive on charge", always,
         number<&R::capacity>(), "capacity_mAh_g", rec, nullptr, nullptr},
        {"capacity_abs", F, 0, "mA*h", "net charge of the step, positive on charge", optional,
         absolute<&R::capacity>(&ResultSummary::step_capacity_mAh), "capacity_mAh", rec, nullptr, nullptr},
        {"energy", F, 0, "mW*h/g", "net energy per gram CAM (cell voltage x current), positive on charge", always,
         number<&R::energy>(), "energy_mWh_g", rec, nullptr, nullptr},
        {"end_potential", F, 0, "V", "cathode potential vs Li/Li+ at the step end", always,
         number<&R::end_potential>(), "end_potential_V", rec, nullptr, nullptr},
        {"end_current", F, 0, "A", "current at the step end, positive on charge", always, number<&R::end_current>(),
         "end_current_A", rec, nullptr, nullptr},
        {"end_cell_voltage", F, 0, "V", "cell voltage (cathode vs counter electrode) at the step end", added,
         number<&R::end_cell_voltage>(), "end_cell_voltage_V", rec, nullptr, nullptr},
        {"end_reason", S, 0, "", "", always, text<&R::end_reason>(), "end_reason", rec, nullptr, nullptr},
    };
    return f;
}

const std::vector<Field<CycleSummary>>& cycle_fields() {
    using R = CycleSummary;
    static const std::vector<Field<R>> f = {
        {"cycle", I, 0, "", "1-based cycle number", always, number<&R::cycle>(), "cycle", rec, nullptr, nullptr},
        {"charge_capacity", F, 0, "mA*h/g", "charge capacity per gram CAM", always, number<&R::charge_capacity>(),
         "charge_capacity_mAh_g", rec, "charge_mAh_g", nullptr},
        {"discharge_capacity", F, 0, "mA*h/g", "discharge capacity per gram CAM", always,
         number<&R::discharge_capacity>(), "discharge_capacity_mAh_g", rec, "discharge_mAh_g", nullptr},
        {"charge_capacity_abs", F, 0, "mA*h", "charge capacity", optional,
         absolute<&R::charge_capacity>(&ResultSummary::cycle_charge_mAh), "charge_capacity_mAh", rec, nullptr,
         nullptr},
        {"discharge_capacity_abs", F, 0, "mA*h", "discharge capacity", optional,
         absolute<&R::discharge_capacity>(&ResultSummary::cycle_discharge_mAh), "discharge_capacity_mAh", rec,
         nullptr, nullptr},
        {"coulombic_efficiency", F, 0, "1", "discharge / charge capacity", always,
         number<&R::coulombic_efficiency>(), "coulombic_efficiency", rec, "coulombic_efficiency", nullptr},
        {"charge_energy", F, 0, "mW*h/g", "", always, number<&R::charge_energy>(), "charge_energy_mWh_g", rec,
         nullptr, nullptr},
        {"discharge_energy", F, 0, "mW*h/g", "", always, number<&R::discharge_energy>(), "discharge_energy_mWh_g",
         rec, nullptr, nullptr},
        {"energy_efficiency", F, 0, "1", "", always, number<&R::energy_efficiency>(), "energy_efficiency", rec,
         nullptr, nullptr},
        {"shoulder_capacity", F, 0, "mA*h/g", "charge below the shoulder potential", always,
         number<&R::shoulder_capacity>(), "shoulder_capacity_mAh_g", rec, "shoulder_mAh_g", nullptr},
        {"dead_fraction", F, 0, "1", "isolated CAM fraction at the cycle's end", ledger_only,
         number<&R::dead_fraction>(), "dead_fraction", rec, nullptr, "dead_fraction"},
        {"ledger_se_oxidation_reversible", F, 0, "mA*h/g", "", ledger_only, ledger<&L::se_oxidation_reversible>(),
         "se_oxidation_reversible_mAh_g", led, "se_oxidation_reversible_mAh_g", "se_oxidation_reversible"},
        {"ledger_se_oxidation_irreversible", F, 0, "mA*h/g", "", ledger_only,
         ledger<&L::se_oxidation_irreversible>(), "se_oxidation_irreversible_mAh_g", led,
         "se_oxidation_irreversible_mAh_g", "se_oxidation_irreversible"},
        {"ledger_cam_kinetic", F, 0, "mA*h/g", "", ledger_only, ledger<&L::cam_kinetic>(), "cam_kinetic_mAh_g", led,
         "cam_kinetic_mAh_g", "cam_kinetic"},
        {"ledger_cam_isolated", F, 0, "mA*h/g", "", ledger_only, ledger<&L::cam_isolated>(), "cam_isolated_mAh_g",
         led, "cam_isolated_mAh_g", "cam_isolated"},
        {"ledger_other", F, 0, "mA*h/g", "", ledger_only, ledger<&L::other>(), "other_mAh_g", led, "other_mAh_g",
         "other_loss"},
        {"se_oxidation_charge", F, 0, "mA*h/g", "", ledger_only, ledger<&L::se_oxidation_charge>(),
         "se_oxidation_charge_mAh_g", rec, "se_oxidation_charge_mAh_g", "se_oxidation_charge"},
        {"se_reduction", F, 0, "mA*h/g", "", ledger_only, ledger<&L::se_reduction>(), "se_reduction_mAh_g", rec,
         "se_reduction_mAh_g", "se_reduction"},
        {"ledger_by_site_reversible", F, kSites, "mA*h/g", "columns carbon, tpb, cam", ledger_only,
         ledger<&L::by_site_reversible>(), "se_oxidation_reversible_mAh_g", site, nullptr, nullptr},
        {"ledger_by_site_irreversible", F, kSites, "mA*h/g", "columns carbon, tpb, cam", ledger_only,
         ledger<&L::by_site_irreversible>(), "se_oxidation_irreversible_mAh_g", site, nullptr, nullptr},
    };
    return f;
}

std::string display_unit(const char* unit) {
    std::string out;
    for (const char* p = unit; *p; ++p)
        if (*p != '*') out += *p;
    return out;
}

}  // namespace schema
