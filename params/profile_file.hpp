// The recorded profile of a follow step (`Follow potential from FILE`): CSV or tab-separated
// text with units in the header ("time/s,potential/V", "t [h]; I [mA]"), an EC-Lab text
// export (.mpt: "Nb header lines", columns time/s, Ecell/V, Ewe/V, <I>/mA) or the result
// file of an earlier ssbsim run (/timeseries: time, potential, cell_voltage, current). Read
// once at load; the control interpolates it linearly at the solver's time.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "params/protocol.hpp"

namespace ssbsim {

// The most rows a profile may have (two doubles each: 160 MB), and the largest text file
// read for one [bytes].
inline constexpr std::size_t kMaxProfileRows = 10000000;
inline constexpr std::uintmax_t kMaxProfileBytes = std::uintmax_t(2) << 30;

// Reads the column of `spec.quantity` (or spec.column) and time from `path`. Throws
// std::invalid_argument "PATH:LINE: what is wrong; the expected form" on an empty file,
// time that goes back, a missing column, unknown or wrong units, a bad number, too many rows,
// or a reference the file contradicts (an Ecell/V column followed as `reference: li`).
std::shared_ptr<const RecordedProfile> read_recorded_profile(const std::string& path, const FollowSpec& spec);

// Which of `profile`'s rows a solver should land on: jumps (equal times) larger than rel_tol
// of the largest value, and corners that deviate from the chord through their neighbours
// by more than that, at least kMinBreakGap of the profile's span after the last break.
inline constexpr double kMinBreakGap = 1e-4;
void find_profile_breaks(RecordedProfile& profile, double rel_tol = 1e-3);

// Linear interpolation in a profile at file time tau, held constant outside its span. At a
// jump (equal times) the value before it, or with `right` the value after it. hint: the
// last segment used, where the search starts.
double profile_value(const RecordedProfile& p, double tau, std::size_t* hint = nullptr, bool right = false);

}  // namespace ssbsim
