// A read or write of the hardware that fails: HARDWARE_FAULT naming the resource, the outputs
// safe at once, the loop still ticking, and the way back after an acknowledgement.
#include <gtest/gtest.h>

#include <cerrno>

#include "daemon/control/clock.hpp"
#include "daemon/control/control_core.hpp"
#include "daemon/control/loop_runner.hpp"
#include "tests/unit/sim_rig.hpp"

namespace dermad::control {
namespace {

using hal::sim::SimFault;
using test::SimRig;

bool active(const Snapshot& s, AlarmCode c) {
  return (s.alarms.active & bit(c)) != 0;
}

void jog_at_speed(SimRig& rig) {
  ASSERT_TRUE(rig.boot_to_idle());
  ASSERT_EQ(rig.jog(800, 100.0, 10000), Verdict::kAccepted);
  ASSERT_GT(
      rig.run_until([](const Snapshot& s) { return s.motor_enabled && s.speed_hz > 95; }, 3000), 0);
}

TEST(HardwareFault, AFailedAdcReadStopsTheDriveInTheSameTickAndNamesTheResource) {
  SimRig rig;
  jog_at_speed(rig);
  const uint64_t tick_before = rig.latest().tick;
  rig.pen.set_fault(SimFault::kAdcReadError, true);
  rig.run_ticks(1);
  Snapshot s = rig.latest();
  EXPECT_TRUE(active(s, AlarmCode::kHardwareFault));
  EXPECT_FALSE(active(s, AlarmCode::kSensorFault)) << "one alarm for one failure";
  EXPECT_EQ(s.state, State::kFault);
  EXPECT_FALSE(s.motor_enabled) << "the tick that saw the failure drove the outputs safe";
  EXPECT_FALSE(rig.pen.last_outputs().motor_enable);
  EXPECT_EQ(s.depth_target_um, 0);
  ASSERT_EQ(s.hw_resource, hal::sim::SimPen::kPositionAdc + 1);
  EXPECT_EQ(rig.pen.resources()[s.hw_resource - 1u], "POSITION (sim adc channel 1)");
  EXPECT_EQ(s.hw_errno, EIO);

  // The loop keeps its period while the read keeps failing; the needles come home.
  rig.run_ticks(1000);
  s = rig.latest();
  EXPECT_EQ(s.tick, tick_before + 1001);
  EXPECT_EQ(s.state, State::kFault);
  EXPECT_LT(rig.pen.true_position_um(), 10.0);

  // No way back while the cause stays; then one acknowledgement.
  rig.acknowledge(bit(AlarmCode::kHardwareFault));
  rig.run_ticks(5);
  EXPECT_TRUE(active(rig.latest(), AlarmCode::kHardwareFault));
  rig.pen.set_fault(SimFault::kAdcReadError, false);
  rig.run_ticks(5);
  EXPECT_EQ(rig.latest().hw_resource, s.hw_resource) << "shown while the alarm is";
  rig.acknowledge();
  rig.run_ticks(5);
  s = rig.latest();
  EXPECT_FALSE(active(s, AlarmCode::kHardwareFault));
  EXPECT_EQ(s.hw_resource, 0);
  EXPECT_EQ(s.state, State::kIdle);
}

// A backend whose writes fail on demand: the loop learns of it from the write's status.
class FailingWrites final : public hal::Hal {
 public:
  explicit FailingWrites(hal::Hal& inner) : inner_(inner) {}
  std::string name() const override { return inner_.name(); }
  hal::Geometry geometry() const override { return inner_.geometry(); }
  bool configure(std::vector<std::string>& e) override { return inner_.configure(e); }
  bool activate(std::string& e) override { return inner_.activate(e); }
  void deactivate() override { inner_.deactivate(); }
  hal::IoStatus read(int64_t now_ns, hal::Inputs& in) override { return inner_.read(now_ns, in); }
  hal::IoStatus write(int64_t now_ns, const hal::Outputs& out) override {
    hal::IoStatus st = inner_.write(now_ns, out);
    if (fail) st.fail(1, ENODEV);
    return st;
  }
  const std::vector<std::string>& resources() const override { return names_; }
  std::optional<hal::CartridgeInfo> read_cartridge() override { return inner_.read_cartridge(); }
  bool fail = false;

 private:
  hal::Hal& inner_;
  std::vector<std::string> names_{"POSITION", "DRIVE_ENABLE (gpio dermad:0)"};
};

TEST(HardwareFault, AFailedWriteIsJudgedInTheNextTick) {
  hal::sim::SimPen pen;
  FailingWrites hal(pen);
  ControlConfig cfg;
  ControlCore core(hal, cfg);
  VirtualClock clock;
  LoopRunner runner(clock, core, cfg.period_ns);
  Snapshot s;
  for (int i = 0; i < 3000 && !(core.telemetry().latest(s) && s.state == State::kIdle); ++i) {
    runner.run_one();
  }
  ASSERT_EQ(s.state, State::kIdle);
  hal.fail = true;
  runner.run_one();  // this tick's write fails
  core.telemetry().latest(s);
  EXPECT_FALSE(active(s, AlarmCode::kHardwareFault));
  runner.run_one();  // and the next one acts on it
  core.telemetry().latest(s);
  EXPECT_TRUE(active(s, AlarmCode::kHardwareFault));
  EXPECT_EQ(s.state, State::kFault);
  EXPECT_EQ(s.hw_resource, 2);
  EXPECT_EQ(s.hw_errno, ENODEV);
  // Every write fails, the loop keeps ticking and keeps the safe outputs asked for.
  for (int i = 0; i < 100; ++i) runner.run_one();
  EXPECT_FALSE(pen.last_outputs().motor_enable);
  // In FAULT the watchdog line stops toggling, so an external watchdog cuts the power if the
  // drive could not be switched off through the failed line.
  const bool kick = pen.last_outputs().watchdog;
  for (int i = 0; i < 10; ++i) {
    runner.run_one();
    EXPECT_EQ(pen.last_outputs().watchdog, kick);
  }
}

}  // namespace
}  // namespace dermad::control
