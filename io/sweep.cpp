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
#include <memory>
#include <sstream>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/hdf5_file.hpp"
#include "io/result_writer.hpp"
#include "params/yaml_text.hpp"
#include "run/simulation.hpp"

namespace ssbsim {

namespace {

// FNV-1a (64 bit) of the base config's resolved tree written as YAML: the same in every
// run and build, and blind to comments and layout. "unreadable: ..." when it cannot be
// read (never equal to a digest; the case then fails when it runs).
std::string resolved_digest(const std::string& base) {
    std::string text;
    try {
        text = yaml_text(ConfigNode::load_file(base));
    } catch (const std::exception& e) {
        return std::string("unreadable: ") + e.what();
    }
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ull;
    std::ostringstream os;
    os << std::hex << std::setw(16) << std::setfill('0') << h;
    return os.str();
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

bool case_complete(const SweepSpec& spec, const std::string& dir, int index) {
    std::string f = case_file(dir, index);
    std::ifstream test(f);
    if (!test) return false;
    std::ifstream keyf(f + ".key");
    std::stringstream stored;
    stored << keyf.rdbuf();
    if (stored.str() != case_key(spec, spec.cases.at(index - 1))) return false;
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
    explicit CaseWriter(const std::string& path) : ResultWriter(path, true) {}
    void on_start(const SimulationConfig& config, const CathodeP2D& model) override {
        ResultWriter::on_start(config, model);
        struct stat st;
        if (lstat(path().c_str(), &st) == 0) id = {true, st.st_dev, st.st_ino};
    }
    FileId id;
};
}  // namespace

CaseOutcome run_case(const SweepSpec& spec, const SweepCase& c, const std::string& dir) {
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
        // A .part here is the leftover of a killed run of this sweep (the caller holds the
        // directory's lock): replaced if it is our regular file, refused otherwise.
        clear_stale_part(part);
        writer = std::make_unique<CaseWriter>(part);
        RunResult r = sim.run(writer.get());
        id = writer->id;
        writer.reset();  // closes the file
        if (!id.same(part))
            throw IoError("the result file '" + part +
                          "' was replaced or removed by another process while the case ran; the case "
                          "runs again on resume");
        write_text_atomically(final_path + ".key", key);
        if (std::rename(part.c_str(), final_path.c_str()) != 0)
            throw IoError("cannot rename '" + part + "' to '" + final_path + "': " + std::strerror(errno));
        id = FileId();  // renamed: no longer at the .part path
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
const char* kMetrics[] = {"charge_mAh_g", "discharge_mAh_g", "coulombic_efficiency",
                          "shoulder_mAh_g", "se_oxidation_reversible_mAh_g",
                          "se_oxidation_irreversible_mAh_g", "cam_kinetic_mAh_g",
                          "cam_isolated_mAh_g", "other_mAh_g", "se_oxidation_charge_mAh_g",
                          "se_reduction_mAh_g"};
constexpr int kNumMetrics = 11;

std::array<double, kNumMetrics> metrics(const CycleSummary& c) {
    const auto& L = c.ledger;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    bool l = c.has_ledger;
    return {c.charge_capacity, c.discharge_capacity, c.coulombic_efficiency, c.shoulder_capacity,
            l ? L.se_oxidation_reversible : nan, l ? L.se_oxidation_irreversible : nan,
            l ? L.cam_kinetic : nan, l ? L.cam_isolated : nan, l ? L.other : nan,
            l ? L.se_oxidation_charge : nan, l ? L.se_reduction : nan};
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

void write_summary(const SweepSpec& spec, const std::string& dir) {
    struct Row {
        std::string status, message;
        std::vector<CycleSummary> cycles;
    };
    std::vector<Row> rows;
    size_t max_cycles = 0;
    for (const auto& c : spec.cases) {
        Row row;
        const std::string f = case_file(dir, c.index);
        std::ifstream test(f);
        if (test) {
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
        rows.push_back(row);
    }
    // CSV.
    const std::string csv_path = dir + "/summary.csv";
    {
        std::ostringstream csv;
        csv << "case,status,message";
        for (const auto& p : spec.parameters) csv << "," << csv_field(p.key);
        for (size_t n = 1; n <= max_cycles; ++n)
            for (const char* m : kMetrics) csv << ",c" << n << "_" << m;
        csv << "\n" << std::setprecision(10);
        for (size_t k = 0; k < rows.size(); ++k) {
            const Row& r = rows[k];
            csv << spec.cases[k].index << "," << r.status << "," << csv_field(r.message);
            for (const auto& v : spec.cases[k].values) csv << "," << csv_field(v);
            for (size_t n = 0; n < max_cycles; ++n) {
                if (n < r.cycles.size()) {
                    for (double v : metrics(r.cycles[n])) {
                        csv << ",";
                        if (std::isfinite(v)) csv << v;
                    }
                } else {
                    for (int j = 0; j < kNumMetrics; ++j) csv << ",";
                }
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
        h5::set_attribute(f, "generator", std::string("ssbsim sweep"));
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
        for (const char* m : kMetrics)
            met.emplace_back(cg, m, T::float64, std::vector<std::uint64_t>{static_cast<std::uint64_t>(std::max<size_t>(1, max_cycles))},
                             "per case and cycle; NaN where absent", 64);
        std::vector<double> row(std::max<size_t>(1, max_cycles));
        for (size_t k = 0; k < rows.size(); ++k) {
            idx.append(static_cast<long>(spec.cases[k].index));
            st.append(rows[k].status);
            msg.append(rows[k].message);
            for (size_t j = 0; j < par.size(); ++j) par[j].append(spec.cases[k].values[j]);
            for (int m = 0; m < kNumMetrics; ++m) {
                std::fill(row.begin(), row.end(), std::numeric_limits<double>::quiet_NaN());
                for (size_t n = 0; n < rows[k].cycles.size(); ++n) row[n] = metrics(rows[k].cycles[n])[m];
                met[m].append_row(row.data());
            }
        }
    }
    if (std::rename(h5_part.c_str(), h5_path.c_str()) != 0)
        throw IoError("cannot rename '" + h5_part + "' to '" + h5_path + "': " + std::strerror(errno));
}

SweepRunReport run_sweep(const SweepSpec& spec, const std::string& dir, const SweepRunOptions& options) {
    return drive_sweep(spec, dir, options, {case_complete, run_case});
}

}  // namespace ssbsim
