// The control loop on virtual time against the simulated pen.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/unit/sim_rig.hpp"

namespace dermad::control {
namespace {

using test::SimRig;

TEST(ControlCore, BootsHomesAndSettlesIdleWithNeedlesRetracted) {
  SimRig rig;
  EXPECT_EQ(rig.latest().tick, 0u);  // nothing published yet
  ASSERT_TRUE(rig.boot_to_idle());
  const Snapshot s = rig.latest();
  EXPECT_TRUE(s.homed);
  EXPECT_EQ(s.depth_target_um, 0);
  EXPECT_NEAR(rig.pen.true_position_um(), 0.0, 2.5);
  EXPECT_FALSE(s.motor_enabled);
  EXPECT_EQ(s.alarms.active, 0u);
}

TEST(ControlCore, JogReachesSpeedAndDepthThenReturnsToIdle) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.jog(800, 100.0, 3000), Verdict::kAccepted);
  EXPECT_EQ(rig.latest().state, State::kService);
  rig.run_ticks(1000);
  // From here on the run must hold its targets.
  double worst_speed = 0, worst_depth = 0;
  for (int i = 0; i < 1500; ++i) {
    rig.run_ticks(1);
    const Snapshot s = rig.latest();
    ASSERT_EQ(s.state, State::kService);
    worst_speed = std::max(worst_speed, std::abs(s.speed_hz - 100.0));
    worst_depth = std::max(worst_depth, std::abs(s.depth_um - 800.0));
  }
  EXPECT_LE(worst_speed, 2.0);
  EXPECT_LE(worst_depth, 20.0);
  EXPECT_NEAR(rig.pen.true_speed_hz(), 100.0, 2.0);
  const int ticks = rig.run_until([](const Snapshot& s) { return s.state == State::kIdle; }, 2000);
  ASSERT_GT(ticks, 0);
  rig.run_ticks(500);
  EXPECT_FALSE(rig.latest().motor_enabled);
  EXPECT_NEAR(rig.pen.true_position_um(), 0.0, 2.5);
  EXPECT_GT(rig.latest().strokes, 250u);  // ~3 s at 100 strokes/s
}

TEST(ControlCore, JogRefusedOutsideIdleAndOutsideLimits) {
  SimRig rig;
  rig.run_ticks(2);
  ASSERT_EQ(rig.latest().state, State::kHoming);
  EXPECT_EQ(rig.jog(800, 100.0, 1000), Verdict::kRefusedState);
  ASSERT_TRUE(rig.boot_to_idle());
  EXPECT_EQ(rig.jog(2100, 100.0, 1000), Verdict::kRefusedLimits);
  EXPECT_EQ(rig.jog(800, 151.0, 1000), Verdict::kRefusedLimits);
  EXPECT_EQ(rig.jog(800, 100.0, 10001), Verdict::kRefusedLimits);
  EXPECT_EQ(rig.jog(800, 100.0, 0), Verdict::kRefusedLimits);
  EXPECT_EQ(rig.latest().state, State::kIdle);
  ASSERT_EQ(rig.jog(800, 100.0, 1000), Verdict::kAccepted);
  EXPECT_EQ(rig.jog(800, 100.0, 1000), Verdict::kRefusedState);
}

TEST(ControlCore, AStoppedServiceRunCutsTheDriveInThatTickAndRetracts) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  Command stop;
  stop.kind = CommandKind::kStopService;
  EXPECT_EQ(rig.command(stop), Verdict::kRefusedState);  // nothing to stop
  ASSERT_EQ(rig.jog(800, 100.0, 10000), Verdict::kAccepted);
  rig.run_ticks(1000);
  ASSERT_TRUE(rig.latest().motor_enabled);
  EXPECT_EQ(rig.command(stop), Verdict::kAccepted);
  const Snapshot s = rig.latest();  // the tick that took the command
  EXPECT_EQ(s.state, State::kIdle);
  EXPECT_FALSE(s.motor_enabled);
  EXPECT_EQ(s.depth_target_um, 0);
  rig.run_ticks(1000);
  EXPECT_NEAR(rig.pen.true_position_um(), 0.0, 2.5);
  EXPECT_EQ(rig.latest().alarms.active, 0u);
  EXPECT_EQ(rig.command(stop), Verdict::kRefusedState);
}

