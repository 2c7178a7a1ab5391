// Materials: cathode active materials, the solid electrolyte, carbons, counter electrodes
// and coatings, resolved to SI from the YAML materials library (configs/materials/).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "numerics/interpolation.hpp"
#include "params/check.hpp"

namespace ssbsim {

// k(T) = k_ref exp(-Ea/R (1/T - 1/T_ref)).
struct Arrhenius {
    double reference = 0.0;
    double reference_temperature = 298.15;  // [K]
    double activation_energy = 0.0;         // [J/mol]
    double at(double T) const;
    // `reference` > 0 (>= 0 with allow_zero) in unit dimension `d`; temperature and
    // activation energy in range. Keys: `key` (a scalar) or key.reference etc.
    void validate(const FieldError& fail, const std::string& key, const units::Dimension& d,
                  bool allow_zero) const;
};

// Open-circuit potential vs Li/Li+ as a function of stoichiometry x = c/c_max.
class OpenCircuitPotential {
public:
    enum class Kind { table, nmc532_mohtat2020 };
    OpenCircuitPotential() = default;
    static OpenCircuitPotential table(Table1D t);
    static OpenCircuitPotential mohtat2020(bool barrier);
    double operator()(double x, double* dUdx = nullptr) const;
    Kind kind() const { return kind_; }
    // Stoichiometry where U(x) = U (bisection on the monotone curve).
    double inverse(double U) const;

private:
    Kind kind_ = Kind::table;
    Table1D table_;
    bool barrier_ = true;
};

struct ActiveMaterial {
    std::string name;
    bool inert = false;
    double density = 0.0;               // [kg/m3]
    double c_max = 0.0;                 // [mol/m3]
    double theoretical_capacity = 0.0;  // [C/kg]
    double x_min = 0.0, x_max = 1.0;    // usual stoichiometry window
    OpenCircuitPotential ocv;
    Arrhenius diffusivity;              // [m2/s]
    Table1D diffusivity_log10_factor;   // log10 multiplier vs x (empty: 0)
    Arrhenius exchange_current;         // i0 at x = 0.5 [A/m2]
    double alpha_a = 0.5, alpha_c = 0.5;
    // Hindered relithiation (MODEL.md 2; docs/equations.md): charge transfer that vanishes
    // as the surface fills, i0 ~ x^alpha_c (1 - x)^alpha_a ((1 - x)^2 + x_f^2)^(p/2) (the floor
    // x_f keeps a pristine, fully lithiated CAM able to delithiate), and an insertion
    // resistance that switches on near full lithiation,
    //   R_ins(x_s) = R_h(T) / (1 + exp(-(x_s - x_h) / w)), acting on j < 0 only.
    // Off (p = 0, R_h = 0) unless the material's `relithiation` section gives them.
    struct Relithiation {
        double exponent = 0.0;                 // p
        Arrhenius resistance{0.0, 298.15, 0.0};  // R_h [ohm m2]
        double onset = 0.97;                   // x_h
        double width = 0.005;                  // w
        double floor = 0.01;                   // x_f
        double current_scale = 1e-5;           // j_eps of the smooth min(j, 0) [A/m2]
    } relithiation;
    // Surface reconstruction of a Ni-rich layered oxide into a Li-poor rock-salt shell at
    // high state of charge (docs/equations.md 4.5.2; models/surface_reconstruction.hpp):
    //   d delta/dt = k(T) g(x_s) / (delta_0 + delta),  g = 1 / (1 + exp((x_s - x_rs) / w)),
    // linear (reaction-limited) while delta << delta_0 and parabolic beyond; the shell adds
    // delta / sigma(T) in series with the intercalation kinetics. Off (k = 0) unless the
    // material's `surface_reconstruction` section gives a rate constant.
    struct SurfaceReconstruction {
        Arrhenius rate_constant{0.0, 298.15, 0.0};   // k [m2/s]
        double onset = 0.25;                         // x_rs (surface stoichiometry)
        double width = 0.01;                         // w
        double transition_thickness = 2e-9;          // delta_0 [m]
        Arrhenius conductivity{1e-7, 298.15, 0.0};   // Li+ through the shell [S/m]
        bool on() const { return rate_constant.reference > 0.0; }
    } surface_reconstruction;
    Arrhenius conductivity;             // bulk electronic [S/m]
    Table1D conductivity_log10_factor;
    Table1D volume_change;              // relative to lithiated state
    // Fatigue fracture of polycrystalline secondary particles (`fracture:`; docs/equations.md
    // 11.10, models/particle_fracture.hpp): damage D per population grows on charge while the
    // volumetric contraction -volume_change(x_s) exceeds critical_strain,
    //   dD/dt = rate (1 - D / saturation) d<eps - eps_c>^exponent / dt (increasing only),
    // and the cut-off grains lose their SE contact; with a transition_strain eps_t > eps_c
    // the growth stops beyond eps_t (the phase transition that drives it is complete).
    // Off (rate 0) unless the material gives it.
    struct Fracture {
        double rate = 0.0;             // k_D [-]
        double critical_strain = 0.0;  // eps_c [-]
        double transition_strain = 0.0;  // eps_t [-], 0: no end
        double exponent = 2.0;         // m
        double saturation = 0.5;       // D_sat [-]
        bool on() const { return rate > 0.0; }
    } fracture;
    // Double-layer capacitance of the CAM/SE interface per CAM surface [F/m2]: impedance
    // spectra only (docs/equations.md section 14). Estimate: 0.2 F/m2 (20 uF/cm2), inside
    // the 0.1-0.3 F/m2 reported for oxide/sulfide interfaces and the usual 0.1-0.4 F/m2 of
    // an electrode/electrolyte double layer (Bard & Faulkner, Electrochemical Methods, 2nd
    // ed., section 13.3).
    double double_layer_capacitance = 0.2;
    // The SE-oxidation kinetics of this CAM's surface (`se_oxidation:`, keys of
    // chemistry.sites.cam) and its lattice-oxygen-driven SE oxidation (`lattice_oxygen:`,
    // keys of chemistry.lattice_oxygen); undefined: the chemistry's values (params/cell.hpp
    // resolve_material_kinetics).
    ConfigNode se_oxidation, lattice_oxygen;

