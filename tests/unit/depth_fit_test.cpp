// Depth calibration's fit (#14): the pen's errors found from the engineer's points, and every
// set of points a person should measure again refused with the point named.
#include "daemon/calibration/depth_fit.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace dermad::calibration {
namespace {

// The points a pen whose sensor reads 1.03 x true + 40 um, with needles 15 um out beyond the
// stop, gives when the loop servos the sensor to each commanded depth.
std::vector<DepthPoint> pen_points(double scale = 1.03, double offset = 40.0,
                                   double protrusion = 15.0) {
  std::vector<DepthPoint> out;
  for (double c : {0.0, 250.0, 500.0, 1000.0, 1500.0, 2000.0}) {
    const double stop = (c - offset) / scale;
    out.push_back({c, c, stop + protrusion});
  }
  return out;
}

TEST(DepthFit, AStraightPensErrorsAreFoundAndTakenOut) {
  const auto r = fit_depth(pen_points());
  ASSERT_TRUE(r.ok) << (r.refusals.empty() ? "" : r.refusals[0]);
  const DepthFit& f = r.fit;
  EXPECT_FALSE(f.piecewise);
  EXPECT_NEAR(f.gain, 1.0 / 1.03, 1e-9);
  EXPECT_NEAR(f.sensor_scale, 1.03, 1e-9);
  // sensor = 1.03 * (gauge - 15) + 40
  EXPECT_NEAR(f.sensor_offset_um, 40.0 - 1.03 * 15.0, 1e-6);
  EXPECT_LT(f.worst_residual_um, 1e-6);
  // Asked for 1000 um of needle, command what gives it.
  for (double wanted : {200.0, 1000.0, 2000.0}) {
    const double c = f.command_for(wanted);
    EXPECT_NEAR((c - 40.0) / 1.03 + 15.0, wanted, 1e-6) << wanted;
  }
}

// A sensor that reads 40 um high cannot be servoed to 0: the stop rests at home, where the
// sensor reads 40. The point is still on the pen's line, by what the sensor read.
TEST(DepthFit, APointTheStopCannotReachIsTakenWhereTheSensorHasIt) {
  auto p = pen_points();
  p[0] = {0.0, 40.0, 15.0};  // at home: true stop 0, needles 15 out
  const auto r = fit_depth(p);
  ASSERT_TRUE(r.ok) << (r.refusals.empty() ? "" : r.refusals[0]);
  EXPECT_FALSE(r.fit.piecewise);
  EXPECT_LT(r.fit.worst_residual_um, 1e-6);
  EXPECT_NEAR(r.fit.gain, 1.0 / 1.03, 1e-9);
}

TEST(DepthFit, ABentPenIsFittedBetweenItsPoints) {
  auto p = pen_points(1.0, 0.0, 0.0);
  p[4].gauge_um += 12.0;  // 1500 um reads 12 um deep: a bend the line cannot follow
  p[3].gauge_um += 8.0;
  const auto r = fit_depth(p);
  ASSERT_TRUE(r.ok) << (r.refusals.empty() ? "" : r.refusals[0]);
  EXPECT_TRUE(r.fit.piecewise);
  // Exactly through the measured points.
  EXPECT_NEAR(r.fit.command_for(p[4].gauge_um), 1500.0, 1e-9);
  EXPECT_NEAR(r.fit.command_for(p[1].gauge_um), 250.0, 1e-9);
  EXPECT_LE(r.fit.worst_residual_um, 20.0);
}

TEST(DepthFit, AReadingThatDoesNotGrowWithTheDepthIsRefusedByItsPoint) {
  auto p = pen_points();
  p[3].gauge_um = p[2].gauge_um - 5.0;
  const auto r = fit_depth(p);
  ASSERT_FALSE(r.ok);
  ASSERT_EQ(r.refusals.size(), 1u);
  EXPECT_NE(r.refusals[0].find("the point at 1000.0 um"), std::string::npos) << r.refusals[0];
  EXPECT_NE(r.refusals[0].find("must grow with the depth"), std::string::npos) << r.refusals[0];
}

TEST(DepthFit, AGaugeReadingOutOfRangeIsAMisread) {
  auto p = pen_points();
  p[5].gauge_um = 20000.0;  // a decimal point slipped
  p[0].gauge_um = std::nan("");
  const auto r = fit_depth(p);
  ASSERT_FALSE(r.ok);
  ASSERT_EQ(r.refusals.size(), 2u);
  EXPECT_NE(r.refusals[0].find("the point at 0.0 um: gauge reading nan um"), std::string::npos)
      << r.refusals[0];
  EXPECT_NE(r.refusals[1].find("the point at 2000.0 um: gauge reading 20000.0 um outside"),
            std::string::npos)
      << r.refusals[1];
}

TEST(DepthFit, AnOutlierBeyondTwentyMicronsIsMeasuredAgain) {
  auto p = pen_points(1.0, 0.0, 0.0);
  p[3].gauge_um += 30.0;
  const auto r = fit_depth(p);
  ASSERT_FALSE(r.ok);
  ASSERT_EQ(r.refusals.size(), 1u);
  EXPECT_NE(r.refusals[0].find("worst residual after the fit is"), std::string::npos);
  EXPECT_NE(r.refusals[0].find("at 1000.0 um"), std::string::npos) << r.refusals[0];
  EXPECT_NE(r.refusals[0].find("measure that point again"), std::string::npos);
}

TEST(DepthFit, TooFewOrRepeatedPointsAreRefused) {
  auto p = pen_points();
  EXPECT_FALSE(fit_depth({p[0], p[1]}).ok);
  p[2].commanded_um = p[1].commanded_um;
  const auto r = fit_depth(p);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.refusals[0].find("two points at 250.0 um"), std::string::npos) << r.refusals[0];
}

TEST(DepthFit, PointsInAnyOrderGiveTheSameFit) {
  auto p = pen_points();
  std::swap(p[0], p[5]);
  std::swap(p[2], p[3]);
  const auto r = fit_depth(p);
  ASSERT_TRUE(r.ok);
  EXPECT_NEAR(r.fit.gain, 1.0 / 1.03, 1e-9);
  EXPECT_EQ(r.fit.points.front().commanded_um, 0.0);
}

}  // namespace
}  // namespace dermad::calibration
