// SE oxidation at the three sites where the SE meets an electronic conductor (carbon
// double-phase boundary, triple-phase boundary, CAM surface), with passivation by its own
// products, an optional fast path of the fresh surface, an optional slow path limited by
// transport through the product layer (parabolic growth), and the reduction of the
// reversible products below U_red (MODEL.md sections 3-4). Per site: reversible and
// irreversible product inventories [mol/m3 electrode], and three cumulative charges.
#pragma once

#include <cmath>
#include <type_traits>

#include "core/constants.hpp"
#include "models/local_terms.hpp"
#include "numerics/dual.hpp"

namespace ssbsim {

// The passivation law g of theta = passivating inventory / law coverage >= 0
// (params/chemistry.hpp PassivationLaw): g(0) = 1 for every law, falling as products grow.
// Below 0 (a slightly negative inventory: integration error over a very long hold, or a
// Newton iterate) each law continues along its tangent at 0, 1 - theta, so no iterate
// overflows (exp(-theta) of a large negative theta did, in a 1e9 h hold).
template <class T>
T passivation_factor(PassivationLaw law, const T& theta) {
    using std::exp;
    if (value(theta) < 0.0) return 1.0 - theta;
    switch (law) {
        case PassivationLaw::film:
            // exp(-theta) is 0 in double precision past theta = 745.2: the residual skips it.
            if constexpr (std::is_same_v<T, double>)
                if (theta > 746.0) return 0.0;
            return exp(-theta);
        case PassivationLaw::coverage: return value(theta) < 1.0 ? T(1.0 - theta) : T(0.0);
        case PassivationLaw::hyperbolic: break;
    }
    return 1.0 / (1.0 + theta);
}

class SiteOxidation {
public:
    explicit SiteOxidation(const CathodeGeometry& g) : g_(g), ch_(g.cell.chemistry) {}
    static constexpr int sum_rank = 10;  // first in the sum of sources (models/reactions.hpp)

    void declare(LocalRegistry& r) {
        rev_ = r.add_state(per_site("reversible products", "reversible products"));
        irr_ = r.add_state(per_site("irreversible products", "irreversible products"));
        l_rev_ = r.add_ledger(per_site("SE oxidation reversible", "cumulative charge: SE oxidation reversible"));
        l_irr_ = r.add_ledger(per_site("SE oxidation irreversible", "cumulative charge: SE oxidation irreversible"));
        l_red_ = r.add_ledger(per_site("product reduction", "cumulative charge: product reduction"));
    }
    int reversible() const { return rev_; }
    int irreversible() const { return irr_; }
    int ledger_reversible() const { return l_rev_; }
    int ledger_irreversible() const { return l_irr_; }
    int ledger_reduction() const { return l_red_; }

    void set_temperature(double T, BoltzmannFactors& bz) {
        for (int s = 0; s < n_sites; ++s) {
            const SiteKinetics& k = ch_.site[s];
            k_ox_[s] = k.k_ox.at(T) * tafel_shift(k, k.alpha_ox, T);
            k_red_[s] = k.k_red.at(T);
            k_fast_[s] = k.k_fast.at(T) * tafel_shift(k, k.alpha_fast, T);
            k_par_[s] = k.k_par.at(T) * tafel_shift(k, k.alpha_ox, T);
            bz_ox_[s] = bz_fast_[s] = bz_red_[s] = -1;
            if (g_.a_site[s] <= 0.0) continue;
            bz_ox_[s] = bz.add(k.U_ox, k.alpha_ox);
            if (k_fast_[s] > 0.0) bz_fast_[s] = bz.add(k.U_ox, k.alpha_fast);
            bz_red_[s] = bz.add(k.U_red, -k.alpha_red);
        }
    }

    // The CAM surface that has been in contact with the SE [1/m]: the initial contact of
    // the populations wired to the collector (ContactIsolation::reference_contact), times a.
    // The CAM site's products lie on it; they do not pile up on what stays in contact when
    // breathing or voids take contact away (docs/equations.md 11.2).
    void bind_reference_contact(double share) {
        a_ref_cam_ = g_.a * share * g_.coating_pass;
        a_ref_bare_ = g_.a * share;
    }
    // A fracturing coating (models/coating_fracture.hpp): its exposed share s (chemistry
    // state `state`) re-opens opened x s of the coated CAM surface and TPB,
    // pass(s) = coating_pass + opened s; the products spread over the re-opened surface too.
    void bind_coating_fracture(int state, double opened) {
        frac_ = state;
        opened_ = opened;
    }

