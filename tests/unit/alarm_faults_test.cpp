// Every alarm, raised by injecting its fault into the simulated pen on virtual time: the
// alarm appears, a high one puts the outputs in the safe state, and the acknowledgement
// after the fault is gone brings the device back to IDLE.
#include <gtest/gtest.h>

#include "tests/unit/sim_rig.hpp"

namespace dermad::control {
namespace {

using hal::sim::SimFault;
using test::SimRig;

bool active(const Snapshot& s, AlarmCode c) {
  return (s.alarms.active & bit(c)) != 0;
}

// Boots, starts a jog and runs until the drive is at speed.
void jog_at_speed(SimRig& rig, int32_t depth = 800, double hz = 100.0) {
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.jog(depth, hz, 10000), Verdict::kAccepted);
  ASSERT_GT(
      rig.run_until(
          [hz](const Snapshot& s) { return s.motor_enabled && std::abs(s.speed_hz - hz) < 1; },
          3000),
      0);
  rig.run_ticks(200);
  ASSERT_EQ(rig.latest().alarms.active, 0u);
}

// Runs until `code` is raised; returns the ticks it took, -1 if it never was.
int ticks_until(SimRig& rig, AlarmCode code, int max_ticks) {
  return rig.run_until([code](const Snapshot& s) { return active(s, code); }, max_ticks);
}

void expect_safe(const Snapshot& s) {
  EXPECT_EQ(s.state, State::kFault);
  EXPECT_FALSE(s.motor_enabled);
  EXPECT_EQ(s.speed_target_hz, 0.0);
  EXPECT_EQ(s.depth_target_um, 0);
}

// Clears the fault, lets the device settle, acknowledges and expects IDLE.
void clear_and_acknowledge(SimRig& rig, SimFault f, AlarmCode code) {
  rig.pen.set_fault(f, false);
  rig.run_ticks(600);
  EXPECT_EQ(rig.latest().state, State::kFault) << "a latched alarm needs an acknowledgement";
  rig.acknowledge(bit(code));
  rig.run_ticks(5);
  EXPECT_FALSE(active(rig.latest(), code));
  EXPECT_EQ(rig.latest().state, State::kIdle);
}

TEST(AlarmFaults, MotorStallIsTellFromATachLossByTheCurrent) {
  SimRig rig;
  jog_at_speed(rig);
  rig.pen.set_fault(SimFault::kMotorStall, true);
  const int t = ticks_until(rig, AlarmCode::kMotorStall, 500);
  ASSERT_GT(t, 0);
  EXPECT_LE(t, 150);  // 100 ms without edges, debounced
  const Snapshot s = rig.latest();
  expect_safe(s);
  EXPECT_FALSE(active(s, AlarmCode::kSensorFault));
  EXPECT_FALSE(active(s, AlarmCode::kOvercurrent));  // the current limit held it down
  clear_and_acknowledge(rig, SimFault::kMotorStall, AlarmCode::kMotorStall);
}

TEST(AlarmFaults, TachLossIsASensorFault) {
  SimRig rig;
  jog_at_speed(rig);
  rig.pen.set_fault(SimFault::kTachLoss, true);
  ASSERT_GT(ticks_until(rig, AlarmCode::kSensorFault, 500), 0);
  const Snapshot s = rig.latest();
  expect_safe(s);
  EXPECT_FALSE(active(s, AlarmCode::kMotorStall));
  clear_and_acknowledge(rig, SimFault::kTachLoss, AlarmCode::kSensorFault);
}

TEST(AlarmFaults, OvercurrentTripsOnTheFirstReading) {
  SimRig rig;
  jog_at_speed(rig);
  rig.pen.set_fault(SimFault::kOvercurrent, true);
  // Seen in the next read, safe in that same tick.
  EXPECT_EQ(ticks_until(rig, AlarmCode::kOvercurrent, 10), 1);
  expect_safe(rig.latest());
  clear_and_acknowledge(rig, SimFault::kOvercurrent, AlarmCode::kOvercurrent);
}

TEST(AlarmFaults, OvertempLatchesUntilCooledAndAcknowledged) {
  SimRig rig;
  jog_at_speed(rig);
  rig.pen.set_fault(SimFault::kOvertemp, true);
  ASSERT_GT(ticks_until(rig, AlarmCode::kOvertemp, 3000), 0);
  expect_safe(rig.latest());
  // Still hot: the acknowledgement is refused.
  rig.acknowledge(bit(AlarmCode::kOvertemp));
  EXPECT_TRUE(active(rig.latest(), AlarmCode::kOvertemp));
  clear_and_acknowledge(rig, SimFault::kOvertemp, AlarmCode::kOvertemp);
}

TEST(AlarmFaults, SupplySagIsAMediumAlarmThatClearsByItself) {
  SimRig rig;
  jog_at_speed(rig);
  rig.pen.set_fault(SimFault::kSupplySag, true);
  ASSERT_GT(ticks_until(rig, AlarmCode::kSupplyLow, 500), 0);
  // Medium: the run goes on, at its speed.
  rig.run_ticks(300);
  Snapshot s = rig.latest();
  EXPECT_EQ(s.state, State::kService);
  EXPECT_TRUE(s.motor_enabled);
  EXPECT_NEAR(s.speed_hz, 100.0, 2.0);
  rig.pen.set_fault(SimFault::kSupplySag, false);
  rig.run_ticks(100);
  EXPECT_FALSE(active(rig.latest(), AlarmCode::kSupplyLow));
}

TEST(AlarmFaults, FrozenPositionSensorIsASensorFault) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  rig.pen.set_fault(SimFault::kPositionSensorStuck, true);
  ASSERT_EQ(rig.jog(1500, 100.0, 5000), Verdict::kAccepted);
  ASSERT_GT(ticks_until(rig, AlarmCode::kSensorFault, 500), 0);
  const Snapshot s = rig.latest();
  EXPECT_EQ(s.state, State::kFault);
  EXPECT_FALSE(s.motor_enabled);
  EXPECT_EQ(s.depth_target_um, 0);
  clear_and_acknowledge(rig, SimFault::kPositionSensorStuck, AlarmCode::kSensorFault);
}

