// Parasitic solid-electrolyte chemistry, interphase growth and contact loss
// (MODEL.md sections 3-6), as parameters resolved to SI.
#pragma once

#include <string>
#include <vector>

#include "core/config.hpp"
#include "params/check.hpp"
#include "params/materials.hpp"

namespace ssbsim {

// The three sites where the SE meets an electronic conductor.
enum Site { site_carbon = 0, site_tpb = 1, site_cam = 2, n_sites = 3 };
const char* site_name(int s);

// How a site's own products slow its oxidation (MODEL.md 4), on the passivating inventory
// Gamma_p = w Gamma_rev + Gamma_irr per site area [mol/m2] (w = reversible_weight: reducing
// the reversible products back to pristine SE frees the surface they covered):
//   hyperbolic  g = 1 / (1 + Gamma_p / Gamma_l)      (the default; today's configs)
//   film        g = exp(-Gamma_p / Gamma_l)          (tunnelling through a growing layer)
//   coverage    g = max(0, 1 - Gamma_p / Gamma_l)    (free fraction of a monolayer)
enum class PassivationLaw { hyperbolic, film, coverage };
const char* passivation_law_name(PassivationLaw l);

// Tafel-type SE oxidation with passivation, and reduction of its reversible products:
//   i_ox  = k_ox(T) g(Gamma_p) exp(alpha_ox f (dphi - U_ox))
//   i_red = -k_red(T) (Gamma_rev / Gamma_pass) exp(-alpha_red f (dphi - U_red))
// per m2 of site; Gamma = products per site area [mol/m2].
struct SiteKinetics {
    Arrhenius k_ox{0.0, 298.15, 0.0};   // [A/m2] at dphi = U_ox
    double alpha_ox = 0.3;
    double U_ox = 2.3;                  // thermodynamic onset [V vs Li/Li+]
    double reversible_fraction = 0.5;   // share of products reducible at low potential
    double passivation = 1e-5;          // Gamma_pass [mol/m2]: reduction scale, default Gamma_l
    PassivationLaw law = PassivationLaw::hyperbolic;
    double law_coverage = 0.0;          // Gamma_l [mol/m2]; 0: Gamma_pass
    double reversible_weight = 1.0;     // w: share of the reversible products that passivates
    // A second, fast oxidation path of the fresh surface that passivates after a little
    // product (the charging-onset shoulder); off when k_fast = 0.
    Arrhenius k_fast{0.0, 298.15, 0.0};  // [A/m2] at dphi = U_ox
    double alpha_fast = 0.5;
    double passivation_fast = 1e-7;      // [mol/m2]
    // Share of the irreversible products that covers the fast path: it passivates as
    // exp(-(Gamma_rev + w_f Gamma_irr) / Gamma_fast). 1: every product (as before); 0: only
    // the reversible ones, so reducing them re-opens the fresh-surface path.
    double fast_irreversible_weight = 1.0;
    // A third path, limited by transport through the product layer (parabolic growth):
    //   i_par = k_par(T) exp(alpha_ox f (dphi - U_ox)) / (1 + Gamma_p / Gamma_par),
    // ~ 1 / thickness once Gamma_p >> Gamma_par, so Gamma_p ~ sqrt(t) at constant potential
    // and a slow side current goes on after the film law has shut the site (MODEL.md 4,
    // docs/equations.md 11.2). Off when k_par = 0 (the model before it).
    Arrhenius k_par{0.0, 298.15, 0.0};  // [A/m2] at dphi = U_ox and zero coverage
    double passivation_par = 1e-5;      // Gamma_par [mol/m2]
    Arrhenius k_red{0.0, 298.15, 0.0};  // [A/m2]
    double alpha_red = 0.5;
    double U_red = 2.3;                 // below this, reversible products are reduced
    // 0: i_red first order in Gamma_rev (as above). > 0: the reduction runs at the
    // product/conductor interface, i_red = -k_red Gamma_rev / (Gamma_rev + Gamma_s) exp(...),
    // zero order while a product layer covers the site [mol/m2].
    double reduction_saturation = 0.0;
    // The potential at which the oxidation paths' activation energy holds [V vs Li/Li+]
    // (key activation_potential). 0: at U_ox, k_ox(T) Arrhenius as given (the law before it).
    // > 0: the rate at U_a follows the activation energy, so the rate constants at U_ox take
    // the Tafel factor's own temperature dependence out, exp(alpha f(T) (U_a - U_ox)):
    //   k(T) = k(T_ref) exp(-E_a/R (1/T - 1/T_ref)) exp(alpha F (U_a - U_ox)/R (1/T_ref - 1/T))
    // (docs/equations.md 11.2, "Where the activation energy holds").
    double U_act = 0.0;
};

// A single irreversible reaction with its own passivation (pristine-SE reduction below
// ~1.8 V, cathodic; lattice-oxygen-driven SE oxidation at high SOC, anodic).
struct PassivatingReaction {
    Arrhenius k{0.0, 298.15, 0.0};  // [A/m2]
    double alpha = 0.5;
    double U = 0.0;                 // [V vs Li/Li+]
    double passivation = 1e-5;      // [mol/m2]
};

struct ChemistrySpec {
    bool enabled = false;
    double reference_temperature = 298.15;   // [K] of every rate constant below
    double electrons_per_product = 2.0;  // n in d Gamma / dt = i / (n F)
    double tpb_weight = 1.0;             // a_TPB = a_C w eps_CAM / (eps_CAM + eps_SE)
    SiteKinetics site[n_sites];
    PassivatingReaction pristine_reduction;  // cathodic, at carbon surfaces
    PassivatingReaction lattice_oxygen;      // anodic, at the CAM surface
    // Interphase film at the CAM surface: d delta/dt = V_m / (n F) * i_CAM-side.
    double film_molar_volume = 1e-4;         // [m3/mol]
    Arrhenius film_conductivity{1e-6, 298.15, 0.0};  // [S/m]
    // Its relative permittivity: the film's capacitance eps0 eps_r / delta [F/m2 of CAM] in
    // impedance spectra (docs/equations.md 14; an estimate for Li3PO4/Li2S/LiCl-type products).
    double film_permittivity = 10.0;
    // The CAM surface the TPB's products (the film) cover, at most this multiple of the CAM
    // surface: the TPB's share of the film growth is weighted min(1, f a_CAM / a_TPB). A
    // carbon whose TPB exceeds the CAM surface (Ketjen black: ~50x) lays its extra products
    // in its own pores, not on the CAM. The voids and the stack pressure still see all the
    // SE the TPB consumes. 0: off (every TPB product on the CAM film, the former model).
    double tpb_footprint = 0.0;
    // The share of the SE volume lost away from the CAM (carbon site, and the TPB beyond the
    // CAM's footprint) that opens voids at the CAM/SE contacts: the SE network shrinks as a
    // whole, so the SE it loses in the carbon's pores pulls back from the CAM too (docs/
    // equations.md 11.4). Carries the carbon's surface area into the contact loss. 0: off.
    double off_cam_void_share = 0.0;
    // Contact: theta_c = theta_0 exp(-v_eff / v_scale) (1 - b max(0, -dV/V) p),
    // v_eff = v_void p, p = 1 / (1 + P / P_ref).
    double contact_initial = 1.0;
    double void_scale = 5e-9;                // [m]
    double se_electrons = 5.0;               // e- per Li6PS5Cl oxidised
    double reference_pressure = 20e6;        // [Pa]
    double breathing_coefficient = 1.0;
    double heterogeneity = 0.5;              // initial contacts spread over theta_0 (1 -+ w), smoothstep-distributed
    double isolation_threshold = 0.2;        // fraction of theta_0 below which a particle is dead
    double max_isolated = 0.95;              // largest isolated share (some particles keep contact)
    double conductivity_exponent = 1.0;      // sigma_s,eff scales with (theta_c / theta_0)^m
    // Carbon-free CAM network: its CAM-CAM contacts open as exp(-p v_void / network_scale),
    // so the wired share follows the percolation of the closed ones. 0: a static network.
    double network_scale = 0.0;              // [m]

    // Keys as in the config's `chemistry` section ("contact.heterogeneity").
    void validate(const FieldError& fail) const;
};

// The keys of one site's kinetics (`chemistry.sites.<site>`) and of a passivating reaction
// (`chemistry.lattice_oxygen`), and their readers: each given key replaces the value in the
// base, absent keys keep it (also used for the kinetics a material carries, params/cell.cpp).
const std::vector<std::string>& site_kinetics_keys();
const std::vector<std::string>& passivating_reaction_keys();
SiteKinetics apply_site_keys(const ConfigNode& n, SiteKinetics base, double T_ref);
PassivatingReaction apply_reaction_keys(const ConfigNode& n, PassivatingReaction base, double T_ref);
// The range checks of one site / reaction; keys are `prefix` + the key ("sites.cam.alpha").
void validate_site(const FieldChecks& check, const std::string& prefix, const SiteKinetics& s);
void validate_reaction(const FieldChecks& check, const std::string& prefix, const PassivatingReaction& r);

// Reads the `chemistry` section (absent: the defaults, disabled) and validates it.
ChemistrySpec parse_chemistry(const ConfigNode& node);

}  // namespace ssbsim
