// Issue 11, measured-data side: real and hostile files for the importers and `validate`
// (analysis/import.cpp, analysis/validation.cpp). No crash, no runaway, no silent wrong
// answer: each bad input gives a typed error naming file, line, column and the expected form.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "analysis/import.hpp"
#include "analysis/metrics.hpp"
#include "analysis/validation.hpp"
#include "core/error.hpp"
#include "tests/test_support.hpp"

using namespace ssbsim;

namespace {

std::string sample(const std::string& file) { return std::string(SSBSIM_SOURCE_DIR) + "/tests/data/measured/" + file; }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct Failure {
    bool thrown = false;
    std::string what, file, column;
    int line = -1;
};

template <class F>
Failure data_failure(F&& f) {
    Failure out;
    try {
        f();
    } catch (const DataError& e) {
        out.thrown = true;
        out.what = e.what();
        out.file = e.file();
        out.line = e.line();
        out.column = e.column();
    }
    return out;
}

// A small EC-Lab export: rest, CC charge, CC discharge, in two cycles numbered from
// `first_cycle` (Ns from 0).
std::string mpt(int first_cycle) {
    std::string text =
        "EC-Lab ASCII FILE\r\nNb header lines : 4\r\n\r\n"
        "mode\tNs\ttime/s\tEwe/V\t<I>/mA\tcycle number\r\n";
    double t = 0;
    int ns = 0;
    for (int c = 0; c < 2; ++c) {
        for (int k = 0; k < 5; ++k, t += 60) text += "1\t" + std::to_string(ns) + "\t" + std::to_string(t) + "\t" +
                                                     std::to_string(3.6 + 0.1 * k) + "\t0.1\t" +
                                                     std::to_string(first_cycle + c) + "\r\n";
        ++ns;
        for (int k = 0; k < 5; ++k, t += 60) text += "1\t" + std::to_string(ns) + "\t" + std::to_string(t) + "\t" +
                                                     std::to_string(4.0 - 0.1 * k) + "\t-0.1\t" +
                                                     std::to_string(first_cycle + c) + "\r\n";
        ++ns;
    }
    return text;
}

// CC charge to 4.2 V, a CV hold whose current decays far below 1e-3 of the maximum, and a
// CC discharge; with the step numbers 1, 1 (CC and CV are one step, as in EC-Lab's Ns), 2.
Trajectory cccv_record(bool with_steps) {
    Trajectory t;
    t.mass = 1e-5;
    double time = 0;
    auto add = [&](double v, double i, int step) {
        t.time.push_back(time);
        t.potential.push_back(v);
        t.current.push_back(i);
        if (with_steps) t.step.push_back(step);
        time += 60;
    };
    for (int k = 0; k < 20; ++k) add(3.7 + 0.025 * k, 1e-3, 1);               // CC to ~4.2 V
    for (int k = 0; k < 40; ++k) add(4.2, 1e-3 * std::exp(-0.25 * (k + 1)), 1);  // CV tail to 4.5e-8 A
    for (int k = 0; k < 20; ++k) add(4.1 - 0.05 * k, -1e-3, 2);              // CC discharge
    return t;
}

}  // namespace

// Item 1: the .mpt reader numbers cycles by what the file holds.
TEST(HostileImport, EcLabCyclesFromOneAreKeptAndFromZeroShifted) {
    for (int first : {0, 1}) {
        const MeasuredData md = parse_measured(mpt(first), "cell.mpt");
        const auto& c = md.trajectory.cycle;
        ASSERT_EQ(c.size(), 20u);
        EXPECT_EQ(c.front(), 1) << "first cycle number in the file: " << first;
        EXPECT_EQ(c.back(), 2) << "first cycle number in the file: " << first;
        EXPECT_EQ(md.trajectory.step.front(), 1);  // Ns from 0
        EXPECT_EQ(md.trajectory.step.back(), 4);
    }
}

