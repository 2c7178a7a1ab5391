// Intercalation kinetics at the connected CAM/SE contact (MODEL.md section 1): the
// intercalation current j_p per CAM area [A/m2] (> 0 on delithiation) as an algebraic state
// per particle population p of a cathode cell, with Butler-Volmer kinetics and the film
// resistance in series,
//   j = i0(x_s) [exp(alpha_a f eta) - exp(-alpha_c f eta)],  eta = dphi - U(x_s) - j R_f,
// on the population's surface stoichiometry x_s extrapolated from its two outer shells.
// With the CAM's hindered relithiation on (ActiveMaterial::Relithiation, docs/equations.md
// 4.5.1), i0 carries the hindrance ((1 - x_s)^2 + x_f^2)^(p/2) more and eta loses
// R_ins(x_s) j_- (the insertion part of j).
// sum_p a_p j_p is the source of both charge balances and, with the chemistry on, the
// ledger's intercalation charge; theta_p s_p j_p / F the population's surface flux.
#pragma once

#include <cfloat>
#include <cmath>
#include <type_traits>

#include "core/constants.hpp"
#include "models/interphase.hpp"
#include "models/local_terms.hpp"
#include "models/surface_reconstruction.hpp"
#include "numerics/dual.hpp"

namespace ssbsim {

namespace detail {
// The factors of the insertion drop that do not depend on j (detail::insertion_gates).
template <class T>
struct InsertionGates {
    T sw, b;  // the switch s(x_s) and the delithiation cut b(eta_0)
};
}  // namespace detail

class IntercalationKinetics {
public:
    explicit IntercalationKinetics(const CathodeGeometry& g) : g_(g) {}

    void declare(StateLayout& layout, LocalRegistry* ledger);
    int block() const { return block_; }
    int ledger() const { return l_; }
    // The film on the CAM (with the chemistry on) and its state index.
    void bind(const Interphase* film) { film_ = film; }
    // The rock-salt shell (models/surface_reconstruction.hpp), in series when it is on.
    void bind(const SurfaceReconstruction* shell) { shell_ = shell && shell->state() >= 0 ? shell : nullptr; }
    // cell.double_layer with the chemistry: the potential across the grown film of
    // population p is the local input first_slot + p (a state, CathodeP2D::idx_film_potential),
    // and the kinetics read eta = dphi - v_p - U - j (R_film,0 + R_coating) (the grown film's
    // delta / kappa is then that state's own row, not a series term here).
    void bind_film_potential(int first_slot) { film_v_slot_ = first_slot; }

    void set_temperature(double T);

    // Every population's kinetics residual, surface flux and source (first in src).
    template <class T>
    void evaluate(Local<T>& L) const;
    // contact: the slots every contact reads; per population the kinetics read its own.
    void pattern(LocalPattern& p, const PopulationSlots& slots, SlotMask contact,
                 const SlotMask* contact_of) const;

