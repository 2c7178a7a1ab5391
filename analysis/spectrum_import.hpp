// Measured impedance spectra (issue #14): EC-Lab PEIS text exports (.mpt: "Nb header lines
// : N", tab-separated columns freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm) and CSV (columns frequency,
// Z', Z''; units in the header as for the cycling CSV: "frequency/Hz", "Z' [ohm]"), and the
// comparison of a simulated spectrum with a measured one (`ssbsim validate`).
#pragma once

#include <string>
#include <vector>

#include "run/simulation.hpp"

namespace ssbsim {

struct MeasuredSpectrum {
    std::string path;
    std::vector<double> frequency;       // [Hz], as in the file
    std::vector<double> z_real, z_imag;  // [ohm] (z_imag < 0: capacitive)
    std::vector<std::string> warnings;
};

// Whether a file (by its first lines) holds a spectrum rather than a cycling record: its
// header (an .mpt's, or a CSV's first line starting with a frequency) has a frequency
// column (load_spectrum then names a missing Z' or Z'' column).
bool is_spectrum_file(const std::string& path);
// Reads a spectrum; DataError naming the file, line and column otherwise (a missing
// column, a value that is no number, a frequency <= 0, fewer than two points or all at
// one frequency: an empty range).
MeasuredSpectrum load_spectrum(const std::string& path);
MeasuredSpectrum parse_spectrum(const std::string& text, const std::string& name);

struct SpectrumComparison {
    int points = 0;               // measured points inside the simulated range
    double rmse_log_modulus = 0;  // RMSE of log10 |Z| over the points [decades]
    double rmse_phase = 0;        // RMSE of the phase [degrees]
    double arc_width_simulated = 0, arc_width_measured = 0;  // [ohm]
};

// Compares simulated z (per area [ohm m2]) of a cell of `area` [m2] with measured m [ohm]:
// the simulated |Z| and phase interpolated linearly in log10 f at the measured frequencies.
SpectrumComparison compare_spectra(const Spectrum& z, double area, const MeasuredSpectrum& m);
std::string spectrum_comparison_json(const SpectrumComparison& c, const std::string& data, const Spectrum& z);

}  // namespace ssbsim
