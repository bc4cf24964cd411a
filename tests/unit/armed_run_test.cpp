// Armed sessions as the control loop enforces them: the dead-man rule, the owner's link,
// the session's limits. On virtual time against the simulated pen.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "tests/unit/sim_rig.hpp"

namespace dermad::control {
namespace {

using test::SimRig;

void insert_cartridge(SimRig& rig) {
  rig.pen.insert_cartridge({"C-1", hal::CartridgeType::kStandard, 12, "L1", "2030-01-01"});
}

TEST(ArmedRun, ArmingNeedsIdleACartridgeAndLimitsInsideTheDevice) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  EXPECT_EQ(rig.arm(800, 100), Verdict::kRefusedCartridge);
  insert_cartridge(rig);
  rig.run_ticks(1);
  EXPECT_EQ(rig.arm(800, 100, 200, 2500), Verdict::kRefusedLimits);  // beyond the device
  EXPECT_EQ(rig.arm(1600, 100), Verdict::kRefusedLimits);            // beyond its own limits
  EXPECT_EQ(rig.arm(800, 40), Verdict::kRefusedLimits);
  EXPECT_EQ(rig.latest().state, State::kIdle);
  ASSERT_EQ(rig.arm(800, 100), Verdict::kAccepted);
  EXPECT_EQ(rig.latest().state, State::kArmed);
  EXPECT_EQ(rig.arm(800, 100), Verdict::kRefusedState);
  // Armed: the depth goes to the session's, the drive stays off.
  rig.run_linked(500);
  EXPECT_EQ(rig.latest().state, State::kArmed);
  EXPECT_NEAR(rig.pen.true_position_um(), 800.0, 2.5);
  EXPECT_FALSE(rig.latest().motor_enabled);
}

TEST(ArmedRun, NeedlesRunOnlyWhileTheTriggerOrPedalIsHeld) {
  SimRig rig;
  insert_cartridge(rig);
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.arm(600, 120), Verdict::kAccepted);
  rig.run_linked(300);
  rig.pen.set_trigger(true);
  rig.run_linked(1);
  EXPECT_EQ(rig.latest().state, State::kRunning);
  rig.run_linked(600);
  EXPECT_NEAR(rig.latest().speed_hz, 120.0, 2.4);
  // Released: the drive is off in the tick the release is seen.
  rig.pen.set_trigger(false);
  rig.run_linked(1);
  EXPECT_EQ(rig.latest().state, State::kArmed);
  EXPECT_FALSE(rig.pen.last_outputs().motor_enable);
  // The foot pedal is the other dead-man switch.
  rig.pen.set_pedal(true);
  rig.run_linked(1);
  EXPECT_EQ(rig.latest().state, State::kRunning);
  rig.pen.set_pedal(false);
  rig.run_linked(1);
  EXPECT_EQ(rig.latest().state, State::kArmed);
}

TEST(ArmedRun, LostLinkStopsTheNeedlesAndANewLinkWithANewPressLetsTheSessionGoOn) {
  SimRig rig;
  insert_cartridge(rig);
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.arm(600, 100), Verdict::kAccepted);
  rig.run_linked(300);
  rig.pen.set_trigger(true);
  rig.run_linked(500);
  ASSERT_EQ(rig.latest().state, State::kRunning);
  // The tablet goes quiet: 500 ms later the needles stop.
  const int t = rig.run_until(
      [](const Snapshot& s) { return (s.alarms.active & bit(AlarmCode::kLinkLost)) != 0; }, 1000);
  EXPECT_GE(t, 500);
  EXPECT_LE(t, 502);
  Snapshot s = rig.latest();
  EXPECT_EQ(s.state, State::kArmed);  // a warning, not a fault: the session is kept
  EXPECT_FALSE(s.motor_enabled);
  EXPECT_EQ(s.speed_target_hz, 0.0);
  rig.run_ticks(200);
  EXPECT_EQ(rig.latest().state, State::kArmed);
  // The owner's link is back: the alarm clears, but the trigger held all along does not
  // restart the needles; a new press does.
  rig.run_linked(200);
  s = rig.latest();
  EXPECT_EQ(s.alarms.active & bit(AlarmCode::kLinkLost), 0u);
  EXPECT_EQ(s.state, State::kArmed);
  EXPECT_FALSE(rig.pen.last_outputs().motor_enable);
  rig.pen.set_trigger(false);
  rig.run_linked(1);
  rig.pen.set_trigger(true);
  rig.run_linked(1);
  EXPECT_EQ(rig.latest().state, State::kRunning);
}