    // D_s(x, T) and dD/dx.
    double D(double x, double T, double* dDdx = nullptr) const;
    double sigma(double x, double T, double* dsdx = nullptr) const;
    void validate(const FieldError& fail) const;
};

struct SolidElectrolyte {
    std::string name;
    double density = 0.0;                  // [kg/m3]
    Arrhenius ionic_conductivity;          // [S/m]
    double electronic_conductivity = 0.0;  // [S/m]
    double molar_volume = 0.0;             // [m3/mol]
    double decomposed_molar_volume = 0.0;  // [m3/mol]
    double youngs_modulus = 0.0;           // [Pa]; 0: not given (particle fracture's matrix)
    void validate(const FieldError& fail) const;
};

struct Carbon {
    std::string name;
    double density = 0.0;                // [kg/m3]
    double specific_surface_area = 0.0;  // [m2/kg]
    double conductivity = 0.0;           // [S/m]
    double percolation_threshold = 0.0;  // volume fraction
    // Kind-specific SE-oxidation kinetics at its surface (`se_oxidation: {carbon: ..., tpb: ...}`,
    // keys of chemistry.sites.<site> plus rate_factor / onset_shift); undefined: the chemistry's.
    ConfigNode se_oxidation;
    void validate(const FieldError& fail) const;
};

// An electrochemically inert binder: it occupies volume and does nothing else.
struct Binder {
    std::string name;
    double density = 0.0;  // [kg/m3]
    double youngs_modulus = 0.0;  // [Pa]; 0: not given (particle fracture's compliant phase)
    void validate(const FieldError& fail) const;
};

struct CounterElectrodeMaterial {
    std::string name;
    double potential = 0.0;          // vs Li/Li+ [V]
    Arrhenius exchange_current;      // [A/m2]
    double area_resistance = 0.0;    // [ohm m2]
    double specific_capacity = 0.0;  // [C/kg], 0: unlimited
    // Double-layer capacitance of its interface with the SE per cell area [F/m2]: impedance
    // spectra only. Estimate 0.2 F/m2, the CAM's value (a metal/SE interface is as wide).
    double double_layer_capacitance = 0.2;
    void validate(const FieldError& fail) const;
};

// A CAM coating as a layer (MODEL.md 3): its thickness follows from its mass fraction, its
// coverage from the thickness and the closure thickness.
struct Coating {
    std::string name;
    double density = 0.0;             // [kg/m3]
    double ionic_conductivity = 0.0;  // Li+ through the layer [S/m]; 0: no resistance
    double closure_thickness = 0.0;   // coverage = 1 - exp(-delta / closure) [m]
    double blocking = 1.0;            // share of SE oxidation a covered surface stops
    // Fracture of the layer on a breathing CAM (models/coating_fracture.hpp): off unless
    // youngs_modulus and fracture_energy are given.
    double youngs_modulus = 0.0;      // E [Pa]
    double poisson_ratio = 0.25;      // nu
    double fracture_energy = 0.0;     // Gamma_f, the layer's (channel cracks) [J/m2]
    double interface_fracture_energy = 0.0;  // Gamma_i, of its interface (delamination); 0: Gamma_f
    double fracture_time = 0.0;       // tau_f [s]: approach of the failed share to its equilibrium
    bool fractures() const { return youngs_modulus > 0.0 && fracture_energy > 0.0; }
    void validate(const FieldError& fail) const;
};

// The text of an embedded materials file as a run parses it: the top-level `sources:` entry
// (the references behind each value, which nothing but definitions() reads: ~half of the
// library's bytes and most of yaml-cpp's cost of reading a material) and full-line comments
// blanked line for line, so every other line keeps its number and its text (the file, line
// and key of an error are the file's own). tests/test_materials.cpp checks, for every
// embedded file, that the tree read from it is the whole file's tree without `sources`,
// marks included.
std::string material_run_text(const std::string& text);

// The materials library: the embedded configs/materials/*.yaml plus any user files or
// inline definitions. Lookup is by name.
class MaterialLibrary {
public:
    MaterialLibrary();  // loads the embedded library
    void add(const ConfigNode& material);  // a mapping with `name` and `kind`
    void add_file(const std::string& path);
    bool has(const std::string& name) const { return nodes_.count(name) || pending_.count(name); }
    std::vector<std::string> names(const std::string& kind = "") const;

