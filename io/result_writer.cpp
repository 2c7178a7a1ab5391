#include "io/result_writer.hpp"


#include <algorithm>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "core/error.hpp"
#include "core/version.hpp"
#include "io/schema.hpp"
#include "io/spectra.hpp"

namespace ssbsim {

using h5::Series;
using Type = h5::Series::Type;

struct ResultWriter::Tables {
    h5::Handle ts_group, steps_group, cycles_group, profiles_group;
    // One series per field of io/schema.hpp's tables, in their order.
    std::vector<Series> samples, steps, cycles;
    // profiles
    Series p_time;
    std::vector<Series> p_profiles;  // one per CathodeP2D::profiles(), in its order
    template <class F>
    void for_each(F&& f) {
        for (auto* v : {&samples, &steps, &cycles})
            for (Series& s : *v) f(s);
        f(p_time);
        for (Series& s : p_profiles) f(s);
    }
};

ResultWriter::ResultWriter(std::string path, bool exclusive) : path_(std::move(path)), exclusive_(exclusive) {}
ResultWriter::~ResultWriter() {
    try {
        h5::wait_for_background();  // make_file uses this writer
    } catch (...) {
    }
    try {
        if (t_) flush_all();
    } catch (...) {
    }
}

namespace {
std::string now_iso8601() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::ostringstream os;
    os << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
    return os.str();
}
}  // namespace

namespace {
// A `unit` is machine-readable (products with '*', powers with '^', "1" for fractions,
// empty for counts and labels); `description` says what the column is in words.
Series described(const char* name, Type type, std::vector<std::uint64_t> shape,
                 const char* unit, const char* description, std::size_t rows) {
    Series s(name, type, std::move(shape), unit, rows);
    s.describe(description);
    return s;
}

// The datasets of one record kind, from its schema table.
template <class R>
std::vector<Series> create_series(const std::vector<schema::Field<R>>& fields, std::size_t rows) {
    std::vector<Series> out;
    out.reserve(fields.size());
    for (const auto& f : fields) {
        std::vector<std::uint64_t> shape;
        if (f.columns) shape.push_back(f.columns);
        out.push_back(described(f.name, f.type, std::move(shape), f.unit, f.description, rows));
    }
    return out;
}

// One record appended to its datasets (no allocation: values go through a stack row).
template <class R>
void append_record(std::vector<Series>& series, const std::vector<schema::Field<R>>& fields, const R& rec,
                   double basis_g) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const auto& f = fields[i];
        if (f.type == Type::string) {
            series[i].append(f.access.get_text(rec));
            continue;
        }
        if (f.columns) {
            double v[schema::kMaxColumns];
            f.access.get(rec, basis_g, v);
            series[i].append_row(v);
        } else if (f.type == Type::int64) {
            series[i].append(static_cast<long>(f.access.value(rec, basis_g)));
        } else {
            series[i].append(f.access.value(rec, basis_g));
        }
    }
}
}  // namespace

void write_version_attributes(const h5::Handle& file, const std::string& generator) {
    h5::set_attribute(file, "generator", generator);
    h5::set_attribute(file, "version", std::string(kVersion));
    h5::set_attribute(file, "git_commit", std::string(kGitCommit));
    h5::set_attribute(file, "created", now_iso8601());
    h5::set_attribute(file, "format_version", static_cast<long>(kResultFormatVersion));
}

// What make_file writes that on_start takes from the config and the model: a copy of the
// config (a background task may outlive no caller's), the mesh, and the profiles' shapes.
struct ResultWriter::FileValues {
    SimulationConfig config;
    std::vector<double> x_all, x_cathode, r;
};

void ResultWriter::on_start(const SimulationConfig& config, const CathodeP2D& model) {
    h5::limit_library_memory();
    file_ = h5::create_file(path_, exclusive_);
    flush_interval_ = config.output.flush_interval;
    basis_g_ = config.cell.basis_mass() * 1e3;  // [g]: mAh/g x g = mAh
    area_ = config.cell.area;

    t_ = std::make_unique<Tables>();
    Tables& t = *t_;
    t.samples = create_series(schema::sample_fields(), 1024);
    t.steps = create_series(schema::step_fields(), 64);
    t.cycles = create_series(schema::cycle_fields(), 16);
    const auto nx = static_cast<std::uint64_t>(model.n_separator() + model.n_cathode());
    const auto nc = static_cast<std::uint64_t>(model.n_cathode());
    t.p_time = Series("time", Type::float64, {}, "s", 16);
    profiles_ = model.profiles(nullptr);
    for (const Profile& q : profiles_) {
        std::vector<std::uint64_t> shape = {q.cathode_only ? nc : nx};
        if (q.components > 1) shape.push_back(static_cast<std::uint64_t>(q.components));
        t.p_profiles.push_back(described(q.name.c_str(), Type::float64, shape, q.unit.c_str(), q.description.c_str(), 16));
    }
    auto v = std::make_shared<FileValues>(FileValues{config, model.cell_centres(), {}, model.shell_centres()});
    v->x_cathode.assign(v->x_all.begin() + model.n_separator(), v->x_all.end());
    if (background_)
        h5::run_in_background([this, v] { make_file(*v); });
    else
        make_file(*v);
    last_flush_ = std::chrono::steady_clock::now();
}

