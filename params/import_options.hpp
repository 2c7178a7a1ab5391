// How a measured-data file is read (analysis/import.hpp): given on the command line or in a
// fit file's dataset (params/fit_spec.hpp), so its struct lives with the other specs.
#pragma once

#include <string>

namespace ssbsim {

struct ImportOptions {
    std::string format = "auto";  // auto (by extension, then content), csv, mpt
    double mass = 0.0;            // active mass [kg] when the file does not give one; 0: none
    // Current sign: +1 when the file's current is positive on charge (EC-Lab and the
    // ssbsim CSV layout), -1 when positive on discharge.
    int current_sign = +1;
    // What a time series' potentials refer to: "auto" (as the file declares, see
    // MeasuredData::reference), "cell" (cell voltages) or "li" (vs Li/Li+).
    std::string reference = "auto";
};

}  // namespace ssbsim
