// The result schema (io/schema.hpp) is the one description of a result file: the writer's
// datasets are exactly its rows, every row reads back as written, every step and cycle row
// is in `info --json`, the sweep summary and validation take their names from it, and the
// units are machine-readable.
#include <gtest/gtest.h>

#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "analysis/validation.hpp"
#include "core/hdf5_file.hpp"
#include "core/units.hpp"
#include "io/result_writer.hpp"
#include "io/schema.hpp"
#include "tests/test_support.hpp"

namespace ssbsim {
namespace {

// Passes every record to both the writer and a capture.
class Tee : public RunObserver {
public:
    Tee(RunObserver& a, RunObserver& b) : a_(a), b_(b) {}
    void on_start(const SimulationConfig& c, const CathodeP2D& m) override { a_.on_start(c, m), b_.on_start(c, m); }
    void on_sample(const Sample& s) override { a_.on_sample(s), b_.on_sample(s); }
    void on_step(const StepSummary& s) override { a_.on_step(s), b_.on_step(s); }
    void on_cycle(const CycleSummary& c) override { a_.on_cycle(c), b_.on_cycle(c); }
    void on_finish(const RunResult& r) override { a_.on_finish(r), b_.on_finish(r); }

private:
    RunObserver &a_, &b_;
};

struct SchemaRun {
    std::string file;
    test::Capture capture;
    double basis_g = 0;
};

// Two short cycles with the chemistry on (so the ledger is written and read).
const SchemaRun& short_run() {
    static const SchemaRun r = [] {
        SchemaRun out;
        out.file = ::testing::TempDir() + "ssbsim_schema_" + std::to_string(::getpid()) + ".h5";
        SimulationConfig c = test::load(
            "", {"output.profile_interval=0",
                 R"(protocol.steps=[{repeat: 2, steps: ["Charge at 1C until 4.3 V", "Discharge at 1C until 2.5 V"]}])"});
        EXPECT_TRUE(c.cell.chemistry.enabled);
        out.basis_g = c.cell.basis_mass() * 1e3;
        Simulation sim(c);
        ResultWriter w(out.file);
        Tee tee(w, out.capture);
        RunResult res = sim.run(&tee);
        EXPECT_EQ(res.status, RunStatus::complete) << res.message;
        return out;
    }();
    return r;
}

std::set<std::string> datasets_in(const std::string& file, const char* group) {
    std::set<std::string> names;
    h5::Handle f = h5::open_file(file);
    h5::Handle g = h5::open_group(f, group);
    auto add = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::set<std::string>*>(data)->insert(name);
        return 0;
    };
    H5Literate(g.id(), H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, add, &names);
    return names;
}

template <class R>
void expect_datasets_are_rows(const std::string& file, const char* group, const std::vector<schema::Field<R>>& fields) {
    std::set<std::string> rows;
    for (const auto& f : fields) EXPECT_TRUE(rows.insert(f.name).second) << group << ": two rows named " << f.name;
    EXPECT_EQ(datasets_in(file, group), rows) << group;
    h5::Handle h = h5::open_file(file);
    for (const auto& f : fields) {
        const std::string ds = std::string(group) + "/" + f.name;
        h5::Handle d(H5Dopen2(h.id(), ds.c_str(), H5P_DEFAULT));
        ASSERT_TRUE(d.valid()) << ds;
        EXPECT_EQ(h5::has_attribute(d, "unit"), *f.unit != '\0') << ds;  // counts and labels have none
        if (*f.unit) EXPECT_EQ(h5::get_string_attribute(d, "unit"), f.unit) << ds;
        EXPECT_EQ(h5::has_attribute(d, "description"), *f.description != '\0') << ds;
        if (*f.description) EXPECT_EQ(h5::get_string_attribute(d, "description"), f.description) << ds;
        const auto shape = h5::shape(h, ds);
        EXPECT_EQ(shape.size(), f.columns ? 2u : 1u) << ds;
        if (f.columns) EXPECT_EQ(shape.at(1), f.columns) << ds;
    }
}

TEST(Schema, WriterDatasetsAreExactlyTheTableRows) {
    const SchemaRun& r = short_run();
    expect_datasets_are_rows(r.file, schema::kSampleGroup, schema::sample_fields());
    expect_datasets_are_rows(r.file, schema::kStepGroup, schema::step_fields());
    expect_datasets_are_rows(r.file, schema::kCycleGroup, schema::cycle_fields());
}

// Every numeric value of every field of a and b, bit for bit (strings equal).
template <class R>
void expect_same(const R& a, const R& b, const std::vector<schema::Field<R>>& fields, double basis_g,
                 const std::string& what) {
    for (const auto& f : fields) {
        if (f.type == schema::Type::string) {
            EXPECT_EQ(f.access.get_text(a), f.access.get_text(b)) << what << " " << f.name;
            continue;
        }
        double va[schema::kMaxColumns] = {}, vb[schema::kMaxColumns] = {};
        f.access.get(a, basis_g, va);
        f.access.get(b, basis_g, vb);
        // The writer's one-value getter agrees with the general one.
        if (!f.columns) EXPECT_EQ(f.access.value(a, basis_g), va[0]) << what << " " << f.name;
        for (std::size_t k = 0; k < std::max<std::size_t>(f.columns, 1); ++k)
            EXPECT_EQ(va[k], vb[k]) << what << " " << f.name << "[" << k << "]";
    }
}

TEST(Schema, EveryFieldReadsBackAsWritten) {
    const SchemaRun& r = short_run();
    const auto& cap = r.capture;
    ASSERT_EQ(cap.cycles.size(), 2u);
    ASSERT_TRUE(cap.cycles[0].has_ledger);
    ResultSummary s = read_result(r.file);
    ASSERT_EQ(s.cycles.size(), cap.cycles.size());
    ASSERT_EQ(s.steps.size(), cap.steps.size());
    for (std::size_t i = 0; i < s.cycles.size(); ++i) {
        EXPECT_TRUE(s.cycles[i].has_ledger);
        expect_same(s.cycles[i], cap.cycles[i], schema::cycle_fields(), r.basis_g, "cycle " + std::to_string(i));
        EXPECT_EQ(s.cycle_charge_mAh.at(i), cap.cycles[i].charge_capacity * r.basis_g);
        EXPECT_EQ(s.cycle_discharge_mAh.at(i), cap.cycles[i].discharge_capacity * r.basis_g);
    }
    for (std::size_t i = 0; i < s.steps.size(); ++i) {
        expect_same(s.steps[i], cap.steps[i], schema::step_fields(), r.basis_g, "step " + std::to_string(i));
        EXPECT_EQ(s.step_capacity_mAh.at(i), cap.steps[i].capacity * r.basis_g);
    }
    // Samples: every member through read_samples; the absolute column against the getter.
    SampleRecord rec = read_samples(r.file);
    ASSERT_EQ(rec.samples.size(), cap.samples.size());
    EXPECT_EQ(rec.basis_mass_kg * 1e3, r.basis_g);
    for (std::size_t i = 0; i < rec.samples.size(); ++i)
        expect_same(rec.samples[i], cap.samples[i], schema::sample_fields(), r.basis_g, "sample " + std::to_string(i));
    h5::Handle f = h5::open_file(r.file);
    for (const auto& fd : schema::sample_fields()) {
        if (fd.access.set) continue;  // members: compared above
        auto v = h5::read_vector(f, std::string(schema::kSampleGroup) + "/" + fd.name);
        ASSERT_EQ(v.size(), cap.samples.size()) << fd.name;
        for (std::size_t i = 0; i < v.size(); ++i) {
            double want = 0;
            fd.access.get(cap.samples[i], r.basis_g, &want);
            EXPECT_EQ(v[i], want) << fd.name << " sample " << i;
        }
    }
}

// The JSON value of a number as summary_json rounds it (10 significant digits).
void expect_json_number(const nlohmann::json& j, double v, const std::string& what) {
    ASSERT_TRUE(j.is_number()) << what << ": " << j.dump();
    EXPECT_NEAR(j.get<double>(), v, 1e-9 * std::abs(v) + 1e-300) << what;
}

template <class R>
void expect_record_json(const nlohmann::json& j, const R& rec, const std::vector<schema::Field<R>>& fields,
                        double basis_g, const std::string& what) {
    for (const auto& f : fields) {
        ASSERT_NE(f.json, nullptr) << what << ": field " << f.name << " has no JSON key";
        const std::string w = what + " " + f.json;
        if (f.type == schema::Type::string) {
            ASSERT_TRUE(j.contains(f.json)) << w;
            EXPECT_EQ(j[f.json].template get<std::string>(), f.access.get_text(rec)) << w;
            continue;
        }
        double v[schema::kMaxColumns];
        f.access.get(rec, basis_g, v);
        if (f.place == schema::JsonPlace::by_site) {
            for (std::size_t s = 0; s < schema::kSites; ++s)
                expect_json_number(j.at("ledger").at("by_site").at(schema::kSiteNames[s]).at(f.json), v[s],
                                   w + " " + schema::kSiteNames[s]);
        } else if (f.place == schema::JsonPlace::ledger) {
            expect_json_number(j.at("ledger").at(f.json), v[0], w);
        } else {
            ASSERT_TRUE(j.contains(f.json)) << w;
            expect_json_number(j[f.json], v[0], w);
        }
    }
}

TEST(Schema, EveryStepAndCycleFieldIsInInfoJson) {
    const SchemaRun& r = short_run();
    const auto j = nlohmann::json::parse(summary_json(read_result(r.file)));
    ASSERT_EQ(j.at("cycles").size(), r.capture.cycles.size());
    ASSERT_EQ(j.at("steps").size(), r.capture.steps.size());
    for (std::size_t i = 0; i < r.capture.cycles.size(); ++i)
        expect_record_json(j["cycles"][i], r.capture.cycles[i], schema::cycle_fields(), r.basis_g,
                           "cycle " + std::to_string(i));
    for (std::size_t i = 0; i < r.capture.steps.size(); ++i)
        expect_record_json(j["steps"][i], r.capture.steps[i], schema::step_fields(), r.basis_g,
                           "step " + std::to_string(i));
}

// "1" for fractions, "" only for counts and labels, otherwise a unit core/units parses.
template <class R>
void expect_machine_readable(const std::vector<schema::Field<R>>& fields) {
    const std::regex grammar(R"(^(1|[A-Za-z]+(\^-?[0-9]+)?([*/][A-Za-z]+(\^-?[0-9]+)?)*)$)");
    for (const auto& f : fields) {
        const std::string u = f.unit;
        if (u.empty()) {
            EXPECT_TRUE(f.type != schema::Type::float64) << f.name << ": a number without a unit";
            continue;
        }
        EXPECT_TRUE(std::regex_match(u, grammar)) << f.name << ": '" << u << "'";
        if (u == "1") continue;
        EXPECT_NO_THROW(units::parse("1 " + u)) << f.name << ": '" << u << "'";
    }
}

TEST(Schema, UnitsAreMachineReadable) {
    expect_machine_readable(schema::sample_fields());
    expect_machine_readable(schema::step_fields());
    expect_machine_readable(schema::cycle_fields());
    // A few dimensions, so that a unit is not merely parseable but right.
    auto dim = [](const auto& fields, const char* name) {
        return units::parse(std::string("1 ") + schema::find(fields, name)->unit).dimension;
    };
    EXPECT_EQ(dim(schema::cycle_fields(), "charge_capacity"), units::dim::specific_charge);
    EXPECT_EQ(dim(schema::cycle_fields(), "charge_capacity_abs"), units::dim::charge);
    EXPECT_EQ(dim(schema::sample_fields(), "film_resistance"), units::dim::area_resistance);
    EXPECT_EQ(dim(schema::sample_fields(), "stack_pressure"), units::dim::pressure);
    EXPECT_EQ(dim(schema::sample_fields(), "se_current_reversible"), units::dim::current_density);
    EXPECT_EQ(dim(schema::sample_fields(), "se_oxidised_irreversible"), units::dim::specific_charge);
    for (const char* name : {"se_current_reversible", "se_current_irreversible", "se_reduction_current",
                             "se_oxidised_reversible", "se_oxidised_irreversible", "se_reduced"})
        EXPECT_EQ(schema::find(schema::sample_fields(), name)->columns, schema::kSites) << name;
    EXPECT_EQ(schema::find(schema::sample_fields(), "cam_volume_change")->unit, std::string("1"));
    EXPECT_EQ(dim(schema::step_fields(), "end_potential"), units::dim::voltage);
    EXPECT_EQ(dim(schema::step_fields(), "end_time"), units::dim::time);
}

TEST(Schema, SweepAndValidationNamesComeFromTheTable) {
    std::set<std::string> sweep, metric;
    for (const auto& f : schema::cycle_fields()) {
        if (f.sweep) EXPECT_TRUE(sweep.insert(f.sweep).second) << f.sweep;
        if (f.metric) {
            EXPECT_TRUE(metric.insert(f.metric).second) << f.metric;
            EXPECT_TRUE(is_known_metric(f.metric)) << f.metric;
        }
    }
    EXPECT_EQ(sweep.size(), 11u);  // the summary.csv columns per cycle
    // A ledger metric is the table's value, for a cycle with a ledger only.
    const SchemaRun& r = short_run();
    const CycleSummary& c = r.capture.cycles.at(0);
    Analysis none;
    EXPECT_EQ(simulated_metric("cam_kinetic", c.cycle, none, r.capture.cycles), c.ledger.cam_kinetic);
    EXPECT_EQ(simulated_metric("other_loss", c.cycle, none, r.capture.cycles), c.ledger.other);
    CycleSummary no_ledger = c;
    no_ledger.has_ledger = false;
    EXPECT_TRUE(std::isnan(simulated_metric("cam_kinetic", c.cycle, none, {no_ledger})));
}

// `info --summary fields` lists every numeric cycle field of the table for the last cycle,
// with its unit: a metric added as one row of io/schema.cpp shows up in the text report too.
TEST(Schema, EveryCycleFieldIsInTheFullTextSummary) {
    const SchemaRun& r = short_run();
    const std::string text = format_summary(read_result(r.file), SummaryMode::fields);
    const auto at = text.find("Every cycle field");
    ASSERT_NE(at, std::string::npos) << text;
    const std::string section = text.substr(at);
    for (const auto& f : schema::cycle_fields()) {
        if (f.type == schema::Type::string) continue;
        EXPECT_NE(section.find("  " + std::string(f.name) + " "), std::string::npos) << f.name;
        if (f.unit && *f.unit)
            EXPECT_NE(section.find("[" + std::string(f.unit) + "]"), std::string::npos) << f.name;
    }
    // Not in the condensed default, nor in full.
    for (SummaryMode m : {SummaryMode::condensed, SummaryMode::full})
        EXPECT_EQ(format_summary(read_result(r.file), m).find("Every cycle field"), std::string::npos);
}

}  // namespace
}  // namespace ssbsim
