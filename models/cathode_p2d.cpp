#include "models/cathode_p2d.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "core/constants.hpp"
#include "numerics/dual.hpp"

namespace ssbsim {

using constants::F;
using constants::R;

CathodeP2D::CathodeP2D(const CellSpec& cell, const MeshSpec& mesh)
    : cell_(cell), ns_(mesh.separator), nc_(mesh.cathode), nr_(mesh.particle) {
    chemistry_ = cell_.chemistry;
    chem_ = chemistry_.enabled;
    pattern_ = local_pattern();
    intercalating_ = cell_.has_cam && !cell_.cam.inert;
    block_ = 3 + nr_ + (chem_ ? n_extra : 0);
    n_ = ns_ + nc_ * block_ + 3 + (chem_ ? n_ledger : 0);
    hs_ = cell_.separator_thickness / ns_;
    hc_ = cell_.thickness / nc_;
    a_ = 3.0 * cell_.eps_cam / cell_.particle_radius;
    c_max_ = intercalating_ ? cell_.cam.c_max : 1.0;
    dr_ = cell_.particle_radius / nr_;
    rf2_.resize(nr_);
    vol_.resize(nr_);
    shell_weight_.resize(nr_);
    const double Rp3 = std::pow(cell_.particle_radius, 3);
    for (int i = 0; i < nr_; ++i) {
        double ro = (i + 1) * dr_, ri = i * dr_;
        rf2_[i] = ro * ro;
        vol_[i] = (ro * ro * ro - ri * ri * ri) / 3.0;
        shell_weight_[i] = (ro * ro * ro - ri * ri * ri) / Rp3;
    }
    // Interface areas (MODEL.md section 3). Carbon surface a_C = rho_C eps_C SSA; the share
    // next to CAM, w eps_CAM / (eps_CAM + eps_SE) with a configurable weight w, is the
    // triple-phase boundary; the rest touches SE only. No CAM: no TPB.
    double a_carbon = cell_.has_carbon ? cell_.carbon.density * cell_.eps_carbon *
                                             cell_.carbon.specific_surface_area
                                       : 0.0;
    double share = cell_.eps_cam > 0
                       ? std::min(1.0, chemistry_.tpb_weight * cell_.eps_cam / (cell_.eps_cam + cell_.eps_se))
                       : 0.0;
    a_site_[site_carbon] = a_carbon * (1.0 - share);
    a_site_[site_tpb] = a_carbon * share;
    a_site_[site_cam] = a_;
    coating_pass_ = 1.0 - cell_.coating_blocking;
    pressure_factor_ = 1.0 / (1.0 + cell_.stack_pressure / chemistry_.reference_pressure);
    const auto& se = cell_.electrolyte;
    se_shrink_ = se.molar_volume > 0 && se.decomposed_molar_volume > 0
                     ? (se.molar_volume - se.decomposed_molar_volume) / (chemistry_.se_electrons * F)
                     : 0.0;
    G_e_.resize(ns_ + nc_);
    sigma_.resize(nc_);
    dsigma_.resize(nc_);
    dsigma_v_.resize(nc_);
    src_.resize(nc_);
    set_temperature(cell_.temperature);
}

// base * 10^factor(x) on a uniform grid x = k / n. The factor is piecewise linear, so
// inside a segment each grid step multiplies by a constant ratio: one pow per segment.
void CathodeP2D::fill_log_table(const Table1D& factor, double base, std::vector<double>& out) {
    if (factor.empty()) {
        out.clear();
        return;
    }
    constexpr int n = kPropertyTablePoints;
    out.resize(n + 1);
    const auto& kx = factor.x();
    size_t seg = 0;
    double ratio = 1.0, value = 0.0;
    int seg_start = -1;
    for (int k = 0; k <= n; ++k) {
        double x = static_cast<double>(k) / n;
        size_t s = seg;
        while (s + 1 < kx.size() && x >= kx[s + 1]) ++s;
        if (s != seg || seg_start < 0 || x <= kx.front() || x >= kx.back()) {
            seg = s;
            seg_start = k;
            value = base * std::pow(10.0, factor(x));
            double slope = 0.0;
            factor(x, &slope);
            bool in_segment = x > kx.front() && x < kx.back();
            ratio = in_segment ? std::pow(10.0, slope / n) : 1.0;
        } else {
            value *= ratio;
        }
        out[k] = value;
    }
}

void CathodeP2D::set_temperature(double T) {
    if (T == T_ && !first_temperature_) return;
    first_temperature_ = false;
    T_ = T;
    f_ = F / (R * T);
    // Ionic conductances. kappa_eff = kappa eps / tau (MODEL.md section 2).
    double k_sep = cell_.separator_electrolyte.ionic_conductivity.at(T) *
                   (1.0 - cell_.separator_porosity) / cell_.separator_tortuosity;
    double k_cat = cell_.electrolyte.ionic_conductivity.at(T) * cell_.eps_se / cell_.ionic_tortuosity;
    auto kappa = [&](int n) { return n < ns_ ? k_sep : k_cat; };
    auto width = [&](int n) { return n < ns_ ? hs_ : hc_; };
    G_e_[0] = kappa(0) / (0.5 * width(0));  // counter interface to first cell centre
    for (int n = 1; n < ns_ + nc_; ++n)
        G_e_[n] = 1.0 / (0.5 * width(n - 1) / kappa(n - 1) + 0.5 * width(n) / kappa(n));
    // Electronic: carbon network above its percolation threshold plus the CAM itself.
    sigma_carbon_eff_ = 0.0;
    if (cell_.has_carbon && cell_.eps_carbon > cell_.carbon.percolation_threshold)
        sigma_carbon_eff_ = cell_.carbon.conductivity * cell_.eps_carbon / cell_.electronic_tortuosity;
    cam_sigma_factor_ = cell_.eps_cam / cell_.electronic_tortuosity;
    sigma_cam_ref_ = cell_.cam.conductivity.at(T);
    cam_sigma_varies_ = !cell_.cam.conductivity_log10_factor.empty();
    fill_log_table(cell_.cam.conductivity_log10_factor, sigma_cam_ref_, sigma_table_);
    i0_ref_ = cell_.cam.exchange_current.at(T);
    i0_scale_ = i0_ref_ / std::pow(0.5, cell_.cam.alpha_a + cell_.cam.alpha_c);
    D_ref_ = intercalating_ ? cell_.cam.diffusivity.at(T) : 0.0;
    fill_log_table(intercalating_ ? cell_.cam.diffusivity_log10_factor : Table1D(), D_ref_, D_table_);
    i0_counter_ = cell_.counter.exchange_current.at(T);
    for (int s = 0; s < n_sites; ++s) {
        k_ox_[s] = chemistry_.site[s].k_ox.at(T);
        k_red_[s] = chemistry_.site[s].k_red.at(T);
        k_fast_[s] = chemistry_.site[s].k_fast.at(T);
    }
    k_pristine_ = chemistry_.pristine_reduction.k.at(T);
    k_oxygen_ = chemistry_.lattice_oxygen.k.at(T);
    film_kappa_ = chemistry_.film_conductivity.at(T);
    index_boltzmann();
}

// The chemistry's Boltzmann factors exp((dphi - U) alpha f): the sites usually share onset
// potentials and transfer coefficients, so local_terms evaluates one exp per distinct
// (U, alpha) among the reactions that are on (the same conditions as there) and each
// reaction reads its factor by index. A shared value is the same value: results unchanged.
void CathodeP2D::index_boltzmann() {
    n_boltzmann_ = 0;
    auto index = [&](double U, double alpha) {
        for (int i = 0; i < n_boltzmann_; ++i)
            if (boltzmann_U_[i] == U && boltzmann_alpha_[i] == alpha) return i;
        boltzmann_U_[n_boltzmann_] = U;
        boltzmann_alpha_[n_boltzmann_] = alpha;
        return n_boltzmann_++;
    };
    const ChemistrySpec& ch = chemistry_;
    for (int s = 0; s < n_sites; ++s) {
        bz_ox_[s] = bz_fast_[s] = bz_red_[s] = -1;
        if (!chem_ || a_site_[s] <= 0.0) continue;
        const SiteKinetics& k = ch.site[s];
        bz_ox_[s] = index(k.U_ox, k.alpha_ox);
        if (k_fast_[s] > 0.0) bz_fast_[s] = index(k.U_ox, k.alpha_fast);
        bz_red_[s] = index(k.U_red, -k.alpha_red);
    }
    bz_pristine_ = bz_oxygen_ = -1;
    if (chem_ && a_site_[site_carbon] + a_site_[site_tpb] > 0.0 && k_pristine_ > 0.0)
        bz_pristine_ = index(ch.pristine_reduction.U, -ch.pristine_reduction.alpha);
    if (chem_ && a_ > 0.0 && k_oxygen_ > 0.0)
        bz_oxygen_ = index(ch.lattice_oxygen.U, ch.lattice_oxygen.alpha);
}

void CathodeP2D::set_control(ControlMode mode, double value, double rate, double t0) {
    mode_ = mode;
    control_value_ = value;
    control_rate_ = rate;
    control_t0_ = t0;
}

double CathodeP2D::conductivity_solid(double c_outer, double* dsdc) const {
    if (!cam_sigma_varies_) {
        *dsdc = 0.0;
        return sigma_carbon_eff_ + cam_sigma_factor_ * sigma_cam_ref_;
    }
    double ds = 0.0;
    double s = interpolate_uniform(sigma_table_, c_outer / c_max_, &ds);
    *dsdc = cam_sigma_factor_ * ds / c_max_;
    return sigma_carbon_eff_ + cam_sigma_factor_ * s;
}

// Electrolyte potential at x = 0 set by the counter electrode: Butler-Volmer (symmetric)
// plus its area-specific resistance; the charge current reduces the counter electrode.
double CathodeP2D::counter_potential(double i_app, double* dphidi) const {
    double z = i_app / (2.0 * i0_counter_);
    *dphidi = cell_.counter.area_resistance + (2.0 / f_) / (2.0 * i0_counter_) / std::sqrt(1 + z * z);
    return i_app * cell_.counter.area_resistance + (2.0 / f_) * std::asinh(z);
}

namespace {
// x^ac (1 - x)^aa, with the symmetric case (the usual one) as a single square root.
template <class T>
T kinetic_powers(const T& x, double ac, double aa) {
    using std::pow;
    using std::sqrt;
    if (ac == 0.5 && aa == 0.5) return sqrt(x * (1.0 - x));
    return pow(x, ac) * pow(1.0 - x, aa);
}

template <class T>
T clamp_value(const T& x, double lo, double hi) {
    if (value(x) < lo) return T(lo);
    if (value(x) > hi) return T(hi);
    return x;
}

// Slots of the local input vector u of one cathode cell.
enum Slot {
// The local terms depend on the potentials only through dphi = phi_s - phi_e (so the
// phi_e derivative is minus the phi_s one, exactly), and no local term depends on the
// trapped inventory itself (the last extra): neither takes a derivative direction of
// the Dual. The particle mean and the void rate enter only the trapped-lithium rate,
// linearly; they are plain arguments of local_terms.
    s_dphi = 0, s_j, s_c_inner, s_c_outer, s_extra,
    n_slots = s_extra + CathodeP2D::x_trapped
};
static_assert(CathodeP2D::x_trapped == CathodeP2D::n_extra - 1, "the trapped inventory is the last extra");
using LocalDual = Dual<n_slots>;

constexpr std::uint32_t bit(int slot) { return std::uint32_t(1) << slot; }
constexpr std::uint32_t extra_bit(int k) { return bit(s_extra + k); }
}  // namespace

// The local inputs each output of local_terms can depend on, for any state and parameter
// set (a superset: branches that return constants are covered by the branch that does
// not). The Jacobian pattern is fixed at the first assembly, so only these entries are
// emitted: emitting every slot for every output made the chemistry rows structurally
// dense within each cell (16 x 16) and the ledger rows dense over all local inputs of
// every cell, which multiplied the fill of the KLU factors. MatchesFiniteDifferences*
// in test_jacobian.cpp catch a missing dependency (analytic 0 vs finite difference).
CathodeP2D::LocalPattern CathodeP2D::local_pattern() {
    LocalPattern p;
    const std::uint32_t dphi = bit(s_dphi);
    const std::uint32_t contact = extra_bit(x_void) | bit(s_c_outer);  // theta, phi_dead
    const auto site_inputs = [&](int s) {  // the oxidation rate at site s (before reduction)
        return dphi | extra_bit(x_rev + s) | extra_bit(x_irr + s) | (s == site_cam ? contact : 0u);
    };
    p.kin = dphi | bit(s_j) | bit(s_c_inner) | bit(s_c_outer) | extra_bit(x_film);
    p.surf_flux = contact | bit(s_j);
    p.src = dphi | bit(s_j) | contact | extra_bit(x_oxygen) | extra_bit(x_pristine);
    for (int s = 0; s < n_sites; ++s) {
        p.src |= site_inputs(s);
        p.rate[x_rev + s] = site_inputs(s);
        p.rate[x_irr + s] = site_inputs(s);
        p.q[l_ox_rev + s] = site_inputs(s);
        p.q[l_ox_irr + s] = site_inputs(s);
        p.q[l_reduction + s] = dphi | extra_bit(x_rev + s);
    }
    p.rate[x_oxygen] = p.q[l_oxygen] = dphi | contact | extra_bit(x_oxygen);
    p.rate[x_pristine] = p.q[l_pristine] = dphi | extra_bit(x_pristine);
    p.rate[x_film] = p.rate[x_void] = site_inputs(site_tpb) | site_inputs(site_cam) | p.rate[x_oxygen];
    // (Its c_mean and void-rate entries are emitted separately.)
    p.rate[x_trapped] = extra_bit(x_void);
    p.q[l_intercalation] = bit(s_j) | contact;
    return p;
}

template <class T>
void CathodeP2D::contact(const T& v_void, const T& c_outer, T& theta, T& phi_dead,
                         T& sigma_factor, T& dphid_dv) const {
    using std::exp;
    using std::pow;
    const ChemistrySpec& ch = chemistry_;
    if (!chem_) {
        theta = T(1.0);
        phi_dead = T(0.0);
        sigma_factor = T(1.0);
        dphid_dv = T(0.0);
        return;
    }
    const double p = pressure_factor_;
    // Voids from SE shrinkage at CAM-adjacent sites, partly closed by stack pressure.
    T ratio = exp(-v_void * (p / ch.void_scale));
    // CAM breathing: contraction opens gaps (reversible), moderated by pressure.
    T breath(1.0);
    if (intercalating_ && !cell_.cam.volume_change.empty()) {
        double dv = 0.0;
        double xo = value(c_outer) / c_max_;
        double rel = cell_.cam.volume_change(std::clamp(xo, 0.0, 1.0), &dv);
        if (xo < 0.0 || xo > 1.0) dv = 0.0;
        if (rel < 0.0) {
            T contraction = apply(c_outer, -rel, -dv / c_max_);
            breath = 1.0 - contraction * (ch.breathing_coefficient * p);
            if (value(breath) < 0.05) breath = T(0.05);
        }
    }
    theta = ratio * breath * ch.contact_initial;
    // Particles start with contacts spread over theta_0 (1 -+ w); those whose contact falls
    // below the threshold are isolated for good (voids only grow). The distribution is the
    // smoothstep of the uniform one, so the dead fraction and its rate stay continuous
    // (a kinked clamp stalls the integrator when the last particles die).
    const double w = ch.heterogeneity, thr = ch.isolation_threshold;
    T z = (thr / ratio - (1.0 - w)) / (2.0 * w);
    if (value(z) <= 0.0) {
        phi_dead = T(0.0);
        dphid_dv = T(0.0);
    } else if (value(z) >= 1.0) {
        phi_dead = T(ch.max_isolated);
        dphid_dv = T(0.0);
    } else {
        // Scaled by the largest isolated share: the relative loss rate of the connected
        // inventory, phi'/(1 - phi), would diverge as the last particles die.
        phi_dead = ch.max_isolated * z * z * (3.0 - 2.0 * z);
        dphid_dv = ch.max_isolated * 6.0 * z * (1.0 - z) * (thr / (2.0 * w)) * (p / ch.void_scale) / ratio;
    }
    // pow(x, 1) is x (and its derivative 1) exactly: skip the pow for the usual exponent.
    const double m = ch.conductivity_exponent;
    sigma_factor = m == 1.0 ? ratio * breath : m > 0 ? pow(ratio * breath, m) : T(1.0);
}

template <class T>
void CathodeP2D::local_terms(const T* u, double c_mean, double void_rate, Local<T>& out) const {
    using std::exp;
    const T& dphi = u[s_dphi];
    const T j = u[s_j];
    T theta, phi_dead, sigma_factor, dphid_dv;
    if (chem_) {
        contact(u[s_extra + x_void], u[s_c_outer], theta, phi_dead, sigma_factor, dphid_dv);
    } else {
        theta = T(1.0);
        phi_dead = T(0.0);
        sigma_factor = T(1.0);
        dphid_dv = T(0.0);
    }
    out.sigma_factor = sigma_factor;
    const T a_contact = a_ * (1.0 - phi_dead) * theta;  // connected CAM touching SE [1/m]

    // Intercalation at the CAM/SE contact, with the interphase film in series.
    if (intercalating_) {
        const auto& cam = cell_.cam;
        const double aa = cam.alpha_a, ac = cam.alpha_c;
        T xs = (1.5 * u[s_c_outer] - 0.5 * u[s_c_inner]) / c_max_;
        double dU = 0.0;
        double Uv = cam.ocv(value(xs), &dU);
        T U = apply(xs, Uv, dU);
        T xi = clamp_value(xs, 1e-12, 1.0 - 1e-12);
        T i0 = kinetic_powers(xi, ac, aa) * i0_scale_;
        T Rf = T(cell_.film_resistance);
        if (chem_) Rf = Rf + u[s_extra + x_film] / film_kappa_;
        T eta = dphi - U - j * Rf;
        T jbv = i0 * (exp(eta * (aa * f_)) - exp(eta * (-ac * f_)));
        out.kin = j - jbv;
    } else {
        out.kin = j;
    }
    out.surf_flux = theta * j / F;
    out.src = a_contact * j;
    for (auto& r : out.rate) r = T(0.0);
    out.trapped_per_c_mean = out.trapped_per_void_rate = 0.0;
    for (auto& q : out.q) q = T(0.0);
    out.q[l_intercalation] = a_contact * j;
    if (!chem_) return;

    const ChemistrySpec& ch = chemistry_;
    const double nF = ch.electrons_per_product * F;
    // Site areas: the CAM site is the connected CAM/SE contact; coatings cover the CAM
    // side of the TPB and the CAM/SE contact.
    T area[n_sites] = {T(a_site_[site_carbon]), T(a_site_[site_tpb] * coating_pass_),
                       a_contact * coating_pass_};
    // exp((dphi - U) alpha f) once per distinct (U, alpha) (see index_boltzmann).
    T boltzmann[kMaxBoltzmann];
    for (int i = 0; i < n_boltzmann_; ++i)
        boltzmann[i] = exp((dphi - boltzmann_U_[i]) * (boltzmann_alpha_[i] * f_));
    T r_ox_cam_side(0.0);
    for (int s = 0; s < n_sites; ++s) {
        const SiteKinetics& k = ch.site[s];
        if (a_site_[s] <= 0.0) continue;
        const T& rev = u[s_extra + x_rev + s];
        const T& irr = u[s_extra + x_irr + s];
        // Coverage per site area; the passivation law g = 1 / (1 + Gamma / Gamma_pass).
        T g = 1.0 / (1.0 + (rev + irr) / (area[s] * k.passivation + 1e-300));
        T r_ox = area[s] * g * (k_ox_[s] * boltzmann[bz_ox_[s]]);
        if (k_fast_[s] > 0.0) {
            // Exponential passivation: the fresh surface reacts fast once, then not at all.
            T g_fast = exp(-(rev + irr) / (area[s] * k.passivation_fast + 1e-300));
            r_ox = r_ox + area[s] * g_fast * (k_fast_[s] * boltzmann[bz_fast_[s]]);
        }
        T r_red = rev * (-k_red_[s] / k.passivation) * boltzmann[bz_red_[s]];
        out.rate[x_rev + s] = (k.reversible_fraction * r_ox + r_red) / nF;
        out.rate[x_irr + s] = (1.0 - k.reversible_fraction) * r_ox / nF;
        out.q[l_ox_rev + s] = k.reversible_fraction * r_ox;
        out.q[l_ox_irr + s] = (1.0 - k.reversible_fraction) * r_ox;
        out.q[l_reduction + s] = r_red;
        out.src = out.src + r_ox + r_red;
        if (s != site_carbon) r_ox_cam_side = r_ox_cam_side + r_ox;
    }
    // Pristine-SE reduction at the carbon surfaces (irreversible, self-passivating).
    const double a_c_total = a_site_[site_carbon] + a_site_[site_tpb];
    if (a_c_total > 0.0 && k_pristine_ > 0.0) {
        const PassivatingReaction& r = ch.pristine_reduction;
        T g = 1.0 / (1.0 + u[s_extra + x_pristine] / (a_c_total * r.passivation));
        T rate = g * (-k_pristine_ * a_c_total) * boltzmann[bz_pristine_];
        out.rate[x_pristine] = -rate / nF;
        out.q[l_pristine] = rate;
        out.src = out.src + rate;
    }
    // Lattice-oxygen-driven SE oxidation at the CAM surface at high state of charge.
    if (a_ > 0.0 && k_oxygen_ > 0.0) {
        const PassivatingReaction& r = ch.lattice_oxygen;
        T g = 1.0 / (1.0 + u[s_extra + x_oxygen] / (a_contact * r.passivation + 1e-300));
        T rate = a_contact * g * (k_oxygen_ * boltzmann[bz_oxygen_]);
        out.rate[x_oxygen] = rate / nF;
        out.q[l_oxygen] = rate;
        out.src = out.src + rate;
        r_ox_cam_side = r_ox_cam_side + rate;
    }
    if (a_ > 0.0) {
        // Interphase growth and SE-shrinkage voids, per m2 of CAM surface.
        out.rate[x_film] = r_ox_cam_side * (ch.film_molar_volume / nF / a_);
        out.rate[x_void] = r_ox_cam_side * (se_shrink_ / a_);
        // Lithium leaves with particles as they are isolated.
        out.rate[x_trapped] = cell_.eps_cam * c_mean * dphid_dv * void_rate;
        out.trapped_per_c_mean = cell_.eps_cam * value(dphid_dv) * void_rate;
        out.trapped_per_void_rate = cell_.eps_cam * c_mean * value(dphid_dv);
    }
}

void CathodeP2D::sigma_node(const double* y, int m, double* ds_dc, double* ds_dv) const {
    double dbase = 0.0;
    double base = conductivity_solid(y[idx_c(m, nr_ - 1)], &dbase);
    if (!chem_) {
        sigma_[m] = base;
        *ds_dc = dbase;
        *ds_dv = 0.0;
        return;
    }
    Dual<2> v = Dual<2>::variable(y[idx_x(m, x_void)], 0);
    Dual<2> c = Dual<2>::variable(y[idx_c(m, nr_ - 1)], 1);
    Dual<2> theta, dead, factor, dd;
    contact(v, c, theta, dead, factor, dd);
    sigma_[m] = base * factor.v;
    *ds_dc = dbase * factor.v + base * factor.d[1];
    *ds_dv = base * factor.d[0];
}

bool CathodeP2D::residual(double t, const double* y, const double* yp, double* Fr) {
    const int N = ns_ + nc_;
    const double i_app = y[idx_current()];
    double dphib = 0.0;
    const double phi_b = counter_potential(i_app, &dphib);
    Local<double> L;
    double u[n_slots];
    double ledger[n_ledger] = {};

    // Local terms per cathode cell: kinetics, particle surface, chemistry.
    for (int m = 0; m < nc_; ++m) {
        u[s_dphi] = y[idx_phi_s(m)] - y[idx_phi_e(ns_ + m)];
        u[s_j] = y[idx_j(m)];
        u[s_c_inner] = y[idx_c(m, nr_ - 2)];
        u[s_c_outer] = y[idx_c(m, nr_ - 1)];
        double c_mean = 0.0, void_rate = 0.0;
        if (chem_) {
            for (int i = 0; i < nr_; ++i) c_mean += shell_weight_[i] * y[idx_c(m, i)];
            for (int k = s_extra; k < n_slots; ++k) u[k] = y[idx_x(m, k - s_extra)];
            void_rate = yp[idx_x(m, x_void)];
        }
        local_terms(u, c_mean, void_rate, L);
        src_[m] = L.src;
        Fr[idx_j(m)] = L.kin;
        double dc = 0.0;
        sigma_[m] = conductivity_solid(u[s_c_outer], &dc) * L.sigma_factor;
        // Particle diffusion; the outer face carries the interfacial flux.
        const double* c = y + idx_c(m, 0);
        const double* cp = yp + idx_c(m, 0);
        double* Fc = Fr + idx_c(m, 0);
        double q_in = 0.0;
        for (int i = 0; i < nr_; ++i) {
            double q_out;
            if (i + 1 < nr_) {
                double D = Ds(0.5 * (c[i] + c[i + 1]) / c_max_);
                q_out = rf2_[i] * D * (c[i + 1] - c[i]) / dr_;
            } else {
                q_out = -rf2_[i] * L.surf_flux;
            }
            Fc[i] = cp[i] - (q_out - q_in) / vol_[i];
            q_in = q_out;
        }
        if (chem_) {
            for (int k = 0; k < n_extra; ++k) Fr[idx_x(m, k)] = yp[idx_x(m, k)] - L.rate[k];
            for (int k = 0; k < n_ledger; ++k) ledger[k] += hc_ * L.q[k];
        }
    }
    // Electrolyte charge balance over all cells.
    for (int n = 0; n < N; ++n) {
        double phi = y[idx_phi_e(n)];
        double ie_left = n == 0 ? -G_e_[0] * (phi - phi_b) : -G_e_[n] * (phi - y[idx_phi_e(n - 1)]);
        double ie_right = n + 1 < N ? -G_e_[n + 1] * (y[idx_phi_e(n + 1)] - phi) : 0.0;
        double src = n >= ns_ ? hc_ * src_[n - ns_] : 0.0;
        Fr[idx_phi_e(n)] = ie_right - ie_left - src;
    }
    // Solid charge balance.
    for (int m = 0; m < nc_; ++m) {
        double is_left = 0.0, is_right = -i_app;
        if (m > 0) {
            double G = 2.0 / (hc_ * (1.0 / sigma_[m - 1] + 1.0 / sigma_[m]));
            is_left = -G * (y[idx_phi_s(m)] - y[idx_phi_s(m - 1)]);
        }
        if (m + 1 < nc_) {
            double G = 2.0 / (hc_ * (1.0 / sigma_[m] + 1.0 / sigma_[m + 1]));
            is_right = -G * (y[idx_phi_s(m + 1)] - y[idx_phi_s(m)]);
        }
        Fr[idx_phi_s(m)] = is_right - is_left + hc_ * src_[m];
    }
    // Control, charge and energy.
    double V = potential_vs_li(y);
    double Vcell = V - cell_.counter.potential;
    switch (mode_) {
        case ControlMode::current: Fr[idx_current()] = i_app - control_value_; break;
        case ControlMode::voltage:
            Fr[idx_current()] = V - (control_value_ + control_rate_ * (t - control_t0_));
            break;
        case ControlMode::power: Fr[idx_current()] = i_app * Vcell - control_value_; break;
        case ControlMode::rest: Fr[idx_current()] = i_app; break;
    }
    Fr[idx_charge()] = yp[idx_charge()] - i_app;
    Fr[idx_energy()] = yp[idx_energy()] - i_app * Vcell;
    if (chem_)
        for (int k = 0; k < n_ledger; ++k) Fr[idx_ledger(k)] = yp[idx_ledger(k)] - ledger[k];
    for (int k = 0; k < n_; ++k)
        if (!std::isfinite(Fr[k])) return false;
    return true;
}

void CathodeP2D::jacobian(double /*t*/, double cj, const double* y, const double* yp,
                          JacobianAssembler& J) {
    const int N = ns_ + nc_;
    const double i_app = y[idx_current()];
    double dphib = 0.0;
    counter_potential(i_app, &dphib);
    for (int m = 0; m < nc_; ++m) sigma_node(y, m, &dsigma_[m], &dsigma_v_[m]);

    // Electrolyte rows: conduction part (sources below).
    for (int n = 0; n < N; ++n) {
        int row = idx_phi_e(n);
        double diag = G_e_[n];
        if (n > 0) J.add(row, idx_phi_e(n - 1), -G_e_[n]);
        else J.add(row, idx_current(), -G_e_[0] * dphib);
        if (n + 1 < N) {
            diag += G_e_[n + 1];
            J.add(row, idx_phi_e(n + 1), -G_e_[n + 1]);
        }
        J.add(row, row, diag);
    }
    LocalDual u[n_slots];
    CathodeP2D::Local<LocalDual> L;
    for (int m = 0; m < nc_; ++m) {
        const int rs = idx_phi_s(m);
        // Solid conduction with conductivities depending on c_outer (and voids).
        auto face = [&](int a, int b, double sign) {
            double inv = 1.0 / sigma_[a] + 1.0 / sigma_[b];
            double G = 2.0 / (hc_ * inv);
            double dphi = y[idx_phi_s(b)] - y[idx_phi_s(a)];
            J.add(rs, idx_phi_s(a), sign * G);
            J.add(rs, idx_phi_s(b), -sign * G);
            double ka = G * G * hc_ / (2 * sigma_[a] * sigma_[a]);
            double kb = G * G * hc_ / (2 * sigma_[b] * sigma_[b]);
            J.add(rs, idx_c(a, nr_ - 1), -sign * ka * dsigma_[a] * dphi);
            J.add(rs, idx_c(b, nr_ - 1), -sign * kb * dsigma_[b] * dphi);
            if (chem_) {
                J.add(rs, idx_x(a, x_void), -sign * ka * dsigma_v_[a] * dphi);
                J.add(rs, idx_x(b, x_void), -sign * kb * dsigma_v_[b] * dphi);
            }
        };
        if (m + 1 < nc_) face(m, m + 1, +1.0);
        else J.add(rs, idx_current(), -1.0);
        if (m > 0) face(m - 1, m, -1.0);

        // Local terms by forward-mode AD.
        double c_mean = 0.0;
        if (chem_)
            for (int i = 0; i < nr_; ++i) c_mean += shell_weight_[i] * y[idx_c(m, i)];
        u[s_dphi] = LocalDual::variable(y[idx_phi_s(m)] - y[idx_phi_e(ns_ + m)], s_dphi);
        u[s_j] = LocalDual::variable(y[idx_j(m)], s_j);
        u[s_c_inner] = LocalDual::variable(y[idx_c(m, nr_ - 2)], s_c_inner);
        u[s_c_outer] = LocalDual::variable(y[idx_c(m, nr_ - 1)], s_c_outer);
        for (int k = s_extra; k < n_slots; ++k)
            u[k] = LocalDual::variable(chem_ ? y[idx_x(m, k - s_extra)] : 0.0, k);
        local_terms(u, c_mean, chem_ ? yp[idx_x(m, x_void)] : 0.0, L);

        const std::uint32_t local_slots = chem_ ? bit(n_slots) - 1 : bit(s_extra) - 1;
        auto column = [&](int slot) {
            switch (slot) {
                case s_j: return idx_j(m);
                case s_c_inner: return idx_c(m, nr_ - 2);
                case s_c_outer: return idx_c(m, nr_ - 1);
                default: return idx_x(m, slot - s_extra);
            }
        };
        // Emits row += scale * d(expr)/d(local inputs) for the inputs in deps (see
        // local_pattern), with a fixed entry sequence.
        auto emit = [&](int row, const LocalDual& e, double scale, std::uint32_t deps) {
            // Set bits in increasing slot order, so the entry sequence is fixed.
            for (std::uint32_t b = deps & local_slots; b != 0; b &= b - 1) {
                const int s = __builtin_ctz(b);
                if (s == s_dphi) {
                    J.add(row, idx_phi_e(ns_ + m), -scale * e.d[s]);
                    J.add(row, idx_phi_s(m), scale * e.d[s]);
                } else {
                    J.add(row, column(s), scale * e.d[s]);
                }
            }
        };
        const LocalPattern& P = pattern_;
        emit(idx_phi_e(ns_ + m), L.src, -hc_, P.src);
        emit(rs, L.src, hc_, P.src);
        emit(idx_j(m), L.kin, 1.0, P.kin);

        // Particle rows.
        const double* c = y + idx_c(m, 0);
        for (int i = 0; i < nr_; ++i) {
            int row = idx_c(m, i);
            J.add(row, row, cj);
            if (i + 1 < nr_) {
                double dD = 0.0;
                double D = Ds(0.5 * (c[i] + c[i + 1]) / c_max_, &dD);
                double dDdc = dD * 0.5 / c_max_;
                double g = c[i + 1] - c[i];
                double dq_dci = rf2_[i] / dr_ * (-D + dDdc * g);
                double dq_dcn = rf2_[i] / dr_ * (D + dDdc * g);
                J.add(row, row, -dq_dci / vol_[i]);
                J.add(row, row + 1, -dq_dcn / vol_[i]);
                J.add(row + 1, row, dq_dci / vol_[i + 1]);
                J.add(row + 1, row + 1, dq_dcn / vol_[i + 1]);
            } else {
                // F = c' - (q_out - q_in)/vol with q_out = -rf2 surf_flux.
                emit(row, L.surf_flux, rf2_[i] / vol_[i], P.surf_flux);
            }
        }
        if (chem_) {
            for (int k = 0; k < n_extra; ++k) {
                int row = idx_x(m, k);
                J.add(row, row, cj);
                emit(row, L.rate[k], -1.0, P.rate[k]);
            }
            // The trapped-lithium rate depends on the particle mean and on the void rate.
            for (int i = 0; i < nr_; ++i)
                J.add(idx_x(m, x_trapped), idx_c(m, i), -L.trapped_per_c_mean * shell_weight_[i]);
            J.add(idx_x(m, x_trapped), idx_x(m, x_void), -L.trapped_per_void_rate * cj);
            for (int k = 0; k < n_ledger; ++k) emit(idx_ledger(k), L.q[k], -hc_, P.q[k]);
        }
    }
    // Control row: entries always present so the pattern is fixed.
    const int ri = idx_current(), last = nc_ - 1;
    double half = 0.5 * hc_ / sigma_[last];
    double dV_di = half + cell_.contact_resistance;
    double dV_dc = -i_app * 0.5 * hc_ / (sigma_[last] * sigma_[last]) * dsigma_[last];
    double dV_dv = -i_app * 0.5 * hc_ / (sigma_[last] * sigma_[last]) * dsigma_v_[last];
    double Vcell = potential_vs_li(y) - cell_.counter.potential;
    double a_i = 0, a_V = 0;
    switch (mode_) {
        case ControlMode::current: a_i = 1.0; break;
        case ControlMode::rest: a_i = 1.0; break;
        case ControlMode::voltage: a_i = dV_di; a_V = 1.0; break;
        case ControlMode::power: a_i = Vcell + i_app * dV_di; a_V = i_app; break;
    }
    J.add(ri, ri, a_i);
    J.add(ri, idx_phi_s(last), a_V);
    J.add(ri, idx_c(last, nr_ - 1), a_V * dV_dc);
    if (chem_) J.add(ri, idx_x(last, x_void), a_V * dV_dv);
    J.add(idx_charge(), idx_charge(), cj);
    J.add(idx_charge(), ri, -1.0);
    J.add(idx_energy(), idx_energy(), cj);
    J.add(idx_energy(), ri, -(Vcell + i_app * dV_di));
    J.add(idx_energy(), idx_phi_s(last), -i_app);
    J.add(idx_energy(), idx_c(last, nr_ - 1), -i_app * dV_dc);
    if (chem_) {
        J.add(idx_energy(), idx_x(last, x_void), -i_app * dV_dv);
        for (int k = 0; k < n_ledger; ++k) J.add(idx_ledger(k), idx_ledger(k), cj);
    }
}

void CathodeP2D::shift_to_current(double* y, const double* yp, double i_app) const {
    Local<double> L;
    double u[n_slots];
    auto total = [&](double phi_s) {
        double sum = 0.0;
        for (int m = 0; m < nc_; ++m) {
            u[s_dphi] = phi_s;  // phi_e = 0
            u[s_j] = 0.0;
            u[s_c_inner] = y[idx_c(m, nr_ - 2)];
            u[s_c_outer] = y[idx_c(m, nr_ - 1)];
            for (int k = s_extra; k < n_slots; ++k) u[k] = chem_ ? y[idx_x(m, k - s_extra)] : 0.0;
            local_terms(u, 0.0, chem_ ? yp[idx_x(m, x_void)] : 0.0, L);
            sum += hc_ * L.src;
        }
        return sum;
    };
    double lo = -1.0, hi = 7.0;
    for (int it = 0; it < 200 && hi - lo > 1e-9; ++it) {
        double mid = 0.5 * (lo + hi);
        if (total(mid) > i_app) hi = mid; else lo = mid;
    }
    const double phi = 0.5 * (lo + hi);
    for (int n = 0; n < ns_ + nc_; ++n) y[idx_phi_e(n)] = 0.0;
    for (int m = 0; m < nc_; ++m) {
        y[idx_phi_s(m)] = phi;
        y[idx_j(m)] = 0.0;
    }
    y[idx_current()] = i_app;
}

void CathodeP2D::differential_ids(double* id) const {
    std::fill(id, id + n_, 0.0);
    for (int m = 0; m < nc_; ++m) {
        for (int i = 0; i < nr_; ++i) id[idx_c(m, i)] = 1.0;
        if (chem_)
            for (int k = 0; k < n_extra; ++k) id[idx_x(m, k)] = 1.0;
    }
    id[idx_charge()] = 1.0;
    id[idx_energy()] = 1.0;
    if (chem_)
        for (int k = 0; k < n_ledger; ++k) id[idx_ledger(k)] = 1.0;
}

void CathodeP2D::absolute_tolerances(double s, double* atol) const {
    // ~ a full charge [C/m2]; 278 mAh/g when the cell has no CAM capacity to refer to.
    const double capacity = intercalating_ ? cell_.cam.theoretical_capacity : 278.0 * 3600.0;
    const double q_scale = cell_.basis_loading() * capacity;
    const double c_scale = intercalating_ ? c_max_ : 1.0;
    // Product inventories on the scale of a passivating layer on the carbon surface.
    const double xi_scale = std::max(1e-6, (a_site_[site_carbon] + a_site_[site_tpb] + a_) * 1e-6);
    for (int n = 0; n < ns_; ++n) atol[n] = s;  // potentials, scale 1 V
    for (int m = 0; m < nc_; ++m) {
        atol[idx_phi_e(ns_ + m)] = s;
        atol[idx_phi_s(m)] = s;
        atol[idx_j(m)] = s;  // scale 1 A/m2
        for (int i = 0; i < nr_; ++i) atol[idx_c(m, i)] = s * c_scale;
        if (chem_) {
            for (int k = 0; k < n_extra; ++k) atol[idx_x(m, k)] = s * xi_scale;
            atol[idx_x(m, x_film)] = s * 1e-9;
            atol[idx_x(m, x_void)] = s * 1e-9;
            atol[idx_x(m, x_trapped)] = s * c_max_ * std::max(cell_.eps_cam, 1e-3);
        }
    }
    atol[idx_current()] = s;
    atol[idx_charge()] = s * q_scale;
    atol[idx_energy()] = s * q_scale * 4.0;
    if (chem_)
        for (int k = 0; k < n_ledger; ++k) atol[idx_ledger(k)] = s * q_scale;
}

std::string CathodeP2D::variable_name(int k) const {
    if (k < ns_) return "phi_e at separator cell " + std::to_string(k);
    if (k == idx_current()) return "current density i_app";
    if (k == idx_charge()) return "charge passed Q";
    if (k == idx_energy()) return "energy passed E";
    if (k > idx_energy()) {
        static const char* names[] = {"intercalation", "SE oxidation reversible (carbon)",
            "SE oxidation reversible (TPB)", "SE oxidation reversible (CAM)",
            "SE oxidation irreversible (carbon)", "SE oxidation irreversible (TPB)",
            "SE oxidation irreversible (CAM)", "product reduction (carbon)",
            "product reduction (TPB)", "product reduction (CAM)", "lattice-oxygen SE oxidation",
            "pristine-SE reduction"};
        return std::string("cumulative charge: ") + names[k - idx_energy() - 1];
    }
    int m = (k - ns_) / block_, o = (k - ns_) % block_;
    std::string where = " at cathode cell " + std::to_string(m);
    if (o == 0) return "phi_e" + where;
    if (o == 1) return "phi_s" + where;
    if (o == 2) return "intercalation current j" + where;
    if (o < 3 + nr_) return "c_s[shell " + std::to_string(o - 3) + "]" + where;
    static const char* extras[] = {"reversible products (carbon)", "reversible products (TPB)",
        "reversible products (CAM)", "irreversible products (carbon)", "irreversible products (TPB)",
        "irreversible products (CAM)", "lattice-oxygen products", "pristine-reduction products",
        "interphase thickness", "void volume", "trapped lithium"};
    return std::string(extras[o - 3 - nr_]) + where;
}

void CathodeP2D::initial_state(double x0, double* y, double* yp) const {
    std::fill(y, y + n_, 0.0);
    std::fill(yp, yp + n_, 0.0);
    double U = intercalating_ ? cell_.cam.ocv(x0)
                              : (cell_.initial_potential_inert > 0 ? cell_.initial_potential_inert : 2.5);
    for (int m = 0; m < nc_; ++m) {
        y[idx_phi_s(m)] = U;
        for (int i = 0; i < nr_; ++i) y[idx_c(m, i)] = intercalating_ ? x0 * c_max_ : 0.0;
    }
}

double CathodeP2D::potential_vs_li(const double* y) const {
    const int last = nc_ - 1;
    double dc = 0.0, dv = 0.0;
    sigma_node(y, last, &dc, &dv);
    double i = y[idx_current()];
    return y[idx_phi_s(last)] + i * (0.5 * hc_ / sigma_[last] + cell_.contact_resistance);
}

CathodeP2D::ContactValues CathodeP2D::contact_at(const double* y, int m) const {
    ContactValues v;
    double sigma_factor = 1.0, dphid_dv = 0.0;
    contact(y[idx_x(m, x_void)], y[idx_c(m, nr_ - 1)], v.theta, v.dead, sigma_factor, dphid_dv);
    return v;
}

double CathodeP2D::dead_fraction(const double* y) const {
    if (!chem_) return 0.0;
    double s = 0.0;
    for (int m = 0; m < nc_; ++m) s += contact_at(y, m).dead;
    return s / nc_;
}

double CathodeP2D::mean_contact(const double* y) const {
    if (!chem_) return 1.0;
    double s = 0.0;
    for (int m = 0; m < nc_; ++m) s += contact_at(y, m).theta;
    return s / nc_;
}

double CathodeP2D::mean_film_resistance(const double* y) const {
    double s = 0.0;
    for (int m = 0; m < nc_; ++m)
        s += cell_.film_resistance + (chem_ ? y[idx_x(m, x_film)] / film_kappa_ : 0.0);
    return s / nc_;
}

double CathodeP2D::isolated_deficit(const double* y, const std::vector<double>& c_ref) const {
    if (!chem_ || !intercalating_) return 0.0;
    double s = 0.0;
    for (int m = 0; m < nc_; ++m)
        s += hc_ * (contact_at(y, m).dead * cell_.eps_cam * c_ref[m] - y[idx_x(m, x_trapped)]);
    return s;
}

std::vector<double> CathodeP2D::connected_concentration(const double* y) const {
    std::vector<double> c(nc_, 0.0);
    for (int m = 0; m < nc_; ++m)
        for (int i = 0; i < nr_; ++i) c[m] += shell_weight_[i] * y[idx_c(m, i)];
    return c;
}

double CathodeP2D::mean_stoichiometry(const double* y, int m) const {
    double s = 0.0;
    for (int i = 0; i < nr_; ++i) s += shell_weight_[i] * y[idx_c(m, i)];
    return s / c_max_;
}

double CathodeP2D::mean_stoichiometry(const double* y) const {
    double s = 0.0;
    for (int m = 0; m < nc_; ++m) s += mean_stoichiometry(y, m);
    return s / nc_;
}

double CathodeP2D::surface_stoichiometry(const double* y, int m) const {
    return (1.5 * y[idx_c(m, nr_ - 1)] - 0.5 * y[idx_c(m, nr_ - 2)]) / c_max_;
}

double CathodeP2D::lithium_in_solid(const double* y) const {
    if (!intercalating_) return 0.0;
    if (!chem_) return mean_stoichiometry(y) * c_max_ * cell_.eps_cam * cell_.thickness;
    // Connected particles carry (1 - phi_dead) of the CAM; isolated ones their own inventory.
    double s = 0.0;
    for (int m = 0; m < nc_; ++m)
        s += hc_ * ((1.0 - contact_at(y, m).dead) * cell_.eps_cam * mean_stoichiometry(y, m) * c_max_ +
                    y[idx_x(m, x_trapped)]);
    return s;
}

std::vector<double> CathodeP2D::cell_centres() const {
    std::vector<double> x(ns_ + nc_);
    for (int n = 0; n < ns_; ++n) x[n] = (n + 0.5) * hs_;
    for (int m = 0; m < nc_; ++m) x[ns_ + m] = cell_.separator_thickness + (m + 0.5) * hc_;
    return x;
}

}  // namespace ssbsim
