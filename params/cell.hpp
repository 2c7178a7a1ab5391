// The half cell resolved to SI: geometry, composition, materials, mesh. Read from the
// `cell` and `mesh` sections of a config (params/emit.hpp writes them back).
#pragma once

#include <string>

#include "core/config.hpp"
#include "params/check.hpp"
#include "params/chemistry.hpp"
#include "params/materials.hpp"

namespace ssbsim {

struct MeshSpec {
    int separator = 5;  // finite volumes across the separator
    int cathode = 20;   // finite volumes across the composite cathode
    int particle = 20;  // radial shells per particle
    // Particle populations per cathode cell: the discretised contact distribution, each
    // with its own shells, intercalation current and contact (docs/equations.md 11.5).
    int populations = 1;
    void validate(const FieldError& fail) const;  // keys as in `mesh`
};

// The cathode composition as the user gave it, kept so the resolved config repeats the
// user's basis; eps_* of CellSpec are what the model uses.
struct Composition {
    std::string basis;  // "mass" or "volume"; empty: not given (a cell built in code)
    double active_material = 0.0, electrolyte = 0.0, carbon = 0.0;  // after `normalize`
    double binder = 0.0;  // inert binder (takes volume, conducts and reacts nothing)
};

// How the stack pressure evolves (MODEL.md section 6). constant: the set pressure throughout
// (a cell on a spring or a pressure-controlled press); die: a die-constrained cell, whose
// pressure follows the composite's volumetric strain (SE shrinkage on oxidation, CAM
// breathing) through an effective stiffness (models/stack_pressure.hpp).
struct StackPressureLaw {
    enum class Constraint { constant, die };
    Constraint constraint = Constraint::constant;
    // K_eff: pressure change per unit volumetric strain of the composite [Pa]. Default
    // 0.2 GPa (estimate; docs/equations.md 11.9): far below the bulk modulus of dense
    // Li6PS5Cl (~20-30 GPa), since the thin composite sits in series with the separator,
    // the counter electrode and the die, and die cells show pressure changes of a few MPa
    // for composite strains of ~1-2 % (Koerver et al. 2018; Zhang et al. 2017).
    double stiffness = 0.2e9;
    bool mapping = false;  // given as {initial, constraint, stiffness} (emitted back so)
};

// Default film capacitance [F/m2 of CAM]: estimate, eps0 eps_r / delta for eps_r ~ 10 over a
// ~5 nm interphase (Li3PO4 / Li2S / LiCl-type products).
inline constexpr double kFilmCapacitance = 0.02;

struct CellSpec {
    double area = 0.785e-4;             // [m2]
    double temperature = 318.15;        // [K]
    double stack_pressure = 18e6;       // [Pa]; with a die constraint its starting value
    StackPressureLaw pressure_law;

    // Counter electrode (x = 0).
    CounterElectrodeMaterial counter;

    // Separator: a pressed solid-electrolyte layer.
    double separator_thickness = 1e-3;  // [m]
    double separator_porosity = 0.0;    // void fraction
    double separator_tortuosity = 1.0;
    SolidElectrolyte separator_electrolyte;

    // Composite cathode.
    ActiveMaterial cam;
    SolidElectrolyte electrolyte;
    bool has_carbon = false;
    Carbon carbon;
    std::string coating;                // empty: uncoated
    // Share of the CAM-side SE reaction a coating blocks: of all of it (factor form, no
    // mass_fraction or thickness given) or of the covered surface (layer form).
    double coating_blocking = 0.0;
    Coating coating_material;           // the library entry (layer form)
    double coating_mass_fraction = 0.0; // coating / coated-CAM mass (layer form) [-]
    double coating_thickness = 0.0;     // given instead of the mass fraction (layer form) [m]
    Binder binder;                      // name empty: none (eps_binder = 0)
    bool has_cam = true;                // false: carbon + SE electrode (no CAM)
    double reference_loading = 0.0;     // mass basis of capacities when set [kg/m2]
    double eps_cam = 0.0, eps_se = 0.0, eps_carbon = 0.0, porosity = 0.0;  // volume fractions
    double eps_binder = 0.0;            // inert volume fraction
    Composition composition;            // as given; eps_* follow from it
    double thickness = 0.0;             // [m]
    double loading = 0.0;               // CAM mass per area [kg/m2]
    bool thickness_given = false;       // the config sized the electrode by thickness, not loading
    double particle_radius = 0.0;       // [m]
    double ionic_tortuosity = 1.0;      // sigma_e,eff = sigma_e eps_se / tau
    double electronic_tortuosity = 1.0; // for carbon and CAM paths
    // Effective conductivities of the composite given directly (DC polarisation), in place of
    // sigma eps / tau; reference 0: not given. Ionic: replaces kappa_SE eps_SE / tau, with the
    // SE's activation energy; electronic: replaces the carbon network's part (the CAM's part
    // and the contact factor still apply).
    Arrhenius ionic_conductivity_given{0.0, 298.15, 0.0};       // [S/m]
    Arrhenius electronic_conductivity_given{0.0, 298.15, 0.0};  // [S/m]
    // The CAM's and carbon's own SE-oxidation kinetics apply (resolve_material_kinetics);
    // false once they are resolved into `chemistry` (the resolved config says so).
    bool material_kinetics = true;
    bool kinetics_from_materials = false;  // resolve_material_kinetics changed the chemistry
    double contact_resistance = 0.0;    // cathode/current-collector [ohm m2]
    double film_resistance = 0.0;       // R_film,0 in series with intercalation [ohm m2]
    // The interphase film's capacitance per CAM surface [F/m2], parallel to its resistance:
    // impedance spectra only (docs/equations.md 14).
    double film_capacitance = kFilmCapacitance;
    // The double layers in time-domain runs (cell.double_layer): the CAM/SE and the counter
    // electrode's capacitive currents are part of the DAE, as in the spectra (equations.md 14).
    bool double_layer = false;
    double initial_stoichiometry = 0.99;
    double initial_potential_inert = 0.0;  // cells without intercalation: starting potential [V]

