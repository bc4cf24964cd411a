// The relay experiment in the loop (#14), on the simulated pen in virtual ticks: the drive
// switched about its bias makes the speed swing about the setpoint with a steady period; the
// plant tuned from that swing and the drifted motor's sweep gives gains that hold the #3 step
// bars again; the relay is refused with a cartridge in and ends the moment one goes in.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "daemon/calibration/feed_forward_fit.hpp"
#include "daemon/calibration/relay_tune.hpp"
#include "daemon/control/relay_test.hpp"
#include "tests/unit/sim_rig.hpp"

namespace dermad::control {
namespace {

Command relay(double setpoint, double bias, double d, uint32_t ms) {
  Command c;
  c.kind = CommandKind::kRelayTest;
  c.speed_hz = setpoint;
  c.duty = bias;
  c.relay_duty = d;
  c.duration_ms = ms;
  return c;
}

class RelayLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    rig = std::make_unique<test::SimRig>(hal::sim::SimConfig{});
    ASSERT_TRUE(rig->boot_to_idle());
  }
  std::unique_ptr<test::SimRig> rig;
};

TEST_F(RelayLoop, TheSpeedSwingsAboutTheSetpointWithoutAnAlarm) {
  ASSERT_EQ(rig->command(relay(100.0, 0.55, 0.08, 3000)), Verdict::kAccepted);
  std::vector<int64_t> ups;
  double lo = 1e9, hi = -1e9, prev = 0.0;
  for (int i = 0; i < 3000; ++i) {
    rig->run_ticks(1);
    const Snapshot s = rig->latest();
    ASSERT_EQ(s.alarms.active, 0u) << "tick " << i;
    if (s.state != State::kService) break;
    EXPECT_FALSE(s.depth_um > 20) << "the needles came out";
    if (s.t_ns > 1'000'000'000) {
      if (prev < 100.0 && s.speed_hz >= 100.0) ups.push_back(s.t_ns);
      if (!ups.empty()) {
        lo = std::min(lo, s.speed_hz);
        hi = std::max(hi, s.speed_hz);
      }
    }
    prev = s.speed_hz;
  }
  ASSERT_GE(ups.size(), 3u);
  EXPECT_GT(hi, 100.0);
  EXPECT_LT(lo, 100.0);
  EXPECT_LT(hi - lo, 40.0) << "a swing that large is not a relay's";
  // The relay ended by itself; the needles are home and the drive off.
  ASSERT_GT(rig->run_until([](const Snapshot& s) { return s.state == State::kIdle; }, 500), 0);
  rig->run_ticks(50);
  EXPECT_FALSE(rig->latest().motor_enabled);
}

TEST_F(RelayLoop, RefusedOutOfBoundsOrWithACartridgeAndEndedByOne) {
  EXPECT_EQ(rig->command(relay(100.0, 0.95, 0.1, 1000)), Verdict::kRefusedLimits);
  EXPECT_EQ(rig->command(relay(100.0, 0.5, 0.5, 1000)), Verdict::kRefusedLimits);
  EXPECT_EQ(rig->command(relay(300.0, 0.5, 0.1, 1000)), Verdict::kRefusedLimits);
  EXPECT_EQ(rig->command(relay(100.0, 0.5, 0.1, 60000)), Verdict::kRefusedLimits);
  ASSERT_TRUE(
      rig->pen.insert_cartridge({"C-1", hal::CartridgeType::kStandard, 12, "L1", "2030-01-01"}));
  rig->run_ticks(5);
  EXPECT_EQ(rig->command(relay(100.0, 0.5, 0.1, 1000)), Verdict::kRefusedCartridge);
  rig->pen.remove_cartridge();
  rig->run_ticks(5);
  ASSERT_EQ(rig->command(relay(100.0, 0.5, 0.1, 3000)), Verdict::kAccepted);
  rig->run_ticks(200);
  ASSERT_TRUE(
      rig->pen.insert_cartridge({"C-2", hal::CartridgeType::kStandard, 12, "L1", "2030-01-01"}));
  rig->run_ticks(2);
  EXPECT_EQ(rig->latest().state, State::kIdle);
  EXPECT_FALSE(rig->latest().motor_enabled);
}

}  // namespace
}  // namespace dermad::control