// Item 1, validate side: the measured cycles pair with the simulated ones in order, so an
// export that starts at cycle 41 compares its cycles instead of nothing.
TEST(HostileImport, NothingComparedIsReportedWithTheCycles) {
    Comparison c;
    c.dataset = "x.csv";
    ComparisonRow r;
    r.metric = "coulombic_efficiency";
    r.cycle = 3;
    r.measured = 0.98;
    c.rows.push_back(r);
    c.simulated_cycles = {1};
    EXPECT_EQ(compared_rows(c), 0u);
    const std::string why = nothing_compared(c);
    EXPECT_TRUE(contains(why, "measured cycles: 3")) << why;
    EXPECT_TRUE(contains(why, "simulated cycles: 1")) << why;
    c.rows[0].simulated = 0.97;
    EXPECT_EQ(compared_rows(c), 1u);
}

// Item 2: one recorded step (CC + CV) stays one step, its decaying tail is no rest, and no
// GITT pulse is invented.
TEST(HostileImport, CvTailStaysInItsRecordedStep) {
    AnalysisOptions o;
    const Trajectory t = cccv_record(true);
    const Analysis a = analyse(t, o);
    ASSERT_EQ(a.steps.size(), 3u);
    EXPECT_EQ(a.steps[0].kind, StepSegment::Kind::charge_cc);
    EXPECT_EQ(a.steps[1].kind, StepSegment::Kind::charge_cv);
    EXPECT_EQ(a.steps[1].end, 60u);
    EXPECT_EQ(a.steps[2].kind, StepSegment::Kind::discharge_cc);
    EXPECT_TRUE(gitt(t, a).empty());

    // Without step numbers there is nothing to say the tail is no rest (the old rule).
    const Analysis b = analyse(cccv_record(false), o);
    EXPECT_EQ(b.steps.size(), 4u);
}

TEST(HostileImport, CsvStepColumnGivesTheProtocolOfACccvTest) {
    const Trajectory t = cccv_record(true);
    std::string csv = "time/s,potential/V,current/A,step_id\n";
    for (std::size_t i = 0; i < t.size(); ++i) {
        char row[128];
        std::snprintf(row, sizeof row, "%.17g,%.17g,%.17g,%d\n", t.time[i], t.potential[i], t.current[i], t.step[i]);
        csv += row;
    }
    MeasuredData md = parse_measured(csv, "cccv.csv");
    md.trajectory.mass = 1e-5;
    const SimulationConfig base = test::load("");
    const auto cases = plan_cases(md, base, AnalysisOptions{});
    ASSERT_EQ(cases.size(), 1u);
    ASSERT_EQ(cases[0].steps.size(), 3u);
    EXPECT_EQ(cases[0].steps[1].kind, Step::Kind::voltage);
    for (const Step& s : cases[0].steps) EXPECT_NE(s.kind, Step::Kind::rest) << s.label;
}

// Item 3: a 0 h row is "no hold": the hold step goes, the cycle goes straight on.
TEST(HostileImport, ZeroHourHoldRemovesTheHoldStep) {
    SimulationConfig cfg = test::load("configs/studies/study_a.yaml");
    const auto before = cfg.protocol.steps;
    ValidationCase c;
    c.hold_duration = 0;
    c.hold_potential = 2.0;
    apply_case(c, cfg);
    const auto& st = cfg.protocol.steps;
    ASSERT_EQ(st.size(), before.size() - 1);
    EXPECT_EQ(st.back().kind, Step::Kind::current);  // ends with the discharge, now to 2.0 V
    ASSERT_FALSE(st.back().limits.empty());
    EXPECT_DOUBLE_EQ(st.back().limits[0].value, 2.0);
    EXPECT_DOUBLE_EQ(st[1].duration, before[1].duration);  // the top hold is untouched
}

