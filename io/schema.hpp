// The result file's schema: ONE table of fields per record kind (timeseries samples,
// protocol steps, cycles). The writer creates and appends its datasets from these tables,
// read_result fills the record structs from them, `info --json` and the sweep summary take
// their columns from them, and validation its model-side metric names. A new cycle metric
// is one row in cycle_fields() (plus its computation in the runner).
//
// Dataset names, units and descriptions are the file format (python/ssbsim/result.py reads
// them): change them only with kResultFormatVersion.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "core/hdf5_file.hpp"
#include "run/simulation.hpp"

namespace ssbsim {

struct ResultSummary;

namespace schema {

using Type = h5::Series::Type;

// Which files carry a field.
enum class Presence {
    always,    // every file of this format
    optional,  // absolute capacities: older files lack them (read_result then computes them);
               // where one optional field of a group is present, all of them must be
    ledger,    // read only when /cycles has has_ledger = 1 (written always: zeros without chemistry)
    added,     // written always since it was added (the MODEL.md 9 samples); files from before
               // lack it and read its default
};

// Where a cycle field goes in `info --json`: the cycle's object, its "ledger" object, or
// (a row of kSites values) per site in "ledger" / "by_site".
enum class JsonPlace { record, ledger, by_site };
inline constexpr const char* kSiteNames[] = {"carbon", "tpb", "cam"};  // by_site columns
inline constexpr std::size_t kSites = 3;
inline constexpr std::size_t kMaxColumns = kSites;

// How a field's value is taken from a record (writer, JSON, sweep) and put back (reader).
// Numbers travel as doubles (integers are exact below 2^53); a field of `columns` values
// per row gets/sets that many.
template <class R>
struct Access {
    void (*get)(const R&, double basis_g, double* out) = nullptr;  // numeric fields
    double (*value)(const R&, double basis_g) = nullptr;           // the same for one-value fields
                                                                   // (the writer's per-sample path)
    void (*set)(R&, const double* in) = nullptr;                   // numeric, not absolute
    const std::string& (*get_text)(const R&) = nullptr;             // string fields
    void (*set_text)(R&, const std::string&) = nullptr;
    // Absolute fields: the specific value x the capacity basis mass [g] (mAh/g x g = mAh),
    // read back into this vector of the summary (one value per record).
    std::vector<double> ResultSummary::*absolute = nullptr;
};

template <class R>
struct Field {
    const char* name;         // dataset name in the record's group
    Type type;
    std::uint64_t columns;    // 0: one value per row; n: rows of n values
    const char* unit;         // machine-readable: '*' products, '^' powers, "1" fractions, "" counts/labels
    const char* description;  // prose ("": no description attribute)
    Presence presence;
    Access<R> access;
    const char* json;         // key in `info --json` (nullptr: not there; every step/cycle field is)
    JsonPlace place;
    const char* sweep;        // column of the sweep summary (nullptr: not one)
    const char* metric;       // validation metric taken from the model's cycle summary (nullptr: none)
};

// The tables, in dataset order (the first field of each counts the rows).
const std::vector<Field<Sample>>& sample_fields();
const std::vector<Field<StepSummary>>& step_fields();
const std::vector<Field<CycleSummary>>& cycle_fields();
// The HDF5 group of each record kind.
inline constexpr const char* kSampleGroup = "timeseries";
inline constexpr const char* kStepGroup = "steps";
inline constexpr const char* kCycleGroup = "cycles";

// The field named `name` in `fields`, or nullptr.
template <class R>
const Field<R>* find(const std::vector<Field<R>>& fields, const std::string& name) {
    for (const auto& f : fields)
        if (name == f.name) return &f;
    return nullptr;
}

// The unit as validation and reports print it: "mA*h/g" -> "mAh/g".
std::string display_unit(const char* unit);

// ---- building Access values from members (used by the tables) ----------------------------

template <class T>
struct member_of;
template <class C, class V>
struct member_of<V C::*> {
    using cls = C;
    using value = V;
};

// A numeric member of the record (double or int).
template <auto M>
Access<typename member_of<decltype(M)>::cls> number() {
    using C = typename member_of<decltype(M)>::cls;
    using V = typename member_of<decltype(M)>::value;
    Access<C> a;
    a.get = [](const C& r, double, double* out) { *out = static_cast<double>(r.*M); };
    a.value = [](const C& r, double) { return static_cast<double>(r.*M); };
    a.set = [](C& r, const double* in) { r.*M = static_cast<V>(*in); };
    return a;
}

// A string member of the record.
template <auto M>
Access<typename member_of<decltype(M)>::cls> text() {
    using C = typename member_of<decltype(M)>::cls;
    Access<C> a;
    a.get_text = [](const C& r) -> const std::string& { return r.*M; };
    a.set_text = [](C& r, const std::string& v) { r.*M = v; };
    return a;
}

// A row of numbers of the record (an array member, e.g. one value per site).
template <auto M>
Access<typename member_of<decltype(M)>::cls> row() {
    using C = typename member_of<decltype(M)>::cls;
    using V = typename member_of<decltype(M)>::value;
    static_assert(std::is_array_v<V> && std::extent_v<V> <= kMaxColumns, "row<>: an array of at most kMaxColumns");
    Access<C> a;
    a.get = [](const C& r, double, double* out) {
        for (std::size_t k = 0; k < std::extent_v<V>; ++k) out[k] = (r.*M)[k];
    };
    a.set = [](C& r, const double* in) {
        for (std::size_t k = 0; k < std::extent_v<V>; ++k) (r.*M)[k] = in[k];
    };
    return a;
}

// A member of the cycle's loss ledger: a number, or a row of kSites numbers.
template <auto M>
Access<CycleSummary> ledger() {
    using V = typename member_of<decltype(M)>::value;
    Access<CycleSummary> a;
    if constexpr (std::is_array_v<V>) {
        a.get = [](const CycleSummary& c, double, double* out) {
            for (std::size_t k = 0; k < std::extent_v<V>; ++k) out[k] = (c.ledger.*M)[k];
        };
        a.set = [](CycleSummary& c, const double* in) {
            for (std::size_t k = 0; k < std::extent_v<V>; ++k) (c.ledger.*M)[k] = in[k];
        };
    } else {
        a.get = [](const CycleSummary& c, double, double* out) { *out = c.ledger.*M; };
        a.value = [](const CycleSummary& c, double) { return c.ledger.*M; };
        a.set = [](CycleSummary& c, const double* in) { c.ledger.*M = *in; };
    }
    return a;
}

// A specific capacity [mAh/g] of the record written as an absolute one [mAh].
template <auto M>
Access<typename member_of<decltype(M)>::cls> absolute(std::vector<double> ResultSummary::*into) {
    using C = typename member_of<decltype(M)>::cls;
    Access<C> a;
    a.get = [](const C& r, double basis_g, double* out) { *out = r.*M * basis_g; };
    a.value = [](const C& r, double basis_g) { return r.*M * basis_g; };
    a.absolute = into;
    return a;
}

}  // namespace schema
}  // namespace ssbsim