// The loop holds a cartridge's needles to their ceiling on its own, whatever limits the upper
// layers send: a gold-nano cartridge is never armed nor moved past 300 um.
TEST(ArmedRun, TheCartridgesNeedleCeilingBoundsTheSessionsLimits) {
  SimRig rig;
  insert_cartridge(rig);
  ASSERT_TRUE(rig.boot_to_idle());
  const auto gold = hal::CartridgeType::kGoldNano;
  EXPECT_EQ(rig.arm(250, 100, 200, 1500, 50, 150, gold), Verdict::kRefusedLimits);
  uint32_t detail = 0;
  rig.core->verdict(rig.next_id - 1, &detail);
  EXPECT_EQ(detail, kLimitCartridge);
  EXPECT_EQ(rig.arm(250, 100, 200, 300, 50, 150, hal::CartridgeType::kUnknown),
            Verdict::kRefusedLimits);
  ASSERT_EQ(rig.arm(250, 100, 200, 300, 50, 150, gold), Verdict::kAccepted);
  Command zone;  // a zone change that would open the limits to 1500 um
  zone.kind = CommandKind::kUpdate;
  zone.depth_um = 250;
  zone.speed_hz = 100;
  zone.depth_min_um = 200;
  zone.depth_max_um = 1500;
  zone.speed_min_hz = 50;
  zone.speed_max_hz = 150;
  EXPECT_EQ(rig.command(zone), Verdict::kRefusedLimits);
  Command deeper;
  deeper.kind = CommandKind::kUpdate;
  deeper.depth_um = 1000;
  deeper.speed_hz = 100;
  EXPECT_EQ(rig.command(deeper), Verdict::kRefusedLimits);
  rig.run_linked(500);
  EXPECT_LE(rig.pen.true_position_um(), 302.5);
}

TEST(ArmedRun, UpdatesStayInsideTheSessionLimitsAndDisarmRetracts) {
  SimRig rig;
  insert_cartridge(rig);
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.arm(600, 100, 400, 1000, 80, 120), Verdict::kAccepted);
  Command up;
  up.kind = CommandKind::kUpdate;
  up.depth_um = 900;
  up.speed_hz = 110;
  EXPECT_EQ(rig.command(up), Verdict::kAccepted);
  rig.run_linked(300);
  EXPECT_NEAR(rig.pen.true_position_um(), 900.0, 2.5);
  up.depth_um = 1200;  // inside the device, outside this session
  EXPECT_EQ(rig.command(up), Verdict::kRefusedLimits);
  up.depth_um = 900;
  up.speed_hz = 130;
  EXPECT_EQ(rig.command(up), Verdict::kRefusedLimits);
  // A zone change brings its own limits: 1200 fits the new zone's.
  up.depth_um = 1200;
  up.speed_hz = 100;
  up.depth_min_um = 200;
  up.depth_max_um = 1500;
  up.speed_min_hz = 50;
  up.speed_max_hz = 150;
  EXPECT_EQ(rig.command(up), Verdict::kAccepted);
  rig.run_linked(300);
  EXPECT_NEAR(rig.pen.true_position_um(), 1200.0, 2.5);
  up.depth_max_um = 2500;  // a zone beyond the device: refused, the old limits stay
  EXPECT_EQ(rig.command(up), Verdict::kRefusedLimits);
  Command disarm;
  disarm.kind = CommandKind::kDisarm;
  EXPECT_EQ(rig.command(disarm), Verdict::kAccepted);
  rig.run_ticks(300);
  EXPECT_EQ(rig.latest().state, State::kIdle);
  EXPECT_NEAR(rig.pen.true_position_um(), 0.0, 5.0);
  EXPECT_EQ(rig.command(up), Verdict::kRefusedState);
}

// Found in review: a cartridge swapped while armed would have run under the first one's
// ceiling and single-use check. Its removal disarms; only a resume (which checks the serial)
// arms again.
TEST(ArmedRun, ACartridgeRemovedWhileArmedDisarmsAndANewPressDoesNothing) {
  SimRig rig;
  insert_cartridge(rig);
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.arm(600, 100), Verdict::kAccepted);
  rig.run_linked(300);
  rig.pen.remove_cartridge();
  rig.run_linked(1);
  EXPECT_EQ(rig.latest().state, State::kIdle);
  rig.pen.insert_cartridge({"C-OTHER", hal::CartridgeType::kGoldNano, 12, "L2", "2030-01-01"});
  rig.run_linked(300);
  rig.pen.set_trigger(true);
  rig.run_linked(300);
  EXPECT_EQ(rig.latest().state, State::kIdle);
  EXPECT_FALSE(rig.pen.last_outputs().motor_enable);
  EXPECT_NEAR(rig.pen.true_position_um(), 0.0, 5.0);
}