TEST(HostileImport, SampleHoldTableWithItsZeroHourRowPlansAndApplies) {
    const MeasuredData md = load_measured(sample("hold_table.csv"));
    const SimulationConfig base = test::load("configs/studies/study_a.yaml");
    const auto cases = plan_cases(md, base, AnalysisOptions{});
    ASSERT_EQ(cases.size(), 6u);
    EXPECT_EQ(cases[0].hold_duration, 0.0);
    EXPECT_EQ(cases[0].line, 6);
    for (const auto& c : cases) {
        SimulationConfig cfg = base;
        EXPECT_NO_THROW(apply_case(c, cfg)) << c.label;
        // 4.3 V is the top of charge: the hold after the charge is varied, not the 2.5 V one
        EXPECT_DOUBLE_EQ(cfg.protocol.steps.back().voltage, 2.5) << c.label;
    }
    SimulationConfig cfg = base;
    apply_case(cases[0], cfg);
    ASSERT_EQ(cfg.protocol.steps.size(), 3u);  // charge, discharge, bottom hold
    EXPECT_EQ(cfg.protocol.steps[1].direction, -1);
    apply_case(cases[5], cfg = base);
    EXPECT_DOUBLE_EQ(cfg.protocol.steps[1].duration, 48 * 3600.0);
    EXPECT_DOUBLE_EQ(cfg.protocol.steps[1].voltage, 4.3);
}

// Item 4: messages name file, line and column.
TEST(HostileImport, DirectoryAsDataFile) {
    const std::string dir = std::string(SSBSIM_SOURCE_DIR) + "/tests/data";
    const Failure f = data_failure([&] { load_measured(dir); });
    ASSERT_TRUE(f.thrown);
    EXPECT_EQ(f.file, dir);
    EXPECT_EQ(f.line, 0);
    EXPECT_TRUE(contains(f.what, "is a directory; expected a measured-data file")) << f.what;
}

TEST(HostileImport, InfiniteAndOutOfRangeTimes) {
    for (const char* cell : {"inf", "1e400", "-Infinity"}) {
        const Failure f = data_failure([&] {
            parse_measured(std::string("time/s,potential/V,current/mA\n0,3.5,0.1\n") + cell + ",3.6,0.1\n", "t.csv");
        });
        ASSERT_TRUE(f.thrown) << cell;
        EXPECT_EQ(f.line, 3) << cell;
        EXPECT_EQ(f.column, "time/s") << cell;
        EXPECT_TRUE(contains(f.what, "expected a finite number")) << f.what;
    }
}

TEST(HostileImport, ValidateNeedsTwoSamples) {
    const MeasuredData md = parse_measured("time/s,potential/V,current/mA\n0,3.5,0.1\n", "one.csv");
    const Failure f = data_failure([&] { plan_cases(md, test::load(""), AnalysisOptions{}); });
    ASSERT_TRUE(f.thrown);
    EXPECT_EQ(f.file, "one.csv");
    EXPECT_EQ(f.line, 0);
    EXPECT_EQ(f.column, "time");
    EXPECT_TRUE(contains(f.what, "at least 2 samples")) << f.what;
}

TEST(HostileImport, NoHoldToVaryNamesConfigAndDataRow) {
    SimulationConfig cfg = test::load("", {"protocol.steps=[\"Charge at C/10 until 4.2 V\", \"Discharge at C/10 until 3 V\"]"});
    for (Step& s : cfg.protocol.steps) s.source = "cell.yaml";
    ValidationCase c;
    c.hold_duration = 3600;
    c.source = "holds.csv";
    c.line = 4;
    try {
        apply_case(c, cfg);
        FAIL() << "no ConfigError";
    } catch (const ConfigError& e) {
        const std::string w = e.what();
        EXPECT_EQ(e.file(), "cell.yaml");
        EXPECT_EQ(e.key(), "protocol.steps");
        EXPECT_TRUE(contains(w, "holds.csv:4")) << w;
        EXPECT_TRUE(contains(w, "Hold at 2.0 V for 33 hours")) << w;
    }
}