TEST(AlarmFaults, AFewMissedStepsAreCorrectedWithoutAnAlarm) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.jog(1200, 100.0, 3000), Verdict::kAccepted);
  // The stepper slips for 10 ms of the move.
  rig.run_ticks(20);
  rig.pen.set_fault(SimFault::kMissedSteps, true);
  rig.run_ticks(10);
  rig.pen.set_fault(SimFault::kMissedSteps, false);
  rig.run_ticks(600);
  const Snapshot s = rig.latest();
  EXPECT_GT(rig.pen.lost_steps(), 0);
  EXPECT_EQ(s.alarms.active, 0u);
  EXPECT_EQ(s.state, State::kService);
  EXPECT_NEAR(rig.pen.true_position_um(), 1200.0, 5.0);
}

TEST(AlarmFaults, StepsThatKeepSlippingRaiseDepthTracking) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  rig.pen.set_fault(SimFault::kMissedSteps, true);
  ASSERT_EQ(rig.jog(1600, 100.0, 5000), Verdict::kAccepted);
  ASSERT_GT(ticks_until(rig, AlarmCode::kDepthTracking, 3000), 0);
  const Snapshot s = rig.latest();
  EXPECT_EQ(s.state, State::kFault);
  EXPECT_FALSE(s.motor_enabled);
  clear_and_acknowledge(rig, SimFault::kMissedSteps, AlarmCode::kDepthTracking);
}

TEST(AlarmFaults, StopCreepingPastTheMaximumDepthIsADepthLimit) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.jog(2000, 100.0, 5000), Verdict::kAccepted);
  rig.run_ticks(400);
  rig.pen.set_screw_drift(20000.0);  // back-driven hard, faster than corrections
  ASSERT_GT(ticks_until(rig, AlarmCode::kDepthLimit, 200), 0);
  EXPECT_EQ(rig.latest().state, State::kFault);
  EXPECT_FALSE(rig.latest().motor_enabled);
}