TEST(ArmedRun, ACartridgeInsertedDuringAServiceRunEndsIt) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.jog(800, 100, 5000), Verdict::kAccepted);
  ASSERT_GT(rig.run_until([](const Snapshot& s) { return s.motor_enabled; }, 3000), 0);
  rig.pen.insert_cartridge({"C-9", hal::CartridgeType::kStandard, 12, "L", "2030-01-01"});
  rig.run_ticks(1);
  EXPECT_EQ(rig.latest().state, State::kIdle);
  EXPECT_FALSE(rig.pen.last_outputs().motor_enable);
}

TEST(ArmedRun, CartridgeRemovedWhileRunningFaults) {
  SimRig rig;
  insert_cartridge(rig);
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.arm(600, 100), Verdict::kAccepted);
  rig.run_linked(300);
  rig.pen.set_trigger(true);
  rig.run_linked(500);
  rig.pen.remove_cartridge();
  rig.run_linked(1);
  const Snapshot s = rig.latest();
  EXPECT_TRUE(s.alarms.active & bit(AlarmCode::kCartridgeRemoved));
  EXPECT_EQ(s.state, State::kFault);
  EXPECT_FALSE(rig.pen.last_outputs().motor_enable);
}

// A clinician pulses the trigger: the drive starts again while the needles still spin down.
// The speed picks up from where it is, without a fight and without SPEED_TRACKING.
TEST(ArmedRun, ARestartWhileTheDriveSpinsDownPicksUpWithoutAnAlarm) {
  for (const int off_ms : {20, 60, 120, 200}) {
    for (const double hz : {100.0, 150.0}) {
      SimRig rig;
      insert_cartridge(rig);
      ASSERT_TRUE(rig.boot_to_idle());
      ASSERT_EQ(rig.arm(600, hz), Verdict::kAccepted);
      rig.run_linked(300);
      rig.pen.set_trigger(true);
      rig.run_linked(1500);
      ASSERT_NEAR(rig.latest().speed_hz, hz, 0.02 * hz);
      rig.pen.set_trigger(false);
      rig.run_linked(off_ms);
      const double coasting = rig.latest().speed_hz;
      rig.pen.set_trigger(true);
      int reached = -1;
      uint32_t alarms = 0;
      for (int t = 1; t <= 1500; ++t) {
        rig.run_linked(1);
        const Snapshot s = rig.latest();
        alarms |= s.alarms.active;
        if (reached < 0 && std::abs(s.speed_hz - hz) <= 0.02 * hz) reached = t;
      }
      EXPECT_EQ(alarms, 0u) << off_ms << " ms off at " << hz << " Hz, coasting at " << coasting;
      EXPECT_GE(reached, 0) << off_ms << " ms off at " << hz << " Hz";
      EXPECT_LE(reached, 300) << off_ms << " ms off at " << hz << " Hz, coasting at " << coasting;
      EXPECT_NEAR(rig.latest().speed_hz, hz, 0.02 * hz);
    }
  }
}

// Found by the self-test: a service run started while the last one's drive still coasted
// (~25 Hz) had its tachometer edges dropped as glitches while it sped up, the estimate stuck
// low, the speed overshot to 140 Hz and SPEED_TRACKING could follow. Back-to-back runs now
// reach their speed as a run from rest does.
TEST(ArmedRun, AServiceRunRightAfterAnotherReachesItsSpeedWithoutAnAlarm) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    hal::sim::SimConfig sc;
    sc.seed = seed;
    SimRig rig(sc);
    ASSERT_TRUE(rig.boot_to_idle());
    const std::pair<int32_t, double> runs[] = {{500, 50.0}, {1000, 100.0}, {2000, 150.0}};
    for (const auto& [depth, hz] : runs) {
      ASSERT_EQ(rig.jog(depth, hz, 1500), Verdict::kAccepted) << "seed " << seed;
      uint32_t alarms = 0;
      int start = -1, reached = -1;
      double peak = 0.0;
      bool seen = false;
      for (int t = 0; t < 8000; ++t) {
        rig.run_ticks(1);
        const Snapshot s = rig.latest();
        alarms |= s.alarms.active;
        seen |= s.state == State::kService;
        if (s.motor_enabled && start < 0) start = t;
        if (start >= 0 && reached < 0 && std::abs(s.speed_hz - hz) <= 0.02 * hz) reached = t;
        if (s.motor_enabled) peak = std::max(peak, rig.pen.true_speed_hz());
        if (seen && s.state != State::kService) break;
      }
      EXPECT_EQ(alarms, 0u) << "seed " << seed << ", " << hz << " Hz";
      ASSERT_GE(reached, 0) << "seed " << seed << ", " << hz << " Hz";
      EXPECT_LE(reached - start, 200) << "seed " << seed << ", " << hz << " Hz";
      EXPECT_LE(peak, hz * 1.05) << "seed " << seed << ", " << hz << " Hz: overshoot";
    }
  }
}

}  // namespace
}  // namespace dermad::control
