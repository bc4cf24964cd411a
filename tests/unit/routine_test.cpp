// The routine seam (#14): whatever ends a service routine, it is told once and how, the
// record says so, and the drive is the normal controllers' again with the needles coming in.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "daemon/control/service_run.hpp"
#include "tests/unit/sim_rig.hpp"

namespace dermad::control {
namespace {

std::vector<RoutineEnd> routine_ends(ControlCore& core) {
  std::vector<RoutineEnd> out;
  ControlEvent e;
  while (core.next_event(e)) {
    if (e.kind != EventKind::kRoutineEnded) continue;
    EXPECT_EQ(e.a, static_cast<uint8_t>(RoutineKind::kServiceRun));
    out.push_back(static_cast<RoutineEnd>(e.b));
  }
  return out;
}

class RoutineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(rig.boot_to_idle());
    routine_ends(*rig.core);  // nothing from the boot
  }
  // A run that has its depth and drives.
  void start_run(uint32_t ms = 3000) {
    ASSERT_EQ(rig.jog(800, 100.0, ms), Verdict::kAccepted);
    ASSERT_GT(rig.run_until([](const Snapshot& s) { return s.speed_target_hz > 0.0; }, 2000), 0);
  }
  // The drive is off and the needles are coming in: what IDLE and ESTOP ask of it.
  void expect_handed_back() {
    const Snapshot s = rig.latest();
    EXPECT_NE(s.state, State::kService);
    EXPECT_EQ(s.speed_target_hz, 0.0);
    EXPECT_EQ(s.depth_target_um, 0);
    EXPECT_FALSE(s.motor_enabled);
    EXPECT_EQ(s.service_remaining_ms, 0);
  }

  test::SimRig rig;
};

TEST_F(RoutineTest, ARunThatFinishesIsDone) {
  start_run(200);
  ASSERT_GT(rig.run_until([](const Snapshot& s) { return s.state == State::kIdle; }, 1000), 0);
  expect_handed_back();
  EXPECT_EQ(routine_ends(*rig.core), std::vector<RoutineEnd>{RoutineEnd::kDone});
}

TEST_F(RoutineTest, AnEngineersStopEndsItStopped) {
  start_run();
  Command stop;
  stop.kind = CommandKind::kStopService;
  ASSERT_EQ(rig.command(stop), Verdict::kAccepted);
  expect_handed_back();
  rig.run_ticks(50);
  EXPECT_EQ(routine_ends(*rig.core), std::vector<RoutineEnd>{RoutineEnd::kStopped});
}

TEST_F(RoutineTest, TheEstopInterruptsItInTheSameTick) {
  start_run();
  rig.pen.set_estop(true);
  rig.run_ticks(1);
  expect_handed_back();
  EXPECT_EQ(rig.latest().state, State::kEstop);
  rig.run_ticks(50);
  EXPECT_EQ(routine_ends(*rig.core), std::vector<RoutineEnd>{RoutineEnd::kInterrupted});
}

TEST_F(RoutineTest, AFaultInterruptsIt) {
  start_run();
  rig.pen.set_fault(hal::sim::SimFault::kMotorStall, true);
  ASSERT_GT(rig.run_until([](const Snapshot& s) { return s.state == State::kFault; }, 1000), 0);
  expect_handed_back();
  EXPECT_EQ(routine_ends(*rig.core), std::vector<RoutineEnd>{RoutineEnd::kInterrupted});
}

TEST_F(RoutineTest, ACartridgePutInFailsIt) {
  start_run();
  std::string problem;
  ASSERT_TRUE(rig.pen.insert_cartridge(
      {"C-1", hal::CartridgeType::kStandard, 12, "L1", "2030-01-01"}, &problem))
      << problem;
  ASSERT_GT(rig.run_until([](const Snapshot& s) { return s.state == State::kIdle; }, 100), 0);
  expect_handed_back();
  EXPECT_EQ(routine_ends(*rig.core), std::vector<RoutineEnd>{RoutineEnd::kFailed});
}

