// No restart without intent (ISO 12100): after anything that stopped or held the needles,
// RUNNING needs the trigger or pedal released and pressed again. On virtual time against the
// simulated pen; plus the output table that decides the drive and the watchdog per state.
#include <gtest/gtest.h>

#include "daemon/control/drive_outputs.hpp"
#include "tests/unit/sim_rig.hpp"

namespace dermad::control {
namespace {

using test::SimRig;

void insert_cartridge(SimRig& rig) {
  rig.pen.insert_cartridge({"C-1", hal::CartridgeType::kStandard, 12, "L1", "2030-01-01"});
}

// Releases and presses the trigger again, one tick each.
void press_again(SimRig& rig) {
  rig.pen.set_trigger(false);
  rig.run_linked(1);
  rig.pen.set_trigger(true);
  rig.run_linked(1);
}

// A session armed at 600 um / 100 Hz, its depth reached, the needles running after a press.
void running_session(SimRig& rig) {
  insert_cartridge(rig);
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.arm(600, 100), Verdict::kAccepted);
  rig.run_linked(300);
  press_again(rig);
  ASSERT_EQ(rig.latest().state, State::kRunning);
}

bool ran_in(SimRig& rig, int ticks) {
  for (int i = 0; i < ticks; ++i) {
    rig.run_linked(1);
    if (rig.latest().state == State::kRunning || rig.pen.last_outputs().motor_enable) return true;
  }
  return false;
}

TEST(RestartIntent, ATriggerHeldThroughTheArmingDoesNotStartTheNeedles) {
  SimRig rig;
  insert_cartridge(rig);
  ASSERT_TRUE(rig.boot_to_idle());
  rig.pen.set_trigger(true);
  rig.run_ticks(5);
  ASSERT_EQ(rig.arm(600, 100), Verdict::kAccepted);
  EXPECT_FALSE(ran_in(rig, 1000));
  EXPECT_EQ(rig.latest().state, State::kArmed);
  press_again(rig);
  EXPECT_EQ(rig.latest().state, State::kRunning);
}

TEST(RestartIntent, APressWhileTheDepthStillMovesNeedsAnotherOnceItIsReached) {
  SimRig rig;
  insert_cartridge(rig);
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.arm(1200, 100), Verdict::kAccepted);
  rig.run_linked(1);
  rig.pen.set_trigger(true);  // the needle stop is still on its way to 1200 um
  EXPECT_FALSE(ran_in(rig, 1000));
  press_again(rig);
  EXPECT_EQ(rig.latest().state, State::kRunning);
}

TEST(RestartIntent, ADepthChangeWhileRunningStopsTheNeedlesUntilTheNextPress) {
  SimRig rig;
  ASSERT_NO_FATAL_FAILURE(running_session(rig));
  Command up;
  up.kind = CommandKind::kUpdate;
  up.depth_um = 900;
  up.speed_hz = 100;
  up.id = 99;
  ASSERT_TRUE(rig.core->submit(up));
  rig.run_linked(1);
  ASSERT_EQ(rig.core->verdict(99), Verdict::kAccepted);
  EXPECT_EQ(rig.latest().state, State::kArmed);
  EXPECT_FALSE(ran_in(rig, 1000));  // depth reached long since, trigger still held
  EXPECT_NEAR(rig.pen.true_position_um(), 900.0, 2.5);
  press_again(rig);
  EXPECT_EQ(rig.latest().state, State::kRunning);
}

TEST(RestartIntent, ATriggerHeldThroughAnEstopItsAcknowledgementAndTheRearmingDoesNotStart) {
  SimRig rig;
  ASSERT_NO_FATAL_FAILURE(running_session(rig));
  rig.pen.set_estop(true);
  rig.run_linked(1);
  EXPECT_EQ(rig.latest().state, State::kEstop);
  rig.pen.set_estop(false);
  rig.run_linked(300);
  ASSERT_EQ(rig.acknowledge(), Verdict::kAccepted);
  rig.run_linked(5);
  ASSERT_EQ(rig.latest().state, State::kIdle);
  ASSERT_EQ(rig.arm(600, 100), Verdict::kAccepted);  // what ResumeSession sends
  EXPECT_FALSE(ran_in(rig, 1000));
  press_again(rig);
  EXPECT_EQ(rig.latest().state, State::kRunning);
}

TEST(RestartIntent, ThePedalHeldWhileTheTriggerIsPressedIsNoNewPress) {
  SimRig rig;
  insert_cartridge(rig);
  ASSERT_TRUE(rig.boot_to_idle());
  rig.pen.set_pedal(true);
  ASSERT_EQ(rig.arm(600, 100), Verdict::kAccepted);
  rig.run_linked(300);
  rig.pen.set_trigger(true);  // dead-man already held by the pedal: no rising edge
  EXPECT_FALSE(ran_in(rig, 100));
  rig.pen.set_pedal(false);
  rig.pen.set_trigger(false);
  rig.run_linked(1);
  rig.pen.set_pedal(true);
  rig.run_linked(1);
  EXPECT_EQ(rig.latest().state, State::kRunning);
}

// The output table: every state, drive wanted or not, loop on time or not.
TEST(DriveOutputs, OnlyRunningAndServiceDriveAndFaultEstopAndOverrunsStopTheWatchdog) {
  struct Row {
    State s;
    bool may_drive;
    bool kicks;
  };
  const Row table[] = {
      {State::kBoot, false, true},   {State::kHoming, false, true}, {State::kIdle, false, true},
      {State::kArmed, false, true},  {State::kRunning, true, true}, {State::kService, true, true},
      {State::kFault, false, false}, {State::kEstop, false, false},
  };
  for (const auto& r : table) {
    for (const bool wanted : {false, true}) {
      for (const bool on_time : {false, true}) {
        const DriveOutputs o = drive_outputs(r.s, wanted, 0.42, on_time);
        const std::string where = std::string(to_string(r.s)) + (wanted ? " wanted" : "") +
                                  (on_time ? " on time" : " late");
        EXPECT_EQ(o.enable, r.may_drive && wanted) << where;
        EXPECT_EQ(o.duty, o.enable ? 0.42 : 0.0) << where;
        EXPECT_EQ(o.brake, !o.enable) << where;
        EXPECT_EQ(o.kick_watchdog, r.kicks && on_time) << where;
      }
    }
  }
}

TEST(DriveOutputs, TheWatchdogLineStopsInEstopAndTogglesAgainOnceAcknowledged) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  rig.pen.set_estop(true);
  rig.run_ticks(1);
  ASSERT_EQ(rig.latest().state, State::kEstop);
  const bool held = rig.pen.last_outputs().watchdog;
  rig.run_ticks(20);
  EXPECT_EQ(rig.pen.last_outputs().watchdog, held);
  rig.pen.set_estop(false);
  rig.run_ticks(2);
  ASSERT_EQ(rig.acknowledge(), Verdict::kAccepted);
  rig.run_ticks(2);
  ASSERT_EQ(rig.latest().state, State::kIdle);
  const bool before = rig.pen.last_outputs().watchdog;
  rig.run_ticks(1);
  EXPECT_NE(rig.pen.last_outputs().watchdog, before);
}

}  // namespace
}  // namespace dermad::control
