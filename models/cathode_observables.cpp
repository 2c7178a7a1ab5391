// CathodeP2D's observables and named profiles: what the runner and the writers read from
// a state, so that they need no raw state indices.
#include "models/cathode_p2d.hpp"

namespace ssbsim {

double CathodeP2D::potential_vs_li(const double* y) const {
    double dc = 0.0, dv = 0.0;
    const double sigma_last = sigma_node(y, geo_.nc - 1, &dc, &dv);
    return electronic_.collector_potential(y, current_density(y), sigma_last);
}

ContactIsolation::Values CathodeP2D::population_contact(const double* y, int m, int p) const {
    if (!geo_.chem) return ContactIsolation::Values();
    const double P = pressure_slot_ >= 0 ? y[pressure_.index(m)] : 0.0;  // the actual pressure (die)
    const int d = reactions_.get<ParticleFracture>().state();
    return contact_.at(y[idx_x(m, interphase().voids())], y[idx_c(m, p, geo_.nr - 1)], p,
                       pressure_slot_ >= 0 ? &P : nullptr, d >= 0 ? y[idx_x(m, d + p)] : 0.0);
}

LedgerCharges CathodeP2D::ledger(const double* y) const {
    LedgerCharges q;
    if (!geo_.chem) return q;
    q.intercalation = y[idx_ledger(kinetics_.ledger())];
    for (int s = 0; s < n_sites; ++s) {
        q.ox_reversible[s] = y[idx_ledger(reactions_.get<SiteOxidation>().ledger_reversible() + s)];
        q.ox_irreversible[s] = y[idx_ledger(reactions_.get<SiteOxidation>().ledger_irreversible() + s)];
        q.reduction[s] = y[idx_ledger(reactions_.get<SiteOxidation>().ledger_reduction() + s)];
    }
    q.lattice_oxygen = y[idx_ledger(reactions_.get<LatticeOxygen>().ledger())];
    q.pristine_reduction = y[idx_ledger(reactions_.get<PristineReduction>().ledger())];
    return q;
}

double CathodeP2D::intercalation_charge(const double* y) const {
    return geo_.chem ? y[idx_ledger(kinetics_.ledger())] : charge_passed(y);
}

Observables CathodeP2D::observe(const double* y) const {
    Observables o;
    o.potential = potential_vs_li(y);
    o.cell_voltage = cell_voltage(y);
    o.current_density = current_density(y);
    o.temperature = T_;
    o.charge = charge_passed(y);
    o.energy = energy_passed(y);
    o.mean_stoichiometry = geo_.intercalating ? mean_stoichiometry(y) : 0.0;
    o.film_resistance = mean_film_resistance(y);
    o.stack_pressure = pressure_.pressure(y);
    o.cam_volume_change = pressure_.cam_volume_change(y);
    if (!geo_.chem) return o;
    o.rock_salt_thickness = mean_rock_salt_thickness(y);
    o.rock_salt_resistance = mean_rock_salt_resistance(y);
    o.dead_fraction = dead_fraction(y);
    o.contact = mean_contact(y);
    fracture_observables(y, &o.fracture_damage, &o.fracture_contact_lost);
    o.ledger = ledger(y);
    double ox = o.ledger.lattice_oxygen;
    for (int s = 0; s < n_sites; ++s) ox += o.ledger.ox_reversible[s] + o.ledger.ox_irreversible[s];
    o.se_oxidised = ox;
    o.coating_exposed = mean_coating_exposed(y);
    o.ledger_rate = ledger_rate(y);
    return o;
}

double CathodeP2D::dead_fraction(const double* y) const {
    if (!geo_.chem) return 0.0;
    double s = 0.0;
    for (int m = 0; m < geo_.nc; ++m)
        for (int p = 0; p < geo_.np; ++p) s += population_contact(y, m, p).dead;
    return s / (geo_.nc * geo_.np);
}

// Volume means of the particle-fracture damage D_p and of the contact it removed,
// theta_p D_p / (1 - D_p) (models/particle_fracture.hpp); zeros with fracture off.
void CathodeP2D::fracture_observables(const double* y, double* damage, double* contact_lost) const {
    *damage = *contact_lost = 0.0;
    const int d = geo_.chem ? reactions_.get<ParticleFracture>().state() : -1;
    if (d < 0) return;
    for (int m = 0; m < geo_.nc; ++m)
        for (int p = 0; p < geo_.np; ++p) {
            const double D = y[idx_x(m, d + p)];
            *damage += D;
            if (D < 1.0) *contact_lost += population_contact(y, m, p).theta * D / (1.0 - D);
        }
    *damage /= geo_.nc * geo_.np;
    *contact_lost /= geo_.nc * geo_.np;
}

double CathodeP2D::mean_contact(const double* y) const {
    if (!geo_.chem) return 1.0;
    double s = 0.0;
    for (int m = 0; m < geo_.nc; ++m)
        for (int p = 0; p < geo_.np; ++p) s += population_contact(y, m, p).theta;
    return s / (geo_.nc * geo_.np);
}

double CathodeP2D::mean_film_resistance(const double* y) const {
    double s = 0.0;
    for (int m = 0; m < geo_.nc; ++m)
        s += cell_.film_resistance + (geo_.chem ? y[idx_x(m, interphase().film())] / interphase().film_conductivity() : 0.0);
    return s / geo_.nc;
}

double CathodeP2D::mean_coating_exposed(const double* y) const {
    const int k = geo_.chem ? reactions_.get<CoatingFracture>().state() : -1;
    if (k < 0) return 0.0;
    double s = 0.0;
    for (int m = 0; m < geo_.nc; ++m) s += y[idx_x(m, k)];
    return s / geo_.nc;
}

double CathodeP2D::mean_rock_salt_thickness(const double* y) const {
    const auto& rs = reactions_.get<SurfaceReconstruction>();
    if (!geo_.chem || rs.state() < 0) return 0.0;
    double s = 0.0;
    for (int m = 0; m < geo_.nc; ++m)
        for (int p = 0; p < geo_.np; ++p) s += y[idx_x(m, rs.state() + p)];
    return s / (geo_.nc * geo_.np);
}

double CathodeP2D::mean_rock_salt_resistance(const double* y) const {
    const auto& rs = reactions_.get<SurfaceReconstruction>();
    return geo_.chem && rs.state() >= 0 ? rs.resistance(mean_rock_salt_thickness(y)) : 0.0;
}

// Each population holds eps_CAM / P of the electrode volume; its isolated share is
// 1 - its switch (0 or 1 outside the narrow switching band).
double CathodeP2D::isolated_deficit(const double* y, const std::vector<double>& c_ref) const {
    if (!geo_.chem || !geo_.intercalating) return 0.0;
    double s = 0.0;
    for (int m = 0; m < geo_.nc; ++m)
        for (int p = 0; p < geo_.np; ++p) {
            const double dead = population_contact(y, m, p).dead;
            if (dead > 0.0)
                s += geo_.hc * cell_.eps_cam / geo_.np * dead *
                     (c_ref[m * geo_.np + p] - particle_.mean_concentration(y, m, p));
        }
    return s;
}

std::vector<double> CathodeP2D::population_concentrations(const double* y) const {
    std::vector<double> c(static_cast<std::size_t>(geo_.nc) * geo_.np, 0.0);
    for (int m = 0; m < geo_.nc; ++m)
        for (int p = 0; p < geo_.np; ++p) c[m * geo_.np + p] = particle_.mean_concentration(y, m, p);
    return c;
}

// Cell m's intercalation current per connected CAM surface: the populations' currents
// weighted by their connected contact [A/m2].
double CathodeP2D::mean_current(const double* y, int m) const {
    if (geo_.np == 1) return y[idx_j(m)];
    double s = 0.0, w = 0.0;
    for (int p = 0; p < geo_.np; ++p) {
        const ContactIsolation::Values v = population_contact(y, m, p);
        s += v.theta * (1.0 - v.dead) * y[idx_j(m, p)];
        w += v.theta * (1.0 - v.dead);
    }
    return w > 0.0 ? s / w : 0.0;
}

double CathodeP2D::mean_stoichiometry(const double* y, int m, int p) const {
    return particle_.mean_concentration(y, m, p) / geo_.c_max;
}

double CathodeP2D::mean_stoichiometry(const double* y, int m) const {
    return particle_.mean_concentration(y, m) / geo_.c_max;
}

double CathodeP2D::mean_stoichiometry(const double* y) const {
    double s = 0.0;
    for (int m = 0; m < geo_.nc; ++m) s += mean_stoichiometry(y, m);
    return s / geo_.nc;
}

double CathodeP2D::lithium_in_solid(const double* y) const {
    if (!geo_.intercalating) return 0.0;
    if (!geo_.chem) return mean_stoichiometry(y) * geo_.c_max * cell_.eps_cam * cell_.thickness;
    // Every population, connected or isolated, carries its own shells: exact.
    double s = 0.0;
    for (int m = 0; m < geo_.nc; ++m) s += geo_.hc * cell_.eps_cam * mean_stoichiometry(y, m) * geo_.c_max;
    return s;
}

std::vector<Profile> CathodeP2D::profiles(const double* y) const {
    std::vector<Profile> p;
    auto add = [&](const char* name, const char* unit, const char* description, bool cathode_only, int components) {
        Profile q;
        q.name = name;
        q.unit = unit;
        q.description = description;
        q.cathode_only = cathode_only;
        q.components = components;
        q.values.assign(static_cast<std::size_t>(cathode_only ? geo_.nc : geo_.ns + geo_.nc) * components, 0.0);
        p.push_back(std::move(q));
    };
    add("phi_e", "V", "", false, 1);
    add("phi_s", "V", "", true, 1);
    add("intercalation_current", "A/m^2", "per CAM surface area, positive on oxidation", true, 1);
    add("surface_stoichiometry", "1", "", true, 1);
    add("mean_stoichiometry", "1", "", true, 1);
    add("c_s", "mol/m^3", geo_.np > 1 ? "population 0" : "", true, geo_.nr);
    if (geo_.np > 1) {
        add("population_stoichiometry", "1", "mean stoichiometry of each particle population", true, geo_.np);
        add("population_contact", "1", "CAM/SE contact fraction of each particle population", true, geo_.np);
    }
    if (y) update_profiles(y, p);
    return p;
}

void CathodeP2D::update_profiles(const double* y, std::vector<Profile>& out) const {
    const int nc = geo_.nc, nr = geo_.nr;
    for (int k = 0; k < geo_.ns + nc; ++k) out[0].values[k] = y[idx_phi_e(k)];
    for (int k = 0; k < nc; ++k) {
        out[1].values[k] = y[idx_phi_s(k)];
        out[2].values[k] = mean_current(y, k);
        out[3].values[k] = surface_stoichiometry(y, k);
        out[4].values[k] = mean_stoichiometry(y, k);
        for (int i = 0; i < nr; ++i) out[5].values[k * nr + i] = y[idx_c(k, i)];
    }
    if (geo_.np == 1) return;
    for (int k = 0; k < nc; ++k)
        for (int p = 0; p < geo_.np; ++p) {
            out[6].values[k * geo_.np + p] = mean_stoichiometry(y, k, p);
            out[7].values[k * geo_.np + p] = population_contact(y, k, p).theta;
        }
}

std::vector<double> CathodeP2D::cell_centres() const {
    std::vector<double> x(geo_.ns + geo_.nc);
    for (int n = 0; n < geo_.ns; ++n) x[n] = (n + 0.5) * geo_.hs;
    for (int m = 0; m < geo_.nc; ++m) x[geo_.ns + m] = cell_.separator_thickness + (m + 0.5) * geo_.hc;
    return x;
}

std::vector<double> CathodeP2D::shell_centres() const {
    std::vector<double> r(geo_.nr);
    for (int i = 0; i < geo_.nr; ++i) r[i] = (i + 0.5) * cell_.particle_radius / geo_.nr;
    return r;
}

}  // namespace ssbsim
