#include "io/spectra.hpp"

#include <algorithm>
#include <cstdio>

#include "core/error.hpp"

namespace ssbsim {

namespace {

constexpr double kCm2PerM2 = 1e4;

std::string group_name(int step) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "step_%05d", step);
    return buf;
}

std::vector<double> scaled(const std::vector<double>& v, double k) {
    std::vector<double> out(v);
    for (double& x : out) x *= k;
    return out;
}

}  // namespace

void write_spectrum(const h5::Handle& file, const Spectrum& z, double area) {
    if (!h5::exists(file, kSpectrumGroup)) {
        h5::Handle top = h5::create_group(file, kSpectrumGroup);
        h5::set_attribute(top, "sign", std::string("Z = dV/dI, I > 0 on charge; z_imag < 0 is capacitive"));
    }
    h5::Handle top = h5::open_group(file, kSpectrumGroup);
    h5::Handle g = h5::create_group(top, group_name(z.step));
    h5::write_vector(g, "frequency", z.frequency, "Hz");
    h5::write_vector(g, "z_real", scaled(z.z_real, 1.0 / area), "ohm");
    h5::write_vector(g, "z_imag", scaled(z.z_imag, 1.0 / area), "ohm");
    h5::write_vector(g, "z_real_area", scaled(z.z_real, kCm2PerM2), "ohm*cm^2");
    h5::write_vector(g, "z_imag_area", scaled(z.z_imag, kCm2PerM2), "ohm*cm^2");
    h5::set_attribute(g, "step", static_cast<long>(z.step));
    h5::set_attribute(g, "cycle", static_cast<long>(z.cycle));
    h5::set_attribute(g, "label", z.label);
    h5::set_attribute(g, "mode", std::string(z.galvanostatic ? "galvanostatic" : "potentiostatic"));
    h5::set_attribute(g, z.galvanostatic ? "amplitude_A_m2" : "amplitude_V", z.amplitude);
    h5::set_attribute(g, "time_s", z.time);
    h5::set_attribute(g, "area_m2", area);
    h5::set_attribute(g, "potential_V", z.potential);
    h5::set_attribute(g, "cell_voltage_V", z.cell_voltage);
    h5::set_attribute(g, "current_density_A_m2", z.current_density);
    h5::set_attribute(g, "temperature_K", z.temperature);
    h5::set_attribute(g, "mean_stoichiometry", z.mean_stoichiometry);
    h5::set_attribute(g, "contact", z.contact);
    h5::set_attribute(g, "dead_fraction", z.dead_fraction);
    h5::set_attribute(g, "film_resistance_ohm_m2", z.film_resistance);
}

namespace {

// exact: Z from the ohm datasets times the area (a checkpoint's, written with area 1 m2:
// bit for bit); otherwise from the ohm cm2 ones.
Spectrum read_one(const h5::Handle& g, const std::string& where, bool exact) {
    Spectrum z;
    z.step = static_cast<int>(h5::get_long_attribute(g, "step"));
    z.cycle = static_cast<int>(h5::get_long_attribute(g, "cycle"));
    z.label = h5::get_string_attribute(g, "label");
    z.galvanostatic = h5::get_string_attribute(g, "mode") == "galvanostatic";
    z.amplitude = h5::get_double_attribute(g, z.galvanostatic ? "amplitude_A_m2" : "amplitude_V");
    z.time = h5::get_double_attribute(g, "time_s");
    z.potential = h5::get_double_attribute(g, "potential_V");
    z.cell_voltage = h5::get_double_attribute(g, "cell_voltage_V");
    z.current_density = h5::get_double_attribute(g, "current_density_A_m2");
    z.temperature = h5::get_double_attribute(g, "temperature_K");
    z.mean_stoichiometry = h5::get_double_attribute(g, "mean_stoichiometry");
    z.contact = h5::get_double_attribute(g, "contact");
    z.dead_fraction = h5::get_double_attribute(g, "dead_fraction");
    z.film_resistance = h5::get_double_attribute(g, "film_resistance_ohm_m2");
    z.frequency = h5::read_vector(g, "frequency");
    if (exact) {
        const double area = h5::get_double_attribute(g, "area_m2");
        z.z_real = scaled(h5::read_vector(g, "z_real"), area);
        z.z_imag = scaled(h5::read_vector(g, "z_imag"), area);
    } else {
        z.z_real = scaled(h5::read_vector(g, "z_real_area"), 1.0 / kCm2PerM2);
        z.z_imag = scaled(h5::read_vector(g, "z_imag_area"), 1.0 / kCm2PerM2);
    }
    if (z.z_real.size() != z.frequency.size() || z.z_imag.size() != z.frequency.size())
        throw IoError(where + ": frequency, z_real_area and z_imag_area differ in length");
    return z;
}

std::vector<Spectrum> read_all(const h5::Handle& file, bool exact) {
    std::vector<Spectrum> out;
    if (!h5::exists(file, kSpectrumGroup)) return out;
    h5::Handle top = h5::open_group(file, kSpectrumGroup);
    // step_00000 ...: name order is step order (kMaxSteps = 10^5 steps).
    for (const std::string& name : h5::children(top)) {
        if (name.rfind("step_", 0) != 0) continue;
        out.push_back(read_one(h5::open_group(top, name), std::string("/") + kSpectrumGroup + "/" + name, exact));
    }
    return out;
}

}  // namespace

std::vector<Spectrum> read_spectra(const h5::Handle& file) { return read_all(file, false); }

void write_spectra_exact(const h5::Handle& file, const std::vector<Spectrum>& spectra) {
    for (const Spectrum& z : spectra) write_spectrum(file, z, 1.0);
}

std::vector<Spectrum> read_spectra_exact(const h5::Handle& file) { return read_all(file, true); }

double arc_width(const Spectrum& z) {
    const std::size_t n = z.frequency.size();
    if (n < 2) return 0.0;
    // Frequencies descending (as written); -Im > 0 is capacitive. The arcs end where the
    // low-frequency (diffusion, chemical capacitance) tail starts: the last local minimum
    // of -Im when -Im rises at the lowest frequency; otherwise the spectrum is all arcs.
    bool capacitive = false;
    for (double im : z.z_imag) capacitive = capacitive || -im > 0;
    if (!capacitive) return 0.0;
    std::size_t end = n - 1;
    // -Im still falling at the lowest frequency: the last arc has not closed in the range.
    if (-z.z_imag[n - 1] > -z.z_imag[n - 2])
        for (std::size_t k = 1; k + 1 < n; ++k)
            if (-z.z_imag[k] < -z.z_imag[k - 1] && -z.z_imag[k] <= -z.z_imag[k + 1]) end = k;
    return z.z_real[end] - z.z_real[0];
}

std::vector<Spectrum> read_spectra(const std::string& path) {
    h5::Handle f = h5::open_file(path);
    return read_spectra(f);
}

}  // namespace ssbsim
