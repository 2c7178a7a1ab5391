#include "io/result_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "core/error.hpp"
#include "core/hdf5_file.hpp"
#include "core/version.hpp"
#include "io/schema.hpp"
#include "io/spectra.hpp"

namespace ssbsim {

namespace {

// Reads one result file with every shape checked before use.
class Reader {
public:
    Reader(const std::string& path, const h5::Handle& f) : path_(path), f_(f) {}

    [[noreturn]] void bad(const std::string& what) const {
        throw IoError("'" + path_ + "' is not a readable ssbsim result file: " + what);
    }

    std::string string_attribute(const h5::Handle& obj, const std::string& where, const std::string& name,
                                 bool required, const std::string& fallback = "") const {
        if (!h5::has_attribute(obj, name)) {
            if (required) bad("attribute '" + name + "' of " + where + " is missing");
            return fallback;
        }
        if (h5::attribute_class(obj, name) != h5::ValueClass::string)
            bad("attribute '" + name + "' of " + where + " should be a string");
        return h5::get_string_attribute(obj, name);
    }
    double number_attribute(const h5::Handle& obj, const std::string& where, const std::string& name) const {
        auto c = h5::attribute_class(obj, name);
        if (c != h5::ValueClass::floating && c != h5::ValueClass::integer)
            bad("attribute '" + name + "' of " + where + " should be a number");
        return h5::get_double_attribute(obj, name);
    }
    long integer_attribute(const h5::Handle& obj, const std::string& where, const std::string& name) const {
        if (h5::attribute_class(obj, name) != h5::ValueClass::integer)
            bad("attribute '" + name + "' of " + where + " should be an integer");
        return h5::get_long_attribute(obj, name);
    }

