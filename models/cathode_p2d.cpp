#include "models/cathode_p2d.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/constants.hpp"
#include "core/cpu.hpp"
#include "numerics/dual.hpp"
#include "numerics/finite.hpp"

namespace ssbsim {

CathodeP2D::CathodeP2D(const CellSpec& cell, const MeshSpec& mesh)
    : cell_(cell), geo_(cell_, mesh), layout_(mesh.separator, mesh.cathode), control_(geo_), ionic_(geo_),
      electronic_(geo_), kinetics_(geo_), particle_(geo_), reactions_(geo_), contact_(geo_),
      pressure_(geo_, particle_), counter_(cell_), src_(geo_.nc) {
    declare_blocks();
    set_temperature(cell_.temperature);
}

// The state order is the order the blocks are added here (globals first among globals,
// chemistry states last in a cathode cell): keep it, results depend on it bit for bit.
void CathodeP2D::declare_blocks() {
    LocalRegistry chem(layout_);
    control_.declare(layout_);
    ionic_.declare(layout_);
    electronic_.declare(layout_);
    kinetics_.declare(layout_, geo_.chem ? &chem : nullptr);
    particle_.declare(layout_);
    if (geo_.chem) reactions_.declare(chem);  // in list order (models/reactions.hpp)
    pressure_.declare(layout_);  // last in a cathode cell (none with constant pressure)
    declare_double_layers();     // after every other block: the state order is kept without
    layout_.finish();
    n_chem_ = chem.n_states();
    n_ledger_ = chem.n_ledger();
    // Population 0 in s_j.. s_c_outer, the others after the chemistry inputs.
    for (int p = 1; p < geo_.np; ++p) slots_.first[p] = s_chem + chem.n_inputs() + 3 * (p - 1);
    n_slots_ = s_chem + chem.n_inputs() + 3 * (geo_.np - 1);
    if (geo_.np < 1 || geo_.np > kMaxPopulations || n_slots_ > kMaxSlots)
        throw Error("CathodeP2D: " + std::to_string(geo_.np) + " populations need " + std::to_string(n_slots_) +
                    " local slots (at most " + std::to_string(kMaxPopulations) + " populations, " +
                    std::to_string(kMaxSlots) + " slots: models/local_terms.hpp)");
    if (geo_.chem) {
        chem_rows_.base = layout_.cathode_index(chem.first_state_block(), 0);
        chem_rows_.stride = layout_.cathode_stride();
        chem_rows_.ledger_base = layout_.index(chem.first_ledger_block(), 0);
        // The raw-index enums (tests, idx_x / idx_ledger) must match the registration.
        const auto& site_oxidation = reactions_.get<SiteOxidation>();
        const bool match = site_oxidation.reversible() == x_rev && site_oxidation.irreversible() == x_irr &&
                           reactions_.get<LatticeOxygen>().state() == x_oxygen &&
                           reactions_.get<PristineReduction>().state() == x_pristine &&
                           interphase().film() == x_film && interphase().voids() == x_void &&
                           kinetics_.ledger() == l_intercalation &&
                           site_oxidation.ledger_reversible() == l_ox_rev &&
                           site_oxidation.ledger_irreversible() == l_ox_irr &&
                           site_oxidation.ledger_reduction() == l_reduction &&
                           reactions_.get<LatticeOxygen>().ledger() == l_oxygen &&
                           reactions_.get<PristineReduction>().ledger() == l_pristine;
        if (!match) throw Error("CathodeP2D: the chemistry blocks no longer match CathodeP2D::Extra / Ledger");
    }
    ionic_.bind(layout_, control_.current());
    particle_.bind(layout_);
    electronic_.bind(layout_, particle_, control_.current(), geo_.chem ? &chem_rows_ : nullptr,
                     geo_.chem ? interphase().voids() : -1);
    control_.bind(layout_);
    kinetics_.bind(geo_.chem ? &interphase() : nullptr);
    if (geo_.chem) {
        kinetics_.bind(&reactions_.get<SurfaceReconstruction>());
        reactions_.get<SurfaceReconstruction>().bind_slots(&slots_);
    }
    contact_.bind(geo_.chem ? interphase().voids() : -1, slots_);
    if (geo_.chem) {
        auto& fracture = reactions_.get<ParticleFracture>();
        fracture.bind(slots_);
        contact_.bind_damage(fracture.state());
    }
    // The CAM site's products lie on the surface that has been in contact (docs/equations.md 11.2).
    if (geo_.chem) reactions_.get<SiteOxidation>().bind_reference_contact(contact_.reference_contact());
    if (geo_.chem && reactions_.get<CoatingFracture>().state() >= 0) {  // models/coating_fracture.hpp
        auto& fracture = reactions_.get<CoatingFracture>();
        fracture.bind(&slots_);
        reactions_.get<SiteOxidation>().bind_coating_fracture(fracture.state(), fracture.law().opened);
        reactions_.get<SurfaceReconstruction>().bind_coating_fracture(fracture.state(), fracture.law().opened);
    }
    // Where each local input sits at cathode cell 0 (cell m: + m * the cell stride).
    for (int p = 0; p < geo_.np; ++p) {
        slot_col_[slots_.j(p)] = idx_j(0, p);
        slot_col_[slots_.c_inner(p)] = idx_c(0, p, geo_.nr - 2);
        slot_col_[slots_.c_outer(p)] = idx_c(0, p, geo_.nr - 1);
    }
    for (int k = 0; k < chem.n_inputs(); ++k) slot_col_[s_chem + k] = idx_x(0, k);
    if (geo_.chem) {
        const auto& so = reactions_.get<SiteOxidation>();
        pressure_.bind(layout_, &chem_rows_, interphase().voids(), so.reversible() + site_carbon,
                       so.irreversible() + site_carbon);
    } else {
        pressure_.bind(layout_, nullptr, -1, -1, -1);
    }
    if (geo_.chem && pressure_.dynamic()) {
        // The actual pressure is one more local input (after the populations' slots).
        pressure_slot_ = n_slots_++;
        if (n_slots_ > kMaxSlots) throw Error("CathodeP2D: raise kMaxSlots in models/local_terms.hpp");
        slot_col_[pressure_slot_] = pressure_.index(0);
        contact_.bind_pressure(pressure_slot_);
    }
    bind_film_potentials();
    input_cols_.resize(static_cast<std::size_t>(geo_.nc) * (n_slots_ + 1));
    for (int m = 0; m < geo_.nc; ++m) {
        std::ptrdiff_t* col = input_cols_.data() + static_cast<std::size_t>(m) * (n_slots_ + 1);
        col[0] = idx_phi_s(m);
        for (int k = 1; k < n_slots_; ++k) col[k] = slot_col_[k] + m * layout_.cathode_stride();
        col[n_slots_] = idx_phi_e(geo_.ns + m);
    }

    // Which local inputs each local output may depend on (see LocalPattern). The Jacobian
    // pattern is fixed at the first assembly, so only these entries are emitted: emitting
    // every slot for every output made the chemistry rows structurally dense within each
    // cell and the ledger rows dense over all local inputs of every cell, which multiplied
    // the fill of the KLU factors. MatchesFiniteDifferences* in test_jacobian.cpp catch a
    // missing dependency (analytic 0 vs finite difference).
    const SlotMask contact = contact_.inputs();
    SlotMask contact_of[kMaxPopulations] = {};
    for (int p = 0; p < geo_.np; ++p) contact_of[p] = contact_.inputs(p);
    kinetics_.pattern(pattern_, slots_, contact, contact_of);
    for (int p = 0; film_slot_ >= 0 && p < geo_.np; ++p) pattern_.kin[p] |= slot_bit(film_slot_ + p);
    if (geo_.chem) reactions_.pattern(pattern_, contact);
}

// cell.double_layer: the CAM/SE interface potential per cathode cell and the counter
// electrode's overpotential become differential states (models/double_layer.hpp). A
// capacitance of 0 keeps that interface without one (its row would have no derivative).
void CathodeP2D::declare_double_layers() {
    if (!cell_.double_layer) return;
    using Region = StateLayout::Region;
    if (geo_.intercalating && cell_.cam.double_layer_capacitance > 0)
        dl_block_ = layout_.add({"double-layer potential", Region::cathode_cells, 1, {}, "", true, true});
    if (cell_.counter.double_layer_capacitance > 0)
        ce_block_ = layout_.add({"counter overpotential", Region::global, 1, {}, "", true, true});
    // The grown film behind the CAM double layer: its potential per population, after
    // every other block (the state order without it is kept).
    if (dl_block_ < 0 || !geo_.chem) return;
    StateLayout::BlockSpec b{"film potential", Region::cathode_cells, geo_.np, {}, "", true, true};
    if (geo_.np > 1) {
        b.component_label = "pop";
        for (int p = 0; p < geo_.np; ++p) b.component_names.push_back(b.name + "[pop " + std::to_string(p) + "]");
    }
    film_block_ = layout_.add(b);
}

// The film potentials are local inputs after every other slot; the kinetics read them.
void CathodeP2D::bind_film_potentials() {
    if (film_block_ < 0) return;
    film_slot_ = n_slots_;
    n_slots_ += geo_.np;
    if (n_slots_ > kMaxSlots) throw Error("CathodeP2D: the film potentials need more slots: raise kMaxSlots in models/local_terms.hpp");
    for (int p = 0; p < geo_.np; ++p) slot_col_[film_slot_ + p] = idx_film_potential(0, p);
    kinetics_.bind_film_potential(film_slot_);
}

namespace {
// The vacuum permittivity [F/m] (CODATA 2018).
constexpr double kVacuumPermittivity = 8.8541878128e-12;
}  // namespace

// The grown film of population p as R_g || C_g (R_g = delta / kappa, C_g = eps0 eps_r /
// delta) carrying the faradaic current j and the double layer's C_dl (D - v)' behind it:
// v / R_g + C_g v' = j + C_dl (D - v)', times R_g so that no 1/delta appears (a film of
// zero thickness gives v + tau v' = 0, v -> 0):
//   v + tau v' - R_g (j + C_dl (D' - v')) = 0 [V],  tau = R_g C_g = eps0 eps_r / kappa,
// the film's own time constant, independent of its thickness. d_rate = D', v_rate = v'.
template <class T>
T CathodeP2D::film_residual(const Local<T>& L, int p, double d_rate, double v_rate) const {
    const double C_dl = cell_.cam.double_layer_capacitance;  // [F/m2 of CAM]
    const double tau = kVacuumPermittivity * cell_.chemistry.film_permittivity / interphase().film_conductivity();
    const T R_g = interphase().film_resistance(L.u[s_chem + interphase().film()]);  // [ohm m2]
    const T& v = L.u[film_slot_ + p];
    const T& j = L.u[slots_.j(p)];
    return v + tau * v_rate - R_g * (j + C_dl * (d_rate - v_rate));
}

// The electrolyte potential at x = 0 [V]: the counter electrode's resistance drop plus its
// overpotential, a state behind its double layer when it has one (then its row in Fr:
// C_ce eta' + i_F(eta) - i_app = 0 [A/m2]), else the quasi-static inverse of its kinetics.
double CathodeP2D::counter_boundary(const double* y, const double* yp, double i_app, double* Fr) const {
    double d = 0.0;
    if (ce_block_ < 0) return counter_.potential(i_app, &d);
    const int k = idx_counter_double_layer();
    Fr[k] = cell_.counter.double_layer_capacitance * yp[k] + counter_.current(y[k], &d) - i_app;
    return i_app * counter_.area_resistance() + y[k];
}

// The counter electrode's rows and the boundary's dependence on it (see counter_boundary).
void CathodeP2D::counter_jacobian(const double* y, JacobianAssembler& J) const {
    const double i_app = current_density(y);
    double dphib = 0.0;
    if (ce_block_ < 0) {
        counter_.potential(i_app, &dphib);
        ionic_.jacobian(dphib, J);
        return;
    }
    const int k = idx_counter_double_layer();
    ionic_.jacobian(counter_.area_resistance(), J);
    J.add(idx_phi_e(0), k, -ionic_.boundary_conductance());
    double didv = 0.0;
    counter_.current(y[k], &didv);
    J.add(k, k, didv, cell_.counter.double_layer_capacitance);
    J.add(k, idx_current(), -1.0);
}

void CathodeP2D::set_temperature(double T) {
    if (T == T_ && !first_temperature_) return;
    first_temperature_ = false;
    T_ = T;
    f_ = constants::F / (constants::R * T);
    ionic_.set_temperature(T);
    electronic_.set_temperature(T);
    kinetics_.set_temperature(T);
    particle_.set_temperature(T);
    counter_.set_temperature(T);
    boltzmann_.clear();
    if (geo_.chem) reactions_.set_temperature(T, boltzmann_);  // in sum_rank order
}

// The local terms of one cathode cell: every part adds its share to L. The reactions add
// theirs in increasing sum_rank (models/reactions.hpp), which fixes the floating-point
// order of the sums (kept for bit-identical results).
// zero_outputs false: L.rate and L.q were zeroed by the caller for an earlier cell with the
// same L (CathodeP2D::residual). The entries a block writes are fixed by the config and the
// temperature, not by the state, and it assigns them (=) before any sum reads them, so an
// entry no block writes is still 0 and the others are overwritten.
template <class T>
SSBSIM_FLATTEN void CathodeP2D::local_terms(const T* u, Local<T>& L, bool zero_outputs) const {
    L.u = u;
    L.pop = &slots_;
    if (geo_.chem) {
        if (zero_outputs) zero_chemistry_outputs(L);
        L.cam_side_oxidation = T(0.0);
        L.tpb_off_cam = T(0.0);
        L.carbon_oxidation = T(0.0);
    }
    contact_.evaluate(L);
    kinetics_.evaluate(L);
    if (!geo_.chem) return;
    boltzmann_.evaluate(u[s_dphi], f_, L.boltzmann);
    reactions_.evaluate(L);
}

namespace {
#if defined(__x86_64__) && defined(__GNUC__)
const bool kAvx2 = cpu_has_avx2();
#endif
}  // namespace

// The Dual<N> arithmetic of the Jacobian's local terms is N-wide loops, which the portable
// build runs two doubles at a time; this copy of local_terms (everything inlined into it)
// runs them four at a time. AVX2 without FMA: the same operations in the same order, so
// the same Jacobian to the bit.
#if defined(__x86_64__) && defined(__GNUC__)
template <class T>
__attribute__((target("avx2"), flatten)) void CathodeP2D::local_terms_avx2(const T* u, Local<T>& L) const {
    local_terms(u, L);
}
#endif

template <class T>
void CathodeP2D::jacobian_local_terms(const T* u, Local<T>& L) const {
#if defined(__x86_64__) && defined(__GNUC__)
    if (kAvx2) {
        local_terms_avx2(u, L);
        return;
    }
#endif
    local_terms(u, L);
}

void CathodeP2D::local_inputs(const double* y, int m, double* u) const {
    const int n = n_slots_;
    const std::ptrdiff_t* col = input_cols_.data() + static_cast<std::size_t>(m) * (n + 1);
    u[s_dphi] = y[col[0]] - y[col[n]];
    for (int k = 1; k < n; ++k) u[k] = y[col[k]];
}

// The effective solid conductivity of cell m and its derivatives by c_outer and the voids.
double CathodeP2D::sigma_node(const double* y, int m, double* ds_dc, double* ds_dv) const {
    double dbase = 0.0;
    const int outer = particle_.index(m, geo_.nr - 1);
    double base = electronic_.conductivity(y[outer], &dbase);
    if (!geo_.chem) {
        *ds_dc = dbase;
        *ds_dv = 0.0;
        return base;
    }
    Dual<2> v = Dual<2>::variable(y[idx_x(m, interphase().voids())], 0);
    Dual<2> c = Dual<2>::variable(y[outer], 1);
    const Dual<2> factor = contact_.conductivity_factor(contact_.void_factor(v), contact_.breathing(c));
    *ds_dc = dbase * factor.v + base * factor.d[1];
    *ds_dv = base * factor.d[0];
    return base * factor.v;
}

bool CathodeP2D::residual(double t, const double* y, const double* yp, double* Fr) {
    const int nc = geo_.nc, np = geo_.np;
    const double i_app = current_density(y);
    const double phi_b = counter_boundary(y, yp, i_app, Fr);
    const double C_dl = cell_.cam.double_layer_capacitance;  // [F/m2 of CAM]
    Local<double> L;
    double u[kMaxSlots];
    double ledger[kMaxLedger] = {};
    if (geo_.chem) zero_chemistry_outputs(L);  // once for every cell (see local_terms)
    double sigma_last = 0.0;  // the last cell's solid conductivity, as sigma_node gives it

    // Local terms per cathode cell: kinetics, particle surface, chemistry.
    for (int m = 0; m < nc; ++m) {
        local_inputs(y, m, u);
        local_terms(u, L, false);
        src_[m] = L.src;
        if (dl_block_ >= 0) {
            // The double layer's current on the connected CAM area joins the sources; its
            // potential D follows the interface's: D - (phi_s - phi_e) = 0.
            const int k = idx_double_layer(m);
            if (film_block_ < 0) {
                double area = 0.0;
                for (int p = 0; p < np; ++p) area += L.area[p];
                src_[m] += area * C_dl * yp[k];
            } else {
                // Behind each population's film: the double layer across D - v_p.
                for (int p = 0; p < np; ++p) {
                    const int v = idx_film_potential(m, p);
                    src_[m] += L.area[p] * C_dl * (yp[k] - yp[v]);
                    Fr[v] = film_residual(L, p, yp[k], yp[v]);
                }
            }
            Fr[k] = y[k] - u[s_dphi];
        }
        // One population (the usual case) apart: GCC makes the loop a memcpy call.
        if (np == 1) Fr[idx_j(m, 0)] = L.kin[0];
        else for (int p = 0; p < np; ++p) Fr[idx_j(m, p)] = L.kin[p];
        double dc = 0.0;
        sigma_last = electronic_.conductivity(u[s_c_outer], &dc) * L.sigma_factor;
        electronic_.set_sigma(m, sigma_last);
        for (int p = 0; p < np; ++p) particle_.residual(m, p, y, yp, L.surf_flux[p], Fr);
        if (geo_.chem) {
            for (int k = 0; k < n_chem_; ++k) Fr[idx_x(m, k)] = yp[idx_x(m, k)] - L.rate[k];
            for (int k = 0; k < n_ledger_; ++k) ledger[k] += geo_.hc * L.q[k];
        }
    }
    ionic_.residual(y, phi_b, src_.data(), Fr);
    electronic_.residual(y, i_app, src_.data(), Fr);
    // = potential_vs_li(y), whose sigma_node (the same values in Dual<2>) is sigma_last.
    const double V = electronic_.collector_potential(y, i_app, sigma_last);
    control_.residual(t, y, yp, V, V - counter_.ocv(), Fr);  // = cell_voltage(y)
    pressure_.residual(y, Fr);
    for (int k = 0; k < n_ledger_; ++k) Fr[idx_ledger(k)] = yp[idx_ledger(k)] - ledger[k];
    return all_finite(Fr, static_cast<std::size_t>(size()));
}

// With the film potentials: per population the double layer's current area_p C_dl (D' - v_p')
// in both charge balances (the area's derivatives with the rates as they are) and the film
// row (film_residual) with its dF/dy' terms: tau + R_g C_dl on v_p, -R_g C_dl on D.
template <class LocalT, class Emit>
void CathodeP2D::film_jacobian(int m, const double* yp, const LocalT& L, const Emit& emit,
                               JacobianAssembler& J) const {
    const int rs = idx_phi_s(m), re = idx_phi_e(geo_.ns + m), k = idx_double_layer(m);
    const double hc = geo_.hc, C_dl = cell_.cam.double_layer_capacitance;
    const double tau = kVacuumPermittivity * cell_.chemistry.film_permittivity / interphase().film_conductivity();
    const SlotMask delta = chem_bit(interphase().film());
    const double R_g = value(interphase().film_resistance(L.u[s_chem + interphase().film()]));
    for (int p = 0; p < geo_.np; ++p) {
        const int v = idx_film_potential(m, p);
        const double rate = yp[k] - yp[v], a = value(L.area[p]);
        emit(re, L.area[p], -hc * C_dl * rate, pattern_.src);
        emit(rs, L.area[p], hc * C_dl * rate, pattern_.src);
        J.add(re, k, 0.0, -hc * C_dl * a);
        J.add(re, v, 0.0, hc * C_dl * a);
        J.add(rs, k, 0.0, hc * C_dl * a);
        J.add(rs, v, 0.0, -hc * C_dl * a);
        emit(v, film_residual(L, p, yp[k], yp[v]), 1.0, slot_bit(film_slot_ + p) | slot_bit(slots_.j(p)) | delta);
        J.add(v, v, 0.0, tau + R_g * C_dl);
        J.add(v, k, 0.0, -R_g * C_dl);
    }
}

// The Jacobian's cathode-cell rows, with the local terms in Dual<N> (N >= n_slots_).
template <int N>
void CathodeP2D::jacobian_cells(const double* y, const double* yp, JacobianAssembler& J) {
    using LocalDual = Dual<N>;
    const int nc = geo_.nc, nr = geo_.nr, ns = geo_.ns, np = geo_.np;
    const double hc = geo_.hc;
    double v[kMaxSlots];
    LocalDual u[N];
    Local<LocalDual> L;
    const SlotMask local_slots = slot_bit(n_slots_) - 1;
    for (int m = 0; m < nc; ++m) {
        const int rs = idx_phi_s(m), re = idx_phi_e(ns + m);
        electronic_.jacobian(m, y, J);
        // Local terms by forward-mode AD.
        local_inputs(y, m, v);
        for (int k = 0; k < n_slots_; ++k) u[k] = LocalDual::variable(v[k], k);
        jacobian_local_terms(u, L);

        const int offset = m * layout_.cathode_stride();
        // Emits row += scale * d(expr)/d(local inputs) for the inputs in deps (see
        // LocalPattern), set bits in increasing slot order, so the entry sequence is fixed.
        auto emit = [&](int row, const LocalDual& e, double scale, SlotMask deps) {
            for (SlotMask b = deps & local_slots; b != 0; b &= b - 1) {
                const int s = __builtin_ctzll(b);
                if (s == s_dphi) {
                    J.add(row, re, -scale * e.d[s]);
                    J.add(row, rs, scale * e.d[s]);
                } else {
                    J.add(row, slot_col_[s] + offset, scale * e.d[s]);
                }
            }
        };
        const LocalPattern& P = pattern_;
        emit(re, L.src, -hc, P.src);
        emit(rs, L.src, hc, P.src);
        if (dl_block_ >= 0) {
            // area C_dl D' in both balances (the area's derivatives with D' as it is), and D's row.
            const int k = idx_double_layer(m);
            const double C_dl = cell_.cam.double_layer_capacitance;
            if (film_block_ < 0) {
                LocalDual area = L.area[0];
                for (int p = 1; p < np; ++p) area = area + L.area[p];
                emit(re, area, -hc * C_dl * yp[k], P.src);
                emit(rs, area, hc * C_dl * yp[k], P.src);
                J.add(re, k, 0.0, -hc * C_dl * value(area));
                J.add(rs, k, 0.0, hc * C_dl * value(area));
            } else {
                film_jacobian(m, yp, L, emit, J);  // with the grown film's potentials
            }
            J.add(k, k, 1.0);
            J.add(k, rs, -1.0);
            J.add(k, re, 1.0);
        }
        for (int p = 0; p < np; ++p) emit(idx_j(m, p), L.kin[p], 1.0, P.kin[p]);
        for (int p = 0; p < np; ++p) {
            particle_.jacobian(m, p, y, J);
            emit(idx_c(m, p, nr - 1), L.surf_flux[p], particle_.surface_scale(), P.surf_flux[p]);
        }
        if (!geo_.chem) continue;
        for (int k = 0; k < n_chem_; ++k) {
            int row = idx_x(m, k);
            J.add(row, row, 0.0, 1.0);
            emit(row, L.rate[k], -1.0, P.rate[k]);
        }
        for (int k = 0; k < n_ledger_; ++k) emit(idx_ledger(k), L.q[k], -hc, P.q[k]);
    }
}

void CathodeP2D::jacobian(double /*t*/, double /*cj: J's own, JacobianAssembler::begin*/, const double* y, const double* yp, JacobianAssembler& J) {
    const int nc = geo_.nc, last = nc - 1;
    const double i_app = current_density(y);
    for (int m = 0; m < nc; ++m) {
        double dc = 0.0, dv = 0.0;
        double s = sigma_node(y, m, &dc, &dv);
        electronic_.set_sigma(m, s, dc, dv);
    }
    counter_jacobian(y, J);
    // One instantiation per AD size: no chemistry, today's chemistry (+ the stack pressure),
    // a few populations, any more.
    if (n_slots_ <= kSlotsNoChemistry) jacobian_cells<kSlotsNoChemistry>(y, yp, J);
    else if (n_slots_ <= kSlotsChemistry) jacobian_cells<kSlotsChemistry>(y, yp, J);
    else if (n_slots_ <= kSlotsChemistry + 1) jacobian_cells<kSlotsChemistry + 1>(y, yp, J);  // + pressure
    else if (n_slots_ <= kSlotsPopulations) jacobian_cells<kSlotsPopulations>(y, yp, J);
    else jacobian_cells<kMaxSlots>(y, yp, J);
    // The cell voltage differs from V by the counter electrode's OCV, which is flat (MODEL.md
    // section 1: its overpotential is already in phi_e(0)), so dVcell/dy = dV/dy.
    const double Vcell = cell_voltage(y);
    control_.jacobian(y, Vcell, electronic_.collector_slope(i_app), idx_phi_s(last), idx_c(last, geo_.nr - 1),
                      geo_.chem ? idx_x(last, interphase().voids()) : -1, J);
    for (int k = 0; k < n_ledger_; ++k) J.add(idx_ledger(k), idx_ledger(k), 0.0, 1.0);
    pressure_.jacobian(y, J);
}

namespace {
// The root of f, which rises through [lo, hi], to a bracket of width tol: the Illinois
// variant of regula falsi (Dowell & Jarratt 1971), superlinear where bisection halves, with
// a bisection after any secant step that did not halve the bracket (f(lo) > 0: lo;
// f(hi) <= 0: hi). Replaced nested bisections in shift_to_current: 40 x 40 kinetics
// residuals per cell, 7.9M instructions, ~8 % of the intercalation analogue's solve.
template <class F>
double increasing_root(F&& f, double lo, double hi, double tol) {
    double flo = f(lo), fhi = f(hi);
    if (flo > 0) return lo;
    if (!(fhi > 0)) return hi;
    int side = 0;  // the end moved last: -1 lo, +1 hi
    bool bisect = false;
    for (int it = 0; it < 400 && hi - lo > tol; ++it) {
        // A secant step that did not halve the bracket is followed by a bisection (as in
        // Dekker's method): never slower than about two bisections per halving.
        const double width = hi - lo;
        double x = bisect ? 0.5 * (lo + hi) : (lo * fhi - hi * flo) / (fhi - flo);
        if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
        const double fx = f(x);
        if (fx > 0) {
            hi = x, fhi = fx;
            if (side == 1) flo *= 0.5;
            side = 1;
        } else if (fx < 0) {
            lo = x, flo = fx;
            if (side == -1) fhi *= 0.5;
            side = -1;
        } else if (fx == 0) {
            return x;
        } else {  // not finite: taken as below the root (as bisection did), bisect from here on
            lo = x;
            flo = -1.0, fhi = 1.0;
            side = 0;
        }
        bisect = !bisect && hi - lo > 0.5 * width;
    }
    return 0.5 * (lo + hi);
}

// The root of f, which rises with j at a slope of at least ~1 near it (a kinetics row: eta
// falls with j), from j: Newton with the slope by a difference quotient, kept inside the
// bracket the signs of f give. Converged when |f| <= tol or a step moves j by <= tol
// (either leaves j within ~tol of the root); false after max_it iterations or on a
// non-finite value, j then as it was.
template <class F>
bool kinetics_root(F&& f, double& j, double tol, int max_it) {
    double x = j, lo = -HUGE_VAL, hi = HUGE_VAL;
    for (int it = 0; it < max_it; ++it) {
        const double fx = f(x);
        if (!std::isfinite(fx)) return false;
        if (std::fabs(fx) <= tol) {
            j = x;
            return true;
        }
        if (fx > 0) hi = std::min(hi, x);
        else lo = std::max(lo, x);
        const double dx = 1e-7 * (std::fabs(x) + tol * 1e3);
        const double slope = (f(x + dx) - fx) / dx;
        double next = slope > 0.0 && std::isfinite(slope) ? x - fx / slope : NAN;
        if (!(next > lo && next < hi)) {
            if (!(std::isfinite(lo) && std::isfinite(hi))) return false;
            next = 0.5 * (lo + hi);
        }
        const bool done = std::fabs(next - x) <= tol;
        x = next;
        if (done) {
            j = x;
            return true;
        }
    }
    return false;
}
}  // namespace

// The uniform electrode potential (phi_e = 0) that carries i_app, with each population's
// current solved from its own kinetics residual there: kin_p rises with j_p at fixed
// concentrations, so nested root searches find both (a step-start guess).
void CathodeP2D::shift_to_current(double* y, const double* /*yp*/, double i_app) const {
    Local<double> L;
    double u[kMaxSlots];
    const int np = geo_.np;
    // Cell m at potential difference phi: u holds its currents on return; L.src their source.
    IntercalationKinetics::Point<double> point[kMaxPopulations];
    std::vector<double> warm(static_cast<std::size_t>(geo_.nc) * np, NAN);  // per cell and population
    auto solve_cell = [&](int m, double phi) {
        local_inputs(y, m, u);
        u[s_dphi] = phi;
        // Only the currents change below: the contact and each population's kinetics point
        // once, then the kinetics residual alone per trial current (the same values as
        // local_terms gives it; the chemistry does not enter the kinetics).
        L.u = u;
        L.pop = &slots_;
        contact_.evaluate(L);
        for (int p = 0; geo_.intercalating && p < np; ++p) point[p] = kinetics_.point(L, p);
        // The root in z = asinh(j / 1e-6 A/m2): j from 1e-6 to 1e4 A/m2 and beyond at the
        // same relative resolution, 4e-11 (a start guess for IDACalcIC).
        constexpr double kScale = 1e-6;  // [A/m2]
        for (int p = 0; p < np; ++p) {
            // From this cell's current at the last trial potential first (the outer search
            // moves phi by ever less): a few Newton steps instead of ~25 bracketing ones.
            double& jw = warm[static_cast<std::size_t>(m) * np + p];
            if (geo_.intercalating && std::isfinite(jw) &&
                kinetics_root([&](double j) { return kinetics_.residual(L, p, point[p], j); }, jw,
                              4.3e-11 * (std::fabs(jw) + kScale), 20)) {
                u[slots_.j(p)] = jw;
                continue;
            }
            const double z = increasing_root(
                [&](double zt) {
                    const double j = kScale * std::sinh(zt);
                    u[slots_.j(p)] = j;
                    return geo_.intercalating ? kinetics_.residual(L, p, point[p], j) : j;
                },
                -23.7, 23.7, 4.3e-11);  // |j| up to 1e4 A/m2
            u[slots_.j(p)] = jw = kScale * std::sinh(z);
        }
        local_terms(u, L);
    };
    auto total = [&](double phi) {
        double sum = 0.0;
        for (int m = 0; m < geo_.nc; ++m) {
            solve_cell(m, phi);
            sum += geo_.hc * L.src;
        }
        return sum;
    };
    // [V]: within -10 to 30 V, beyond any cell, as far as ohmic drops reach; to 1e-9 V. The
    // bracket first grows from the state's own potential (10 mV, doubling): the root is
    // mostly within ~0.1 V of it, and a trial far off costs every cell a wide search.
    auto excess = [&](double ph) { return total(ph) - i_app; };
    double lo = -10.0, hi = 30.0;
    const double phi0 = y[idx_phi_s(0)] - y[idx_phi_e(geo_.ns)];
    if (phi0 > lo && phi0 < hi) {
        const bool above = excess(phi0) > 0;  // the root lies below phi0
        double prev = phi0;
        for (double d = 0.01;; d *= 2.0) {
            const double x = above ? std::max(-10.0, phi0 - d) : std::min(30.0, phi0 + d);
            const bool over = excess(x) > 0;
            const bool end = x == -10.0 || x == 30.0;
            if (over != above || end) {
                if (above) lo = x, hi = prev;
                else lo = prev, hi = x;
                break;
            }
            prev = x;
        }
    }
    const double phi = increasing_root(excess, lo, hi, 1e-9);
    for (int n = 0; n < geo_.ns + geo_.nc; ++n) y[idx_phi_e(n)] = 0.0;
    for (int m = 0; m < geo_.nc; ++m) {
        solve_cell(m, phi);
        y[idx_phi_s(m)] = phi;
        for (int p = 0; p < np; ++p) y[idx_j(m, p)] = u[slots_.j(p)];
    }
    y[idx_current()] = i_app;
}

// Each intercalation current by its kinetics row at the other unknowns of y_pred + y_cor
// (kinetics_root), the contact and the kinetics point once per cell (as shift_to_current).
// A current that does not converge in 12 iterations is left as it is.
bool CathodeP2D::solve_local(const double* y_pred, double* y_cor, double* delta, const double* w) {
    if (!geo_.intercalating) return false;
    const int n = size();
    y_trial_.resize(n);
    for (int i = 0; i < n; ++i) y_trial_[i] = y_pred[i] + y_cor[i];
    Local<double> L;
    double u[kMaxSlots];
    IntercalationKinetics::Point<double> point;
    bool changed = false;
    for (int m = 0; m < geo_.nc; ++m) {
        local_inputs(y_trial_.data(), m, u);
        L.u = u;
        L.pop = &slots_;
        contact_.evaluate(L);
        for (int p = 0; p < geo_.np; ++p) {
            const int k = idx_j(m, p);
            if (!(w[k] > 0.0)) continue;
            point = kinetics_.point(L, p);
            const double tol = 1e-3 / w[k];
            double j = u[slots_.j(p)];
            if (!kinetics_root([&](double jt) { return kinetics_.residual(L, p, point, jt); }, j, tol, 12)) continue;
            const double shift = y_trial_[k] - j;  // y_cor's change, less
            y_cor[k] -= shift;
            delta[k] += shift;
            changed = changed || shift != 0.0;
        }
    }
    return changed;
}

bool CathodeP2D::carries_no_current(const double* y) const {
    if (!geo_.intercalating) return false;
    for (int m = 0; m < geo_.nc; ++m)
        for (int p = 0; p < geo_.np; ++p)
            if (y[idx_j(m, p)] != 0.0) return false;
    return true;
}

// Each particle's shells 0 .. Nr-3 see only their neighbours (ParticleDiffusion); shell Nr-2
// is also a local input (the surface extrapolation), so it stays in the sparse solve as the
// chain's attach unknown. The solver checks the pattern (a breathing stack pressure reads the
// mean of every shell: those chains stay in KLU).
std::vector<EliminationChain> CathodeP2D::elimination_chains() const {
    std::vector<EliminationChain> out;
    if (geo_.nr < 3) return out;
    for (int m = 0; m < geo_.nc; ++m)
        for (int p = 0; p < geo_.np; ++p) {
            EliminationChain c;
            for (int i = 0; i + 2 < geo_.nr; ++i) c.interior.push_back(idx_c(m, p, i));
            c.attach = idx_c(m, p, geo_.nr - 2);
            c.local = {idx_c(m, p, geo_.nr - 1), idx_j(m, p)};  // condensed with attach (speed)
            out.push_back(std::move(c));
        }
    return out;
}

void CathodeP2D::absolute_tolerances(double s, double* atol) const {
    ionic_.tolerances(s, atol);
    electronic_.tolerances(s, atol);
    for (int m = 0; m < geo_.nc; ++m)
        for (int p = 0; p < geo_.np; ++p) atol[idx_j(m, p)] = s;  // scale 1 A/m2
    particle_.tolerances(s, atol);
    if (geo_.chem) {
        reactions_.tolerances(chem_rows_, s, atol);
        for (int k = 0; k < n_ledger_; ++k) atol[idx_ledger(k)] = s * geo_.q_scale;
    }
    control_.tolerances(s, atol);
    pressure_.tolerances(s, atol);
    for (int m = 0; dl_block_ >= 0 && m < geo_.nc; ++m) atol[idx_double_layer(m)] = s;  // scale 1 V
    // The film potential (R_g j, ~0.1-1 mV) is part of the interface potential Δφ, whose error
    // weight is rtol |Δφ| + s ≈ 5 s at the default tolerances (|Δφ| ≈ 4 V): resolving v more
    // finely than that (at s, 1 µV) cost Study A's first cycle with cell.double_layer 57 % more
    // solver steps (1820 vs 1162), at 10 s 20 % (1399), the cycle metrics the same to 4 digits.
    for (int m = 0; film_block_ >= 0 && m < geo_.nc; ++m)
        for (int p = 0; p < geo_.np; ++p) atol[idx_film_potential(m, p)] = 10 * s;  // [V]
    if (ce_block_ >= 0) atol[idx_counter_double_layer()] = s;
}

void CathodeP2D::initial_state(double x0, double* y, double* yp) const {
    std::fill(y, y + size(), 0.0);
    std::fill(yp, yp + size(), 0.0);
    double U = geo_.intercalating ? cell_.cam.ocv(x0)
                                  : (cell_.initial_potential_inert > 0 ? cell_.initial_potential_inert : 2.5);
    for (int m = 0; m < geo_.nc; ++m) {
        y[idx_phi_s(m)] = U;
        for (int p = 0; p < geo_.np; ++p)
            for (int i = 0; i < geo_.nr; ++i) y[idx_c(m, p, i)] = geo_.intercalating ? x0 * geo_.c_max : 0.0;
        if (dl_block_ >= 0) y[idx_double_layer(m)] = U;  // phi_s - phi_e at rest
    }
    pressure_.initial_state(y);  // the counter overpotential and the film potentials are 0 at rest
}

LedgerCharges CathodeP2D::ledger_rate(const double* y) const {
    LedgerCharges r;
    if (!geo_.chem) return r;
    Local<double> L;
    double u[kMaxSlots];
    double q[kMaxLedger] = {};
    for (int m = 0; m < geo_.nc; ++m) {
        local_inputs(y, m, u);
        local_terms(u, L);
        for (int k = 0; k < n_ledger_; ++k) q[k] += geo_.hc * L.q[k];
    }
    const auto& so = reactions_.get<SiteOxidation>();
    r.intercalation = q[kinetics_.ledger()];
    for (int s = 0; s < n_sites; ++s) {
        r.ox_reversible[s] = q[so.ledger_reversible() + s];
        r.ox_irreversible[s] = q[so.ledger_irreversible() + s];
        r.reduction[s] = q[so.ledger_reduction() + s];
    }
    r.lattice_oxygen = q[reactions_.get<LatticeOxygen>().ledger()];
    r.pristine_reduction = q[reactions_.get<PristineReduction>().ledger()];
    return r;
}

}  // namespace ssbsim