TEST(AlarmFaults, SpeedThatCannotFollowItsTargetIsSpeedTracking) {
  ControlConfig cfg;
  cfg.speed.current_limit_ma = 300;  // a drive with little current to spare
  SimRig rig({}, cfg);
  jog_at_speed(rig, 800, 140.0);
  // Heavy skin load: the current limit cannot make 140 Hz any more.
  rig.pen.set_contact_force(20.0);
  ASSERT_GT(ticks_until(rig, AlarmCode::kSpeedTracking, 2000), 0);
  // Medium priority: a warning, the run goes on.
  EXPECT_EQ(rig.latest().state, State::kService);
}

TEST(AlarmFaults, CartridgeRemovedWhileTheDriveRuns) {
  SimRig rig;
  rig.pen.insert_cartridge({"C-9", hal::CartridgeType::kStandard, 12, "L", "2030-01-01"});
  ASSERT_TRUE(rig.boot_to_idle());
  // A service run never runs with a cartridge in (#9): the drive runs in a session.
  EXPECT_EQ(rig.jog(1000, 100, 1000), Verdict::kRefusedCartridge);
  ASSERT_EQ(rig.arm(1000, 100), Verdict::kAccepted);
  rig.run_linked(300);
  rig.pen.set_trigger(true);
  rig.run_linked(500);
  ASSERT_EQ(rig.latest().state, State::kRunning);
  rig.pen.remove_cartridge();
  EXPECT_EQ(ticks_until(rig, AlarmCode::kCartridgeRemoved, 5), 1);
  expect_safe(rig.latest());
  // The event is over once the drive is off: the acknowledgement clears it.
  rig.run_ticks(300);
  rig.acknowledge();
  rig.run_ticks(2);
  EXPECT_EQ(rig.latest().state, State::kIdle);
}

TEST(AlarmFaults, ASingleLateTickIsNotALoopOverrunButAStallIs) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  rig.clock.inject_lateness(15'000'000);  // the hypervisor's worst single spike
  rig.run_ticks(50);
  EXPECT_FALSE(active(rig.latest(), AlarmCode::kLoopOverrun));
  bool toggling = false;
  const bool wd = rig.pen.last_outputs().watchdog;
  rig.run_ticks(1);
  toggling = rig.pen.last_outputs().watchdog != wd;
  EXPECT_TRUE(toggling);

  rig.clock.inject_lateness(150'000'000);  // a 150 ms stall
  rig.run_ticks(1);
  const Snapshot s = rig.latest();
  EXPECT_TRUE(active(s, AlarmCode::kLoopOverrun));
  EXPECT_EQ(s.state, State::kFault);
  // The watchdog line stops toggling: the external watchdog cuts the motor power.
  const bool held = rig.pen.last_outputs().watchdog;
  rig.run_ticks(10);
  EXPECT_EQ(rig.pen.last_outputs().watchdog, held);
  rig.run_ticks(100);  // the stall's missed periods leave the 100-tick window
  rig.acknowledge();
  rig.run_ticks(2);
  EXPECT_EQ(rig.latest().state, State::kIdle);
  const bool again = rig.pen.last_outputs().watchdog;
  rig.run_ticks(1);
  EXPECT_NE(rig.pen.last_outputs().watchdog, again);
}

TEST(AlarmFaults, SustainedOverrunsAreALoopOverrun) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  for (int i = 0; i < 4; ++i) {
    rig.clock.inject_lateness(12'000'000);  // four 12 ms stalls in a row: 44 periods missed
    rig.run_ticks(1);
  }
  rig.run_ticks(100);  // they leave the 100-tick window
  EXPECT_FALSE(active(rig.latest(), AlarmCode::kLoopOverrun));
  for (int i = 0; i < 5; ++i) {
    rig.clock.inject_lateness(12'000'000);  // the fifth makes 55: a stalled loop
    rig.run_ticks(1);
  }
  EXPECT_TRUE(active(rig.latest(), AlarmCode::kLoopOverrun));
  EXPECT_EQ(rig.latest().state, State::kFault);
}

}  // namespace
}  // namespace dermad::control