    // Resolve by name; `where` is the config node that named it (for errors).
    ActiveMaterial active(const std::string& name, const ConfigNode& where) const;
    SolidElectrolyte electrolyte(const std::string& name, const ConfigNode& where) const;
    Carbon carbon(const std::string& name, const ConfigNode& where) const;
    CounterElectrodeMaterial counter(const std::string& name, const ConfigNode& where) const;
    Coating coating(const std::string& name, const ConfigNode& where) const;
    Binder binder(const std::string& name, const ConfigNode& where) const;
    const ConfigNode& node(const std::string& name, const std::string& kind,
                           const ConfigNode& where) const;
    // Every material once (the first kind it is listed under), with its definition as
    // YAML text including its `sources`.
    struct Definition {
        std::string name, kind, text;
    };
    std::vector<Definition> definitions() const;

private:
    // Parsed materials, and embedded files not parsed yet (name = file stem), so a run pays
    // only for the materials it uses. An embedded file is parsed from material_run_text
    // (without its `sources:`); `lean_` names those, which definitions() parses again whole.
    mutable std::map<std::string, ConfigNode> nodes_;
    mutable std::map<std::string, std::string> pending_;
    mutable std::map<std::string, std::string> lean_;  // name -> embedded path
    void parse_pending(const std::string& name) const;
    void parse_all() const;
};

}  // namespace ssbsim
