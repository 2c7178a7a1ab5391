#include "models/local_terms.hpp"

#include <algorithm>

namespace ssbsim {

CathodeGeometry::CathodeGeometry(const CellSpec& c, const MeshSpec& mesh)
    : cell(c), ns(mesh.separator), nc(mesh.cathode), nr(mesh.particle), np(mesh.populations) {
    chem = c.chemistry.enabled;
    intercalating = c.has_cam && !c.cam.inert;
    hs = c.separator_thickness / ns;
    hc = c.thickness / nc;
    a = 3.0 * c.eps_cam / c.particle_radius;
    c_max = intercalating ? c.cam.c_max : 1.0;
    // Interface areas (MODEL.md section 3). Carbon surface a_C = rho_C eps_C SSA; the share
    // next to CAM, w eps_CAM / (eps_CAM + eps_SE) with a configurable weight w, is the
    // triple-phase boundary; the rest touches SE only. No CAM: no TPB.
    double a_carbon = c.has_carbon ? c.carbon.density * c.eps_carbon * c.carbon.specific_surface_area : 0.0;
    double share = c.eps_cam > 0 ? std::min(1.0, c.chemistry.tpb_weight * c.eps_cam / (c.eps_cam + c.eps_se)) : 0.0;
    a_site[site_carbon] = a_carbon * (1.0 - share);
    a_site[site_tpb] = a_carbon * share;
    a_site[site_cam] = a;
    // The TPB's products cover at most tpb_footprint x the CAM surface (params/chemistry.hpp):
    // only that share of its oxidation thickens the CAM film and opens voids at the CAM.
    const double fp = c.chemistry.tpb_footprint;
    if (fp > 0 && a_site[site_tpb] > 0) tpb_cam_side = std::min(1.0, fp * a / a_site[site_tpb]);
    // The coating (MODEL.md 3): the share of SE oxidation left at the CAM and TPB, and the
    // layer's Li-ion resistance in series with intercalation (params/cell.hpp CoatingLayer).
    const CoatingLayer layer = coating_layer(c);
    coating_pass = layer.pass;
    coating_resistance = layer.resistance;
    // ~ a full charge [C/m2]; 278 mAh/g when the cell has no CAM capacity to refer to.
    const double capacity = intercalating ? c.cam.theoretical_capacity : 278.0 * 3600.0;
    q_scale = c.basis_loading() * capacity;
    // Product inventories on the scale of a passivating layer on the carbon surface.
    xi_scale = std::max(1e-6, (a_site[site_carbon] + a_site[site_tpb] + a) * 1e-6);
}

}  // namespace ssbsim
