#include "io/sweep.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <type_traits>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/hdf5_file.hpp"
#include "io/checkpoint.hpp"
#include "io/result_writer.hpp"
#include "params/yaml_text.hpp"
#include "io/schema.hpp"
#include "io/spectra.hpp"
#include "run/checkpoint.hpp"
#include "run/simulation.hpp"

namespace ssbsim {

namespace {

// FNV-1a (64 bit) of the base config's resolved tree written as YAML: the same in every
// run and build, and blind to comments and layout. "unreadable: ..." when it cannot be
// read (never equal to a digest; the case then fails when it runs).
std::string resolved_digest(const std::string& base) {
    try {
        return base_config_memo(base, [](const ConfigNode& node) {
            const std::string text = yaml_text(node);
            std::uint64_t h = 14695981039346656037ull;
            for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ull;
            std::ostringstream os;
            os << std::hex << std::setw(16) << std::setfill('0') << h;
            return os.str();
        });
    } catch (const std::exception& e) {
        return std::string("unreadable: ") + e.what();
    }
}

// What defines a case: its base config as resolved (with every file its `extends:` chain
// reads, so an edit to the base or to a file it extends counts) and its overrides. Stored
// beside the case file so a resume re-runs a case whose definition changed.
std::string case_key(const SweepSpec& spec, const SweepCase& c) {
    std::string key = spec.base + "\n" + "resolved " + resolved_digest(spec.base) + "\n";
    for (const auto& o : c.overrides) key += o + "\n";
    return key;
}

}  // namespace

bool case_key_current(const SweepSpec& spec, const std::string& dir, int index) {
    std::ifstream keyf(case_file(dir, index) + ".key");
    std::stringstream stored;
    stored << keyf.rdbuf();
    return keyf && stored.str() == case_key(spec, spec.cases.at(index - 1));
}

// ---- what the summary needs from a case file, handed from the worker that wrote it to the
// process that writes the summary (so it does not read the file back) -------------------

namespace {
// A file's identity and version: the summary takes a record only for the file as written.
struct Stamp {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    long sec = 0, nsec = 0;
    bool operator==(const Stamp& o) const {
        return dev == o.dev && ino == o.ino && size == o.size && sec == o.sec && nsec == o.nsec;
    }
};
bool stamp_of(const std::string& path, Stamp& s) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return false;
    s = {st.st_dev, st.st_ino, st.st_size, static_cast<long>(st.st_mtim.tv_sec), static_cast<long>(st.st_mtim.tv_nsec)};
    return true;
}
struct SummaryRecord {
    Stamp stamp;
    std::string status, message;
    std::vector<CycleSummary> cycles;
    // Whether the file holds spectra (its writer wrote some): without, the summary does not
    // open the file for their arc widths (~1.3 M instructions an HDF5 open).
    std::uint8_t has_spectra = 1;
};
std::map<std::string, SummaryRecord>& record_cache() {
    static std::map<std::string, SummaryRecord> cache;
    return cache;
}

static_assert(std::is_trivially_copyable_v<CycleSummary> && std::is_trivially_copyable_v<Stamp>,
              "records travel as bytes between the forked processes of one program");
template <class T>
void put_raw(std::string& out, const T& v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_text(std::string& out, const std::string& s) {
    put_raw(out, static_cast<std::uint32_t>(s.size()));
    out += s;
}
template <class T>
bool get_raw(const std::string& in, std::size_t& at, T& v) {
    if (at + sizeof v > in.size()) return false;
    std::memcpy(static_cast<void*>(&v), in.data() + at, sizeof v);
    at += sizeof v;
    return true;
}
bool get_text(const std::string& in, std::size_t& at, std::string& s) {
    std::uint32_t n = 0;
    if (!get_raw(in, at, n) || at + n > in.size()) return false;
    s.assign(in, at, n);
    at += n;
    return true;
}

// The record of a published case file (empty when it cannot be stamped); has_spectra: its
// writer wrote spectra.
std::string pack_record(const std::string& path, const RunResult& r, bool has_spectra) {
    Stamp s;
    if (!stamp_of(path, s)) return "";
    std::string out;
    put_text(out, path);
    put_raw(out, s);
    put_text(out, to_string(r.status));
    put_text(out, r.message);
    put_raw(out, static_cast<std::uint32_t>(r.cycles.size()));
    for (const CycleSummary& c : r.cycles) put_raw(out, c);
    put_raw(out, static_cast<std::uint8_t>(has_spectra ? 1 : 0));
    return out;
}
}  // namespace

void receive_case_records(const std::string& records) {
    std::size_t at = 0;
    while (at < records.size()) {
        std::string path;
        SummaryRecord rec;
        std::uint32_t n = 0;
        if (!get_text(records, at, path) || !get_raw(records, at, rec.stamp) || !get_text(records, at, rec.status) ||
            !get_text(records, at, rec.message) || !get_raw(records, at, n) || n > records.size())
            return;  // damaged: the summary reads the files
        rec.cycles.resize(n);
        for (auto& c : rec.cycles)
            if (!get_raw(records, at, c)) return;
        if (!get_raw(records, at, rec.has_spectra)) return;
        record_cache()[path] = std::move(rec);
    }
}

bool case_complete(const SweepSpec& spec, const std::string& dir, int index) {
    std::string f = case_file(dir, index);
    std::ifstream test(f);
    if (!test) return false;
    if (!case_key_current(spec, dir, index)) return false;
    try {
        return read_result(f).status == "complete";
    } catch (const std::exception&) {
        return false;
    }
}

namespace {
// Which file a path named when this process created it.
struct FileId {
    bool created = false;
    dev_t dev = 0;
    ino_t ino = 0;
    bool same(const std::string& path) const {
        struct stat st;
        return created && lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == dev &&
               st.st_ino == ino;
    }
};

// A case's result writer: creates the .part exclusively (never an existing file, never
// through a symbolic link) and remembers the file it made, so the case renames or removes
// only its own file, never one a later run of the sweep has put at the same path.
class CaseWriter : public ResultWriter {
public:
    // A .part file: published when complete, removed when its run is killed, so flushed
    // only at the end (7 open files of a readout group flushed at each step: ~4 % of it).
    // background: its datasets made while the case solves, as `ssbsim run` does (not for a
    // file made when its records are all there: a shorter readout case's).
    CaseWriter(const std::string& path, bool background) : ResultWriter(path, true) {
        flush_only_at_finish();
        if (background) create_in_background();
    }
    void on_start(const SimulationConfig& config, const CathodeP2D& model) override {
        ResultWriter::on_start(config, model);
        struct stat st;
        if (lstat(path().c_str(), &st) == 0) id = {true, st.st_dev, st.st_ino};
    }
    FileId id;
};
}  // namespace

namespace {

// DIR/prefixes, created if needed; a link or a file there is refused like DIR/cases.
std::string prefixes_dir(const std::string& dir) {
    const std::string p = dir + "/prefixes";
    if (mkdir(p.c_str(), 0755) != 0 && errno != EEXIST)
        throw IoError("cannot create directory '" + p + "': " + std::strerror(errno));
    struct stat st;
    if (lstat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw IoError("'" + p + "' is not a directory (a symbolic link or a file); remove it and run again");
    return p;
}

// The checkpoint of a config's first steps with this identity (run/checkpoint.hpp): named
// after it, so every case of a group (and a resumed sweep) finds the same file, and an
// edited config another.
std::string prefix_path(const std::string& dir, const std::string& identity) {
    return dir + "/prefixes/prefix_" + identity_digest(identity) + ".h5";
}

// The identity of case c's config after `steps` steps; its costly part (the config
// without steps) computed once per group of cases while a BaseConfigCache lives.
std::string case_identity(const SweepSpec& spec, const SweepCase& c, const SimulationConfig& cfg, int steps) {
    const std::string rest =
        sweep_memo("identity\n" + spec.base + "\n" + non_step_overrides(c), [&] { return identity_rest(cfg); });
    return checkpoint_identity(rest, cfg, steps);
}

// Checkpoints this process has read (the sweep's parent loads them before its case
// workers fork, so they share them).
std::map<std::string, std::shared_ptr<const RunCheckpoint>>& prefix_cache() {
    static std::map<std::string, std::shared_ptr<const RunCheckpoint>> cache;
    return cache;
}

// The good checkpoint at `path` for a config of n_steps steps whose first ones have this
// identity, or nullptr (none, damaged, another model).
std::shared_ptr<const RunCheckpoint> load_prefix(const std::string& path, const std::string& identity,
                                                 int n_steps, const CathodeP2D& model) {
    auto& cache = prefix_cache();
    auto it = cache.find(path);
    std::shared_ptr<const RunCheckpoint> ck;
    try {
        if (it != cache.end()) {
            ck = it->second;
        } else {
            std::ifstream test(path);
            if (!test) return nullptr;
            ck = std::make_shared<const RunCheckpoint>(read_checkpoint(path));
        }
        check_restart(*ck, n_steps, identity, model, path);
    } catch (const std::exception&) {
        return nullptr;  // the case is solved from the start
    }
    return ck;
}

}  // namespace

void run_prefix(const SweepSpec& spec, const SweepCase& c, const std::string& dir, int steps) {
    MaterialLibrary lib;
    SimulationConfig cfg = case_config(spec, c, lib);
    prefixes_dir(dir);
    const std::string identity = case_identity(spec, c, cfg, steps);
    const std::string path = prefix_path(dir, identity);
    Simulation sim(cfg);
    // Solved by an earlier run of the sweep.
    if (load_prefix(path, identity, static_cast<int>(cfg.protocol.steps.size()), sim.model())) return;
    RunControl control;
    control.checkpoint_after = steps;
    control.stop_after_checkpoint = true;
    bool written = false;
    control.on_checkpoint = [&](RunCheckpoint&& ck) {
        write_checkpoint(path, ck);
        written = true;
    };
    const RunResult r = sim.run(nullptr, control);
    if (!written) throw Error("the shared prefix of case " + std::to_string(c.index) + " ended early: " + r.message);
}

void preload_prefix(const SweepSpec& spec, const SweepCase& c, const std::string& dir, int steps) {
    try {
        MaterialLibrary lib;
        const SimulationConfig cfg = case_config(spec, c, lib);
        const std::string path = prefix_path(dir, case_identity(spec, c, cfg, steps));
        if (prefix_cache().count(path)) return;
        std::ifstream test(path);
        if (test) prefix_cache()[path] = std::make_shared<const RunCheckpoint>(read_checkpoint(path));
    } catch (const std::exception&) {
        // The case finds no checkpoint and is solved from the start.
    }
}

CaseOutcome run_case(const SweepSpec& spec, const SweepCase& c, const std::string& dir) {
    return run_case(spec, c, dir, 0);
}

namespace {
// A case's finished .part: closed, checked to be the file this process made, its key
// written, renamed to the final name (id cleared then).
void publish(std::unique_ptr<CaseWriter>& writer, FileId& id, const std::string& part, const std::string& final_path,
             const std::string& key, bool& has_spectra) {
    id = writer->id;
    has_spectra = writer->spectra_written() > 0;
    writer.reset();  // closes the file
    if (!id.same(part))
        throw IoError("the result file '" + part +
                      "' was replaced or removed by another process while the case ran; the case "
                      "runs again on resume");
    write_text_atomically(final_path + ".key", key);
    if (std::rename(part.c_str(), final_path.c_str()) != 0)
        throw IoError("cannot rename '" + part + "' to '" + final_path + "': " + std::strerror(errno));
    id = FileId();  // renamed: no longer at the .part path
}

// The cases of a readout group as one run of the longest (the last). The longest case's
// file is written as the run goes; the records of the run are kept in memory (a log) for
// the shorter cases, whose file is created at its end (ReadoutEnd): the log replayed into
// it, then the last sample, step, cycle, profile and result, and published. One file open
// at a time besides the longest: seven files open together (HDF5 keeps ~2 MB per open file
// and its datasets' chunk caches) cost a readout sweep of Study A ~5000 page faults, a
// quarter of its CPU time beyond the longest run. When the log outgrows kMaxLogBytes every
// file still to come is opened and the records go to all open files instead (flat memory).
// A case that cannot be set up, or all still to come when the run does not complete, are
// left to run alone.
class ReadoutFanout : public RunObserver {
public:
    struct Case {
        const SweepCase* c = nullptr;
        SimulationConfig cfg;
        std::string key, final_path, part;
        std::unique_ptr<CaseWriter> writer;
        bool started = false;  // writer->on_start done, the log replayed into it
        FileId id;
        bool complete = false, has_spectra = true;
        RunResult result;  // of a complete case
    };
    std::vector<Case> cases;
    const CathodeP2D* model = nullptr;
    static constexpr std::size_t kMaxLogBytes = 8u << 20;

