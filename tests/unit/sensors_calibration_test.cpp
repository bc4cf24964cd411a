// The sensors calibration (#14): the fit from readings at rest, its record both ways, and the
// loop taking the offsets off every reading before a monitor judges it.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "daemon/calibration/sensors_record.hpp"
#include "tests/unit/sim_rig.hpp"

namespace dermad::calibration {
namespace {

SensorsMeasurement at_rest() {
  SensorsMeasurement m;
  m.samples = 500;
  m.current_mean_ma = 62.0;
  m.current_sd_ma = 4.0;
  m.force_mean_n = 0.45;
  m.force_sd_n = 0.02;
  m.temperature_mean_c = 26.5;
  m.temperature_sd_c = 0.01;
  return m;
}

bool says(const SensorsFit& f, const std::string& words) {
  for (const auto& r : f.refusals) {
    if (r.find(words) != std::string::npos) return true;
  }
  return false;
}

TEST(SensorsFit, TheZerosAreTheReadingsAtRestAndTheTemperatureIsAgainstTheReference) {
  const SensorsFit f = fit_sensors(at_rest(), 24.0);
  ASSERT_TRUE(f.ok) << f.refusals.front();
  EXPECT_DOUBLE_EQ(f.offsets.current_ma, 62.0);
  EXPECT_DOUBLE_EQ(f.offsets.force_n, 0.45);
  EXPECT_DOUBLE_EQ(f.offsets.temperature_c, 2.5);
}

TEST(SensorsFit, EveryReasonIsGivenAtOnce) {
  SensorsMeasurement m = at_rest();
  m.current_sd_ma = 40.0;                     // the drive moved
  m.force_sd_n = 0.5;                         // the tip was touched
  m.temperature_sd_c = 1.0;                   // not settled
  m.current_mean_ma = -151.0;                 // beyond a zero
  m.force_mean_n = 2.0;                       // beyond a tare
  const SensorsFit f = fit_sensors(m, 20.0);  // 6.5 C off
  EXPECT_FALSE(f.ok);
  EXPECT_EQ(f.refusals.size(), 6u);
  EXPECT_TRUE(says(f, "motor current was not steady"));
  EXPECT_TRUE(says(f, "force was not steady"));
  EXPECT_TRUE(says(f, "temperature was not steady"));
  EXPECT_TRUE(says(f, "-151.0 mA with the drive off"));
  EXPECT_TRUE(says(f, "2.00 N with nothing touching"));
  EXPECT_TRUE(says(f, "+6.50 C off the reference"));
}

TEST(SensorsFit, AReferenceOutsideARoomOrNothingMeasuredIsRefused) {
  for (const double ref : {9.9, 40.1, double{NAN}, double{INFINITY}}) {
    const SensorsFit f = fit_sensors(at_rest(), ref);
    EXPECT_FALSE(f.ok) << ref;
    EXPECT_TRUE(says(f, "outside 10..40 C")) << ref;
  }
  SensorsMeasurement none;
  EXPECT_TRUE(says(fit_sensors(none, 24.0), "no readings"));
  SensorsMeasurement nan = at_rest();
  nan.current_mean_ma = NAN;
  EXPECT_FALSE(fit_sensors(nan, 24.0).ok);
}

TEST(SensorsRecord, WhatACommitStoresIsWhatTheNextStartPutsInForce) {
  const SensorsFit f = fit_sensors(at_rest(), 24.0);
  const store::Details d = sensors_data(f, at_rest(), 24.0, {});
  std::string why;
  const auto back = sensor_offsets_from(store::details_text(d), why);
  ASSERT_TRUE(back) << why;
  EXPECT_DOUBLE_EQ(back->current_ma, 62.0);
  EXPECT_DOUBLE_EQ(back->force_n, 0.45);
  EXPECT_DOUBLE_EQ(back->temperature_c, 2.5);
  EXPECT_EQ(sensors_summary(d),
            "current zero +62.0 mA, force tare +0.450 N, temperature +2.50 C (against 24.00 C)");
  EXPECT_NE(sensors_summary(nominal_sensors_data()).find("nominal"), std::string::npos);
  for (const char* bad : {"", "[]", R"({"offsets":{"current_ma":900,"force_n":0,
                          "temperature_c":0}})",
                          R"({"offsets":{"current_ma":"x"}})"}) {
    EXPECT_FALSE(sensor_offsets_from(bad, why)) << bad;
    EXPECT_FALSE(why.empty());
  }
}

}  // namespace
}  // namespace dermad::calibration

namespace dermad::control {
namespace {

Command set_offsets(SensorOffsets o) {
  Command c;
  c.kind = CommandKind::kSetSensorOffsets;
  c.sensor_offsets = o;
  return c;
}

// A handpiece at 40 C whose sensor reads 4 C high: uncorrected it would be over the 43 C limit
// for skin; corrected, the monitor judges the true 40 C and the pen runs.
TEST(SensorOffsetsLoop, TheMonitorsJudgeTheCorrectedReadings) {
  hal::sim::SimConfig sim;
  sim.ambient_c = 40.0;
  ControlConfig cfg;
  cfg.sensor_offsets = {50.0, 0.3, 4.0};
  test::SimRig rig(sim, cfg);
  hal::sim::SimErrors e;
  e.current_offset_ma = 50.0;
  e.force_offset_n = 0.3;
  e.temperature_offset_c = 4.0;
  rig.pen.set_errors(e);
  ASSERT_TRUE(rig.boot_to_idle());
  rig.run_ticks(1000);
  const Snapshot s = rig.latest();
  EXPECT_EQ(s.alarms.active, 0u) << alarm_codes(s.alarms.active);
  EXPECT_NEAR(s.temperature_c, 40.0, 0.1);
  EXPECT_NEAR(s.force_n, 0.0, 0.1);
  EXPECT_NEAR(s.motor_current_ma, 0.0, 20.0);
  EXPECT_DOUBLE_EQ(s.sensor_offsets.temperature_c, 4.0);

  // Without the correction (a commit of zero offsets) the same pen is over-temperature.
  ASSERT_EQ(rig.command(set_offsets({})), Verdict::kAccepted);
  EXPECT_GT(
      rig.run_until(
          [](const Snapshot& x) { return (x.alarms.active & bit(AlarmCode::kOvertemp)) != 0; },
          2000),
      0);
}

TEST(SensorOffsetsLoop, RefusedUnderTheDriveOrBeyondWhatACalibrationMayTakeOut) {
  test::SimRig rig;
  ASSERT_TRUE(rig.boot_to_idle());
  EXPECT_EQ(rig.command(set_offsets({151.0, 0.0, 0.0})), Verdict::kRefusedLimits);
  EXPECT_EQ(rig.command(set_offsets({0.0, -1.6, 0.0})), Verdict::kRefusedLimits);
  EXPECT_EQ(rig.command(set_offsets({0.0, 0.0, NAN})), Verdict::kRefusedLimits);
  ASSERT_EQ(rig.jog(800, 60.0, 2000), Verdict::kAccepted);
  EXPECT_EQ(rig.command(set_offsets({10.0, 0.0, 0.0})), Verdict::kRefusedState);
  EXPECT_DOUBLE_EQ(rig.latest().sensor_offsets.current_ma, 0.0);
}

}  // namespace
}  // namespace dermad::control