    template <class T>
    void evaluate(Local<T>& L) const {
        using std::exp;
        const double nF = ch_.electrons_per_product * constants::F;
        // Site areas: the CAM site is the connected CAM/SE contact; coatings cover the CAM
        // side of the TPB and the CAM/SE contact.
        T area[n_sites] = {T(g_.a_site[site_carbon]), T(g_.a_site[site_tpb] * g_.coating_pass),
                           L.a_contact * g_.coating_pass};
        T a_ref(a_ref_cam_);
        if (frac_ >= 0) {
            const T pass = g_.coating_pass + opened_ * L.u[s_chem + frac_];
            area[site_tpb] = g_.a_site[site_tpb] * pass;
            area[site_cam] = L.a_contact * pass;
            a_ref = a_ref_bare_ * pass;
        }
        for (int s = 0; s < n_sites; ++s) {
            const SiteKinetics& k = ch_.site[s];
            if (g_.a_site[s] <= 0.0) continue;
            const T& rev = L.u[s_chem + rev_ + s];
            const T& irr = L.u[s_chem + irr_ + s];
            // The area the products are spread over: the site's, and for the CAM site the
            // surface that has been in contact (the products stay on it).
            const bool ref = frac_ >= 0 ? a_ref_bare_ > 0.0 : a_ref_cam_ > 0.0;
            const T cover_area = s == site_cam && ref ? a_ref : area[s];
            const T passivating = k.reversible_weight * rev + irr;  // [mol/m3]
            T g = passivation_factor(k.law, passivating / (cover_area * law_coverage(k) + 1e-300));
            T r_ox = area[s] * g * (k_ox_[s] * L.boltzmann[bz_ox_[s]]);
            if (k_fast_[s] > 0.0) {
                // Exponential passivation: the fresh surface reacts fast once, then not at all.
                T g_fast = passivation_factor(PassivationLaw::film, (rev + k.fast_irreversible_weight * irr) /
                                                                        (cover_area * k.passivation_fast + 1e-300));
                r_ox = r_ox + area[s] * g_fast * (k_fast_[s] * L.boltzmann[bz_fast_[s]]);
            }
            if (k_par_[s] > 0.0) {
                // Transport through the product layer, ~ 1 / its thickness once it is thicker
                // than Gamma_par: parabolic growth (a negative iterate: the bare rate).
                const T theta = passivating / (cover_area * k.passivation_par + 1e-300);
                const T slow = value(theta) > 0.0 ? T(1.0 / (1.0 + theta)) : T(1.0);
                r_ox = r_ox + area[s] * slow * (k_par_[s] * L.boltzmann[bz_ox_[s]]);
            }
            // First order in the reversible products, or (reduction_saturation > 0) zero order
            // while they cover the site: the rate of an interface, not of an amount. Below 0
            // products (integration error) the saturating form continues along its tangent
            // at 0, rev / (a c_sat), instead of crossing its pole at rev = -a c_sat.
            T r_red;
            if (k.reduction_saturation > 0.0) {
                const T a_sat = area[s] * k.reduction_saturation;
                const T cover = value(rev) >= 0.0 ? T(rev / (rev + a_sat)) : T(rev / a_sat);
                r_red = area[s] * cover * (-k_red_[s] * L.boltzmann[bz_red_[s]]);
            } else {
                r_red = rev * (-k_red_[s] / k.passivation) * L.boltzmann[bz_red_[s]];
            }
            L.rate[rev_ + s] = (k.reversible_fraction * r_ox + r_red) / nF;
            L.rate[irr_ + s] = (1.0 - k.reversible_fraction) * r_ox / nF;
            L.q[l_rev_ + s] = k.reversible_fraction * r_ox;
            L.q[l_irr_ + s] = (1.0 - k.reversible_fraction) * r_ox;
            L.q[l_red_ + s] = r_red;
            L.src = L.src + r_ox + r_red;
            if (s != site_carbon) L.cam_side_oxidation = L.cam_side_oxidation + r_ox;
            else L.carbon_oxidation = r_ox;
            // The TPB share outside the CAM's footprint: no film, and voids only through
            // chemistry.interphase.off_cam_void_share, as the carbon site's (models/interphase.hpp).
            if (s == site_tpb && g_.tpb_cam_side < 1.0) L.tpb_off_cam = r_ox * (1.0 - g_.tpb_cam_side);
        }
    }

