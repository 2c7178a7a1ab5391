// The whole-record overlay that `validate` writes for its V(t) panel: thinned to a bounded
// number of samples, with every step's first and last sample kept (holds and step ends
// stay sharp), times from the record's start, and written into comparison.json.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "analysis/validation.hpp"

namespace ssbsim {
namespace {

Trajectory record(std::size_t n, std::size_t steps, double t0) {
    Trajectory t;
    for (std::size_t i = 0; i < n; ++i) {
        t.time.push_back(t0 + 10.0 * i);
        t.potential.push_back(3.0 + 1e-4 * i);
        t.current.push_back(i % 2 ? 1e-4 : -1e-4);
        t.step.push_back(static_cast<int>(1 + i * steps / n));
        t.cycle.push_back(1);
    }
    return t;
}

TEST(HostilePyplots, OverlayOfALongRecordIsBoundedAndKeepsEveryStepEdge) {
    Trajectory t = record(100000, 7, 5000.0);
    TimeSeriesOverlay o = thin_for_overlay(t, 2000);
    ASSERT_LE(o.time.size(), 2000u);
    EXPECT_GT(o.time.size(), 1000u);  // not thinned to nothing
    ASSERT_EQ(o.potential.size(), o.time.size());
    ASSERT_EQ(o.current.size(), o.time.size());
    ASSERT_EQ(o.step.size(), o.time.size());
    EXPECT_DOUBLE_EQ(o.time.front(), 0.0);                      // from the record's start
    EXPECT_DOUBLE_EQ(o.time.back(), t.time.back() - t.time[0]);  // the end is kept
    for (std::size_t i = 1; i < o.time.size(); ++i) ASSERT_GT(o.time[i], o.time[i - 1]);
    // Every step change of the record appears as two consecutive samples of the overlay.
    for (std::size_t i = 1; i < t.size(); ++i)
        if (t.step[i] != t.step[i - 1]) {
            double a = t.time[i - 1] - t.time[0], b = t.time[i] - t.time[0];
            bool found = false;
            for (std::size_t k = 1; k < o.time.size() && !found; ++k) found = o.time[k - 1] == a && o.time[k] == b;
            EXPECT_TRUE(found) << "step edge at " << b << " s lost";
        }
}

TEST(HostilePyplots, ShortRecordIsKeptWholeAndEmptyStaysEmpty) {
    Trajectory t = record(50, 3, 0.0);
    TimeSeriesOverlay o = thin_for_overlay(t);
    EXPECT_EQ(o.time.size(), 50u);
    EXPECT_TRUE(thin_for_overlay(Trajectory{}).time.empty());
    // A record with one sample per step (every sample an edge) is still capped.
    Trajectory every = record(10000, 10000, 0.0);
    EXPECT_LE(thin_for_overlay(every, 500).time.size(), 500u);
}

TEST(HostilePyplots, ComparisonJsonCarriesBothTimeSeries) {
    Comparison c;
    c.dataset = "cell.mpt";
    c.measured_series = thin_for_overlay(record(10, 2, 100.0));
    c.simulated_series = thin_for_overlay(record(5, 2, 0.0));
    std::string j = comparison_json(c);
    EXPECT_NE(j.find("\"time_series\": {\"measured\": {\"time_h\": [0, "), std::string::npos) << j;
    EXPECT_NE(j.find("\"simulated\": {\"time_h\": ["), std::string::npos) << j;
    EXPECT_NE(j.find("\"current_mA\": [-0.1, 0.1"), std::string::npos) << j;  // mA, not A
    EXPECT_NE(j.find("\"step\": [1, 1, 1, 1, 1, 2, 2, 2, 2, 2]}"), std::string::npos) << j;
    EXPECT_NE(j.find("\"warnings\": []"), std::string::npos) << j;             // still valid JSON tail
}

}  // namespace
}  // namespace ssbsim