    void on_start(const SimulationConfig&, const CathodeP2D& m) override {
        model = &m;
        start(cases.back());
        logging_ = waiting() > 0;
    }
    void on_sample(const Sample& x) override {
        each([&](Case& k) { k.writer->on_sample(x); });
        if (!logging_) return;
        log_.samples.push_back(x);
        grow(sizeof x);
    }
    void on_profile(double t, const CathodeP2D& m, const double* y) override {
        each([&](Case& k) { k.writer->on_profile(t, m, y); });
        if (logging_) {
            std::vector<Profile> rows = m.profiles(nullptr);
            m.update_profiles(y, rows);
            std::size_t bytes = 0;
            for (const Profile& q : rows) bytes += q.values.size() * sizeof(double);
            log_.profiles.push_back({t, std::move(rows)});
            grow(bytes);
        }
    }
    void on_step(const StepSummary& x) override {
        each([&](Case& k) { k.writer->on_step(x); });
        if (!logging_) return;
        log_.steps.push_back(x);
        grow(sizeof x);
    }
    void on_cycle(const CycleSummary& x) override {
        each([&](Case& k) { k.writer->on_cycle(x); });
        if (!logging_) return;
        log_.cycles.push_back(x);
        grow(sizeof x);
    }
    void on_spectrum(const Spectrum& x) override {
        each([&](Case& k) { k.writer->on_spectrum(x); });
        if (!logging_) return;
        log_.spectra.push_back(x);
        grow(sizeof x + 3 * x.frequency.size() * sizeof(double));
    }
    void on_finish(const RunResult& r) override {
        if (r.status != RunStatus::complete) return;  // the open cases run alone
        for (auto& k : cases) {
            if (!k.writer) continue;
            start(k);
            k.writer->on_finish(r);
            k.result = r;
            finish(k);
        }
    }
    // Case k (in duration order) ends here.
    void read_out(int k, const ReadoutEnd& end) {
        Case& c = cases.at(k);
        if (!c.writer) return;
        start(c);
        c.writer->on_sample(end.last_sample);
        c.writer->on_step(end.step);
        if (end.has_cycle) c.writer->on_cycle(end.cycle);
        if (end.final_profile) c.writer->on_profile(end.time, *model, end.y);
        c.writer->on_finish(end.result);
        c.result = end.result;
        finish(c);
    }

private:
    // What the run reported so far, for the files not open yet.
    struct Log {
        std::vector<Sample> samples;
        std::vector<std::pair<double, std::vector<Profile>>> profiles;  // time [s], rows
        std::vector<StepSummary> steps;
        std::vector<CycleSummary> cycles;
        std::vector<Spectrum> spectra;
        std::size_t bytes = 0;
    } log_;
    bool logging_ = false;