    void require_group(const std::string& g) const {
        if (h5::object_kind(f_, g) != h5::ObjectKind::group) bad("group /" + g + " is missing");
    }
    // Rows of a dataset whose rows are scalars (cols = 0) or hold `cols` values.
    std::uint64_t rows(const std::string& ds, std::uint64_t cols = 0) const {
        if (h5::object_kind(f_, ds) != h5::ObjectKind::dataset) bad("dataset /" + ds + " is missing");
        auto sh = h5::shape(f_, ds);
        if (cols == 0 && sh.size() != 1)
            bad("dataset /" + ds + " should have one dimension, not " + std::to_string(sh.size()));
        if (cols > 0 && (sh.size() != 2 || sh[1] != cols))
            bad("dataset /" + ds + " should have rows of " + std::to_string(cols) + " values");
        return sh.at(0);
    }
    void require_rows(const std::string& ds, std::uint64_t expected, const std::string& counted_by,
                      std::uint64_t cols = 0) const {
        std::uint64_t got = rows(ds, cols);
        if (got != expected)
            bad("dataset /" + ds + " has " + std::to_string(got) + " rows, but /" + counted_by + " has " +
                std::to_string(expected));
    }
    void require_class(const std::string& ds, h5::ValueClass want) const {
        auto c = h5::dataset_class(f_, ds);
        bool ok = want == h5::ValueClass::floating ? (c == h5::ValueClass::floating || c == h5::ValueClass::integer)
                                                   : c == want;
        if (!ok)
            bad("dataset /" + ds + " should hold " +
                (want == h5::ValueClass::string ? "strings" : want == h5::ValueClass::integer ? "integers" : "numbers"));
    }
    std::vector<double> doubles(const std::string& ds, std::uint64_t n, std::uint64_t cols = 0) const {
        require_class(ds, h5::ValueClass::floating);
        auto v = h5::read_vector(f_, ds);
        if (v.size() < n * std::max<std::uint64_t>(cols, 1)) bad("dataset /" + ds + " is shorter than its shape");
        return v;
    }
    std::vector<long> longs(const std::string& ds, std::uint64_t n) const {
        require_class(ds, h5::ValueClass::integer);
        auto v = h5::read_long_vector(f_, ds);
        if (v.size() < n) bad("dataset /" + ds + " is shorter than its shape");
        return v;
    }
    std::vector<std::string> strings(const std::string& ds, std::uint64_t n) const {
        require_class(ds, h5::ValueClass::string);
        auto v = h5::read_strings(f_, ds);
        if (v.size() < n) bad("dataset /" + ds + " is shorter than its shape");
        return v;
    }
    // The common row count of a table: with `exact`, every column must have the rows of
    // the first; otherwise (a run killed while writing) the rows all columns have.
    std::uint64_t table_rows(const std::vector<std::pair<std::string, std::uint64_t>>& cols, bool exact) const {
        std::uint64_t n = rows(cols.front().first, cols.front().second);
        for (const auto& c : cols) {
            if (exact) require_rows(c.first, n, cols.front().first, c.second);
            else n = std::min(n, rows(c.first, c.second));
        }
        return n;
    }

private:
    const std::string& path_;
    const h5::Handle& f_;
};

// The fields of one record kind a file carries: the `always` ones, the ledger ones when
// the file says it has a ledger, and the optional ones when any of them is there (then
// all of them are required). In that order, so the first field counts the rows.
template <class R>
std::vector<const schema::Field<R>*> fields_in_file(const h5::Handle& f, const char* group,
                                                   const std::vector<schema::Field<R>>& fields, bool ledger) {
    std::vector<const schema::Field<R>*> out;
    bool any_optional = false;
    for (const auto& fd : fields)
        if (fd.presence == schema::Presence::optional)
            any_optional = any_optional ||
                           h5::object_kind(f, std::string(group) + "/" + fd.name) == h5::ObjectKind::dataset;
    for (auto p : {schema::Presence::always, schema::Presence::ledger, schema::Presence::optional}) {
        if ((p == schema::Presence::ledger && !ledger) || (p == schema::Presence::optional && !any_optional)) continue;
        for (const auto& fd : fields)
            if (fd.presence == p) out.push_back(&fd);
    }
    // Fields added later: read where the file has them (older files keep the defaults).
    for (const auto& fd : fields)
        if (fd.presence == schema::Presence::added &&
            h5::object_kind(f, std::string(group) + "/" + fd.name) == h5::ObjectKind::dataset)
            out.push_back(&fd);
    return out;
}

template <class R>
std::uint64_t count_rows(const Reader& rd, const char* group, const std::vector<const schema::Field<R>*>& fields,
                         bool exact) {
    std::vector<std::pair<std::string, std::uint64_t>> cols;
    for (const auto* fd : fields) cols.push_back({std::string(group) + "/" + fd->name, fd->columns});
    return rd.table_rows(cols, exact);
}

// Reads `n` rows of the given fields into `records` (resized to n). Absolute fields go to
// the summary's vectors (derive_absolute fills those a file lacks).
template <class R>
void read_rows(const Reader& rd, const char* group, const std::vector<const schema::Field<R>*>& fields,
               std::uint64_t n, std::vector<R>& records, ResultSummary* summary) {
    records.resize(n);
    for (const auto* fd : fields) {
        const std::string ds = std::string(group) + "/" + fd->name;
        const auto& a = fd->access;
        if (fd->type == schema::Type::string) {
            auto v = rd.strings(ds, n);
            for (std::uint64_t i = 0; i < n; ++i) a.set_text(records[i], v[i]);
        } else if (fd->type == schema::Type::int64) {
            auto v = rd.longs(ds, n);
            for (std::uint64_t i = 0; i < n; ++i) {
                const double x = static_cast<double>(v[i]);
                a.set(records[i], &x);
            }
        } else {
            auto v = rd.doubles(ds, n, fd->columns);
            const std::uint64_t w = std::max<std::uint64_t>(fd->columns, 1);
            if (a.absolute) {
                if (summary) (summary->*a.absolute).assign(v.begin(), v.begin() + n);
            } else if (a.set) {  // an absolute sample column has no member: checked only
                for (std::uint64_t i = 0; i < n; ++i) a.set(records[i], v.data() + i * w);
            }
        }
    }
}

// Absolute values a file lacks (older files), from the specific ones and the basis mass.
template <class R>
void derive_absolute(const std::vector<schema::Field<R>>& all, const std::vector<const schema::Field<R>*>& read,
                     const std::vector<R>& records, ResultSummary& summary, double basis_g) {
    for (const auto& fd : all) {
        if (!fd.access.absolute || std::find(read.begin(), read.end(), &fd) != read.end()) continue;
        auto& out = summary.*fd.access.absolute;
        out.clear();
        for (const R& r : records) {
            double v = 0;
            fd.access.get(r, basis_g, &v);
            out.push_back(v);
        }
    }
}

void check_generator(const Reader& rd, const h5::Handle& f, const std::string& path) {
    if (!h5::has_attribute(f, "generator") || h5::attribute_class(f, "generator") != h5::ValueClass::string ||
        h5::get_string_attribute(f, "generator") != "ssbsim")
        throw IoError("'" + path + "' is not an ssbsim result file (no root attribute generator = \"ssbsim\")");
    if (!h5::has_attribute(f, "format_version")) rd.bad("root attribute 'format_version' is missing");
    long fmt = rd.integer_attribute(f, "the root group", "format_version");
    if (fmt > kResultFormatVersion)
        throw IoError("'" + path + "' has result format " + std::to_string(fmt) +
                      ", newer than this ssbsim understands (" + std::to_string(kResultFormatVersion) + ")");
}

}  // namespace

const std::vector<DerivedAttribute>& derived_attributes() {
    static const std::vector<DerivedAttribute> list = {
        {"eps_cam", "CAM volume fraction"},
        {"eps_se", "SE volume fraction"},
        {"eps_carbon", "carbon volume fraction"},
        {"eps_binder", "binder volume fraction"},
        {"porosity", "porosity"},
        {"a_cam_per_m", "CAM surface a_CAM [1/m]"},
        {"a_carbon_dpb_per_m", "carbon|SE surface a_C,DPB [1/m]"},
        {"a_tpb_per_m", "triple-phase boundary a_TPB [1/m]"},
        {"a_cam_dpb_per_m", "SE-reactive CAM surface a_CAM,DPB (after coating, before contact loss) [1/m]"},
        {"sigma_ionic_eff_S_m", "effective ionic conductivity of the cathode at the cell temperature [S/m]"},
        {"sigma_electronic_eff_S_m", "effective electronic conductivity at the initial state, before contact loss [S/m]"},
        {"sigma_carbon_network_S_m", "carbon-network (or given) part of it [S/m]"},
        {"coating_thickness_m", "coating thickness [m]"},
        {"coating_coverage", "coating coverage"},
        {"coating_pass", "share of CAM and TPB SE oxidation the coating leaves"},
        {"coating_resistance_ohm_m2", "coating Li-ion resistance [ohm m2]"},
        {"coating_critical_thickness_m", "coating thickness above which it fractures at the CAM's peak strain [m] (0: no fracture law)"},
        {"coating_fracture_ratio", "G / Gamma of the coating at the CAM's peak strain (0: no fracture law)"},
    };
    return list;
}

namespace {

void read_root_attributes(const Reader& rd, const h5::Handle& f, ResultSummary& r) {
    const std::string root = "the root group";
    r.status = rd.string_attribute(f, root, "status", true);
    r.status_message = rd.string_attribute(f, root, "status_message", false);
    r.version = rd.string_attribute(f, root, "version", false, "?");
    r.git_commit = rd.string_attribute(f, root, "git_commit", false, "?");
    r.created = rd.string_attribute(f, root, "created", false);
    r.name = rd.string_attribute(f, root, "name", false);
    r.title = rd.string_attribute(f, root, "title", false, r.name);
    r.config = rd.string_attribute(f, root, "config", false);
    if (h5::has_attribute(f, "capacity_basis_mass_kg"))
        r.basis_mass_kg = rd.number_attribute(f, root, "capacity_basis_mass_kg");
    if (h5::has_attribute(f, "cam_mass_kg")) r.cam_mass_kg = rd.number_attribute(f, root, "cam_mass_kg");
    if (h5::has_attribute(f, "area_m2")) r.area_m2 = rd.number_attribute(f, root, "area_m2");
    r.capacity_basis = rd.string_attribute(f, root, "capacity_basis", false);
    for (const DerivedAttribute& d : derived_attributes())
        if (h5::has_attribute(f, d.name)) r.derived.emplace_back(d.name, rd.number_attribute(f, root, d.name));
}

// Profiles: every table has the rows of profiles/time and the columns of its grid.
void check_profiles(const Reader& rd, const h5::Handle& f, bool finished) {
    if (h5::object_kind(f, "profiles") != h5::ObjectKind::group) return;
    const std::uint64_t nx = rd.rows("profiles/x"), nc = rd.rows("profiles/x_cathode"), nr = rd.rows("profiles/r");
    std::vector<std::pair<std::string, std::uint64_t>> pt = {
        {"profiles/time", 0}, {"profiles/phi_e", nx}, {"profiles/phi_s", nc},
        {"profiles/intercalation_current", nc}, {"profiles/surface_stoichiometry", nc},
        {"profiles/mean_stoichiometry", nc}};
    const std::uint64_t np = rd.table_rows(pt, finished);
    if (h5::object_kind(f, "profiles/c_s") != h5::ObjectKind::dataset) rd.bad("dataset /profiles/c_s is missing");
    auto sh = h5::shape(f, "profiles/c_s");
    if (sh.size() == 3 && finished && sh[0] != np)
        rd.bad("dataset /profiles/c_s has " + std::to_string(sh[0]) + " rows, but /profiles/time has " +
               std::to_string(np));
    if (sh.size() != 3 || sh[1] != nc || sh[2] != nr)
        rd.bad("dataset /profiles/c_s should have rows of " + std::to_string(nc) + " x " + std::to_string(nr) +
               " values (cathode cells x shells)");
}

ResultSummary read_result_checked(const std::string& path) {
    ResultSummary r;
    r.path = path;
    h5::Handle f = h5::open_file(path);
    Reader rd(path, f);
    check_generator(rd, f, path);
    read_root_attributes(rd, f, r);
    // A file whose run ended (on_finish ran) must be consistent; a killed run may leave
    // columns one flush apart, and is read up to the rows all columns have.
    const bool finished = r.status != "running";
    for (const char* g : {schema::kSampleGroup, schema::kStepGroup, schema::kCycleGroup}) rd.require_group(g);

    // Sample count and end time without reading the series (the summary of a sweep opens
    // every case file).
    const auto ts = fields_in_file(f, schema::kSampleGroup, schema::sample_fields(), false);
    const std::uint64_t samples = count_rows(rd, schema::kSampleGroup, ts, finished);
    r.samples = static_cast<long>(samples);
    if (h5::has_attribute(f, "final_time_s")) {
        r.final_time = rd.number_attribute(f, "the root group", "final_time_s");
    } else {
        auto time = rd.doubles("timeseries/time", samples);  // a run that did not finish
        r.final_time = samples == 0 ? 0.0 : time[samples - 1];
    }
    check_profiles(rd, f, finished);

    const double basis_g = r.basis_mass_kg * 1e3;  // mAh/g x g = mAh
    h5::Handle cg = h5::open_group(f, schema::kCycleGroup);
    r.has_ledger = h5::has_attribute(cg, "has_ledger") && rd.integer_attribute(cg, "/cycles", "has_ledger") != 0;
    const auto cf = fields_in_file(f, schema::kCycleGroup, schema::cycle_fields(), r.has_ledger);
    read_rows(rd, schema::kCycleGroup, cf, count_rows(rd, schema::kCycleGroup, cf, finished), r.cycles, &r);
    for (auto& c : r.cycles) c.has_ledger = r.has_ledger;
    derive_absolute(schema::cycle_fields(), cf, r.cycles, r, basis_g);

    const auto sf = fields_in_file(f, schema::kStepGroup, schema::step_fields(), false);
    read_rows(rd, schema::kStepGroup, sf, count_rows(rd, schema::kStepGroup, sf, finished), r.steps, &r);
    derive_absolute(schema::step_fields(), sf, r.steps, r, basis_g);
    r.spectra = read_spectra(f);
    return r;
}

// Names the file in an IoError that does not yet (an HDF5 call failed deep down).
template <class F>
auto naming_file(const std::string& path, F&& read) {
    try {
        return read();
    } catch (const IoError& e) {
        const std::string msg = e.what();
        if (msg.find(path) != std::string::npos) throw;
        throw IoError("'" + path + "': " + msg);
    }
}

}  // namespace

ResultSummary read_result(const std::string& path) {
    return naming_file(path, [&] { return read_result_checked(path); });
}

SampleRecord read_samples(const std::string& path, const std::vector<std::string>& names) {
    return naming_file(path, [&] {
        SampleRecord out;
        h5::Handle f = h5::open_file(path);
        Reader rd(path, f);
        check_generator(rd, f, path);
        const std::string root = "the root group";
        if (h5::has_attribute(f, "capacity_basis_mass_kg"))
            out.basis_mass_kg = rd.number_attribute(f, root, "capacity_basis_mass_kg");
        else if (h5::has_attribute(f, "cam_mass_kg"))
            out.basis_mass_kg = rd.number_attribute(f, root, "cam_mass_kg");
        rd.require_group(schema::kSampleGroup);
        std::vector<const schema::Field<Sample>*> fields;
        if (names.empty()) {
            fields = fields_in_file(f, schema::kSampleGroup, schema::sample_fields(), false);
        } else {
            for (const auto& n : names) {
                const auto* fd = schema::find(schema::sample_fields(), n);
                if (!fd) throw IoError("'" + path + "': no sample field '" + n + "' in the result schema");
                fields.push_back(fd);
            }
        }
        // Lenient like a reader of a running file: the rows every named column has.
        const std::uint64_t n = count_rows(rd, schema::kSampleGroup, fields, false);
        read_rows<Sample>(rd, schema::kSampleGroup, fields, n, out.samples, nullptr);
        return out;
    });
}

}  // namespace ssbsim
