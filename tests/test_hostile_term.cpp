// Issue 13, terminal and units side: absolute capacities (mAh) beside the specific ones in
// the result file, read_result and the JSON; machine-readable unit attributes; the
// condensed summary modes; the simulated-time estimate behind the progress ETA.
#include <gtest/gtest.h>

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <sstream>

#include "core/hdf5_file.hpp"
#include "io/result_writer.hpp"
#include "tests/test_support.hpp"

namespace ssbsim {
namespace {

const char* kThreeCycles =
    R"(protocol.steps=[{repeat: 3, steps: ["Charge at 1C until 4.3 V", "Discharge at 1C until 2.5 V"]}])";

std::string temp(const std::string& name) {
    return ::testing::TempDir() + "ssbsim_term_" + name + "_" + std::to_string(::getpid()) + ".h5";
}

std::string run_to_file(const std::string& name, const std::string& config, std::vector<std::string> set) {
    const std::string p = temp(name);
    set.push_back("output.profile_interval=0");
    SimulationConfig c = test::load(config, set);
    Simulation sim(c);
    ResultWriter w(p);
    RunResult r = sim.run(&w);
    EXPECT_EQ(r.status, RunStatus::complete) << r.message;
    return p;
}

const std::string& cam_file() {
    static const std::string p = run_to_file("cam", "", {"chemistry.enabled=false", kThreeCycles});
    return p;
}

// |a - b| within a few ulps of the larger.
void expect_roundoff(double a, double b, const std::string& what) {
    EXPECT_LE(std::abs(a - b), 4e-16 * std::max({std::abs(a), std::abs(b), 1e-300})) << what << ": " << a << " vs " << b;
}

void check_absolute(const std::string& file, double expected_basis_kg, const std::string& expected_basis_words) {
    h5::Handle f = h5::open_file(file);
    const double m_kg = h5::get_double_attribute(f, "capacity_basis_mass_kg");
    EXPECT_DOUBLE_EQ(m_kg, expected_basis_kg);
    EXPECT_NE(h5::get_string_attribute(f, "capacity_basis").find(expected_basis_words), std::string::npos)
        << h5::get_string_attribute(f, "capacity_basis");
    const double g = m_kg * 1e3;
    struct Pair {
        const char* specific;
        const char* absolute;
    };
    for (Pair p : {Pair{"timeseries/capacity", "timeseries/capacity_abs"}, Pair{"steps/capacity", "steps/capacity_abs"},
                   Pair{"cycles/charge_capacity", "cycles/charge_capacity_abs"},
                   Pair{"cycles/discharge_capacity", "cycles/discharge_capacity_abs"}}) {
        auto spec = h5::read_vector(f, p.specific), abs = h5::read_vector(f, p.absolute);
        ASSERT_EQ(spec.size(), abs.size()) << p.absolute;
        ASSERT_FALSE(abs.empty()) << p.absolute;
        for (std::size_t i = 0; i < spec.size(); ++i) expect_roundoff(abs[i], spec[i] * g, p.absolute);
    }
    // read_result carries the same numbers.
    ResultSummary r = read_result(file);
    EXPECT_DOUBLE_EQ(r.basis_mass_kg, m_kg);
    ASSERT_EQ(r.cycle_charge_mAh.size(), r.cycles.size());
    ASSERT_EQ(r.cycle_discharge_mAh.size(), r.cycles.size());
    ASSERT_EQ(r.step_capacity_mAh.size(), r.steps.size());
    for (std::size_t i = 0; i < r.cycles.size(); ++i) {
        expect_roundoff(r.cycle_charge_mAh[i], r.cycles[i].charge_capacity * g, "read_result charge");
        expect_roundoff(r.cycle_discharge_mAh[i], r.cycles[i].discharge_capacity * g, "read_result discharge");
    }
    for (std::size_t i = 0; i < r.steps.size(); ++i)
        expect_roundoff(r.step_capacity_mAh[i], r.steps[i].capacity * g, "read_result step");
}

TEST(HostileTerm, AbsoluteCapacityIsSpecificTimesCamMass) {
    SimulationConfig c = test::load("", {"chemistry.enabled=false"});
    const double cam = c.cell.loading * c.cell.area;
    ASSERT_GT(cam, 0);
    check_absolute(cam_file(), cam, "CAM mass");
    // Three 1C cycles of a 9 mg cathode: about 1.3 mAh each, not 1.3 Ah nor 0.0013.
    ResultSummary r = read_result(cam_file());
    ASSERT_EQ(r.cycles.size(), 3u);
    EXPECT_GT(r.cycle_discharge_mAh.back(), 0.5);
    EXPECT_LT(r.cycle_discharge_mAh.back(), 3.0);
}

TEST(HostileTerm, CellWithoutCamUsesReferenceLoadingTimesArea) {
    SimulationConfig c = test::load("configs/studies/study_a_carbon_only.yaml");
    ASSERT_FALSE(c.cell.has_cam);
    const double basis = c.cell.reference_loading * c.cell.area;
    ASSERT_GT(basis, 0);
    std::string p = run_to_file("carbon", "configs/studies/study_a_carbon_only.yaml",
                                {R"(protocol.steps=["Charge at C/5 for 20 minutes", "Discharge at C/5 for 10 minutes"])"});
    check_absolute(p, basis, "reference_loading");
    EXPECT_DOUBLE_EQ(read_result(p).cam_mass_kg, 0.0);
}

TEST(HostileTerm, UnitAttributesAreMachineReadable) {
    h5::Handle f = h5::open_file(cam_file());
    const std::pair<const char*, const char*> want[] = {
        {"timeseries/time", "s"},           {"timeseries/potential", "V"},         {"timeseries/cell_voltage", "V"},
        {"timeseries/current", "A"},        {"timeseries/capacity", "mA*h/g"},     {"timeseries/capacity_abs", "mA*h"},
        {"timeseries/temperature", "K"},    {"steps/capacity", "mA*h/g"},          {"steps/capacity_abs", "mA*h"},
        {"steps/end_current", "A"},         {"steps/energy", "mW*h/g"},            {"cycles/charge_capacity", "mA*h/g"},
        {"cycles/charge_capacity_abs", "mA*h"}, {"cycles/discharge_capacity_abs", "mA*h"},
        {"cycles/coulombic_efficiency", "1"}, {"timeseries/film_resistance", "ohm*m^2"}};
    // A unit is a product/quotient of unit symbols with integer powers: no spaces, no words.
    const std::regex grammar(R"(^(1|[A-Za-z]+(\^-?[0-9]+)?([*/][A-Za-z]+(\^-?[0-9]+)?)*)$)");
    for (const auto& [ds, unit] : want) {
        h5::Handle d(H5Dopen2(f.id(), ds, H5P_DEFAULT));
        ASSERT_TRUE(d.valid()) << ds;
        ASSERT_TRUE(h5::has_attribute(d, "unit")) << ds;
        const std::string u = h5::get_string_attribute(d, "unit");
        EXPECT_EQ(u, unit) << ds;
        EXPECT_TRUE(std::regex_match(u, grammar)) << ds << ": '" << u << "'";
    }
    // The words moved to `description`.
    h5::Handle cur(H5Dopen2(f.id(), "timeseries/current", H5P_DEFAULT));
    EXPECT_NE(h5::get_string_attribute(cur, "description").find("positive on charge"), std::string::npos);
}

// The JSON's mAh numbers equal the mAh/g ones times the basis mass it prints (10 digits).
TEST(HostileTerm, JsonCarriesAbsoluteCapacities) {
    const std::string js = summary_json(read_result(cam_file()));
    auto number_after = [&](const std::string& key, std::size_t from) {
        std::size_t k = js.find("\"" + key + "\": ", from);
        EXPECT_NE(k, std::string::npos) << key;
        if (k == std::string::npos) return std::make_pair(0.0, from);
        std::size_t start = k + key.size() + 4;
        return std::make_pair(std::stod(js.substr(start, 40)), start);
    };
    const double g = number_after("capacity_basis_mass_g", 0).first;
    EXPECT_GT(g, 0);
    EXPECT_NE(js.find("\"mA*h\""), std::string::npos);
    std::size_t pos = js.find("\"cycles\": [");
    ASSERT_NE(pos, std::string::npos);
    for (int c = 0; c < 3; ++c) {
        auto [spec, p1] = number_after("charge_capacity_mAh_g", pos);
        auto [absv, p2] = number_after("charge_capacity_mAh", p1);
        auto [dspec, p3] = number_after("discharge_capacity_mAh_g", pos);
        auto [dabs, p4] = number_after("discharge_capacity_mAh", p3);
        EXPECT_NEAR(absv, spec * g, 1e-9 * absv) << "cycle " << c + 1;
        EXPECT_NEAR(dabs, dspec * g, 1e-9 * dabs) << "cycle " << c + 1;
        pos = std::max(p2, p4);
    }
    auto [sspec, q1] = number_after("capacity_mAh_g", js.find("\"steps\": ["));
    auto [sabs, q2] = number_after("capacity_mAh", q1);
    (void)q2;
    EXPECT_NEAR(sabs, sspec * g, 1e-9 * std::abs(sabs));
}

TEST(HostileTerm, CondensedRowsAreFirstLastAndEveryNth) {
    for (std::size_t n : {0u, 1u, 2u, 30u}) {
        auto rows = condensed_cycle_rows(n);
        ASSERT_EQ(rows.size(), n) << "up to 30 cycles all print";
    }
    for (std::size_t n : {31u, 100u, 1000u, 5001u}) {
        auto rows = condensed_cycle_rows(n);
        ASSERT_GE(rows.size(), 15u) << n;
        ASSERT_LE(rows.size(), 21u) << n;
        EXPECT_EQ(rows.front(), 0u);
        EXPECT_EQ(rows.back(), n - 1);
        const std::size_t every = rows[1] - rows[0];
        for (std::size_t k = 1; k + 1 < rows.size(); ++k) EXPECT_EQ(rows[k] - rows[k - 1], every) << n;
        EXPECT_LE(rows.back() - rows[rows.size() - 2], every);
    }
}

ResultSummary many_cycles(int n) {
    ResultSummary r;
    r.title = "synthetic";
    r.status = "complete";
    r.basis_mass_kg = 9e-6;
    for (int c = 1; c <= n; ++c) {
        CycleSummary cs;
        cs.cycle = c;
        cs.charge_capacity = 100 + c;
        cs.discharge_capacity = 99 + c;
        cs.coulombic_efficiency = cs.discharge_capacity / cs.charge_capacity;
        r.cycles.push_back(cs);
        r.cycle_charge_mAh.push_back(cs.charge_capacity * 9e-3);
        r.cycle_discharge_mAh.push_back(cs.discharge_capacity * 9e-3);
        for (int k = 0; k < 2; ++k) {
            StepSummary s;
            s.index = 2 * (c - 1) + k;
            s.cycle = c;
            s.label = k ? "Discharge at 1C until 2.5 V" : "Charge at 1C until 4.3 V";
            s.capacity = k ? -cs.discharge_capacity : cs.charge_capacity;
            r.steps.push_back(s);
            r.step_capacity_mAh.push_back(s.capacity * 9e-3);
        }
    }
    return r;
}

int count_cycle_rows(const std::string& text) {
    // Cycle-table rows: the cycle number, two capacities and the CE in %.
    std::regex row(R"(^ +[0-9]+ +[0-9]+\.[0-9]{2} +[0-9]+\.[0-9]{2} +[0-9.]+%)");
    int n = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (std::regex_search(line, row)) ++n;
    return n;
}

TEST(HostileTerm, SummaryModesPrintWhatTheySay) {
    const ResultSummary r = many_cycles(100);
    const std::string condensed = format_summary(r);
    EXPECT_EQ(condensed, format_summary(r, SummaryMode::condensed));
    EXPECT_EQ(count_cycle_rows(condensed), static_cast<int>(condensed_cycle_rows(100).size()));
    EXPECT_NE(condensed.find("of 100 cycles not shown"), std::string::npos) << condensed;
    EXPECT_NE(condensed.find("of 200 steps not shown"), std::string::npos) << condensed;
    EXPECT_NE(condensed.find("Steps:"), std::string::npos);
    EXPECT_LT(std::count(condensed.begin(), condensed.end(), '\n'), 60) << "condensed stays short";

    const std::string full = format_summary(r, SummaryMode::full);
    EXPECT_EQ(count_cycle_rows(full), 100);
    EXPECT_EQ(full.find("not shown"), std::string::npos);

    const std::string cycles = format_summary(r, SummaryMode::cycles);
    EXPECT_EQ(count_cycle_rows(cycles), 100);
    EXPECT_EQ(cycles.find("Steps:"), std::string::npos);
    EXPECT_EQ(cycles.find("synthetic"), std::string::npos) << "no header in the cycles mode";
    EXPECT_EQ(cycles.rfind("Cycles (", 0), 0u);

    EXPECT_EQ(format_summary(r, SummaryMode::none), "");

    // A short run is not condensed.
    const ResultSummary small = many_cycles(30);
    EXPECT_EQ(format_summary(small), format_summary(small, SummaryMode::full));

    EXPECT_EQ(parse_summary_mode("full"), SummaryMode::full);
    EXPECT_EQ(parse_summary_mode("cycles"), SummaryMode::cycles);
    EXPECT_EQ(parse_summary_mode("none"), SummaryMode::none);
    EXPECT_EQ(parse_summary_mode("condensed"), SummaryMode::condensed);
    EXPECT_THROW(parse_summary_mode("all"), std::invalid_argument);
}

TEST(HostileTerm, SummaryTextShowsMilliampHours) {
    const std::string text = format_summary(read_result(cam_file()), SummaryMode::full);
    EXPECT_NE(text.find("charge mAh"), std::string::npos) << text;
    EXPECT_NE(text.find("capacity basis 9.0"), std::string::npos) << text;  // 11.5 mg/cm2 x 0.785 cm2
}

TEST(HostileTerm, StepDurationEstimateForProgress) {
    SimulationConfig c = test::load(
        "", {R"(protocol.steps=["Charge at C/50 until 4.3 V", "Hold at 4.3 V for 10 hours", "Set temperature to 30 degC",
               "Discharge at C/5 until 2.5 V", {discharge: C/10, until: [2.0 V, 10 mAh/g]}, "Hold at 4.3 V until C/100"])"});
    auto est = estimate_step_durations(c);
    ASSERT_EQ(est.size(), 6u);
    EXPECT_NEAR(est[0], 50 * 3600.0, 1.0) << "C/50 on the C-rate basis: 50 h at most";
    EXPECT_DOUBLE_EQ(est[1], 10 * 3600.0);
    EXPECT_EQ(est[2], 0.0);
    EXPECT_NEAR(est[3], 5 * 3600.0, 1.0);
    EXPECT_NEAR(est[4], 10.0 / 278.0 * 10 * 3600.0, 1.0) << "the capacity limit bounds the window";
    EXPECT_GT(est[5], 0.0);
    EXPECT_LT(est[5], 100 * 3600.0);
    for (double e : est) EXPECT_TRUE(std::isfinite(e));
}

}  // namespace
}  // namespace ssbsim