    ChemistrySpec chemistry;            // SE redox, interphase, contact (MODEL.md 3-6)

    // Convenience.
    double cam_mass() const { return loading * area; }  // [kg]
    // Mass per area that capacities (mAh/g) and C-rates refer to [kg/m2].
    double basis_loading() const { return reference_loading > 0 ? reference_loading : loading; }
    // Mass that capacities are given per (the CAM, or the reference loading without CAM) [kg].
    double basis_mass() const { return basis_loading() * area; }

    // Every field and the materials in their ranges; keys as in `cell` ("cathode.porosity").
    // The chemistry is validated on its own (ChemistrySpec::validate, keys of `chemistry`).
    void validate(const FieldError& fail) const;
};

// Volume fractions of the electrode from a composition (basis "mass" or "volume"), the
// materials' densities and the porosity of `c`. `error` is set when the fractions do not
// sum as the basis requires (and the result is then meaningless).
struct VolumeFractions {
    double cam = 0.0, se = 0.0, carbon = 0.0, binder = 0.0;
};
VolumeFractions volume_fractions(const CellSpec& c, const Composition& w, std::string& error);
// The checks of each given fraction (keys "cathode.composition.<fraction>").
void validate_composition(const Composition& w, bool has_cam, bool has_carbon, const FieldError& fail);

// The coating as a layer (MODEL.md 3), from the coating's mass fraction w (of the coated
// CAM), its density, the CAM's density and the particle radius R: a uniform shell of
// thickness delta = w / (1 - w) rho_CAM / rho_coat R / 3 (to first order in delta / R), a
// coverage 1 - exp(-delta / delta_closure) (islands below the closure thickness, a closed
// layer above), the share of SE oxidation left at the CAM and TPB, pass = 1 - coverage
// blocking, and the layer's Li-ion resistance delta / kappa_coat in series with
// intercalation. Factor form (no mass fraction or thickness): pass = 1 - blocking, no layer.
struct CoatingLayer {
    bool layer = false;
    double thickness = 0.0;   // [m]
    double coverage = 0.0;    // [-]
    double pass = 1.0;        // [-]
    double resistance = 0.0;  // [ohm m2]
};
CoatingLayer coating_layer(const CellSpec& c);

// Effective conductivities of the cathode at temperature T [S/m]: ionic (given, or
// kappa_SE eps_SE / tau) and electronic before contact (given or carbon network, plus the
// CAM at stoichiometry x).
double effective_ionic_conductivity(const CellSpec& c, double T);
double carbon_network_conductivity(const CellSpec& c, double T);

// Applies the CAM's `se_oxidation` (site cam) and `lattice_oxygen`, and the carbon's
// `se_oxidation.carbon` / `.tpb`, to c.chemistry, key by key over the chemistry section's
// values (then rate_factor and onset_shift). Nothing when c.material_kinetics is false.
void resolve_material_kinetics(CellSpec& c);

// Parses `cell` against the material library and validates it. Errors name file, line and key.
CellSpec parse_cell(const ConfigNode& cell, const MaterialLibrary& lib);
MeshSpec parse_mesh(const ConfigNode& mesh);

}  // namespace ssbsim