    // contact: the slots the contact (the CAM site's area) reads.
    void pattern(LocalPattern& p, SlotMask contact) const {
        const SlotMask dphi = slot_bit(s_dphi);
        for (int s = 0; s < n_sites; ++s) {
            // The oxidation rate at site s (before reduction).
            const SlotMask frac = frac_ >= 0 && s != site_carbon ? chem_bit(frac_) : 0u;  // pass(s)
            const SlotMask in = dphi | chem_bit(rev_ + s) | chem_bit(irr_ + s) | (s == site_cam ? contact : 0u) | frac;
            p.src |= in;
            p.rate[rev_ + s] = p.rate[irr_ + s] = in;
            p.q[l_rev_ + s] = p.q[l_irr_ + s] = in;
            // A saturating reduction scales with the site area (the contact, at the CAM).
            const bool on_area = ch_.site[s].reduction_saturation > 0.0 && s == site_cam;
            p.q[l_red_ + s] = dphi | chem_bit(rev_ + s) | (on_area ? contact : 0u) |
                              (ch_.site[s].reduction_saturation > 0.0 ? frac : 0u);
            if (s != site_carbon) p.cam_side_oxidation |= in;
            else p.carbon_oxidation |= in;
        }
    }

    void tolerances(const ChemistryRows& rows, double s, double* atol) const {
        for (int m = 0; m < g_.nc; ++m)
            for (int k = 0; k < n_sites; ++k) {
                atol[rows.row(m, rev_ + k)] = s * g_.xi_scale;
                atol[rows.row(m, irr_ + k)] = s * g_.xi_scale;
            }
    }

private:
    // With activation_potential U_a: exp(alpha F (U_a - U_ox)/R (1/T_ref - 1/T)), so that the
    // rate at U_a, not at U_ox, follows the activation energy (params/chemistry.hpp U_act).
    static double tafel_shift(const SiteKinetics& k, double alpha, double T) {
        if (!(k.U_act > 0.0)) return 1.0;
        return std::exp(alpha * constants::F * (k.U_act - k.U_ox) / constants::R *
                        (1.0 / k.k_ox.reference_temperature - 1.0 / T));
    }
    static double law_coverage(const SiteKinetics& k) { return k.law_coverage > 0.0 ? k.law_coverage : k.passivation; }
    static StateLayout::BlockSpec per_site(const std::string& name, const std::string& label) {
        StateLayout::BlockSpec b;
        b.name = name;
        b.components = n_sites;
        b.component_names = {label + " (carbon)", label + " (TPB)", label + " (CAM)"};
        return b;
    }
    const CathodeGeometry& g_;
    const ChemistrySpec& ch_;
    double k_ox_[n_sites] = {0, 0, 0}, k_red_[n_sites] = {0, 0, 0}, k_fast_[n_sites] = {0, 0, 0};
    double k_par_[n_sites] = {0, 0, 0};
    double a_ref_cam_ = 0.0;  // [1/m]; 0: the current contact (no reference bound)
    double a_ref_bare_ = 0.0;  // the same before the coating [1/m]
    int frac_ = -1;            // the coating's exposed share (chemistry state), -1: none
    double opened_ = 0.0;      // coverage x blocking
    int bz_ox_[n_sites] = {-1, -1, -1}, bz_fast_[n_sites] = {-1, -1, -1}, bz_red_[n_sites] = {-1, -1, -1};
    int rev_ = -1, irr_ = -1, l_rev_ = -1, l_irr_ = -1, l_red_ = -1;
};

}  // namespace ssbsim