TEST(ControlCore, EstopCutsTheDriveInTheTickItIsSeenAndLatches) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.jog(600, 120.0, 5000), Verdict::kAccepted);
  rig.run_ticks(800);
  ASSERT_TRUE(rig.latest().motor_enabled);
  rig.pen.set_estop(true);
  rig.run_ticks(1);
  Snapshot s = rig.latest();
  EXPECT_EQ(s.state, State::kEstop);
  EXPECT_FALSE(s.motor_enabled);
  EXPECT_EQ(s.speed_target_hz, 0.0);
  EXPECT_EQ(s.depth_target_um, 0);
  EXPECT_FALSE(rig.pen.last_outputs().motor_enable);
  EXPECT_TRUE(s.alarms.active & bit(AlarmCode::kEstop));

  // Acknowledging while the button is still pressed changes nothing.
  rig.acknowledge();
  EXPECT_EQ(rig.latest().state, State::kEstop);
  // Releasing alone does not restart anything.
  rig.pen.set_estop(false);
  rig.run_ticks(300);
  EXPECT_EQ(rig.latest().state, State::kEstop);
  EXPECT_NEAR(rig.pen.true_position_um(), 0.0, 2.5);  // needles retracted
  EXPECT_LT(rig.pen.true_speed_hz(), 2.0);            // braked: coasting would still be at ~70 Hz
  // Acknowledged after release: back to IDLE, and the old jog does not resume.
  rig.acknowledge();
  rig.run_ticks(300);
  s = rig.latest();
  EXPECT_EQ(s.state, State::kIdle);
  EXPECT_FALSE(s.motor_enabled);
  EXPECT_EQ(s.alarms.active, 0u);
}

TEST(ControlCore, EstopPressedAtBootLatchesBeforeAnythingMoves) {
  SimRig rig;
  rig.pen.set_estop(true);
  rig.run_ticks(500);
  EXPECT_EQ(rig.latest().state, State::kEstop);
  EXPECT_FALSE(rig.latest().homed);
  EXPECT_EQ(rig.jog(800, 100.0, 1000), Verdict::kRefusedAlarms);
  rig.pen.set_estop(false);
  rig.acknowledge();
  ASSERT_TRUE(rig.boot_to_idle());
  EXPECT_TRUE(rig.latest().homed);
}

TEST(ControlCore, SafeStopHoldsTheSafeStateAndRefusesNewRuns) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.jog(1000, 100.0, 5000), Verdict::kAccepted);
  rig.run_ticks(700);
  Command stop;
  stop.kind = CommandKind::kSafeStop;
  EXPECT_EQ(rig.command(stop), Verdict::kAccepted);
  rig.run_ticks(400);
  const Snapshot s = rig.latest();
  EXPECT_EQ(s.state, State::kIdle);
  EXPECT_FALSE(s.motor_enabled);
  EXPECT_NEAR(rig.pen.true_position_um(), 0.0, 2.5);
  EXPECT_EQ(rig.jog(800, 100.0, 1000), Verdict::kRefusedState);
}

TEST(ControlCore, SnapshotsCarryOneTickEachWithTheLoopTime) {
  SimRig rig;
  rig.run_ticks(10);
  uint64_t cursor = 0, lost = 0;
  Snapshot s;
  int64_t prev = 0;
  int n = 0;
  while (rig.core->telemetry().next(cursor, s, lost)) {
    EXPECT_EQ(s.tick, static_cast<uint64_t>(n));
    if (n > 0) {
      EXPECT_EQ(s.t_ns - prev, 1000000);
    }
    prev = s.t_ns;
    ++n;
  }
  EXPECT_EQ(n, 10);
  EXPECT_EQ(lost, 0u);
}

}  // namespace
}  // namespace dermad::control

namespace dermad::control {
namespace {

TEST(ControlCore, HomeSwitchNeverFoundFaultsWithDepthTracking) {
  hal::sim::SimConfig cfg;
  cfg.screw.min_um = 100.0;  // a jam in front of the switch
  test::SimRig rig(cfg);
  rig.run_ticks(2000);
  Snapshot s = rig.latest();
  EXPECT_EQ(s.state, State::kFault);
  EXPECT_FALSE(s.homed);
  EXPECT_TRUE(s.alarms.active & bit(AlarmCode::kDepthTracking));
  EXPECT_EQ(rig.jog(800, 100.0, 1000), Verdict::kRefusedAlarms);
  // Acknowledging starts homing over; with the jam still there it fails again.
  rig.acknowledge();
  EXPECT_EQ(rig.latest().state, State::kHoming);
  rig.run_ticks(2000);
  EXPECT_EQ(rig.latest().state, State::kFault);
}

}  // namespace
}  // namespace dermad::control

namespace dermad::control {
namespace {

TEST(ControlCore, StallsDuringADepthMoveLoseNoSteps) {
  test::SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  const int64_t lost_before = rig.pen.lost_steps();
  ASSERT_EQ(rig.jog(1800, 100.0, 2000), Verdict::kAccepted);
  // The hypervisor stalls the loop for 6 ms every 20 ticks while the stop travels.
  for (int i = 0; i < 400; ++i) {
    if (i % 20 == 5) rig.clock.inject_lateness(6'000'000);
    rig.run_ticks(1);
  }
  EXPECT_EQ(rig.pen.lost_steps(), lost_before);
  EXPECT_NEAR(rig.pen.true_position_um(), 1800.0, 2.5);
  EXPECT_GT(rig.runner.figures().missed_periods, 0u);
}

}  // namespace
}  // namespace dermad::control