    // Population p's kinetics at its cell's state without its current j (the concentrations,
    // potentials, film and contact of L: ContactIsolation::evaluate first), and the
    // residual L.kin[p] would get at current j from it: evaluate() is these two, so a caller
    // that varies only j (CathodeP2D::shift_to_current) gets the same values for less.
    template <class T>
    struct Point {
        T xs, i0, Rf, eta0;          // surface stoichiometry, exchange current, series resistance, dphi - U
        detail::InsertionGates<T> gates;  // the insertion drop's switches (r_ins > 0 and gated)
        bool gated = false;          // gates computed (always for Dual); a double point 40 widths
                                     // below the onset leaves them to residual(), which mostly
                                     // needs none there
        double y = 0.0;              // the switch's argument (x_s - x_h)/w
    };
    template <class T>
    Point<T> point(const Local<T>& L, int p) const;
    template <class T>
    T residual(const Local<T>& L, int p, const Point<T>& k, const T& j) const;

private:
    template <class T>
    void evaluate_population(Local<T>& L, int p) const;
    // The outputs every case shares: surface flux, source, ledger of population p.
    template <class T>
    void finish(Local<T>& L, int p, const T& j) const;
    const CathodeGeometry& g_;
    const Interphase* film_ = nullptr;
    const SurfaceReconstruction* shell_ = nullptr;
    int block_ = -1, l_ = -1;
    int film_v_slot_ = -1;  // the first film-potential slot; -1: the grown film in series
    double i0_scale_ = 0.0;  // i0_ref / (0.5^(alpha_a + alpha_c) h(0.5)) [A/m2]
    double f_ = 0.0;         // F / R T [1/V]
    double r_ins_ = 0.0;     // R_h(T) of the insertion resistance [ohm m2]; 0: off
    double cut_ = 0.0, cut_width_ = 0.01;  // [V] where b(eta_0) turns the drop off on delithiation
};

namespace detail {
// x^ac (1 - x)^aa, with the symmetric case (the usual one) as a single square root.
template <class T>
T kinetic_powers(const T& x, double ac, double aa) {
    using std::pow;
    using std::sqrt;
    if (ac == 0.5 && aa == 0.5) return sqrt(x * (1.0 - x));
    return pow(x, ac) * pow(1.0 - x, aa);
}

// The relithiation hindrance of i0, h(x) = ((1 - x)^2 + x_f^2)^(p/2): (1 - x)^p where the
// surface has room, floored at x_f^p as it fills, so a pristine CAM (1 - x ~ 3e-4) keeps an
// exchange current to delithiate with. It multiplies both branches (i0), so the
// equilibrium stays at the OCV. p = 0: 1.
// y^e for y > 0 and e a multiple of 1/4 up to 4 (the relithiation exponents in use:
// 2.5 gives y^1.25 = y sqrt(sqrt(y))) by products and square roots, within a few ulp of pow
// and about a third of its cost (pow was ~2.5 % of a cycling run); std::pow otherwise.
inline double quarter_power(double y, double e) {
    const double n4 = 4.0 * e;
    if (!(y > 0.0) || !(n4 >= 1.0 && n4 <= 16.0) || n4 != std::floor(n4)) return std::pow(y, e);
    const int n = static_cast<int>(n4);
    double r = 1.0;
    for (int k = 0; k < n / 4; ++k) r *= y;
    const double s = std::sqrt(y);
    if (n & 2) r *= s;
    if (n & 1) r *= std::sqrt(s);
    return r;
}

template <class T>
T relithiation_factor(const T& x, double p, double x_f) {
    if (p == 0.0) return T(1.0);
    const T y = 1.0 - x;
    const T base = y * y + x_f * x_f;
    const double b = value(base), e = 0.5 * p;
    const double r = quarter_power(b, e);
    return apply(base, r, b != 0.0 ? e * r / b : 0.0);
}

template <class T>
T clamp_value(const T& x, double lo, double hi) {
    if (value(x) < lo) return T(lo);
    if (value(x) > hi) return T(hi);
    return x;
}

// The switch s(x_s) and the cut b(eta_0) of insertion_drop, with their derivatives (each
// logistic from one exp of -|argument|).
template <class T>
InsertionGates<T> insertion_gates(const T& xs, const T& eta0, double onset, double width, double cut,
                                  double cut_width) {
    const double y = (value(xs) - onset) / width;
    const double ey = std::exp(y >= 0 ? -y : y);
    const double sw = y >= 0 ? 1.0 / (1.0 + ey) : ey / (1.0 + ey);
    // b(eta_0): off where the electrode is driven well above its OCV (eta_0 = dphi - U > cut),
    // so a delithiating full surface sees none of the R_h j_eps ln 2. cut_width >=
    // R_h j_eps ln 2 / 2 keeps eta = eta_0 - drop rising with eta_0 (slope >= 1/2): one root.
    const double q = (value(eta0) - cut) / cut_width;
    const double eq = std::exp(q >= 0 ? -q : q);
    const double b = q >= 0 ? eq / (1.0 + eq) : 1.0 / (1.0 + eq);
    return {apply(xs, sw, sw * (1.0 - sw) / width), apply(eta0, b, -b * (1.0 - b) / cut_width)};
}

// True when the insertion drop at switch argument y = (x_s - x_h)/w < 0 cannot change
// eta = eta_0 - j R_f - drop in double precision: |drop| <= R_h (|j| + j_eps) e^y (s <= e^y,
// b <= 1, |j_-| <= |j| + j_eps ln 2, the saturation only lowers it), and below
// |eta| 2^-58 (1/16 of half the spacing of doubles at eta) fl(eta - drop) is eta. Then
// the residual skips the drop's exps (the switches, j_-, tanh): far below the onset (x_s a
// few hundred widths below it, most of a cycle) the same eta, bit for bit. The test needs
// no exp: e^y < 2^(e-2) <= R / 2 for y < (e - 2) ln 2, R = m 2^e (frexp).
inline bool drop_below_rounding(double eta, double j, double y, double r_h, double j_eps) {
    const double a = std::fabs(eta);
    const double R = a * 0x1p-58 / (r_h * (std::fabs(j) + j_eps));
    if (!(R >= DBL_MIN) || !(R <= DBL_MAX)) return false;  // also NaN
    int e = 0;
    std::frexp(R, &e);
    return y < (e - 2) * 0.69314718055994531;
}

// Insertion resistance times the insertion part of j [V]: R_ins(x_s) j_- with the switch
// s(x_s) = 1 / (1 + exp(-(x_s - x_h)/w)) and
//   j_- = -j_eps [ln(1 + exp(-j/j_eps)) - ln 2],
// a smooth, monotone min(j, 0) with j_-(0) = 0 (no drop at rest: the open-circuit potential
// stays the OCV) that tends to j - j_eps ln 2 on insertion and to +j_eps ln 2 on
// delithiation (a drop of at most R_h j_eps ln 2 there, and none once the electrode is
// driven well above its OCV: b(eta_0) of insertion_gates). j_eps (relithiation.current_scale)
// sets how sharply the drop engages around j = 0: Newton needs the slope R_h dj_-/dj to
// change over more than round-off of j (a 1e-6 A/m2 scale made consistent initial states
// at rests and charge starts unreachable). Far outside any cell state (drops of tens of
// volts, which Newton iterates may try) the drop saturates smoothly at kMaxDrop = 10 V, so
// eta stays finite.
template <class T>
T insertion_drop(const InsertionGates<T>& gates, const T& j, double r_h, double j_eps) {
    constexpr double ln2 = 0.69314718055994531;
    const double z = value(j) / j_eps;
    // exp(-|z|). Past |z| = 50 (e^-50 ~ 2e-22) it no longer moves j_- in double precision
    // (j_eps ln 2, or j + j_eps ln 2: the j_eps e^-|z| term is below half an ulp of either),
    // so the residual (T = double, which has no use for dj_-/dj) takes 0 for it and skips
    // the exp and the log1p: the same j_-, bit for bit.
    double ez;
    if constexpr (std::is_same_v<T, double>) ez = std::fabs(z) > 50.0 ? 0.0 : std::exp(z >= 0 ? -z : z);
    else ez = std::exp(z >= 0 ? -z : z);
    const double l1 = ez == 0.0 ? 0.0 : std::log1p(ez);
    const double jm = (z >= 0 ? -j_eps * l1 : value(j) - j_eps * l1) + j_eps * ln2;
    const double djm = z >= 0 ? ez / (1.0 + ez) : 1.0 / (1.0 + ez);
    // tanh saturation: 0.3 % low at a 1 V drop.
    constexpr double kMaxDrop = 10.0;  // [V]
    const T drop = r_h * apply(j, jm, djm) * gates.sw * gates.b;
    const double th = std::tanh(value(drop) / kMaxDrop);
    return apply(drop, kMaxDrop * th, 1.0 - th * th);
}

// The kinetics residual with the insertion drop on (alpha_a = alpha_c = alpha): the inverse
// Butler-Volmer law times its slope, F = sqrt(j^2 + 4 i0^2) (asinh(j / 2 i0) - alpha f eta),
// which is j - j_bv to first order near the root and rises with j everywhere (eta falls with
// j). Where the drop is engaged it reaches volts, and exp(alpha f eta) would amplify every
// rounding error (and overflow far from any cell state). (A blend of this with j - j_bv,
// weighted by the drop, had a weight that switched over ~4e-6 A/m2 of j: Newton failed on
// it where a cell's current crossed the insertion scale, e.g. mid-charge at x_s ~ 0.94.)
template <class T>
T insertion_kinetics(const T& j, const T& i0, const T& eta, double af) {
    using std::sqrt;
    const T z = j / (2.0 * i0);
    const double zv = value(z);
    return sqrt(j * j + 4.0 * i0 * i0) * (apply(z, std::asinh(zv), 1.0 / std::sqrt(1.0 + zv * zv)) - eta * af);
}
}  // namespace detail

template <class T>
void IntercalationKinetics::evaluate(Local<T>& L) const {
    for (int p = 0; p < g_.np; ++p) evaluate_population(L, p);
}

// Population p: its own current, surface stoichiometry and connected area; the film and
// the potential difference are the cell's.
template <class T>
void IntercalationKinetics::evaluate_population(Local<T>& L, int p) const {
    const T j = L.u[L.pop->j(p)];
    L.kin[p] = g_.intercalating ? residual(L, p, point(L, p), j) : j;
    finish(L, p, j);
}

template <class T>
IntercalationKinetics::Point<T> IntercalationKinetics::point(const Local<T>& L, int p) const {
    const T& dphi = L.u[s_dphi];
    const auto& cam = g_.cell.cam;
    const double aa = cam.alpha_a, ac = cam.alpha_c;
    Point<T> k;
    k.xs = surface_stoichiometry(L, p, g_.c_max);
    double dU = 0.0;
    // The residual has no use for dU/dx (the OCV may then skip a term below round-off).
    double Uv = cam.ocv(value(k.xs), std::is_same_v<T, double> ? nullptr : &dU);
    T U = apply(k.xs, Uv, dU);
    T xi = detail::clamp_value(k.xs, 1e-12, 1.0 - 1e-12);
    const double hp = cam.relithiation.exponent;
    k.i0 = detail::kinetic_powers(xi, ac, aa) * detail::relithiation_factor(xi, hp, cam.relithiation.floor) * i0_scale_;
    k.Rf = T(g_.cell.film_resistance + g_.coating_resistance);
    // The interface's potential step over its OCV: with the grown film an R || C of its
    // own (film_v_slot_) the interface behind the film sees dphi - v_p.
    k.eta0 = film_v_slot_ >= 0 ? T(dphi - L.u[film_v_slot_ + p] - U) : T(dphi - U);
    if (film_ && film_v_slot_ < 0) k.Rf = k.Rf + film_->film_resistance(L.u[s_chem + film_->film()]);
    if (shell_) k.Rf = k.Rf + shell_->series_resistance(L.u[s_chem + shell_->state() + p], L);
    if (r_ins_ > 0.0) {
        k.y = (value(k.xs) - cam.relithiation.onset) / cam.relithiation.width;
        // The Jacobian (Dual) always takes the drop; the residual may skip it (residual()).
        if (!std::is_same_v<T, double> || !(k.y < -40.0)) {
            k.gates = detail::insertion_gates(k.xs, k.eta0, cam.relithiation.onset, cam.relithiation.width, cut_,
                                              cut_width_);
            k.gated = true;
        }
    }
    return k;
}

template <class T>
T IntercalationKinetics::residual(const Local<T>& L, int p, const Point<T>& k, const T& j) const {
    using std::exp;
    const auto& cam = g_.cell.cam;
    const double aa = cam.alpha_a, ac = cam.alpha_c;
    T eta = k.eta0 - j * k.Rf;
    const T& s = L.connected[p];
    if (r_ins_ > 0.0) {
        const double j_eps = cam.relithiation.current_scale;
        if (k.gated) {
            eta = eta - detail::insertion_drop(k.gates, j, r_ins_, j_eps);
        } else if (!detail::drop_below_rounding(value(eta), value(j), k.y, r_ins_, j_eps)) {
            const auto gates = detail::insertion_gates(k.xs, k.eta0, cam.relithiation.onset, cam.relithiation.width,
                                                       cut_, cut_width_);
            eta = eta - detail::insertion_drop(gates, j, r_ins_, j_eps);
        }
        // The inverse form for a connected population; an isolating one takes the
        // switched Butler-Volmer residual below (its current goes to 0 either way).
        if (aa == ac && value(s) == 1.0) return detail::insertion_kinetics(j, k.i0, eta, aa * f_);
    }
    // Symmetric transfer (the usual case): exp(-x) as 1 / exp(x), one exp per cell and
    // call instead of two (the same value to round-off; ~1.5 % of a solve).
    T jbv;
    if (aa == ac) {
        const T x = eta * (aa * f_);
        const double e = std::exp(value(x)), r = 1.0 / e;  // exp(x), exp(-x)
        jbv = k.i0 * (apply(x, e, e) - apply(x, r, -r));
    } else {
        jbv = k.i0 * (exp(eta * (aa * f_)) - exp(eta * (-ac * f_)));
    }
    // An isolated population carries no current: j_p = s_p jbv goes to 0 with its
    // area (s_p = 1 while connected: the plain Butler-Volmer residual).
    return value(s) == 1.0 ? j - jbv : j - s * jbv;
}

template <class T>
void IntercalationKinetics::finish(Local<T>& L, int p, const T& j) const {
    // Only the connected contact passes lithium: an isolated population keeps its own.
    L.surf_flux[p] = L.live[p] * j / constants::F;
    const T src = L.area[p] * j;
    L.src = p == 0 ? src : L.src + src;
    if (l_ >= 0) L.q[l_] = p == 0 ? src : L.q[l_] + src;
}

}  // namespace ssbsim