// Item 5: absurd durations are refused with the accepted range.
TEST(HostileImport, AbsurdHoldDurations) {
    const Failure f = data_failure([] { parse_measured("hold_duration [h],CE [%]\n1,98\n1e12,97\n", "h.csv"); });
    ASSERT_TRUE(f.thrown);
    EXPECT_EQ(f.line, 3);
    EXPECT_EQ(f.column, "hold_duration [h]");
    EXPECT_TRUE(contains(f.what, "from 0 (no hold) to 100000 h")) << f.what;
    EXPECT_TRUE(data_failure([] { parse_measured("hold_duration [h],CE [%]\ninf,97\n", "h.csv"); }).thrown);
    EXPECT_TRUE(data_failure([] { parse_measured("hold_duration [h],CE [%]\n-1,97\n", "h.csv"); }).thrown);
    const Failure p = data_failure([] { parse_measured("hold_duration [h],hold_potential,CE [%]\n1,4300,97\n", "h.csv"); });
    ASSERT_TRUE(p.thrown);
    EXPECT_EQ(p.line, 2);
    EXPECT_EQ(p.column, "hold_potential");
    const Failure c = data_failure([] { parse_measured("hold_duration [h],CE [%],cycle\n1,97,1e12\n", "h.csv"); });
    ASSERT_TRUE(c.thrown);
    EXPECT_EQ(c.column, "cycle");

    // A programmatic case is checked too (the hold step would otherwise never end).
    SimulationConfig cfg = test::load("configs/studies/study_a.yaml");
    ValidationCase v;
    v.hold_duration = 1e12 * 3600;
    v.source = "h.csv";
    v.line = 2;
    const Failure a = data_failure([&] { apply_case(v, cfg); });
    ASSERT_TRUE(a.thrown);
    EXPECT_EQ(a.column, "hold_duration");
    EXPECT_TRUE(contains(a.what, "h.csv:2")) << a.what;
    v.hold_duration = INFINITY;
    EXPECT_TRUE(data_failure([&] { apply_case(v, cfg); }).thrown);
}

TEST(HostileImport, AbsurdTimeSpanOfARecord) {
    const Failure f = data_failure(
        [] { parse_measured("time/h,potential/V,current/mA\n0,3.5,0.1\n1,3.6,0.1\n2e5,3.7,0.1\n", "t.csv"); });
    ASSERT_TRUE(f.thrown);
    EXPECT_EQ(f.line, 4);
    EXPECT_EQ(f.column, "time/h");
    EXPECT_TRUE(contains(f.what, "at most 100000 h")) << f.what;
    // an absolute clock (Unix time in s) is fine: only the span counts
    EXPECT_NO_THROW(parse_measured("time/s,potential/V,current/mA\n1.7e9,3.5,0.1\n1700000060,3.6,0.1\n", "u.csv").kind);
}

// Also: hostile .mpt contents.
TEST(HostileImport, EcLabNonMonotonicNanAndHugeCycleNumbers) {
    auto with_cell = [](int row, int col, const std::string& cell) {
        std::string text = mpt(0);
        std::size_t pos = 0;
        for (int l = 0; l < 4 + row; ++l) pos = text.find('\n', pos) + 1;
        std::size_t start = pos;
        for (int c = 0; c < col; ++c) start = text.find('\t', start) + 1;
        const std::size_t end = text.find_first_of("\t\r", start);
        return text.replace(start, end - start, cell);
    };
    const Failure back = data_failure([&] { parse_measured(with_cell(3, 2, "1"), "b.mpt"); });
    ASSERT_TRUE(back.thrown);
    EXPECT_EQ(back.line, 8);
    EXPECT_TRUE(contains(back.what, "time goes back")) << back.what;
    const Failure nan = data_failure([&] { parse_measured(with_cell(3, 3, "NaN"), "n.mpt"); });
    ASSERT_TRUE(nan.thrown);
    EXPECT_EQ(nan.line, 8);
    EXPECT_EQ(nan.column, "Ewe/V");
    EXPECT_TRUE(contains(nan.what, "'NaN' (not a number)")) << nan.what;
    const Failure huge = data_failure([&] { parse_measured(with_cell(3, 5, "1E+300"), "c.mpt"); });
    ASSERT_TRUE(huge.thrown);
    EXPECT_EQ(huge.column, "cycle number");
    EXPECT_TRUE(contains(huge.what, "from 0 to 1e9")) << huge.what;
}
