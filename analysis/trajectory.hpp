// What the analysis module works on: a cycling record (measured or simulated) as time
// series in SI units, and the other shapes measured data come in (per-cycle tables, CE vs
// hold duration). Importers (analysis/import.hpp) and the HDF5 result reader produce these.
#pragma once

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace ssbsim {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A cycling record. Sign convention as everywhere in ssbsim: current > 0 on charge
// (oxidation of the cathode); potential of the working electrode vs Li/Li+ when known
// (for measured files: as recorded, see `potential_offset`).
struct Trajectory {
    std::string source;              // file it came from ("" for synthetic)
    std::vector<double> time;        // [s], non-decreasing
    std::vector<double> potential;   // [V]
    std::vector<double> current;     // [A], > 0 on charge
    std::vector<int> cycle;          // optional (empty: detected), 1-based
    std::vector<int> step;           // optional (empty: detected), 1-based
    std::vector<double> stack_pressure;  // optional (empty: not recorded) [Pa]
    double mass = 0.0;               // active-material mass [kg]; 0: unknown
    std::size_t size() const { return time.size(); }
};

// One row of a per-cycle table; missing values are NaN. Capacities in mAh/g of active
// material, efficiencies as fractions.
struct CycleRecord {
    int cycle = 0;
    double charge_capacity = kNaN;
    double discharge_capacity = kNaN;
    double coulombic_efficiency = kNaN;
    double shoulder_capacity = kNaN;
    double energy_efficiency = kNaN;
    // Any further numeric columns, keyed by their normalised header (e.g. "se_oxidation_share");
    // fractions stay as written after percent conversion (see import.hpp).
    std::map<std::string, double> extra;
    // One-sigma uncertainties where the file gives them (column "<name>_sd" or "<name>_err").
    std::map<std::string, double> sigma;
    int line = 0;                     // line in the file
};

// One row of a CE-vs-hold-duration table.
struct HoldRecord {
    double duration = kNaN;                // hold duration [s]
    double potential = kNaN;               // hold potential [V]; NaN: as in the config
    double coulombic_efficiency = kNaN;    // fraction
    double sigma = kNaN;                   // one-sigma uncertainty of the CE (fraction)
    int cycle = 1;                         // cycle whose CE is meant
    int line = 0;
};

struct MeasuredData {
    enum class Kind { time_series, cycle_table, hold_table };
    Kind kind = Kind::time_series;
    std::string path;
    std::string format;                    // "csv", "mpt"
    Trajectory trajectory;                 // Kind::time_series
    std::vector<CycleRecord> cycles;       // Kind::cycle_table
    std::vector<HoldRecord> holds;         // Kind::hold_table
    // "# key: value" lines before the header (CSV) or the EC-Lab header block (.mpt),
    // e.g. "source", "mass", "hold_potential", "shoulder_potential".
    std::map<std::string, std::string> metadata;
    std::vector<std::string> warnings;     // things handled but worth telling the user
    // A time series' potential column (normalised name: "ewe", "ecell", "potential") and what
    // its values refer to: "cell" (a cell voltage: an Ecell / cell_voltage / U column, a
    // "# reference: cell" header or --reference cell), "li" (vs Li/Li+), "" (undeclared).
    std::string potential_column;
    std::string reference;
};

const char* to_string(MeasuredData::Kind k);

}  // namespace ssbsim
