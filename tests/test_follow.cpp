// Issue 14 parts 2 and 3: limits and holds in cell voltage, and the follow step that drives a
// cell along a recorded potential or current profile (CSV with units, EC-Lab export, an
// earlier run's result file).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "analysis/fit.hpp"
#include "analysis/import.hpp"
#include "core/error.hpp"
#include "io/result_reader.hpp"
#include "io/result_writer.hpp"
#include "params/profile_file.hpp"
#include "tests/test_support.hpp"

namespace ssbsim {
namespace {

// A follow step holds the profile as an algebraic equation: IDA's Newton tolerance, far
// below the 1e-6 V the issue asks for.
constexpr double kFollowTolerance = 1e-6;   // [V]
// Twin runs whose equations are the same up to the rounding of V - 0.62 V.
constexpr double kTwinTolerance = 1e-7;     // relative

std::string temp(const std::string& name) {
    return ::testing::TempDir() + "ssbsim_follow_" + std::to_string(::getpid()) + "_" + name;
}

std::string write(const std::string& name, const std::string& text) {
    const std::string p = temp(name);
    std::ofstream(p) << text;
    return p;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

RunResult run(const SimulationConfig& c, test::Capture* cap = nullptr, const std::string& file = "") {
    Simulation sim(c);
    if (file.empty()) return sim.run(cap);
    ResultWriter w(file);
    return sim.run(&w);
}

std::string precise(double v) {
    std::ostringstream os;
    os.precision(17);
    os << v;
    return os.str();
}

// ---------------------------------------------------------------------------------------

TEST(CellReference, StringsAndMappingsParse) {
    Step c = parse_step_string("Charge at C/50 until 3.68 V cell");
    ASSERT_EQ(c.limits.size(), 1u);
    EXPECT_EQ(c.limits[0].kind, Limit::Kind::voltage);
    EXPECT_EQ(c.limits[0].reference, Reference::cell);
    EXPECT_DOUBLE_EQ(c.limits[0].value, 3.68);
    Step h = parse_step_string("Hold at 1.38 V cell for 10 h");
    EXPECT_EQ(h.kind, Step::Kind::voltage);
    EXPECT_EQ(h.reference, Reference::cell);
    EXPECT_DOUBLE_EQ(h.voltage, 1.38);
    EXPECT_DOUBLE_EQ(h.duration, 36000.0);
    Step d = parse_step_string("Discharge at C/50 until 1.9 V cell or until 2.0 V vs Li/Li+");
    ASSERT_EQ(d.limits.size(), 2u);
    EXPECT_EQ(d.limits[0].reference, Reference::cell);
    EXPECT_EQ(d.limits[1].reference, Reference::li);
    EXPECT_EQ(parse_step_string("Hold at 4.3 V for 1 h").reference, Reference::li);
    EXPECT_THROW(parse_step_string("Ramp from 2 V cell to 3 V vs Li over 1 h"), std::invalid_argument);

    SimulationConfig m = test::load("", {R"(protocol.steps=[{hold: "1.38 V", reference: cell, duration: "1 h"},
        {charge: "C/10", until: "3.6 V", reference: cell}, {discharge: "C/10", until: ["2 V", "3 V vs Li"], reference: cell}])"});
    EXPECT_EQ(m.protocol.steps[0].reference, Reference::cell);
    EXPECT_EQ(m.protocol.steps[1].limits[0].reference, Reference::cell);
    EXPECT_EQ(m.protocol.steps[2].limits[0].reference, Reference::cell);
    EXPECT_EQ(m.protocol.steps[2].limits[1].reference, Reference::li);  // says its own
    // The emitted step reads back with its reference.
    YAML::Emitter e;
    e << YAML::Flow << emit_step(m.protocol.steps[1]);
    SimulationConfig back = test::load("", {std::string("protocol.steps=[") + e.c_str() + "]"});
    EXPECT_EQ(back.protocol.steps[0].limits[0].reference, Reference::cell);
    EXPECT_THROW(test::load("", {R"(protocol.steps=[{hold: "1 V", reference: anode, duration: "1 h"}])"}), ConfigError);
}

// A protocol in cell voltage against In/InLi gives the run of its vs-Li/Li+ twin: the cell
// voltage is the cathode potential minus the counter electrode's flat OCV (its overpotential
// is inside the model's potentials), so the two residuals agree to rounding.
TEST(CellReference, CellVoltageProtocolMatchesItsLiTwin) {
    const SimulationConfig base = test::load("", {"chemistry.enabled=false"});
    ASSERT_EQ(base.cell.counter.name, "InLi");
    const double ocv = base.cell.counter.potential;
    ASSERT_NEAR(ocv, 0.62, 1e-12);
    auto cell = [&](double v) { return precise(v - ocv) + " V cell"; };
    const std::string li = R"(protocol.steps=["Charge at C/5 until 3.9 V", "Hold at 3.9 V for 30 minutes",
        "Discharge at C/5 until 3.3 V", "Ramp from 3.3 V to 3.6 V over 20 minutes"])";
    const std::string in_cell = "protocol.steps=[\"Charge at C/5 until " + cell(3.9) + "\", \"Hold at " + cell(3.9) +
                                " for 30 minutes\", \"Discharge at C/5 until " + cell(3.3) + "\", \"Ramp from " +
                                cell(3.3) + " to " + cell(3.6) + " over 20 minutes\"]";
    const RunResult a = run(test::load("", {"chemistry.enabled=false", li}));
    const RunResult b = run(test::load("", {"chemistry.enabled=false", in_cell}));
    ASSERT_EQ(a.status, RunStatus::complete) << a.message;
    ASSERT_EQ(b.status, RunStatus::complete) << b.message;
    ASSERT_EQ(a.steps.size(), b.steps.size());
    for (std::size_t k = 0; k < a.steps.size(); ++k) {
        const StepSummary &x = a.steps[k], &y = b.steps[k];
        EXPECT_NEAR(x.end_time, y.end_time, kTwinTolerance * x.end_time) << k;
        EXPECT_NEAR(x.capacity, y.capacity, kTwinTolerance * std::fabs(x.capacity) + 1e-9) << k;
        EXPECT_NEAR(x.end_potential, y.end_potential, 1e-6) << k;
        // Both readings at the step end, a counter OCV apart.
        EXPECT_NEAR(y.end_potential - y.end_cell_voltage, ocv, 1e-12) << k;
    }
    EXPECT_EQ(b.steps[0].end_reason, "limit " + cell(3.9));
}

// ---------------------------------------------------------------------------------------

// The carbon-only cell of Study A along a piecewise-linear potential record (minutes, with a
// jump): its potential is the profile's at every sample, in one step.
TEST(Follow, CarbonOnlyCellFollowsAPotentialProfile) {
    const std::string csv = write("pot.csv",
                                  "# a recorded potential\n"
                                  "t [min],potential [V]\n"
                                  "0,2.5\n30,3.4\n45,3.4\n45,3.3\n90,2.8\n120,3.0\n");
    SimulationConfig c = test::load("configs/studies/study_a_carbon_only.yaml",
                                    {"protocol.steps=[" + quoted("Follow potential from " + csv) + "]",
                                     "output.sample_interval=\"1 min\""});
    ASSERT_EQ(c.protocol.steps.size(), 1u);
    const Step& st = c.protocol.steps[0];
    ASSERT_EQ(st.kind, Step::Kind::follow);
    EXPECT_DOUBLE_EQ(st.duration, 7200.0);  // the profile's length
    ASSERT_TRUE(st.follow.profile);
    EXPECT_EQ(st.follow.profile->breaks.size(), 3u);  // 30, 45 (a jump), 90 min
    test::Capture cap;
    const RunResult r = run(c, &cap);
    ASSERT_EQ(r.status, RunStatus::complete) << r.message;
    ASSERT_EQ(r.steps.size(), 1u);
    EXPECT_EQ(r.steps[0].end_reason, "duration");
    ASSERT_GT(cap.samples.size(), 100u);
    for (const Sample& s : cap.samples) {
        const double t = s.time;
        if (std::fabs(t - 2700.0) < 1e-6) continue;  // the jump itself: either side
        EXPECT_NEAR(s.potential, profile_value(*st.follow.profile, t), kFollowTolerance) << "t = " << t;
    }
    EXPECT_NEAR(r.steps[0].end_potential, 3.0, kFollowTolerance);
    // Not a thousand steps: IDA chose its own.
    EXPECT_LT(r.stats.steps, 2000);
}

// A current-follow of a constant-current record reproduces the CC step.
TEST(Follow, CurrentFollowOfAConstantCurrentRecordIsTheCcStep) {
    const std::vector<std::string> base = {"chemistry.enabled=false"};
    auto with = [&](const std::string& steps) {
        std::vector<std::string> s = base;
        s.push_back("protocol.steps=[" + steps + "]");
        return test::load("", s);
    };
    test::Capture cc_cap;
    const RunResult cc = run(with(quoted("Charge at C/5 for 40 minutes")), &cc_cap);
    ASSERT_EQ(cc.status, RunStatus::complete) << cc.message;
    const double amps = cc_cap.samples.back().current;
    ASSERT_GT(amps, 0);
    const std::string csv = write("cc.csv", "time/s,current/mA\n0," + precise(amps * 1e3) + "\n2400," +
                                                precise(amps * 1e3) + "\n");
    const RunResult f = run(with(quoted("Follow current from " + csv)));
    ASSERT_EQ(f.status, RunStatus::complete) << f.message;
    ASSERT_EQ(f.steps.size(), 1u);
    EXPECT_NEAR(f.steps[0].end_time, cc.steps[0].end_time, 1e-9);
    EXPECT_NEAR(f.steps[0].capacity, cc.steps[0].capacity, 1e-9 * cc.steps[0].capacity);
    EXPECT_NEAR(f.steps[0].end_potential, cc.steps[0].end_potential, kFollowTolerance);
    // The usual limits stay safety cut-offs.
    const RunResult cut = run(with(quoted("Follow current from " + csv + " until 3.7 V")));
    ASSERT_EQ(cut.status, RunStatus::complete) << cut.message;
    EXPECT_EQ(cut.steps[0].end_reason, "limit 3.7 V");
    EXPECT_LT(cut.steps[0].end_time, 2400.0);
    EXPECT_NEAR(cut.steps[0].end_potential, 3.7, 1e-6);
}

// A profile from an earlier run's result file, in either reference, and mapping keys
// time_scale and offset; a relative path is relative to the config file.
TEST(Follow, ResultFileProfileWithScaleOffsetAndRelativePath) {
    const std::string h5 = temp("nmc.h5");
    std::remove(h5.c_str());
    const RunResult nmc = run(test::load("", {"chemistry.enabled=false", "output.profile_interval=0",
                                              R"(protocol.steps=["Charge at C/5 until 3.9 V", "Hold at 3.9 V for 20 minutes"])"}),
                              nullptr, h5);
    ASSERT_EQ(nmc.status, RunStatus::complete) << nmc.message;
    const std::string name = h5.substr(h5.find_last_of('/') + 1);
    const std::string cfg = write("follow.yaml",
                                  "extends: " + test::source_path("configs/studies/study_a_carbon_only.yaml") +
                                      "\nprotocol:\n  steps:\n    - {follow: {quantity: potential, file: " + name +
                                      ", reference: cell, time_scale: 2, offset: \"10 min\"}}\n"
                                      // Samples between solver steps come from IDA's interpolant, whose
                                      // (algebraic) potential IDA's error test does not watch: across
                                      // the record's many small kinks it stays within ~rtol x V.
                                      "solver: {rtol: 1.0e-8, atol: 1.0e-10}\n");
    MaterialLibrary lib;
    const SimulationConfig c = load_config(ConfigNode::load_file(cfg), lib);
    const Step& st = c.protocol.steps[0];
    EXPECT_EQ(st.follow.reference, Reference::cell);
    EXPECT_EQ(st.follow.profile->column, "cell_voltage");
    EXPECT_NEAR(st.duration, 2 * (nmc.final_time - 600.0), 1e-6);
    test::Capture cap;
    const RunResult r = run(c, &cap);
    ASSERT_EQ(r.status, RunStatus::complete) << r.message;
    for (const Sample& s : cap.samples)
        EXPECT_NEAR(s.cell_voltage, profile_value(*st.follow.profile, 600.0 + s.time / 2), kFollowTolerance) << s.time;
}

// ---------------------------------------------------------------------------------------

// Each bad profile: a ConfigError at the step, naming the data file's line and the form.
void expect_bad(const std::string& file_text, const std::string& step, const std::string& says) {
    const std::string p = write("bad.csv", file_text);
    const std::string s = step.empty() ? quoted("Follow potential from " + p) : step;
    try {
        test::load("configs/studies/study_a_carbon_only.yaml", {"protocol.steps=[" + s + "]"});
        ADD_FAILURE() << "accepted: " << file_text;
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
        EXPECT_NE(e.key().find("protocol"), std::string::npos) << e.key();
    }
}

TEST(Follow, BadProfilesAreConfigErrorsWithFileAndLine) {
    expect_bad("time/s,potential/V\n0,2.5\n10,2.6\n5,2.7\n", "", "bad.csv:4: time goes back");
    expect_bad("time/s,current/mA\n0,1\n10,2\n", "", "no potential column");
    expect_bad("time/fortnight,potential/V\n0,2.5\n10,2.6\n", "", "unknown unit 'fortnight'");
    expect_bad("time,potential/V\n0,2.5\n10,2.6\n", "", "has no unit");
    expect_bad("", "", "empty");
    expect_bad("time/s,potential/V\n", "", "at least two rows");
    expect_bad("time/s,potential/V\n0,2.5\n10,abc\n", "", "bad.csv:3: 'abc'");
    expect_bad("time/s,Ecell/V\n0,1.9\n10,2.0\n",
               "{follow: {quantity: potential, file: " + temp("bad.csv") + ", reference: li}}", "cell voltage");
    expect_bad("time/s,potential/V\n0,2.5\n10,2.6\n",
               "{follow: {quantity: potential, file: " + temp("bad.csv") + ", offset: \"1 h\"}}", "skips the whole");
    expect_bad("time/s,potential/V\n0,2.5\n10,2.6\n",
               "{follow: {quantity: potential, file: " + temp("bad.csv") + ", column: Ewe}}", "no column 'Ewe'");
    expect_bad("x", quoted("Follow potential from /nonexistent/profile.csv"), "no such profile file");
}

// A follow step charges or discharges as its profile does: a charge opens the next cycle
// after a discharge and its shoulder capacity (the charge below protocol.shoulder_potential
// from its start) is counted as for a CC charge. The twin: the second charge at C/5 and its
// current-follow of the same constant current.
TEST(Follow, AFollowChargeCountsItsShoulderInItsOwnCycle) {
    std::vector<std::string> base = {"chemistry.enabled=false"};
    const std::string cc_steps = quoted("Charge at C/5 for 40 minutes") + ", " + quoted("Discharge at C/5 for 20 minutes");
    auto with = [&](const std::string& last, const std::string& shoulder) {
        std::vector<std::string> s = base;
        s.push_back("protocol.steps=[" + cc_steps + ", " + last + "]");
        if (!shoulder.empty()) s.push_back("protocol.shoulder_potential=\"" + shoulder + " V\"");
        return test::load("", s);
    };
    test::Capture cap;
    const RunResult first = run(with(quoted("Charge at C/5 for 40 minutes"), ""), &cap);
    ASSERT_EQ(first.status, RunStatus::complete) << first.message;
    ASSERT_EQ(first.steps.size(), 3u);
    // A shoulder potential half-way through the second charge (from its first sample: the
    // potential jumps by the polarisation at the current reversal).
    double v_start = kNaN;
    for (const Sample& smp : cap.samples)
        if (smp.step == 2 && std::isnan(v_start)) v_start = smp.potential;
    ASSERT_GT(first.steps[2].end_potential, v_start + 0.01);
    const double v_sh = 0.5 * (v_start + first.steps[2].end_potential);
    const RunResult cc = run(with(quoted("Charge at C/5 for 40 minutes"), precise(v_sh)));
    ASSERT_EQ(cc.status, RunStatus::complete) << cc.message;
    ASSERT_EQ(cc.cycles.size(), 2u);
    ASSERT_GT(cc.cycles[1].shoulder_capacity, 0.0);
    const double amps = cap.samples.back().current;  // the last charge's [A]
    ASSERT_GT(amps, 0);
    const std::string csv = write("cc2.csv", "time/s,current/mA\n0," + precise(amps * 1e3) + "\n2400," +
                                                 precise(amps * 1e3) + "\n");
    const SimulationConfig fc = with(quoted("Follow current from " + csv), precise(v_sh));
    EXPECT_EQ(fc.protocol.steps[2].direction, 1);
    const RunResult f = run(fc);
    ASSERT_EQ(f.status, RunStatus::complete) << f.message;
    ASSERT_EQ(f.cycles.size(), 2u);  // the follow charge opened cycle 2
    EXPECT_NEAR(f.cycles[1].shoulder_capacity, cc.cycles[1].shoulder_capacity, 1e-6 * cc.cycles[1].shoulder_capacity);
    EXPECT_NEAR(f.cycles[1].charge_capacity, cc.cycles[1].charge_capacity, 1e-6 * cc.cycles[1].charge_capacity);
    EXPECT_NEAR(f.cycles[0].discharge_capacity, cc.cycles[0].discharge_capacity, 1e-9 * cc.cycles[0].discharge_capacity);
    // The direction of a profile: a falling potential discharges, a negative current too,
    // a potential back where it started neither (from the offset on).
    auto direction = [&](const std::string& text, const std::string& step) {
        write("dir.csv", text);
        std::vector<std::string> s = base;
        s.push_back("protocol.steps=[" + step + "]");
        return test::load("", s).protocol.steps[0].direction;
    };
    const std::string dir = temp("dir.csv");
    EXPECT_EQ(direction("time/s,potential/V\n0,3.8\n60,4.0\n120,3.0\n", quoted("Follow potential from " + dir)), -1);
    EXPECT_EQ(direction("time/s,potential/V\n0,3.0\n60,3.0\n", quoted("Follow potential from " + dir)), 0);
    EXPECT_EQ(direction("time/s,potential/V\n0,4.0\n60,3.0\n120,3.5\n",
                        "{follow: {quantity: potential, file: " + dir + ", offset: \"60 s\"}}"), 1);
    EXPECT_EQ(direction("time/s,current/mA\n0,1\n60,-2\n", quoted("Follow current from " + dir)), -1);
}

// A profile that makes the solver fail part-way loses nothing computed before it.
TEST(Follow, AFailureInAFollowStepKeepsTheEarlierSteps) {
    const std::string csv = write("wild.csv", "time/s,potential/V\n0,2.5\n60,2.5\n60,9.0\n120,9.0\n");
    SimulationConfig c = test::load("configs/studies/study_a_carbon_only.yaml",
                                    {"protocol.steps=[\"Hold at 2.5 V for 10 minutes\", " +
                                     quoted("Follow potential from " + csv) + "]"});
    const std::string h5 = temp("wild.h5");
    std::remove(h5.c_str());
    const RunResult r = run(c, nullptr, h5);
    ASSERT_GE(r.steps.size(), 1u);
    EXPECT_EQ(r.steps[0].end_reason, "duration");
    if (r.status != RunStatus::complete) EXPECT_NE(r.message.find("Follow potential"), std::string::npos) << r.message;
    // The file holds what was computed, readable whether the follow step failed or not.
    const ResultSummary back = read_result(h5);
    ASSERT_GE(back.steps.size(), 1u);
    EXPECT_EQ(back.steps[0].end_reason, "duration");
    EXPECT_NEAR(back.steps[0].end_cell_voltage, back.steps[0].end_potential - 0.62, 1e-9);
}

// ---------------------------------------------------------------------------------------
// Measured data declare their reference; an undeclared In/InLi record gets a warning.

std::string fixture_text() {
    std::ifstream in(test::source_path("tests/data/follow/study_a_inli_record.csv"));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool has_warning(const MeasuredData& d, const std::string& part) {
    for (const std::string& w : d.warnings)
        if (w.find(part) != std::string::npos) return true;
    return false;
}

TEST(MeasuredReference, AnEcellColumnIsReadAsCellVoltage) {
    MeasuredData d = parse_measured(fixture_text(), "inli.csv");
    EXPECT_EQ(d.potential_column, "ecell");
    EXPECT_EQ(d.reference, "cell");
    const double first = d.trajectory.potential.front();
    refer_to_li(d, 0.62, "InLi", 2.5, 4.3);
    EXPECT_NEAR(d.trajectory.potential.front(), first + 0.62, 1e-12);
    EXPECT_TRUE(has_warning(d, "read as cell voltages against InLi")) << d.warnings.size();
    // The whole first cycle now spans the vs-Li/Li+ window of Study A.
    const auto [lo, hi] = std::minmax_element(d.trajectory.potential.begin(), d.trajectory.potential.end());
    EXPECT_NEAR(*hi, 4.3, 1e-5);
    EXPECT_NEAR(*lo, 2.5, 1e-2);
}

TEST(MeasuredReference, UndeclaredInLiRecordWarnsWithBothReadings) {
    std::string text = fixture_text();
    text.replace(text.find("Ecell/V"), 7, "potential/V");
    MeasuredData d = parse_measured(text, "undeclared.csv");
    EXPECT_EQ(d.reference, "");
    refer_to_li(d, 0.62, "InLi", 2.5, 4.3);
    EXPECT_TRUE(has_warning(d, "spans 1.88 V to 3.68 V, read as vs Li/Li+")) << (d.warnings.empty() ? "" : d.warnings.back());
    EXPECT_TRUE(has_warning(d, "2.5 V to 4.3 V vs Li/Li+ (0.62 V higher)"));
    EXPECT_NEAR(d.trajectory.potential.front(), 1.886002, 1e-12);  // unchanged
    // Declared by a header key or by the option: no warning, shifted or not as said.
    MeasuredData h = parse_measured("# reference: cell\n" + text, "header.csv");
    EXPECT_EQ(h.reference, "cell");
    ImportOptions li;
    li.reference = "li";
    MeasuredData o = parse_measured(text, "li.csv", li);
    refer_to_li(o, 0.62, "InLi", 2.5, 4.3);
    EXPECT_FALSE(has_warning(o, "spans"));
    EXPECT_NEAR(o.trajectory.potential.front(), 1.886002, 1e-12);
    // A record that fits as it is: nothing to say.
    MeasuredData fits = parse_measured(fixture_text(), "fits.csv", li);
    for (double& v : fits.trajectory.potential) v += 0.62;
    refer_to_li(fits, 0.62, "InLi", 2.5, 4.3);
    EXPECT_FALSE(has_warning(fits, "spans"));
    EXPECT_THROW(parse_measured("# reference: anode\n" + text, "bad.csv"), DataError);
}

// A fit file's dataset declares its record's reference as `validate --reference` does: an
// undeclared In/InLi cell-voltage record is read as cell voltages, and a bad value is a
// file:line: key error.
TEST(MeasuredReference, FitDatasetsDeclareTheirReference) {
    std::string text = fixture_text();
    text.replace(text.find("Ecell/V"), 7, "potential/V");
    const std::string data = temp("undeclared_inli.csv"), fit = temp("fit_reference.yaml");
    std::ofstream(data) << text;
    auto write_fit = [&](const std::string& reference) {
        std::ofstream out(fit);
        out << "fit:\n  config: " << test::source_path("configs/studies/study_a.yaml")
            << "\n  parameters:\n    - key: chemistry.sites.carbon.rate_constant\n      unit: A/m2\n"
               "      bounds: [1e-10, 1e-6]\n  datasets:\n    - data: "
            << data << "\n      reference: " << reference << "\n";
    };
    write_fit("cell");
    const FitSpec spec = load_fit(fit);
    ASSERT_EQ(spec.datasets.size(), 1u);
    EXPECT_EQ(spec.datasets[0].import.reference, "cell");
    MeasuredData d = load_measured(spec.datasets[0].data, spec.datasets[0].import);
    EXPECT_EQ(d.reference, "cell");
    const double first = d.trajectory.potential.front();
    refer_to_li(d, 0.62, "InLi", 2.5, 4.3);
    EXPECT_NEAR(d.trajectory.potential.front(), first + 0.62, 1e-12);
    EXPECT_FALSE(has_warning(d, "spans"));  // declared: no guess
    write_fit("anode");
    try {
        load_fit(fit);
        ADD_FAILURE() << "reference: anode accepted";
    } catch (const ConfigError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("fit_reference.yaml:9"), std::string::npos) << what;
        EXPECT_NE(what.find("reference"), std::string::npos) << what;
    }
    std::remove(data.c_str());
    std::remove(fit.c_str());
}

}  // namespace
}  // namespace ssbsim
