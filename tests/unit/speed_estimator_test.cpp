#include "daemon/control/speed_estimator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace dermad::control {
namespace {

constexpr int64_t kMs = 1'000'000;

// Feeds edges of a steady speed (2 edges per revolution) through 1 ms reads.
struct Feeder {
  SpeedEstimator est{2};
  int64_t t = 0;
  int64_t next_edge = 0;

  void run(double speed_hz, int ms, double first_gap_ratio = 0.5) {
    const auto rev_ns = static_cast<int64_t>(1e9 / speed_hz);
    for (int i = 0; i < ms; ++i) {
      t += kMs;
      hal::Inputs in;
      in.t_ns = t;
      while (next_edge <= t) {
        in.tach_edge_ns[in.tach_edges++] = next_edge;
        // Magnets not evenly spaced: alternate gaps of ratio and 1 - ratio of a revolution.
        const bool odd = (edge_index++ % 2) != 0;
        next_edge += static_cast<int64_t>(rev_ns * (odd ? 1 - first_gap_ratio : first_gap_ratio));
      }
      est.update(in);
    }
  }
  uint64_t edge_index = 0;
};

TEST(SpeedEstimator, MeasuresTheSpeedFromEdgePeriods) {
  Feeder f;
  f.run(100.0, 200);
  EXPECT_NEAR(f.est.speed_hz(), 100.0, 0.05);
  f.run(50.0, 200);
  EXPECT_NEAR(f.est.speed_hz(), 50.0, 0.05);
}

TEST(SpeedEstimator, UnevenMagnetsDoNotShowAsRipple) {
  Feeder f;
  f.run(120.0, 100, 0.4);
  for (int i = 0; i < 50; ++i) {
    f.run(120.0, 1, 0.4);
    EXPECT_NEAR(f.est.speed_hz(), 120.0, 0.1);
  }
}

// Feeds 100 Hz edges one by one, with the edge number `drop` missing and a bounce 30 us
// after edge number `bounce`; returns the worst relative error of the estimate.
double worst_error(int drop, int bounce) {
  SpeedEstimator est(2);
  const int64_t gap = 5'000'000;  // 100 Hz, 2 edges per revolution
  double worst = 0.0;
  for (int e = 1; e <= 400; ++e) {
    hal::Inputs in;
    in.t_ns = e * gap + 100'000;
    if (e != drop) in.tach_edge_ns[in.tach_edges++] = e * gap;
    if (e == bounce) in.tach_edge_ns[in.tach_edges++] = e * gap + 30'000;
    est.update(in);
    if (e > 10) worst = std::max(worst, std::abs(est.speed_hz() - 100.0) / 100.0);
  }
  return worst;
}

TEST(SpeedEstimator, SurvivesOneMissingOrDoubledEdge) {
  EXPECT_LT(worst_error(-1, -1), 1e-6);
  EXPECT_LT(worst_error(200, -1), 0.005) << "missing edge";
  EXPECT_LT(worst_error(-1, 200), 0.005) << "doubled edge";
}

TEST(SpeedEstimator, HoldsFiftyHertzExactly) {
  Feeder f;
  f.run(50.0, 500);
  for (int i = 0; i < 100; ++i) {
    f.run(50.0, 1);
    EXPECT_NEAR(f.est.speed_hz(), 50.0, 0.01);
  }
}

TEST(SpeedEstimator, OverdueEdgeBoundsTheSpeedAndLongSilenceMeansStopped) {
  Feeder f;
  f.run(100.0, 100);
  ASSERT_NEAR(f.est.speed_hz(), 100.0, 0.1);
  // The motor stops dead: no more edges.
  SpeedEstimator& e = f.est;
  hal::Inputs in;
  in.t_ns = f.t + 50 * kMs;
  e.update(in);
  EXPECT_LT(e.speed_hz(), 20.0);  // a revolution would now take more than 50 ms
  in.t_ns = f.t + 300 * kMs;
  e.update(in);
  EXPECT_EQ(e.speed_hz(), 0.0);
}

}  // namespace
}  // namespace dermad::control
