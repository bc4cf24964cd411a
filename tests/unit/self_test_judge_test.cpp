// The self-test's judgement on virtual time: a healthy pen passes, a broken one fails with
// the reason an engineer can act on.
#include "daemon/api/self_test_judge.hpp"

#include <gtest/gtest.h>

#include "tests/unit/sim_rig.hpp"

namespace dermad::api {
namespace {

using control::State;
using test::SimRig;

StepResult run_drive(SimRig& rig, int32_t depth, double hz) {
  DriveJudge judge(depth, hz);
  EXPECT_EQ(rig.jog(depth, hz, 1500), control::Verdict::kAccepted);
  judge.observe(rig.latest());
  for (int t = 0; t < 8000 && !judge.finished(); ++t) {
    rig.run_ticks(1);
    judge.observe(rig.latest());
  }
  EXPECT_TRUE(judge.finished());
  return judge.result();
}

TEST(SelfTestJudge, AHealthyPenPassesEveryStep) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  EXPECT_EQ(self_test_refusal(rig.latest()), "");
  const auto sensors = check_sensors(rig.latest(), rig.pen.geometry());
  EXPECT_TRUE(sensors.passed) << sensors.detail;
  for (const auto& [depth, hz] : {std::pair{500, 50.0}, {1000, 100.0}, {2000, 150.0}}) {
    const auto r = run_drive(rig, depth, hz);
    EXPECT_TRUE(r.passed) << r.name << ": " << r.detail;
    EXPECT_NE(r.detail.find("depth error max"), std::string::npos);
    // Every limited figure of a passed step is inside its range.
    ASSERT_EQ(r.figures.size(), 4u);
    for (const auto& f : r.figures) {
      if (f.limited) {
        EXPECT_TRUE(f.value >= f.min && f.value <= f.max) << r.name << " " << f.name;
      }
    }
  }
}

TEST(SelfTestJudge, AStalledDriveFailsWithItsAlarm) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  rig.pen.set_fault(hal::sim::SimFault::kMotorStall, true);
  const auto r = run_drive(rig, 1000, 100.0);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.detail.find("alarms: MOTOR_STALL"), std::string::npos) << r.detail;
}

TEST(SelfTestJudge, ALowSupplyFailsTheSensorsWithItsReading) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  rig.pen.set_fault(hal::sim::SimFault::kSupplySag, true);
  rig.run_ticks(50);
  const auto r = check_sensors(rig.latest(), rig.pen.geometry());
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.detail.find("outside 9.6..14.4 V"), std::string::npos) << r.detail;
  // The same reading as a field, outside the range the field carries.
  ASSERT_FALSE(r.figures.empty());
  const Figure& supply = r.figures[0];
  EXPECT_EQ(supply.name, "supply_v");
  EXPECT_EQ(supply.unit, "V");
  EXPECT_TRUE(supply.limited);
  EXPECT_DOUBLE_EQ(supply.min, 9.6);
  EXPECT_DOUBLE_EQ(supply.max, 14.4);
  EXPECT_LT(supply.value, supply.min);
}

TEST(SelfTestJudge, ItStartsOnlyFromAQuietIdleWithoutACartridge) {
  SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  rig.pen.insert_cartridge({"C-1", hal::CartridgeType::kStandard, 12, "L1", "2030-01-01"});
  rig.pen.set_estop(true);
  rig.run_ticks(2);
  const std::string why = self_test_refusal(rig.latest());
  EXPECT_NE(why.find("the device is ESTOP"), std::string::npos) << why;
  EXPECT_NE(why.find("unresolved alarms: ESTOP"), std::string::npos) << why;
  EXPECT_NE(why.find("remove the cartridge"), std::string::npos) << why;
}

}  // namespace
}  // namespace dermad::api
