// A committed depth calibration in the loop (#14): the needles go where they are asked, and
// the snapshot and the over-depth monitor see protrusion, not the stop's sensor.
#include "daemon/control/depth_map.hpp"

#include "daemon/control/depth_controller.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "daemon/calibration/depth_fit.hpp"
#include "tests/unit/sim_rig.hpp"

namespace dermad::control {
namespace {

TEST(DepthMap, ALineAndItsInverse) {
  DepthMap m;
  m.gain = 0.97;
  m.offset_um = -23.0;
  EXPECT_TRUE(m.plausible());
  EXPECT_NEAR(m.protrusion_at(m.position_for(1234.0)), 1234.0, 1e-9);
  EXPECT_NEAR(m.protrusion_at(1000.0), 947.0, 1e-9);
}

TEST(DepthMap, BetweenPointsAndBeyondThem) {
  DepthMap m;
  m.points = 3;
  m.position_um = {0.0, 1000.0, 2000.0};
  m.protrusion_um = {10.0, 1000.0, 2030.0};
  EXPECT_TRUE(m.plausible());
  EXPECT_NEAR(m.protrusion_at(500.0), 505.0, 1e-9);
  EXPECT_NEAR(m.position_for(1515.0), 1500.0, 1e-9);
  EXPECT_NEAR(m.protrusion_at(2100.0), 2133.0, 1e-9);  // the last segment extends
}

TEST(DepthMap, WhatNoPenCanBeIsNotPlausible) {
  DepthMap m;
  m.gain = 0.5;
  EXPECT_FALSE(m.plausible());
  m = {};
  m.offset_um = 400.0;
  EXPECT_FALSE(m.plausible());
  m = {};
  m.points = 3;
  m.position_um = {0.0, 1000.0, 900.0};  // not ascending
  m.protrusion_um = {0.0, 1000.0, 2000.0};
  EXPECT_FALSE(m.plausible());
  m.points = 1;
  EXPECT_FALSE(m.plausible());
}

class DepthMapLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    hal::sim::SimConfig cfg;
    rig = std::make_unique<test::SimRig>(cfg);
    // The pen's errors: sensor 1.03 x true + 40 um, needles 15 um beyond the stop.
    rig->pen.set_errors({1.03, 40.0, 15.0, 0.0});
    ASSERT_TRUE(rig->boot_to_idle());
  }
  // Holds a service run (300 ms) at `depth_um` and returns {the stop as the sensor reads it, the
  // gauge}; the run then ends.
  std::pair<double, double> measure(int32_t depth_um) {
    EXPECT_EQ(rig->jog(depth_um, 60.0, 300), Verdict::kAccepted);
    EXPECT_GT(rig->run_until([](const Snapshot& s) { return s.speed_target_hz > 0.0; }, 3000), 0);
    // The stop settles, and the depth controller's check against the sensor corrects it.
    rig->run_ticks(150);
    const std::pair<double, double> out{rig->latest().depth_position_um, rig->pen.gauge_um()};
    EXPECT_GT(rig->run_until([](const Snapshot& s) { return s.state == State::kIdle; }, 3000), 0);
    return out;
  }
  Verdict set_map(const DepthMap& m) {
    Command c;
    c.kind = CommandKind::kSetDepthMap;
    c.depth_map = m;
    return rig->command(c);
  }

  std::unique_ptr<test::SimRig> rig;
};

TEST_F(DepthMapLoop, ACalibrationFromMeasuredPointsPutsTheNeedlesWhereTheyAreAsked) {
  std::vector<calibration::DepthPoint> points;
  double worst_before = 0.0;
  for (const int32_t d : {200, 500, 1000, 1500, 2000}) {
    const auto [sensor, gauge] = measure(d);
    worst_before = std::max(worst_before, std::abs(gauge - d));
    points.push_back({static_cast<double>(d), sensor, gauge});
  }
  EXPECT_GT(worst_before, 40.0);
  const auto fit = calibration::fit_depth(points);
  ASSERT_TRUE(fit.ok) << fit.refusals[0];
  ASSERT_EQ(set_map(calibration::to_depth_map(fit.fit)), Verdict::kAccepted);

  for (const int32_t d : {200, 750, 1250, 2000}) {
    const auto [sensor, gauge] = measure(d);
    EXPECT_NEAR(gauge, d, 10.0) << "asked " << d << " um";
    (void)sensor;
  }
  // And what the snapshot says is the needles' protrusion, not the stop's sensor.
  ASSERT_EQ(rig->jog(1000, 60.0, 300), Verdict::kAccepted);
  ASSERT_GT(rig->run_until([](const Snapshot& s) { return s.speed_target_hz > 0.0; }, 3000), 0);
  rig->run_ticks(150);
  EXPECT_NEAR(rig->latest().depth_um, 1000, 10);
  EXPECT_NEAR(rig->latest().depth_position_um, 1.03 * (1000 - 15) + 40, 10);
}