    template <class F>
    void each(F f) {
        for (auto& k : cases)
            if (k.writer && k.started) f(k);
    }
    std::size_t waiting() const {
        std::size_t n = 0;
        for (const auto& k : cases) n += k.writer && !k.started;
        return n;
    }
    // The records reported so far are in the log (each record is logged after the open
    // files got it). The case's file created and given the records so far (each dataset gets its rows in
    // the order the run reported them, as when written along).
    void start(Case& k) {
        if (k.started) return;
        k.started = true;
        k.writer->on_start(k.cfg, *model);
        for (const Sample& x : log_.samples) k.writer->on_sample(x);
        for (const auto& [t, rows] : log_.profiles) k.writer->append_profile(t, rows);
        for (const StepSummary& x : log_.steps) k.writer->on_step(x);
        for (const CycleSummary& x : log_.cycles) k.writer->on_cycle(x);
        for (const Spectrum& x : log_.spectra) k.writer->on_spectrum(x);
        if (waiting() == 0) stop_logging();
    }
    void grow(std::size_t bytes) {
        log_.bytes += bytes;
        if (log_.bytes <= kMaxLogBytes) return;
        for (auto& k : cases)
            if (k.writer) start(k);  // every file still to come opened: the records go to all
        stop_logging();
    }
    void stop_logging() {
        logging_ = false;
        log_ = Log();
    }
    void finish(Case& k) {
        try {
            publish(k.writer, k.id, k.part, k.final_path, k.key, k.has_spectra);
            k.complete = true;
        } catch (const std::exception&) {
            k.writer.reset();  // run alone afterwards
        }
    }
};

// The fanout's case files, opened (a case that cannot be: left out, to run alone).
void open_readout_cases(const SweepSpec& spec, const PrefixGroup& g, const std::string& dir, ReadoutFanout& fan) {
    make_cases_dir(dir);
    // One library for the group: its cases differ only in the duration of their last step,
    // so they name the same materials (and add the same user materials: `add` replaces);
    // each embedded material is parsed once instead of once per case (~4 M instructions
    // per Study A case).
    MaterialLibrary lib;
    for (int index : g.cases) {
        ReadoutFanout::Case k;
        k.c = &spec.cases.at(index - 1);
        try {
            k.key = case_key(spec, *k.c);
            k.cfg = case_config(spec, *k.c, lib);
            k.final_path = case_file(dir, index);
            k.part = k.final_path + ".part";
            k.cfg.output.file = k.part;
            clear_stale_part(k.part);
            k.writer = std::make_unique<CaseWriter>(k.part, index == g.cases.back());
        } catch (const std::exception&) {
            k.writer.reset();
        }
        fan.cases.push_back(std::move(k));
    }
}
}  // namespace

std::vector<CaseOutcome> run_readout(const SweepSpec& spec, const PrefixGroup& g, const std::string& dir) {
    ReadoutFanout fan;
    try {
        open_readout_cases(spec, g, dir, fan);
        if (!fan.cases.back().writer) throw Error("the longest case cannot be set up");
        Simulation sim(fan.cases.back().cfg);
        RunControl control;
        control.readout_after.assign(g.durations.begin(), g.durations.end() - 1);
        control.on_readout = [&](int k, const ReadoutEnd& end) { fan.read_out(k, end); };
        sim.run(&fan, control);
    } catch (const std::exception&) {
        // Whatever is not complete runs alone below.
    }
    std::vector<CaseOutcome> out;
    for (auto& k : fan.cases) {
        if (k.complete) {
            CaseOutcome o;
            o.index = k.c->index;
            o.status = "complete";
            o.record = pack_record(k.final_path, k.result, k.has_spectra);
            out.push_back(o);
            continue;
        }
        if (k.writer) k.id = k.writer->id;
        k.writer.reset();
        if (k.id.same(k.part)) ::unlink(k.part.c_str());
        out.push_back(run_case(spec, *k.c, dir, 0));
    }
    return out;
}

CaseOutcome run_case(const SweepSpec& spec, const SweepCase& c, const std::string& dir, int shared_steps) {
    CaseOutcome out;
    out.index = c.index;
    auto t0 = std::chrono::steady_clock::now();
    const std::string final_path = case_file(dir, c.index), part = final_path + ".part";
    std::unique_ptr<CaseWriter> writer;
    FileId id;
    try {
        make_cases_dir(dir);
        // The key of the files as this run reads them: one edited while the case runs
        // makes the case stale, not the other way round.
        const std::string key = case_key(spec, c);
        MaterialLibrary lib;
        SimulationConfig cfg = case_config(spec, c, lib);
        cfg.output.file = part;
        Simulation sim(cfg);
        RunControl control;
        std::shared_ptr<const RunCheckpoint> prefix;
        const int n_steps = static_cast<int>(cfg.protocol.steps.size());
        if (shared_steps > 0 && shared_steps <= n_steps) {
            const std::string identity = case_identity(spec, c, cfg, shared_steps);
            prefix = load_prefix(prefix_path(dir, identity), identity, n_steps, sim.model());
        }
        control.restart = prefix.get();
        control.restart_checked = true;
        // A .part here is the leftover of a killed run of this sweep (the caller holds the
        // directory's lock): replaced if it is our regular file, refused otherwise.
        clear_stale_part(part);
        writer = std::make_unique<CaseWriter>(part, true);
        RunResult r = sim.run(writer.get(), control);
        bool has_spectra = true;
        publish(writer, id, part, final_path, key, has_spectra);
        out.record = pack_record(final_path, r, has_spectra);
        out.status = to_string(r.status);
        out.message = r.message;
    } catch (const std::exception& e) {
        if (writer) {
            id = writer->id;
            writer.reset();
        }
        if (id.same(part)) ::unlink(part.c_str());  // only the file this run created
        out.status = "failed";
        out.message = e.what();
        // Record the failure in a small file so the summary can name it.
        try {
            write_text_atomically(final_path + ".error", std::string(e.what()) + "\n");
        } catch (const std::exception&) {
        }
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

namespace {
// The summary's metric columns: the cycle fields with a sweep name (io/schema.hpp); ledger
// terms are NaN for a cycle without a ledger.
const std::vector<const schema::Field<CycleSummary>*>& sweep_metrics() {
    static const auto m = [] {
        std::vector<const schema::Field<CycleSummary>*> out;
        for (const auto& f : schema::cycle_fields())
            if (f.sweep) out.push_back(&f);
        return out;
    }();
    return m;
}

double metric_value(const schema::Field<CycleSummary>& f, const CycleSummary& c) {
    if (f.presence == schema::Presence::ledger && !c.has_ledger) return std::numeric_limits<double>::quiet_NaN();
    double v[schema::kMaxColumns];
    f.access.get(c, 0.0, v);  // specific values: no basis mass needed
    return v[0];
}

// The arc widths of a case file's spectra [ohm cm2]; none for a file without (or unreadable).
std::vector<double> spectrum_arc_widths(const std::string& path) {
    std::vector<double> out;
    try {
        for (const Spectrum& z : read_spectra(path)) out.push_back(arc_width(z) * 1e4);
    } catch (const std::exception&) {
        out.clear();  // the status and message of the case already say what is wrong
    }
    return out;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char ch : s) {
        if (ch == '"') out += '"';
        out += ch == '\n' ? ' ' : ch;
    }
    return out + "\"";
}
}  // namespace

std::vector<std::string> write_summary(const SweepSpec& spec, const std::string& dir) {
    struct Row {
        std::string status, message;
        std::vector<CycleSummary> cycles;
        std::vector<double> arc_widths;  // of the case's EIS spectra, in step order [ohm cm2]
        bool has_spectra = true;         // false: its worker's record says it has none
    };
    std::vector<Row> rows;
    size_t max_cycles = 0, max_spectra = 0;
    for (const auto& c : spec.cases) {
        Row row;
        const std::string f = case_file(dir, c.index);
        std::ifstream test(f);
        Stamp now;
        const auto cached = record_cache().find(f);
        if (test && cached != record_cache().end() && stamp_of(f, now) && now == cached->second.stamp) {
            row.status = cached->second.status;  // as the worker that wrote it reported it
            row.message = cached->second.message;
            row.cycles = cached->second.cycles;
            row.has_spectra = cached->second.has_spectra != 0;
        } else if (test) {
            try {
                ResultSummary r = read_result(f);
                row.status = r.status;
                row.message = r.status_message;
                row.cycles = r.cycles;
            } catch (const std::exception& e) {
                row.status = "failed";
                row.message = e.what();
            }
        } else {
            std::ifstream err(f + ".error");
            std::string msg;
            if (err) std::getline(err, msg);
            row.status = err ? "failed" : "missing";
            row.message = msg;
        }
        max_cycles = std::max(max_cycles, row.cycles.size());
        if (test && row.status != "failed" && row.has_spectra) row.arc_widths = spectrum_arc_widths(f);
        max_spectra = std::max(max_spectra, row.arc_widths.size());
        rows.push_back(row);
    }
    // CSV.
    const std::string csv_path = dir + "/summary.csv";
    {
        std::ostringstream csv;
        csv << "case,status,message";
        for (const auto& p : spec.parameters) csv << "," << csv_field(p.key);
        for (size_t n = 1; n <= max_cycles; ++n)
            for (const auto* m : sweep_metrics()) csv << ",c" << n << "_" << m->sweep;
        for (size_t n = 1; n <= max_spectra; ++n) csv << ",eis" << n << "_arc_width";
        csv << "\n" << std::setprecision(10);
        for (size_t k = 0; k < rows.size(); ++k) {
            const Row& r = rows[k];
            csv << spec.cases[k].index << "," << r.status << "," << csv_field(r.message);
            for (const auto& v : spec.cases[k].values) csv << "," << csv_field(v);
            for (size_t n = 0; n < max_cycles; ++n) {
                if (n < r.cycles.size()) {
                    for (const auto* m : sweep_metrics()) {
                        const double v = metric_value(*m, r.cycles[n]);
                        csv << ",";
                        if (std::isfinite(v)) csv << v;
                    }
                } else {
                    for (std::size_t j = 0; j < sweep_metrics().size(); ++j) csv << ",";
                }
            }
            for (size_t n = 0; n < max_spectra; ++n) {
                csv << ",";
                if (n < r.arc_widths.size()) csv << r.arc_widths[n];
            }
            csv << "\n";
        }
        write_text_atomically(csv_path, csv.str());
    }
    // HDF5: the same table, one dataset per column.
    const std::string h5_path = dir + "/summary.h5", h5_part = h5_path + ".part";
    clear_stale_part(h5_part);  // the caller holds the directory's lock
    {
        h5::Handle f = h5::create_file(h5_part, true);
        write_version_attributes(f, "ssbsim sweep");
        h5::set_attribute(f, "sweep_file", spec.file);
        h5::set_attribute(f, "name", spec.name);
        h5::set_attribute(f, "base_config", spec.base);
        using T = h5::Series::Type;
        h5::Series idx(f, "case", T::int64, {}, "", 64), st(f, "status", T::string, {}, "", 64),
            msg(f, "message", T::string, {}, "", 64);
        h5::Handle pg = h5::create_group(f, "parameters");
        std::vector<h5::Series> par;
        for (const auto& p : spec.parameters) par.emplace_back(pg, p.key, T::string, std::vector<std::uint64_t>{}, "", 64);
        h5::Handle cg = h5::create_group(f, "cycles");
        std::vector<h5::Series> met;
        for (const auto* m : sweep_metrics()) {
            met.emplace_back(cg, m->sweep, T::float64,
                             std::vector<std::uint64_t>{static_cast<std::uint64_t>(std::max<size_t>(1, max_cycles))},
                             m->unit, 64);
            h5::set_attribute(met.back().handle(), "description",
                              std::string("per case and cycle; NaN where absent"));
        }
        // The spectra's arc widths (io/spectra.hpp), only when a case has spectra.
        h5::Series arcs;
        if (max_spectra > 0) {
            h5::Handle ig = h5::create_group(f, "impedance");
            arcs = h5::Series(ig, "arc_width", T::float64, std::vector<std::uint64_t>{max_spectra}, "ohm*cm^2", 64);
            h5::set_attribute(arcs.handle(), "description",
                              std::string("high-to-mid-frequency arc width of each EIS spectrum of a case, in step "
                                          "order; NaN where absent"));
        }
        std::vector<double> arc_row(std::max<size_t>(1, max_spectra));
        std::vector<double> row(std::max<size_t>(1, max_cycles));
        for (size_t k = 0; k < rows.size(); ++k) {
            idx.append(static_cast<long>(spec.cases[k].index));
            st.append(rows[k].status);
            msg.append(rows[k].message);
            for (size_t j = 0; j < par.size(); ++j) par[j].append(spec.cases[k].values[j]);
            for (std::size_t m = 0; m < met.size(); ++m) {
                std::fill(row.begin(), row.end(), std::numeric_limits<double>::quiet_NaN());
                for (size_t n = 0; n < rows[k].cycles.size(); ++n) row[n] = metric_value(*sweep_metrics()[m], rows[k].cycles[n]);
                met[m].append_row(row.data());
            }
            if (max_spectra > 0) {
                std::fill(arc_row.begin(), arc_row.end(), std::numeric_limits<double>::quiet_NaN());
                std::copy(rows[k].arc_widths.begin(), rows[k].arc_widths.end(), arc_row.begin());
                arcs.append_row(arc_row.data());
            }
        }
    }
    if (std::rename(h5_part.c_str(), h5_path.c_str()) != 0)
        throw IoError("cannot rename '" + h5_part + "' to '" + h5_path + "': " + std::strerror(errno));
    std::vector<std::string> statuses;
    for (const Row& r : rows) statuses.push_back(r.status);
    return statuses;
}

SweepRunReport run_sweep(const SweepSpec& spec, const std::string& dir, const SweepRunOptions& options) {
    const SweepCaseFiles files{case_complete,
                               [](const SweepSpec& s, const SweepCase& c, const std::string& d, int steps) {
                                   return run_case(s, c, d, steps);
                               },
                               run_prefix, nullptr,  // case workers read the checkpoint once each
                               run_readout, receive_case_records};
    record_cache().clear();  // only what this run's workers write
    const BaseConfigCache once;  // the base config read once for all cases, keys and the plan
    SweepRunReport r = drive_sweep(spec, dir, options, files);
    prefix_cache().clear();
    return r;
}

}  // namespace ssbsim
