// Impedance spectra in result files (docs/data_formats.md, "Impedance spectra"): a group
// /impedance with one subgroup per EIS step, "step_<index>" (the protocol step, from 0):
// datasets frequency [Hz], z_real and z_imag [ohm], z_real_area and z_imag_area
// [ohm*cm^2], and attributes naming the step, the cycle, the time and the state.
#pragma once

#include <string>
#include <vector>

#include "core/hdf5_file.hpp"
#include "run/simulation.hpp"

namespace ssbsim {

inline constexpr const char* kSpectrumGroup = "impedance";

// Writes spectrum z of a cell of area [m2] into file (creating /impedance once).
void write_spectrum(const h5::Handle& file, const Spectrum& z, double area);
// Every spectrum of a result file, in step order (none: empty). z per area [ohm m2].
std::vector<Spectrum> read_spectra(const h5::Handle& file);
std::vector<Spectrum> read_spectra(const std::string& path);
// A checkpoint's spectra (io/checkpoint.hpp): written with area 1 m2 and read back from the
// ohm datasets, so that the values are bit for bit the ones the run computed.
void write_spectra_exact(const h5::Handle& file, const std::vector<Spectrum>& spectra);
std::vector<Spectrum> read_spectra_exact(const h5::Handle& file);

// The width of the high-to-mid-frequency arcs [ohm m2]: Re Z at the last local minimum of
// -Im Z (going down in frequency: where the low-frequency diffusion tail starts) minus Re Z
// at the highest frequency; when -Im Z still falls at the lowest frequency (or has no
// minimum), up to the lowest frequency; 0 when -Im Z
// is never positive. It spans the interfacial arcs: counter electrode, film, charge transfer.
double arc_width(const Spectrum& z);

}  // namespace ssbsim
