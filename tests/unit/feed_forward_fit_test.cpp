// Speed calibration's feed-forward fit (#14), on sweeps a motor of known constants gives.
#include "daemon/calibration/feed_forward_fit.hpp"

#include <gtest/gtest.h>

namespace dermad::calibration {
namespace {

// What the feed-forward's own model gives for a motor: speed from duty at a supply.
std::vector<SweepPoint> sweep(double no_load, double friction, const std::vector<double>& supply) {
  std::vector<SweepPoint> out;
  const double duties[] = {0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85};
  for (std::size_t i = 0; i < std::size(duties); ++i) {
    const double v = supply[i % supply.size()];
    out.push_back({duties[i], v, (duties[i] - friction) * no_load * v / 12.0});
  }
  return out;
}

TEST(FeedForwardFit, AMotorsConstantsAreFoundWhateverTheSupplyDid) {
  // A motor 15 % stronger than nominal turns 15 % slower per duty: no-load 225 / 1.15 Hz.
  const auto r = fit_feed_forward(sweep(225.0 / 1.15, 0.04, {12.0, 11.6, 12.3}), 12.0);
  ASSERT_TRUE(r.ok) << (r.refusals.empty() ? "" : r.refusals[0]);
  EXPECT_NEAR(r.ff.no_load_hz, 225.0 / 1.15, 1e-6);
  EXPECT_NEAR(r.ff.friction_duty, 0.04, 1e-9);
  EXPECT_LT(r.ff.worst_residual_hz, 1e-6);
  EXPECT_EQ(r.ff.residuals_hz.size(), 7u);
}

TEST(FeedForwardFit, ASweepThatMissesTheRangeOrIsTooShortIsRefused) {
  auto p = sweep(225.0, 0.04, {12.0});
  p.resize(5);
  EXPECT_FALSE(fit_feed_forward(p, 12.0).ok);
  p = sweep(225.0, 0.04, {12.0});
  p.pop_back();
  p.pop_back();  // tops out near 120 Hz
  p.push_back({0.3, 12.0, 50.0});
  const auto r = fit_feed_forward(p, 12.0);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.refusals[0].find("it must reach 50 Hz and 150 Hz"), std::string::npos)
      << r.refusals[0];
}

TEST(FeedForwardFit, ASlowerSpeedAtAHigherDutyIsRefusedByItsPoint) {
  auto p = sweep(225.0, 0.04, {12.0});
  p[4].speed_hz = p[3].speed_hz - 1.0;
  const auto r = fit_feed_forward(p, 12.0);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.refusals[0].find("the point at duty 0.65"), std::string::npos) << r.refusals[0];
}

TEST(FeedForwardFit, AnUnsteadyPointOrAnImplausibleMotorIsRefused) {
  auto p = sweep(225.0, 0.04, {12.0});
  p[3].speed_hz += 12.0;  // needles in skin for one point
  auto r = fit_feed_forward(p, 12.0);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.refusals.back().find("worst residual"), std::string::npos) << r.refusals.back();
  r = fit_feed_forward(sweep(900.0, 0.2, {12.0}), 12.0);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.refusals[0].find("no-load speed"), std::string::npos) << r.refusals[0];
  p = sweep(225.0, 0.04, {12.0});
  p[2].supply_v = 3.0;
  r = fit_feed_forward(p, 12.0);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.refusals[0].find("supply 3 V outside"), std::string::npos) << r.refusals[0];
}

}  // namespace
}  // namespace dermad::calibration
