// Importers of measured data (analysis/import.hpp): the sample files of tests/data/measured
// (good and malformed) and small in-memory texts for the messy cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include "analysis/import.hpp"
#include "core/error.hpp"

using namespace ssbsim;

namespace {

std::string sample(const std::string& file) {
    return std::string(SSBSIM_SOURCE_DIR) + "/tests/data/measured/" + file;
}

struct Failure {
    bool thrown = false;
    std::string what, file, column;
    int line = -1;
};

// Runs f and returns the DataError it throws (thrown == false when it throws none).
template <class F>
Failure failure_of(F&& f) {
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

Failure parse_failure(const std::string& text, const std::string& name = "test.csv", const ImportOptions& o = {}) {
    return failure_of([&] { parse_measured(text, name, o); });
}

bool has_warning(const MeasuredData& md, const std::string& part) {
    return std::any_of(md.warnings.begin(), md.warnings.end(),
                       [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

// ------------------------------------------------------------------------- sample files

TEST(Import, KindNames) {
    EXPECT_STREQ(to_string(MeasuredData::Kind::time_series), "time_series");
    EXPECT_STREQ(to_string(MeasuredData::Kind::cycle_table), "cycle_table");
    EXPECT_STREQ(to_string(MeasuredData::Kind::hold_table), "hold_table");
}

TEST(Import, TimeSeriesCsv) {
    const MeasuredData md = load_measured(sample("time_series.csv"));
    EXPECT_EQ(md.kind, MeasuredData::Kind::time_series);
    EXPECT_EQ(md.format, "csv");
    EXPECT_EQ(md.path, sample("time_series.csv"));
    const Trajectory& t = md.trajectory;
    EXPECT_EQ(t.source, sample("time_series.csv"));
    ASSERT_EQ(t.size(), 48u);
    ASSERT_EQ(t.potential.size(), 48u);
    ASSERT_EQ(t.current.size(), 48u);
    ASSERT_EQ(t.cycle.size(), 48u);
    ASSERT_EQ(t.step.size(), 48u);
    // first row: 0.0000 h, 3.0540 V, 0.00000 mA (open-circuit rest)
    EXPECT_EQ(t.time[0], 0.0);
    EXPECT_EQ(t.potential[0], 3.054);
    EXPECT_EQ(t.current[0], 0.0);
    EXPECT_EQ(t.cycle[0], 1);
    EXPECT_EQ(t.step[0], 1);
    // row 4: the CC charge starts at 1 h with 0.05 mA, the same time as the end of the rest
    EXPECT_EQ(t.time[3], 3600.0);
    EXPECT_EQ(t.time[2], t.time[3]);
    EXPECT_DOUBLE_EQ(t.current[3], 5e-5);
    EXPECT_EQ(t.step[3], 2);
    // discharge current is negative (positive on charge, as in the file)
    EXPECT_DOUBLE_EQ(t.current[30], -5e-5);
    // last row: 69.6361 h, 3.4291 V, 0 mA, cycle 1, step 6
    EXPECT_DOUBLE_EQ(t.time.back(), 69.6361 * 3600.0);
    EXPECT_EQ(t.potential.back(), 3.4291);
    EXPECT_EQ(t.current.back(), 0.0);
    EXPECT_EQ(t.cycle.back(), 1);
    EXPECT_EQ(t.step.back(), 6);
    EXPECT_DOUBLE_EQ(t.mass, 9.03e-6);
    EXPECT_EQ(md.metadata.at("mass"), "9.03 mg");
    EXPECT_EQ(md.metadata.at("source"), "NMC532 | Li6PS5Cl | In-Li, cell B3, 25 degC, BioLogic VMP-300");
    EXPECT_EQ(md.metadata.count("protocol"), 1u);
    EXPECT_EQ(md.metadata.size(), 3u) << "a free-text comment with a colon is not metadata";
    EXPECT_TRUE(md.warnings.empty()) << md.warnings.front();
    EXPECT_TRUE(md.cycles.empty());
    EXPECT_TRUE(md.holds.empty());
}

TEST(Import, CycleTableCsv) {
    const MeasuredData md = load_measured(sample("cycle_table.csv"));
    EXPECT_EQ(md.kind, MeasuredData::Kind::cycle_table);
    ASSERT_EQ(md.cycles.size(), 10u);
    const CycleRecord& first = md.cycles.front();
    EXPECT_EQ(first.cycle, 1);
    EXPECT_EQ(first.line, 6);
    EXPECT_EQ(first.charge_capacity, 212.4);
    EXPECT_EQ(first.discharge_capacity, 170.1);
    EXPECT_EQ(first.coulombic_efficiency, 80.08 / 100);
    EXPECT_EQ(first.shoulder_capacity, 14.2);
    EXPECT_EQ(first.energy_efficiency, 87.3 / 100);
    EXPECT_EQ(first.extra.at("se_oxidation_share"), 0.21);
    EXPECT_EQ(first.sigma.at("coulombic_efficiency"), 0.9 / 100);
    EXPECT_EQ(first.extra.size(), 1u);
    EXPECT_EQ(first.sigma.size(), 1u);
    // cycle 5 has no shoulder capacity: NaN
    EXPECT_EQ(md.cycles[4].cycle, 5);
    EXPECT_TRUE(std::isnan(md.cycles[4].shoulder_capacity));
    EXPECT_EQ(md.cycles[4].discharge_capacity, 165.3);
    const CycleRecord& last = md.cycles.back();
    EXPECT_EQ(last.cycle, 10);
    EXPECT_EQ(last.line, 15);
    EXPECT_EQ(last.charge_capacity, 163.4);
    EXPECT_EQ(last.coulombic_efficiency, 98.65 / 100);
    EXPECT_EQ(last.sigma.at("coulombic_efficiency"), 0.2 / 100);
    EXPECT_EQ(md.metadata.at("shoulder_potential"), "3.6 V");
    EXPECT_DOUBLE_EQ(md.trajectory.mass, 9.03e-6);
    EXPECT_TRUE(md.warnings.empty());
}

TEST(Import, HoldTableCsv) {
    const MeasuredData md = load_measured(sample("hold_table.csv"));
    EXPECT_EQ(md.kind, MeasuredData::Kind::hold_table);
    ASSERT_EQ(md.holds.size(), 6u);
    const HoldRecord& first = md.holds.front();
    EXPECT_EQ(first.duration, 0.0);
    EXPECT_EQ(first.coulombic_efficiency, 98.9 / 100);
    EXPECT_EQ(first.sigma, 0.2 / 100);
    EXPECT_EQ(first.potential, 4.3);  // from "# hold_potential: 4.3 V"
    EXPECT_EQ(first.cycle, 3);
    EXPECT_EQ(first.line, 6);
    const HoldRecord& last = md.holds.back();
    EXPECT_EQ(last.duration, 48 * 3600.0);
    EXPECT_EQ(last.coulombic_efficiency, 91.1 / 100);
    EXPECT_EQ(last.sigma, 0.8 / 100);
    EXPECT_EQ(last.line, 11);
    EXPECT_EQ(md.metadata.at("hold_potential"), "4.3 V");
    EXPECT_TRUE(md.warnings.empty());
}

TEST(Import, SemicolonDecimalCommaWithBomCrlfAndHeaderBlock) {
    const MeasuredData md = load_measured(sample("semicolon_decimal_comma.csv"));
    EXPECT_EQ(md.kind, MeasuredData::Kind::time_series);
    const Trajectory& t = md.trajectory;
    ASSERT_EQ(t.size(), 14u);  // 15 data rows, one of them a repeated header; a ";;;;" row
    EXPECT_EQ(t.time[0], 0.0);
    EXPECT_EQ(t.potential[0], 3.054);  // 3054,0 mV
    EXPECT_EQ(t.current[0], 0.0);
    EXPECT_EQ(t.time[3], 3600.0);
    EXPECT_EQ(t.potential[3], 3.1);
    EXPECT_EQ(t.current[3], 50.0 / 1e6);  // 50,0 µA
    EXPECT_EQ(t.time.back(), 75600.0);
    EXPECT_EQ(t.potential.back(), 3.9497);
    ASSERT_EQ(t.cycle.size(), 14u);
    EXPECT_EQ(t.cycle.back(), 1);
    EXPECT_TRUE(t.step.empty());
    EXPECT_DOUBLE_EQ(t.mass, 9.03e-6);  // "Mass: 9,03 mg;;;;" in the header block
    EXPECT_EQ(md.metadata.at("mass"), "9,03 mg");
    EXPECT_TRUE(has_warning(md, "skipped as a header block"));
    EXPECT_TRUE(has_warning(md, "repeated header"));
}

TEST(Import, EcLabDecimalCommaExport) {
    const MeasuredData md = load_measured(sample("eclab_gcpl_comma.mpt"));
    EXPECT_EQ(md.kind, MeasuredData::Kind::time_series);
    EXPECT_EQ(md.format, "mpt");
    const Trajectory& t = md.trajectory;
    ASSERT_EQ(t.size(), 99u);
    EXPECT_EQ(t.time[0], 0.0);
    EXPECT_EQ(t.potential[0], 3.054);
    EXPECT_EQ(t.current[0], 0.0);
    // row 8: start of the CC charge, 3600 s, 3.1 V, +0.05 mA (EC-Lab: positive on oxidation)
    EXPECT_EQ(t.time[7], 3600.0);
    EXPECT_EQ(t.potential[7], 3.1);
    EXPECT_DOUBLE_EQ(t.current[7], 5e-5);
    EXPECT_EQ(t.time.back(), 250930.0);
    EXPECT_EQ(t.potential.back(), 3.4286673);
    EXPECT_EQ(t.current.back(), 0.0);
    // EC-Lab counts cycles and sequences (Ns) from 0; the trajectory from 1
    ASSERT_EQ(t.cycle.size(), 99u);
    ASSERT_EQ(t.step.size(), 99u);
    EXPECT_EQ(*std::min_element(t.cycle.begin(), t.cycle.end()), 1);
    EXPECT_EQ(*std::max_element(t.cycle.begin(), t.cycle.end()), 1);
    EXPECT_EQ(t.step.front(), 1);
    EXPECT_EQ(t.step.back(), 6);
    // the CV hold (step 3): Ewe within 0.2 mV of 4.3 V, decaying positive current
    std::vector<double> hold;
    for (std::size_t k = 0; k < t.size(); ++k)
        if (t.step[k] == 3) {
            EXPECT_NEAR(t.potential[k], 4.3, 2e-4);
            hold.push_back(t.current[k]);
        }
    ASSERT_GE(hold.size(), 10u);
    EXPECT_TRUE(std::is_sorted(hold.rbegin(), hold.rend()));
    EXPECT_GT(hold.back(), 0.0);
    // the discharge (step 5): -0.05 mA down to 3.0 V
    for (std::size_t k = 0; k < t.size(); ++k)
        if (t.step[k] == 5) {
            EXPECT_DOUBLE_EQ(t.current[k], -5e-5);
        }
    EXPECT_DOUBLE_EQ(t.mass, 9.021e-6);
    EXPECT_EQ(md.metadata.at("mass"), "9,021 mg");
    EXPECT_EQ(md.metadata.at("electrode_surface_area"), "0,785 cm\xC2\xB2");  // Windows code page -> UTF-8
    EXPECT_EQ(md.metadata.at("technique"), "Galvanostatic Cycling with Potential Limitation");
    EXPECT_EQ(md.metadata.at("electrode_material"), "NMC532");
    EXPECT_TRUE(md.warnings.empty());
}

TEST(Import, EcLabDecimalPointExportTwoCycles) {
    const MeasuredData md = load_measured(sample("eclab_gcpl_point.mpt"));
    const Trajectory& t = md.trajectory;
    ASSERT_EQ(t.size(), 101u);  // "I/mA" instead of "<I>/mA"
    EXPECT_EQ(t.time[0], 0.0);
    EXPECT_EQ(t.potential[0], 3.054);
    EXPECT_EQ(t.time.back(), 466820.0);
    EXPECT_EQ(t.potential.back(), 3.4292947);
    EXPECT_EQ(t.current.back(), 0.0);
    EXPECT_EQ(std::set<int>(t.cycle.begin(), t.cycle.end()), (std::set<int>{1, 2}));
    EXPECT_EQ(t.cycle.front(), 1);
    EXPECT_EQ(t.cycle.back(), 2);
    EXPECT_EQ(t.step.front(), 1);
    EXPECT_EQ(t.step.back(), 11);
    EXPECT_TRUE(std::is_sorted(t.time.begin(), t.time.end()));
    EXPECT_DOUBLE_EQ(t.mass, 8.5e-6);
    EXPECT_EQ(md.metadata.at("electrode_surface_area"), "0.785 cm\xC2\xB2");
    EXPECT_TRUE(md.warnings.empty());
}

// -------------------------------------------------------------------- malformed files

struct MalformedCase {
    const char* file;
    int line;            // 0: the file as a whole
    const char* column;  // "" when the problem is not one column's
    const char* text;    // a part of the message
};

// Each malformed sample throws a DataError whose message names the file, the line and the
// column (where there is one) and says what was expected.
TEST(Import, MalformedFilesThrowDataErrorNamingFileLineAndColumn) {
    const MalformedCase cases[] = {
        {"missing_current.csv", 2, "current", "found columns: time/s, potential/V, cycle"},
        {"non_numeric.csv", 6, "potential/V", "expected a number, found '3.61O5'"},
        {"decreasing_time.csv", 7, "time/s", "time goes back from 1800 s (line 6) to 0 s"},
        {"unknown_unit.csv", 2, "current/C", "unknown unit 'C' for current; expected A, mA"},
        {"empty.csv", 0, "", "the file is empty"},
        {"header_only.csv", 2, "", "no data rows below the header"},
        {"eclab_truncated.mpt", 73, "Ewe/V", "the row ends after 9 of 25 cells"},
    };
    for (const MalformedCase& c : cases) {
        SCOPED_TRACE(c.file);
        const Failure f = failure_of([&] { load_measured(sample(c.file)); });
        ASSERT_TRUE(f.thrown);
        EXPECT_EQ(f.file, sample(c.file));
        EXPECT_EQ(f.line, c.line) << f.what;
        EXPECT_EQ(f.column, c.column) << f.what;
        EXPECT_TRUE(contains(f.what, c.file)) << f.what;
        if (c.line > 0) {
            EXPECT_TRUE(contains(f.what, ":" + std::to_string(c.line) + ":")) << f.what;
        }
        if (*c.column) {
            EXPECT_TRUE(contains(f.what, std::string("column '") + c.column + "'")) << f.what;
        }
        EXPECT_TRUE(contains(f.what, c.text)) << f.what;
    }
}

TEST(Import, MissingCurrentListsTheLayouts) {
    const Failure f = failure_of([] { load_measured(sample("missing_current.csv")); });
    EXPECT_TRUE(contains(f.what, "per-cycle table")) << f.what;
    EXPECT_TRUE(contains(f.what, "CE-vs-hold table")) << f.what;
}

TEST(Import, MissingFile) {
    const Failure f = failure_of([] { load_measured(sample("no_such_file.csv")); });
    ASSERT_TRUE(f.thrown);
    EXPECT_TRUE(contains(f.what, "no_such_file.csv")) << f.what;
    EXPECT_TRUE(contains(f.what, "cannot open")) << f.what;
}

// ------------------------------------------------------------------------ CSV details

TEST(Import, QuotedFieldsTrailingDelimitersAndBlankLines) {
    const std::string text =
        "\xEF\xBB\xBF# mass: 10 mg,,\r\n"
        "\r\n"
        "\"time (min)\",\"potential (V)\",\"current, mA\",\r\n"
        "\"0\",\"3.5\",\"0\",\r\n"
        "\r\n"
        "1.5,3.6,0.1,,\r\n"
        ",,,\r\n";
    // "current, mA" has a comma inside the quotes; it normalises to current_ma: mA
    const MeasuredData md = parse_measured(text, "quoted.csv");
    ASSERT_EQ(md.trajectory.size(), 2u);
    EXPECT_EQ(md.trajectory.time[1], 90.0);
    EXPECT_EQ(md.trajectory.potential[1], 3.6);
    EXPECT_EQ(md.trajectory.current[1], 0.1 / 1000);
    EXPECT_TRUE(md.warnings.empty());
    EXPECT_EQ(md.metadata.at("mass"), "10 mg");
    EXPECT_DOUBLE_EQ(md.trajectory.mass, 1e-5);
}

TEST(Import, TabDelimitedDecimalCommas) {
    const MeasuredData md = parse_measured("t/h\tU/mV\tI/uA\n0\t3000,5\t-12,5\n0,5\t2999\t-12,5\n", "tab.txt");
    ASSERT_EQ(md.trajectory.size(), 2u);
    EXPECT_EQ(md.trajectory.time[1], 1800.0);
    EXPECT_EQ(md.trajectory.potential[0], 3.0005);
    EXPECT_EQ(md.trajectory.current[0], -12.5 / 1e6);
}

TEST(Import, HeaderNameAndUnitSpellings) {
    const MeasuredData md = parse_measured(
        "Test_Time_h,Voltage_mV,current_mA,cycle_index,step_index\n0,3500,1,1,1\n2,3600,1,1,1\n", "suffix.csv");
    EXPECT_EQ(md.trajectory.time[1], 7200.0);
    EXPECT_EQ(md.trajectory.potential[1], 3.6);
    EXPECT_EQ(md.trajectory.current[1], 1e-3);
    EXPECT_EQ(md.trajectory.cycle.size(), 2u);
    EXPECT_EQ(md.trajectory.step.size(), 2u);
    const MeasuredData md2 = parse_measured("time [d],ecell [V],<I> [\xC2\xB5" "A]\n1,3.5,20\n", "b.csv");
    EXPECT_EQ(md2.trajectory.time[0], 86400.0);
    EXPECT_EQ(md2.trajectory.current[0], 20 / 1e6);
    const MeasuredData md3 = parse_measured("time/hours,E/V,I/A\n1,3.5,0.001\n", "c.csv");
    EXPECT_EQ(md3.trajectory.time[0], 3600.0);
}

TEST(Import, DecimalCommaInCommaDelimitedFileIsRejected) {
    const Failure f = parse_failure("time/s,potential/V,current/mA\n0,3,054,0\n");
    ASSERT_TRUE(f.thrown);
    EXPECT_EQ(f.line, 2);
    EXPECT_TRUE(contains(f.what, "must be delimited by ';' or tab")) << f.what;
    const Failure g = parse_failure("time/s,potential/V,current/mA\n0,\"3,054\",0\n");
    EXPECT_EQ(g.column, "potential/V");
    EXPECT_TRUE(contains(g.what, "decimal commas are read only in files delimited by ';' or tab")) << g.what;
}

TEST(Import, EmptyTimeSeriesCellIsAnError) {
    const Failure f = parse_failure("time/s,potential/V,current/mA\n0,3.5,0\n10,,0\n");
    ASSERT_TRUE(f.thrown);
    EXPECT_EQ(f.line, 3);
    EXPECT_EQ(f.column, "potential/V");
    EXPECT_TRUE(contains(f.what, "test.csv:3: column 'potential/V': empty cell")) << f.what;
    const Failure g = parse_failure("time/s,potential/V,current/mA\n0,3.5,0\n10,3.6\n");
    EXPECT_EQ(g.column, "current/mA");
    EXPECT_TRUE(contains(g.what, "the row ends after 2 of 3 cells")) << g.what;
}

TEST(Import, ClockTimesAreReadAndTheTotalTimeWinsOverTheStepTime) {
    // Neware-style export: "Time" is the time within the step, "Total Time" the test's,
    // both as H:MM:SS(.fff); a day count as D-HH:MM:SS.
    const MeasuredData md = parse_measured(
        "Record ID,Cycle ID,Step ID,Step Type,Time,Total Time(h:min:s.ms),Current(mA),Voltage(V)\n"
        "1,1,1,Rest,0:00:00,0:00:00.000,0.0,2.95\n"
        "2,1,2,CC Chg,0:00:00,0:01:30.500,0.05,3.50\n"
        "3,1,2,CC Chg,25:00:00,1-01:01:30.500,0.05,3.90\n",
        "neware.csv");
    ASSERT_EQ(md.kind, MeasuredData::Kind::time_series);
    ASSERT_EQ(md.trajectory.size(), 3u);
    EXPECT_DOUBLE_EQ(md.trajectory.time[1], 90.5);
    EXPECT_DOUBLE_EQ(md.trajectory.time[2], 86400 + 3600 + 60 + 30.5);
    EXPECT_DOUBLE_EQ(md.trajectory.current[2], 5e-5);
    EXPECT_EQ(md.trajectory.cycle, (std::vector<int>{1, 1, 1}));
}

TEST(Import, MalformedClockTimesAreRejectedWithAHint) {
    const Failure f = parse_failure("time/s,potential/V,current/mA\n00:75:10,3.5,0\n");
    EXPECT_EQ(f.line, 2);
    EXPECT_TRUE(contains(f.what, "H:MM:SS")) << f.what;
}

TEST(Import, EqualTimesAreKept) {
    const MeasuredData md = parse_measured("time/s,potential/V,current/mA\n0,3.5,0\n5,3.5,0\n5,3.6,0.1\n", "eq.csv");
    EXPECT_EQ(md.trajectory.size(), 3u);
}

TEST(Import, CurrentSignOption) {
    ImportOptions o;
    o.current_sign = -1;
    const MeasuredData md = parse_measured("time/s,potential/V,current/mA\n0,3.5,2\n1,3.5,-3\n", "s.csv", o);
    EXPECT_EQ(md.trajectory.current[0], -0.002);
    EXPECT_EQ(md.trajectory.current[1], 0.003);
    o.current_sign = 2;
    EXPECT_THROW(parse_measured("time/s,potential/V,current/mA\n0,3.5,2\n", "s.csv", o), std::invalid_argument);
}

TEST(Import, ColumnsWithoutUnitsAreSIWithWarnings) {
    const MeasuredData md = parse_measured("time,voltage,current\n0,3.5,0.001\n", "nounits.csv");
    EXPECT_EQ(md.trajectory.current[0], 0.001);
    EXPECT_TRUE(has_warning(md, "'time' has no unit; read as s"));
    EXPECT_TRUE(has_warning(md, "'current' has no unit; read as A"));
}

TEST(Import, UnitsRowBelowTheNames) {
    const MeasuredData md = parse_measured("time;potential;current\n[h];[V];[mA]\n0;3,5;0,05\n1;3,6;0,05\n", "u.csv");
    ASSERT_EQ(md.trajectory.size(), 2u);
    EXPECT_EQ(md.trajectory.time[1], 3600.0);
    EXPECT_EQ(md.trajectory.current[1], 0.05 / 1000);
    EXPECT_TRUE(md.warnings.empty());
}

TEST(Import, ExtraColumnsAndDuplicatesInTimeSeries) {
    const MeasuredData md = parse_measured(
        "time/s,voltage/V,Ewe/V,I/mA,Q/mA.h,capacity/mAh,temperature/degC\n0,3.5,3.4,0,0,0,25\n", "x.csv");
    EXPECT_EQ(md.trajectory.potential[0], 3.5);  // the first potential column wins
    EXPECT_TRUE(has_warning(md, "'Ewe/V' ignored: column 'voltage/V' already gives the potential"));
    EXPECT_TRUE(has_warning(md, "'temperature/degC'"));
    EXPECT_TRUE(has_warning(md, "capacities are computed from the current"));
}

TEST(Import, CycleNumbersFromZeroAreShifted) {
    const MeasuredData md = parse_measured("time/s,E/V,I/mA,cycle\n0,3.5,0,0\n1,3.5,0,1\n", "z.csv");
    EXPECT_EQ(md.trajectory.cycle, (std::vector<int>{1, 2}));
    EXPECT_TRUE(has_warning(md, "start at 0"));
    const Failure f = parse_failure("time/s,E/V,I/mA,cycle\n0,3.5,0,1.5\n");
    EXPECT_EQ(f.line, 2);
    EXPECT_EQ(f.column, "cycle");
    EXPECT_TRUE(contains(f.what, "expected a whole number")) << f.what;
}

TEST(Import, HeaderBlockWithoutCommentMarks) {
    const MeasuredData md = parse_measured(
        "Cycler export v2\nCell: B7\nMass (mg): 8.8\n\ntime/s,potential/V,current/mA\n0,3.5,0\n", "block.csv");
    EXPECT_EQ(md.metadata.at("cell"), "B7");
    EXPECT_EQ(md.metadata.at("mass"), "8.8 mg");
    EXPECT_DOUBLE_EQ(md.trajectory.mass, 8.8e-6);
    EXPECT_TRUE(has_warning(md, "3 line(s) above the column header (line 5)"));
}

TEST(Import, HeaderAsACommentLine) {
    // numpy.savetxt(..., header="time/s,potential/V,current/A") writes the header as a comment
    const MeasuredData md =
        parse_measured("# mass: 9 mg\n# time/s,potential/V,current/A\n0,3.5,0\n1,3.6,0.001\n", "np.csv");
    ASSERT_EQ(md.trajectory.size(), 2u);
    EXPECT_EQ(md.trajectory.current[1], 0.001);
    EXPECT_DOUBLE_EQ(md.trajectory.mass, 9e-6);
}

TEST(Import, NumberingWithEmptyCellsIsDropped) {
    const MeasuredData md = parse_measured("time/s,E/V,I/mA,cycle,step\n0,3.5,0,1,\n1,3.5,0,,2\n", "gaps.csv");
    EXPECT_EQ(md.trajectory.size(), 2u);
    EXPECT_TRUE(md.trajectory.cycle.empty());
    EXPECT_TRUE(md.trajectory.step.empty());
    EXPECT_TRUE(has_warning(md, "cycle column 'cycle' has empty cells"));
    EXPECT_TRUE(has_warning(md, "step column 'step' has empty cells"));
}

TEST(Import, DataWithoutHeaderOrWithUnknownColumns) {
    const Failure f = parse_failure("# mass: 9 mg\n0,3.5,0\n1,3.6,0.1\n");
    EXPECT_EQ(f.line, 2);
    EXPECT_TRUE(contains(f.what, "expected a header line naming the columns")) << f.what;
    const Failure g = parse_failure("a,b,c\n1,2,3\n");
    EXPECT_EQ(g.line, 1);
    EXPECT_TRUE(contains(g.what, "found columns: a, b, c")) << g.what;
    const Failure h = parse_failure("# only a comment\n\n");
    EXPECT_TRUE(contains(h.what, "only comment lines")) << h.what;
}

TEST(Import, NotTextFiles) {
    EXPECT_TRUE(contains(parse_failure(std::string("\xFF\xFEt\0i\0", 6)).what, "UTF-16"));
    EXPECT_TRUE(contains(parse_failure(std::string("time\0x", 6)).what, "not a text file"));
    EXPECT_TRUE(contains(parse_failure("xx", "run.mpr").what, "export it as text (.mpt)"));
    ImportOptions o;
    o.format = "xlsx";
    EXPECT_TRUE(contains(parse_failure("time/s,E/V,I/A\n0,1,2\n", "a.csv", o).what, "expected auto, csv or mpt"));
}

// ------------------------------------------------------------------------ metadata mass

TEST(Import, MassMetadataForms) {
    const std::string body = "time/s,potential/V,current/mA\n0,3.5,0\n";
    EXPECT_DOUBLE_EQ(parse_measured("# mass_mg: 9.02\n" + body, "a.csv").trajectory.mass, 9.02e-6);
    EXPECT_DOUBLE_EQ(parse_measured("# mass: 0.00902 g\n" + body, "a.csv").trajectory.mass, 9.02e-6);
    EXPECT_DOUBLE_EQ(parse_measured("# Mass [mg]: 9.02\n" + body, "a.csv").trajectory.mass, 9.02e-6);
    EXPECT_DOUBLE_EQ(parse_measured("# active_mass: 9.02mg\n" + body, "a.csv").trajectory.mass, 9.02e-6);
    const MeasuredData md = parse_measured("# mass_mg: 9.02\n" + body, "a.csv");
    EXPECT_EQ(md.metadata.at("mass"), "9.02 mg");

    ImportOptions o;
    o.mass = 5e-6;
    EXPECT_EQ(parse_measured(body, "a.csv", o).trajectory.mass, 5e-6);
    const MeasuredData both = parse_measured("# mass: 9 mg\n" + body, "a.csv", o);
    EXPECT_DOUBLE_EQ(both.trajectory.mass, 9e-6);
    EXPECT_TRUE(has_warning(both, "is not used"));
    EXPECT_EQ(parse_measured(body, "a.csv").trajectory.mass, 0.0);

    for (const char* bad : {"# mass: heavy\n", "# mass: 9.02\n", "# mass: 9.02 mL\n", "# mass: -1 mg\n"}) {
        const Failure f = parse_failure(bad + body);
        ASSERT_TRUE(f.thrown) << bad;
        EXPECT_EQ(f.line, 1) << f.what;
        EXPECT_EQ(f.column, "mass") << f.what;
        EXPECT_TRUE(contains(f.what, "'9.02 mg'")) << f.what;
    }
}

// ------------------------------------------------------------------------ tables

TEST(Import, CePercentWithoutUnit) {
    const MeasuredData md = parse_measured("cycle,CE\n1,80.5\n2,97.0\n", "ce.csv");
    EXPECT_EQ(md.kind, MeasuredData::Kind::cycle_table);
    EXPECT_EQ(md.cycles[0].coulombic_efficiency, 0.805);
    EXPECT_TRUE(has_warning(md, "read as %"));
    const MeasuredData frac = parse_measured("cycle,efficiency\n1,0.805\n2,0.97\n", "ce.csv");
    EXPECT_EQ(frac.cycles[1].coulombic_efficiency, 0.97);
    EXPECT_TRUE(frac.warnings.empty());
    const Failure f = parse_failure("cycle,CE\n1,0.80\n2,97.0\n");
    EXPECT_EQ(f.line, 3);
    EXPECT_EQ(f.column, "CE");
    EXPECT_TRUE(contains(f.what, "reads as a percentage")) << f.what;
    const Failure g = parse_failure("cycle,CE/permille\n1,800\n");
    EXPECT_EQ(g.line, 1);
    EXPECT_EQ(g.column, "CE/permille");
}

TEST(Import, AbsoluteCapacitiesNeedTheMass) {
    const std::string body = "cycle,Q_charge/mAh,Q_discharge/mA.h,CE/fraction\n1,2.0,1.5,0.75\n";
    const MeasuredData md = parse_measured("# mass: 10 mg\n" + body, "abs.csv");
    EXPECT_DOUBLE_EQ(md.cycles[0].charge_capacity, 200.0);
    EXPECT_DOUBLE_EQ(md.cycles[0].discharge_capacity, 150.0);
    EXPECT_EQ(md.cycles[0].coulombic_efficiency, 0.75);
    ImportOptions o;
    o.mass = 1e-5;
    EXPECT_DOUBLE_EQ(parse_measured(body, "abs.csv", o).cycles[0].charge_capacity, 200.0);
    const Failure f = parse_failure(body);
    EXPECT_EQ(f.line, 1);
    EXPECT_EQ(f.column, "Q_charge/mAh");
    EXPECT_TRUE(contains(f.what, "needs the active mass")) << f.what;
    const MeasuredData kg = parse_measured("cycle,discharge [Ah/kg]\n1,160\n", "kg.csv");
    EXPECT_EQ(kg.cycles[0].discharge_capacity, 160.0);
}

TEST(Import, CycleTableExtrasTextAndSigma) {
    const MeasuredData md = parse_measured(
        "cycle;discharge_capacity/mAh/g;discharge_capacity_err/mAh/g;share/%;note\n"
        "1;160,5;1,5;12,5;first\n"
        "2;159,0;;11;\n",
        "extra.csv");
    ASSERT_EQ(md.cycles.size(), 2u);
    EXPECT_EQ(md.cycles[0].discharge_capacity, 160.5);
    EXPECT_EQ(md.cycles[0].sigma.at("discharge_capacity"), 1.5);
    EXPECT_TRUE(std::isnan(md.cycles[1].sigma.at("discharge_capacity")));
    EXPECT_EQ(md.cycles[0].extra.at("share"), 0.125);
    EXPECT_EQ(md.cycles[0].extra.count("note"), 0u);
    EXPECT_TRUE(std::isnan(md.cycles[0].charge_capacity));
    EXPECT_TRUE(has_warning(md, "'note' holds text"));
    const Failure f = parse_failure("cycle,charge_capacity/mAh/g\n1,21O\n");
    EXPECT_EQ(f.line, 2);
    EXPECT_EQ(f.column, "charge_capacity/mAh/g");
    const Failure g = parse_failure("charge_capacity/mAh/g,discharge_capacity/mAh/g\n1,2\n");
    EXPECT_EQ(g.column, "cycle");
    EXPECT_TRUE(contains(g.what, "needs a column 'cycle'")) << g.what;
}

TEST(Import, HoldTableForms) {
    const MeasuredData md = parse_measured(
        "hold_time/min,CE,hold_potential/mV,cycle\n30,0.97,4300,\n60,0.96,,2\n", "hold.csv");
    EXPECT_EQ(md.kind, MeasuredData::Kind::hold_table);
    ASSERT_EQ(md.holds.size(), 2u);
    EXPECT_EQ(md.holds[0].duration, 1800.0);
    EXPECT_EQ(md.holds[0].potential, 4.3);
    EXPECT_EQ(md.holds[0].cycle, 1);
    EXPECT_TRUE(std::isnan(md.holds[1].potential));
    EXPECT_TRUE(std::isnan(md.holds[1].sigma));
    EXPECT_EQ(md.holds[1].cycle, 2);
    const Failure f = parse_failure("hold_duration/h,cycle\n1,1\n");
    EXPECT_EQ(f.column, "coulombic_efficiency");
    const Failure g = parse_failure("hold_duration/h,CE/%\n1,\n");
    EXPECT_EQ(g.line, 2);
    EXPECT_EQ(g.column, "CE/%");
    const Failure h = parse_failure("# hold_potential: high\nhold_duration/h,CE/%\n1,97\n");
    EXPECT_EQ(h.line, 1);
    EXPECT_EQ(h.column, "hold_potential");
}

// ------------------------------------------------------------------------ EC-Lab details

namespace {

// A small EC-Lab export; `count` is the number written on the "Nb header lines" line.
std::string mpt_text(int count, const std::string& columns, const std::string& mass = "9.021 mg") {
    return "EC-Lab ASCII FILE\r\n"
           "Nb header lines : " + std::to_string(count) + "\r\n"
           "\r\n"
           "Galvanostatic Cycling with Potential Limitation\r\n"
           "\r\n"
           "Mass of active material : " + mass + "\r\n"
           "Electrode surface area : 0.785 cm2\r\n" +
           columns + "\r\n"
           "1\t0\t1.0E+000\t3,7\t5,0E-002\t0,0E+000\r\n"
           "1\t0\t2.0E+000\t3,8\t5,0E-002\t0,0E+000\r\n";
}

const std::string kColumns = "mode\tNs\ttime/s\tEwe/V\t<I>/mA\tcycle number\t";

}  // namespace

TEST(Import, EcLabSmallExport) {
    const MeasuredData md = parse_measured(mpt_text(8, kColumns), "run.mpt");
    ASSERT_EQ(md.trajectory.size(), 2u);
    EXPECT_EQ(md.trajectory.time[1], 2.0);
    EXPECT_EQ(md.trajectory.potential[1], 3.8);
    EXPECT_EQ(md.trajectory.current[1], 0.05 / 1000);
    EXPECT_EQ(md.trajectory.cycle, (std::vector<int>{1, 1}));
    EXPECT_EQ(md.trajectory.step, (std::vector<int>{1, 1}));
    EXPECT_EQ(md.metadata.at("electrode_surface_area"), "0.785 cm2");
    EXPECT_TRUE(md.warnings.empty());
    // recognised by content under another name, and forced by the option
    EXPECT_EQ(parse_measured(mpt_text(8, kColumns), "run.txt").format, "mpt");
    ImportOptions o;
    o.format = "mpt";
    EXPECT_EQ(parse_measured(mpt_text(8, kColumns), "run.dat", o).format, "mpt");
}

TEST(Import, EcLabWrongHeaderCountIsFoundWithAWarning) {
    const MeasuredData md = parse_measured(mpt_text(12, kColumns), "run.mpt");
    EXPECT_EQ(md.trajectory.size(), 2u);
    EXPECT_TRUE(has_warning(md, "found it at line 8"));
    const std::string no_count = "EC-Lab ASCII FILE\n" + kColumns + "\n1\t0\t1\t3.7\t0.05\t0\n";
    const MeasuredData md2 = parse_measured(no_count, "nocount.mpt");
    EXPECT_EQ(md2.trajectory.size(), 1u);
    EXPECT_TRUE(has_warning(md2, "no 'Nb header lines"));
    const MeasuredData md3 = parse_measured(kColumns + "\n1\t0\t1\t3.7\t0.05\t0\n", "bare.mpt");
    EXPECT_TRUE(has_warning(md3, "no 'EC-Lab ASCII FILE' line"));
    const Failure f = parse_failure("EC-Lab ASCII FILE\nNb header lines : 3\n\nno columns here\n", "broken.mpt");
    EXPECT_EQ(f.line, 3);
    EXPECT_TRUE(contains(f.what, "no column header line")) << f.what;
}

TEST(Import, EcLabColumnChoices) {
    // no Ewe: the cell voltage; "I/mA" for the current; no Ns / cycle number columns
    const MeasuredData md =
        parse_measured(mpt_text(8, "mode\tox/red\ttime/s\tEcell/V\tI/mA\tcontrol/V/mA\t"), "ecell.mpt");
    EXPECT_EQ(md.trajectory.potential[0], 3.7);
    EXPECT_EQ(md.trajectory.current[0], 0.05 / 1000);
    EXPECT_TRUE(md.trajectory.cycle.empty());
    EXPECT_TRUE(md.trajectory.step.empty());
    // Ewe preferred over Ecell whatever the order
    const MeasuredData both =
        parse_measured(mpt_text(8, "mode\tNs\ttime/s\tEcell/V\tEwe/V\t<I>/mA\t"), "both.mpt");
    EXPECT_EQ(both.trajectory.potential[0], 5.0e-2);
    const Failure f = parse_failure(mpt_text(8, "mode\tNs\ttime/s\tEwe/V\tcontrol/V/mA\tQ/mA.h\t"), "noi.mpt");
    EXPECT_EQ(f.line, 8);
    EXPECT_EQ(f.column, "<I>/mA or I/mA");
}

TEST(Import, EcLabMassForms) {
    EXPECT_DOUBLE_EQ(parse_measured(mpt_text(8, kColumns, "0.009021 g"), "g.mpt").trajectory.mass, 9.021e-6);
    EXPECT_DOUBLE_EQ(parse_measured(mpt_text(8, kColumns, "9,021 mg"), "g.mpt").trajectory.mass, 9.021e-6);
    const MeasuredData placeholder = parse_measured(mpt_text(8, kColumns, "0.001 mg"), "p.mpt");
    EXPECT_EQ(placeholder.trajectory.mass, 0.0);
    EXPECT_TRUE(has_warning(placeholder, "EC-Lab's default"));
    const Failure f = parse_failure(mpt_text(8, kColumns, "n/a"), "bad.mpt");
    EXPECT_EQ(f.line, 6);
    EXPECT_EQ(f.column, "mass_of_active_material");
}

// ------------------------------------------------------------------------ size

TEST(Import, LargeFile) {
    std::string text = "time/s;Ewe/V;<I>/mA;Ns\n";
    const int n = 200000;
    text.reserve(static_cast<std::size_t>(n) * 32);
    char row[64];
    for (int k = 0; k < n; ++k) {
        std::snprintf(row, sizeof row, "%d,5;3,%04d;%s;%d\n", k, k % 10000, k % 2 ? "0,05" : "-0,05", k / 1000);
        text += row;
    }
    const MeasuredData md = parse_measured(text, "large.csv");
    ASSERT_EQ(md.trajectory.size(), static_cast<std::size_t>(n));
    EXPECT_EQ(md.trajectory.time.back(), n - 0.5);
    EXPECT_EQ(md.trajectory.potential.back(), 3.9999);
    EXPECT_EQ(md.trajectory.step.front(), 1);  // Ns from 0: shifted
    EXPECT_EQ(md.trajectory.step.back(), n / 1000);
}