TEST_F(DepthMapLoop, RefusedUnderTheDriveOrWhenNoPenCouldBeSo) {
  DepthMap wild;
  wild.gain = 2.0;
  EXPECT_EQ(set_map(wild), Verdict::kRefusedLimits);
  ASSERT_EQ(rig->jog(800, 60.0, 2000), Verdict::kAccepted);
  EXPECT_EQ(set_map(DepthMap{}), Verdict::kRefusedState);
}

}  // namespace
}  // namespace dermad::control

namespace dermad::control {
namespace {

Command hold(int32_t um) {
  Command c;
  c.kind = CommandKind::kHoldDepth;
  c.depth_um = um;
  return c;
}

// Depth calibration's hold: the stop held at a sensor position, the drive off, a cartridge in.
TEST_F(DepthMapLoop, AHoldPutsTheStopWhereTheSensorSaysWhateverTheMapAndKeepsTheDriveOff) {
  DepthMap m;
  m.gain = 0.9;  // a map in force must not bend what calibration measures
  ASSERT_EQ(set_map(m), Verdict::kAccepted);
  ASSERT_TRUE(
      rig->pen.insert_cartridge({"C-1", hal::CartridgeType::kStandard, 12, "L1", "2030-01-01"}));
  rig->run_ticks(5);
  ASSERT_EQ(rig->command(hold(500)), Verdict::kAccepted);
  int held = 0;
  for (int i = 0; i < 2000 && held < 100; ++i) {
    rig->run_ticks(1);
    held = rig->latest().depth_at_target ? held + 1 : 0;
    EXPECT_FALSE(rig->latest().motor_enabled);
  }
  ASSERT_EQ(held, 100);
  EXPECT_EQ(rig->latest().state, State::kService);
  EXPECT_NEAR(rig->latest().depth_position_um, 500, 8);
  // The next point, in the same hold.
  ASSERT_EQ(rig->command(hold(1500)), Verdict::kAccepted);
  rig->run_ticks(300);
  EXPECT_NEAR(rig->latest().depth_position_um, 1500, 8);
  Command stop;
  stop.kind = CommandKind::kStopService;
  ASSERT_EQ(rig->command(stop), Verdict::kAccepted);
  rig->run_ticks(300);
  EXPECT_EQ(rig->latest().state, State::kIdle);
  EXPECT_TRUE(rig->latest().home_switch);  // the needles are in again
}

TEST_F(DepthMapLoop, AHoldIsRefusedBeyondTheRangeOrWithAlarms) {
  EXPECT_EQ(rig->command(hold(2500)), Verdict::kRefusedLimits);
  EXPECT_EQ(rig->command(hold(-1)), Verdict::kRefusedLimits);
  rig->pen.set_estop(true);
  rig->run_ticks(2);
  rig->pen.set_estop(false);
  rig->run_ticks(2);
  EXPECT_EQ(rig->command(hold(500)), Verdict::kRefusedAlarms);
}

TEST(DepthController, ACommittedSensorScaleDoesNotMoveTheTravelTheStuckSensorCheckReads) {
  DepthController dc(DepthLimits{}, 2.5, 0.001);
  dc.start_homing();
  // Seeking home for half a second, home found, then out to 1000 um.
  for (int i = 0; i < 2000; ++i) dc.update(1000, i == 500, std::nan(""), 0.001);
  const double travel = dc.travel_um();
  ASSERT_GT(travel, 100.0);
  dc.set_sensor_scale(1.03);
  EXPECT_EQ(dc.travel_um(), travel);
}

TEST(DepthHold, AHoldNobodyMovesGivesUp) {
  DepthHold h(1'000'000'000);
  h.move_to(800, 0);
  RoutineView v;
  v.now_ns = 999'000'000;
  RoutineStep s = h.step(v);
  EXPECT_FALSE(s.end);
  EXPECT_EQ(s.depth_um, 800);
  EXPECT_TRUE(s.raw_depth);
  EXPECT_EQ(s.speed_hz, 0.0);
  v.now_ns = 1'000'000'001;
  s = h.step(v);
  ASSERT_TRUE(s.end);
  EXPECT_EQ(*s.end, RoutineEnd::kFailed);
}

}  // namespace
}  // namespace dermad::control
