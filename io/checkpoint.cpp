#include "io/checkpoint.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <type_traits>

#include "core/error.hpp"
#include "core/hdf5_file.hpp"
#include "io/result_writer.hpp"
#include "io/schema.hpp"
#include "io/spectra.hpp"

namespace ssbsim {

namespace {

using Type = h5::Series::Type;

// The ledger snapshot travels as its doubles: a build whose LedgerCharges has another
// size reads a checkpoint of this one as foreign (the count is checked).
static_assert(std::is_trivially_copyable_v<LedgerCharges> && sizeof(LedgerCharges) % sizeof(double) == 0,
              "LedgerCharges is stored as an array of doubles");
constexpr std::size_t kLedgerDoubles = sizeof(LedgerCharges) / sizeof(double);

std::vector<double> ledger_array(const LedgerCharges& l) {
    std::vector<double> v(kLedgerDoubles);
    std::memcpy(v.data(), &l, sizeof l);
    return v;
}

// A field the checkpoint stores: the record's own numbers and strings (absolute values are
// derived from them by the result writer).
template <class R>
bool stored(const schema::Field<R>& f) {
    return f.type == Type::string ? f.access.set_text != nullptr : f.access.set != nullptr;
}

// Records as a group of one dataset per schema field (rows = records).
template <class R>
void write_records(const h5::Handle& file, const char* group, const std::vector<schema::Field<R>>& fields,
                   const std::vector<R>& recs) {
    h5::Handle g = h5::create_group(file, group);
    h5::set_attribute(g, "count", static_cast<long>(recs.size()));
    for (const auto& f : fields) {
        if (!stored(f)) continue;
        if (f.type == Type::string) {
            h5::Series s(g, f.name, Type::string, {}, "", 256);
            for (const R& r : recs) s.append(f.access.get_text(r));
            continue;
        }
        std::vector<std::uint64_t> shape;
        if (f.columns) shape.push_back(f.columns);
        h5::Series s(g, f.name, Type::float64, shape, f.unit, 256);
        double v[schema::kMaxColumns];
        for (const R& r : recs) {
            f.access.get(r, 0.0, v);
            s.append_row(v);
        }
    }
}

[[noreturn]] void damaged(const std::string& path, const std::string& why) {
    throw IoError("cannot restart from '" + path + "': " + why);
}

template <class R>
std::vector<R> read_records(const h5::Handle& file, const std::string& path, const char* group,
                            const std::vector<schema::Field<R>>& fields) {
    h5::Handle g = h5::open_group(file, group);
    const long n = h5::get_long_attribute(g, "count");
    if (n < 0 || n > 100000000) damaged(path, std::string("/") + group + " has a bad count");
    std::vector<R> recs(static_cast<std::size_t>(n));
    for (const auto& f : fields) {
        if (!stored(f)) continue;
        const std::string where = std::string("/") + group + "/" + f.name;
        if (!h5::exists(g, f.name)) damaged(path, where + " is missing (a checkpoint of another ssbsim version?)");
        if (f.type == Type::string) {
            const auto v = h5::read_strings(g, f.name);
            if (static_cast<long>(v.size()) != n) damaged(path, where + " has the wrong length");
            for (long i = 0; i < n; ++i) f.access.set_text(recs[i], v[i]);
            continue;
        }
        const std::size_t cols = f.columns ? f.columns : 1;
        const auto v = h5::read_vector(g, f.name);
        if (v.size() != static_cast<std::size_t>(n) * cols) damaged(path, where + " has the wrong length");
        for (long i = 0; i < n; ++i) f.access.set(recs[i], v.data() + i * cols);
    }
    return recs;
}

void write_book(const h5::Handle& file, const RunCheckpoint& ck) {
    h5::Handle b = h5::create_group(file, "book");
    h5::set_attribute(b, "lithium_initial_mol_m2", ck.book.li0);
    h5::set_attribute(b, "seen_discharge", static_cast<long>(ck.book.seen_discharge));
    h5::set_attribute(b, "any_step", static_cast<long>(ck.book.any_step));
    h5::write_vector(b, "ledger_start", ledger_array(ck.book.ledger0), "C/m^2");
    h5::write_vector(b, "population_concentration", ck.book.c_ref, "mol/m^3");
    write_records(b, "open_cycle", schema::cycle_fields(), std::vector<CycleSummary>{ck.book.open_cycle});
    h5::Handle s = h5::create_group(file, "sampler");
    h5::set_attribute(s, "bytes_out", ck.sampler.bytes_out);
    h5::set_attribute(s, "next_profile_s", ck.sampler.next_profile);
    h5::set_attribute(s, "last_profile_s", ck.sampler.last_profile);
    h5::Handle st = h5::create_group(file, "solver_stats");
    const SolverStats& x = ck.stats;
    const std::pair<const char*, long> stats[] = {
        {"steps", x.steps}, {"residual_evaluations", x.residual_evaluations},
        {"jacobian_evaluations", x.jacobian_evaluations}, {"nonlinear_iterations", x.nonlinear_iterations},
        {"convergence_failures", x.convergence_failures}, {"error_test_failures", x.error_test_failures},
        {"linear_setups", x.linear_setups}, {"fresh_factorisations", x.fresh_factorisations}};
    for (const auto& [name, value] : stats) h5::set_attribute(st, name, value);
}

void read_book(const h5::Handle& file, const std::string& path, RunCheckpoint& ck) {
    h5::Handle b = h5::open_group(file, "book");
    ck.book.li0 = h5::get_double_attribute(b, "lithium_initial_mol_m2");
    ck.book.seen_discharge = h5::get_long_attribute(b, "seen_discharge") != 0;
    ck.book.any_step = h5::get_long_attribute(b, "any_step") != 0;
    const auto l = h5::read_vector(b, "ledger_start");
    if (l.size() != kLedgerDoubles) damaged(path, "/book/ledger_start has another size (another ssbsim version)");
    std::memcpy(static_cast<void*>(&ck.book.ledger0), l.data(), sizeof(LedgerCharges));
    ck.book.c_ref = h5::read_vector(b, "population_concentration");
    const auto open = read_records(b, path, "open_cycle", schema::cycle_fields());
    if (open.size() != 1) damaged(path, "/book/open_cycle must hold one cycle");
    ck.book.open_cycle = open[0];
    h5::Handle s = h5::open_group(file, "sampler");
    ck.sampler.bytes_out = h5::get_double_attribute(s, "bytes_out");
    ck.sampler.next_profile = h5::get_double_attribute(s, "next_profile_s");
    ck.sampler.last_profile = h5::get_double_attribute(s, "last_profile_s");
    h5::Handle st = h5::open_group(file, "solver_stats");
    SolverStats& x = ck.stats;
    const std::pair<const char*, long*> stats[] = {
        {"steps", &x.steps}, {"residual_evaluations", &x.residual_evaluations},
        {"jacobian_evaluations", &x.jacobian_evaluations}, {"nonlinear_iterations", &x.nonlinear_iterations},
        {"convergence_failures", &x.convergence_failures}, {"error_test_failures", &x.error_test_failures},
        {"linear_setups", &x.linear_setups}, {"fresh_factorisations", &x.fresh_factorisations}};
    for (const auto& [name, value] : stats) *value = h5::get_long_attribute(st, name);
}

void write_state(const h5::Handle& file, const RunCheckpoint& ck) {
    h5::Handle s = h5::create_group(file, "state");
    h5::write_vector(s, "y", ck.y, "");
    h5::write_vector(s, "yp", ck.yp, "1/s");
    h5::Series names(s, "variable_names", Type::string, {}, "", 1024);
    for (const auto& n : ck.variable_names) names.append(n);
    h5::Handle p = h5::create_group(file, "profiles");
    h5::set_attribute(p, "count", static_cast<long>(ck.profiles.size()));
    h5::Series t(p, "time", Type::float64, {}, "s", 64), T(p, "temperature", Type::float64, {}, "K", 64);
    h5::Series y(p, "y", Type::float64, {static_cast<std::uint64_t>(ck.y.size())}, "", 16);
    for (const auto& pr : ck.profiles) {
        t.append(pr.time);
        T.append(pr.temperature);
        y.append_row(pr.y.data());
    }
}

void read_state(const h5::Handle& file, const std::string& path, RunCheckpoint& ck) {
    h5::Handle s = h5::open_group(file, "state");
    ck.y = h5::read_vector(s, "y");
    ck.yp = h5::read_vector(s, "yp");
    ck.variable_names = h5::read_strings(s, "variable_names");
    const std::size_t n = ck.y.size();
    if (n == 0 || ck.yp.size() != n || ck.variable_names.size() != n)
        damaged(path, "/state/y, yp and variable_names differ in length");
    h5::Handle p = h5::open_group(file, "profiles");
    const long count = h5::get_long_attribute(p, "count");
    const auto t = h5::read_vector(p, "time"), T = h5::read_vector(p, "temperature"), y = h5::read_vector(p, "y");
    if (count < 0 || t.size() != static_cast<std::size_t>(count) || T.size() != t.size() || y.size() != t.size() * n)
        damaged(path, "/profiles has inconsistent lengths");
    ck.profiles.resize(t.size());
    for (std::size_t k = 0; k < t.size(); ++k)
        ck.profiles[k] = {t[k], T[k], std::vector<double>(y.begin() + k * n, y.begin() + (k + 1) * n)};
}

void write_file(const std::string& tmp, const RunCheckpoint& ck) {
    h5::Handle f = h5::create_file(tmp, true);
    write_version_attributes(f, "ssbsim checkpoint");
    h5::set_attribute(f, "kind", std::string("checkpoint"));
    h5::set_attribute(f, "checkpoint_format_version", kCheckpointFormatVersion);
    h5::set_attribute(f, "digest", ck.digest);
    h5::set_attribute(f, "identity", ck.identity);
    h5::set_attribute(f, "next_step", static_cast<long>(ck.next_step));
    h5::set_attribute(f, "time_s", ck.time);
    h5::set_attribute(f, "temperature_K", ck.temperature);
    write_state(f, ck);
    write_book(f, ck);
    write_records(f, schema::kSampleGroup, schema::sample_fields(), ck.samples);
    write_records(f, schema::kStepGroup, schema::step_fields(), ck.steps);
    write_records(f, schema::kCycleGroup, schema::cycle_fields(), ck.cycles);
    write_spectra_exact(f, ck.spectra);
}

}  // namespace

void write_checkpoint(const std::string& path, const RunCheckpoint& ck) {
    static std::atomic<unsigned> counter{0};
    const std::string tmp = path + ".part." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    try {
        write_file(tmp, ck);
    } catch (...) {
        std::remove(tmp.c_str());
        throw;
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        std::remove(tmp.c_str());
        throw IoError("cannot rename '" + tmp + "' to '" + path + "': " + std::strerror(e));
    }
}

RunCheckpoint read_checkpoint(const std::string& path) {
    h5::Handle f;
    try {
        f = h5::open_file(path);
    } catch (const std::exception& e) {
        damaged(path, e.what());
    }
    try {
        if (!h5::has_attribute(f, "kind") || h5::get_string_attribute(f, "kind") != "checkpoint")
            damaged(path, "not an ssbsim checkpoint (write one with `ssbsim run --checkpoint FILE`)");
        const long version = h5::get_long_attribute(f, "checkpoint_format_version");
        if (version != kCheckpointFormatVersion)
            damaged(path, "checkpoint format version " + std::to_string(version) + ", this ssbsim reads " +
                              std::to_string(kCheckpointFormatVersion));
        RunCheckpoint ck;
        ck.source = path;
        ck.digest = h5::get_string_attribute(f, "digest");
        ck.identity = h5::get_string_attribute(f, "identity");
        ck.next_step = static_cast<int>(h5::get_long_attribute(f, "next_step"));
        ck.time = h5::get_double_attribute(f, "time_s");
        ck.temperature = h5::get_double_attribute(f, "temperature_K");
        if (identity_digest(ck.identity) != ck.digest) damaged(path, "its identity does not match its digest");
        read_state(f, path, ck);
        read_book(f, path, ck);
        ck.samples = read_records(f, path, schema::kSampleGroup, schema::sample_fields());
        ck.steps = read_records(f, path, schema::kStepGroup, schema::step_fields());
        ck.cycles = read_records(f, path, schema::kCycleGroup, schema::cycle_fields());
        ck.spectra = read_spectra_exact(f);  // none in a checkpoint taken before any EIS step
        return ck;
    } catch (const IoError& e) {
        if (std::string(e.what()).rfind("cannot restart from", 0) == 0) throw;
        damaged(path, std::string("damaged or incomplete checkpoint: ") + e.what());
    } catch (const std::exception& e) {
        damaged(path, std::string("damaged or incomplete checkpoint: ") + e.what());
    }
}

}  // namespace ssbsim
