// Importers for measured cycling data: the documented ssbsim CSV layouts and BioLogic
// EC-Lab text exports (.mpt). The CSV layouts are described in docs/data_formats.md:
//
//  * time series: columns time, potential, current (+ optional cycle, step, capacity);
//  * per-cycle table: column cycle + any of charge_capacity, discharge_capacity,
//    coulombic_efficiency, shoulder_capacity, energy_efficiency (+ further numeric columns);
//  * CE vs hold duration: columns hold_duration and coulombic_efficiency (+ optional
//    hold_potential, cycle, coulombic_efficiency_sd).
//
// Headers carry units, in any of the usual spellings: "time/s", "time [h]", "time (min)",
// "I/mA", "<I>/mA", "current_mA", "Ewe/V", "CE/%", "hold_duration [h]". Comment lines
// start with '#'; "# key: value" lines before the header become metadata (mass, source,
// hold_potential, ...). Delimiters comma, semicolon or tab; decimal commas are accepted
// when the delimiter is not a comma. Everything is converted to SI (s, V, A) and to
// fractions for efficiencies (values given in % are divided by 100).
//
// Messy input is handled where the meaning is unambiguous (blank lines, trailing
// delimiters, BOM, CRLF, rests with zero current, repeated headers) and rejected
// otherwise with a DataError naming the file, line and column and the expected form.
#pragma once

#include <string>

#include "analysis/trajectory.hpp"
#include "params/import_options.hpp"

namespace ssbsim {

// ImportOptions (format, mass, current sign): params/import_options.hpp.


// Reads a measured-data file; throws DataError on anything it cannot read unambiguously.
MeasuredData load_measured(const std::string& path, const ImportOptions& options = {});

// The same from text (tests, stdin); `name` stands in for the file name in messages.
MeasuredData parse_measured(const std::string& text, const std::string& name,
                            const ImportOptions& options = {});

// Refers a time series' potentials to Li/Li+ against a cell's counter electrode (potential
// counter_ocv [V vs Li/Li+], named counter): cell voltages (data.reference "cell") get
// counter_ocv added, as the model's cell voltage is its potential minus that OCV. An
// undeclared record whose range [V] fits the simulated window [window_lo, window_hi]
// (vs Li/Li+) better once shifted by counter_ocv gets a warning with both readings.
void refer_to_li(MeasuredData& data, double counter_ocv, const std::string& counter, double window_lo,
                 double window_hi);

}  // namespace ssbsim