TEST_F(RoutineTest, ADaemonStopEndsItShutdown) {
  start_run();
  Command stop;
  stop.kind = CommandKind::kSafeStop;
  ASSERT_EQ(rig.command(stop), Verdict::kAccepted);
  expect_handed_back();
  EXPECT_EQ(routine_ends(*rig.core), std::vector<RoutineEnd>{RoutineEnd::kShutdown});
}

TEST(ServiceRun, ADepthNeverReachedFailsAfterTheSettleTimeout) {
  ServiceRun run(2'000'000'000);
  run.begin(800, 100.0, 1'000'000'000, 0);
  RoutineView v;  // no depth controller: the depth is never reached
  v.now_ns = 1'000'000'000;
  RoutineStep s = run.step(v);
  EXPECT_FALSE(s.end);
  EXPECT_EQ(s.depth_um, 800);
  EXPECT_EQ(s.speed_hz, 0.0);  // no drive before the depth
  v.now_ns = 2'000'000'001;
  s = run.step(v);
  ASSERT_TRUE(s.end);
  EXPECT_EQ(*s.end, RoutineEnd::kFailed);
}

}  // namespace
}  // namespace dermad::control

namespace dermad::control {
namespace {

// Ticks from the drive's start until the speed stays within 2 % of `hz`.
int ticks_to_settle(test::SimRig& rig, double hz) {
  int within = 0;
  for (int i = 0; i < 3000; ++i) {
    rig.run_ticks(1);
    const Snapshot s = rig.latest();
    within = s.speed_target_hz > 0 && std::abs(s.speed_hz - hz) <= 0.02 * hz ? within + 1 : 0;
    if (within == 100) return i - 99;
  }
  return -1;
}

Command speed_model(double kp, double ki, double no_load, double friction) {
  Command c;
  c.kind = CommandKind::kSetSpeedModel;
  c.speed_model = {kp, ki, no_load, friction};
  return c;
}

// A committed speed calibration reaches the loop between runs, never under the drive.
TEST(SpeedModel, ACalibratedFeedForwardSettlesADriftedMotorSooner) {
  hal::sim::SimConfig cfg;
  test::SimRig before(cfg), after(cfg);
  for (auto* rig : {&before, &after}) {
    rig->pen.set_errors({1.0, 0.0, 0.0, 0.15});  // the motor constant drifted 15 %
    ASSERT_TRUE(rig->boot_to_idle());
  }
  const SpeedGains nominal;
  const double no_load = after.core->geometry().motor_no_load_hz / 1.15;
  ASSERT_EQ(after.command(speed_model(nominal.kp, nominal.ki, no_load, nominal.friction_duty)),
            Verdict::kAccepted);
  ASSERT_EQ(before.jog(500, 100.0, 3000), Verdict::kAccepted);
  ASSERT_EQ(after.jog(500, 100.0, 3000), Verdict::kAccepted);
  const int untuned = ticks_to_settle(before, 100.0);
  const int tuned = ticks_to_settle(after, 100.0);
  ASSERT_GT(untuned, 0);
  ASSERT_GT(tuned, 0);
  EXPECT_LT(tuned, untuned) << "tuned " << tuned << " ticks, untuned " << untuned;
}

TEST(SpeedModel, RefusedUnderTheDriveAndOutsideWhatAPenCanBe) {
  test::SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  EXPECT_EQ(rig.command(speed_model(0.5, 0.3, 225.0, 0.04)), Verdict::kRefusedLimits);
  EXPECT_EQ(rig.command(speed_model(0.03, 0.3, 2000.0, 0.04)), Verdict::kRefusedLimits);
  EXPECT_EQ(rig.command(speed_model(0.03, -1.0, 225.0, 0.04)), Verdict::kRefusedLimits);
  ASSERT_EQ(rig.jog(800, 100.0, 3000), Verdict::kAccepted);
  EXPECT_EQ(rig.command(speed_model(0.03, 0.3, 225.0, 0.04)), Verdict::kRefusedState);
}

}  // namespace
}  // namespace dermad::control