void ResultWriter::make_file(const FileValues& v) {
    const SimulationConfig& config = v.config;
    write_version_attributes(file_, "ssbsim");
    h5::set_attribute(file_, "name", config.name);
    h5::set_attribute(file_, "title", run_title(config));
    h5::set_attribute(file_, "config", emit_config_text(config));
    h5::set_attribute(file_, "status", std::string("running"));
    h5::set_attribute(file_, "status_message", std::string(""));
    h5::set_attribute(file_, "cam_mass_kg", config.cell.cam_mass());
    h5::set_attribute(file_, "capacity_basis_mass_kg", config.cell.basis_mass());
    h5::set_attribute(file_, "capacity_basis", capacity_basis_text(config));
    h5::set_attribute(file_, "area_m2", config.cell.area);
    h5::set_attribute(file_, "cam_loading_kg_m2", config.cell.loading);
    h5::set_attribute(file_, "cathode_thickness_m", config.cell.thickness);
    for (const auto& [name, value] : derived_values(config)) h5::set_attribute(file_, name, value);
    h5::set_attribute(file_, "current_sign", std::string("positive on charge (oxidation of the cathode)"));
    h5::set_attribute(file_, "potential_reference", std::string("cathode potential vs Li/Li+ (cell voltage + counter-electrode OCV)"));

    Tables& t = *t_;
    t.ts_group = h5::create_group(file_, schema::kSampleGroup);
    for (Series& s : t.samples) s.attach(t.ts_group);
    t.steps_group = h5::create_group(file_, schema::kStepGroup);
    for (Series& s : t.steps) s.attach(t.steps_group);
    t.cycles_group = h5::create_group(file_, schema::kCycleGroup);
    for (Series& s : t.cycles) s.attach(t.cycles_group);
    h5::set_attribute(t.cycles_group, "shoulder_potential_V", config.protocol.shoulder_potential);
    h5::set_attribute(t.cycles_group, "has_ledger", static_cast<long>(config.cell.chemistry.enabled ? 1 : 0));

    t.profiles_group = h5::create_group(file_, "profiles");
    auto& p = t.profiles_group;
    h5::write_vector(p, "x", v.x_all, "m");
    h5::write_vector(p, "x_cathode", v.x_cathode, "m");
    h5::write_vector(p, "r", v.r, "m");
    t.p_time.attach(p);
    for (Series& s : t.p_profiles) s.attach(p);
    // In the background every dataset is made now, with no rows (the run's thread appends
    // to the buffers meanwhile and flushes none before this task has ended). Otherwise they
    // are created at the first flush (h5::Series), which a run shorter than kRecordFlushGap
    // reaches only at its end.
    if (background_) t.for_each([](Series& s) { s.create_empty(); });
}

void ResultWriter::on_sample(const Sample& s) {
    append_record(t_->samples, schema::sample_fields(), s, basis_g_);
    ++samples_written_;
    maybe_flush();
}

void ResultWriter::on_profile(double time, const CathodeP2D& m, const double* y) {
    m.update_profiles(y, profiles_);
    append_profile(time, profiles_);
}

void ResultWriter::append_profile(double time, const std::vector<Profile>& rows) {
    Tables& t = *t_;
    t.p_time.append(time);
    for (std::size_t k = 0; k < rows.size() && k < t.p_profiles.size(); ++k) t.p_profiles[k].append_row(rows[k].values.data());
}

void ResultWriter::on_step(const StepSummary& s) {
    append_record(t_->steps, schema::step_fields(), s, basis_g_);
    flush_record();
}

void ResultWriter::on_cycle(const CycleSummary& c) {
    append_record(t_->cycles, schema::cycle_fields(), c, basis_g_);
    flush_record();
}

void ResultWriter::on_spectrum(const Spectrum& z) {
    write_spectrum(file_, z, area_);
    ++spectra_written_;
    flush_record();
}

void ResultWriter::on_finish(const RunResult& r) {
    if (!t_) return;
    h5::set_attribute(file_, "status", std::string(to_string(r.status)));
    h5::set_attribute(file_, "status_message", r.message);
    h5::set_attribute(file_, "final_time_s", r.final_time);
    h5::set_attribute(file_, "solver_steps", r.stats.steps);
    h5::set_attribute(file_, "residual_evaluations", r.stats.residual_evaluations);
    h5::set_attribute(file_, "jacobian_evaluations", r.stats.jacobian_evaluations);
    h5::set_attribute(file_, "lithium_balance_error", r.lithium_balance_error);
    // Each dataset written and closed in turn (a short run creates them all here): HDF5
    // reuses one dataset's memory for the next instead of holding ~60 open at once.
    t_->for_each([](Series& s) { s.close(); });
    t_.reset();
    file_ = h5::Handle();
}

void ResultWriter::flush_all() {
    t_->for_each([](Series& s) { s.flush(); });
    h5::flush(file_);
    last_flush_ = std::chrono::steady_clock::now();
}

void ResultWriter::maybe_flush() {
    if (flush_records_ && seconds_since_flush() >= flush_interval_) flush_all();
}

void ResultWriter::flush_record() {
    if (flush_records_ && seconds_since_flush() >= std::min(flush_interval_, kRecordFlushGap)) flush_all();
}

double ResultWriter::seconds_since_flush() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - last_flush_).count();
}

}  // namespace ssbsim
