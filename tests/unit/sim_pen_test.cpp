#include "hal/sim/sim_pen.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace dermad::hal::sim {
namespace {

constexpr int64_t kMs = 1'000'000;

// Drives the pen at a fixed duty for `ms` milliseconds, 1 ms per read/write.
uint64_t drive(SimPen& pen, int64_t& t, double duty, int ms, Inputs& in) {
  Outputs out;
  out.motor_enable = duty > 0;
  out.motor_duty = duty;
  out.stepper_enable = true;
  uint64_t edges = 0;
  for (int i = 0; i < ms; ++i) {
    t += kMs;
    pen.read(t, in);
    edges += in.tach_edges;
    pen.write(t, out);
  }
  return edges;
}

TEST(SimPen, InputsDefaultToTheirSafeValues) {
  Inputs in;
  EXPECT_TRUE(in.estop_pressed);
  EXPECT_FALSE(in.trigger);
  EXPECT_FALSE(in.pedal);
  EXPECT_FALSE(in.cartridge_present);
  EXPECT_FALSE(in.supply_v.ok);
}

TEST(SimPen, MotorSpinsUpAndTachEdgesFollowTheRevolutions) {
  SimPen pen;
  int64_t t = 0;
  Inputs in;
  drive(pen, t, 0.6, 1000, in);
  const double speed = pen.true_speed_hz();
  // 60 % of a ~225 Hz no-load speed, less friction: a real motor, not an ideal one.
  EXPECT_GT(speed, 110.0);
  EXPECT_LT(speed, 0.6 * pen.geometry().motor_no_load_hz);
  const double revs_before = pen.true_revolutions();
  const uint64_t edges = drive(pen, t, 0.6, 1000, in);
  const double revs = pen.true_revolutions() - revs_before;
  EXPECT_NEAR(static_cast<double>(edges), revs * pen.geometry().tach_edges_per_rev, 2.0);
  EXPECT_GT(in.motor_current_ma.value, 10.0);
}

TEST(SimPen, EdgeTimestampsAreOrderedAndWithinTheTick) {
  SimPen pen;
  int64_t t = 0;
  Inputs in;
  drive(pen, t, 0.8, 300, in);
  int64_t last = 0;
  for (int i = 0; i < 200; ++i) {
    drive(pen, t, 0.8, 1, in);
    for (uint32_t e = 0; e < in.tach_edges; ++e) {
      EXPECT_GT(in.tach_edge_ns[e], last);
      EXPECT_LE(in.tach_edge_ns[e], t);
      EXPECT_GT(in.tach_edge_ns[e], t - kMs - 20000);  // timestamp jitter of a few us
      last = in.tach_edge_ns[e];
    }
  }
}

TEST(SimPen, SkinContactLoadsTheMotor) {
  SimPen free_pen, loaded_pen;
  loaded_pen.set_contact_force(4.0);
  int64_t t1 = 0, t2 = 0;
  Inputs in;
  drive(free_pen, t1, 0.5, 1500, in);
  drive(loaded_pen, t2, 0.5, 1500, in);
  EXPECT_LT(loaded_pen.true_speed_hz(), free_pen.true_speed_hz() * 0.97);
}

TEST(SimPen, DisabledMotorCoastsToAStop) {
  SimPen pen;
  int64_t t = 0;
  Inputs in;
  drive(pen, t, 0.6, 500, in);
  drive(pen, t, 0.0, 3000, in);
  EXPECT_EQ(pen.true_speed_hz(), 0.0);
  EXPECT_EQ(in.tach_edges, 0u);
}

TEST(SimPen, BrakingShortsTheWindingAndStopsTheCamQuickly) {
  SimPen braked, coasting;
  int64_t t1 = 0, t2 = 0;
  Inputs in;
  drive(braked, t1, 0.6, 1000, in);
  drive(coasting, t2, 0.6, 1000, in);
  Outputs brake;
  brake.motor_brake = true;
  for (int i = 0; i < 500; ++i) {
    t1 += kMs;
    braked.read(t1, in);
    braked.write(t1, brake);
  }
  drive(coasting, t2, 0.0, 500, in);
  EXPECT_EQ(braked.true_speed_hz(), 0.0);
  EXPECT_GT(coasting.true_speed_hz(), 40.0);
}

TEST(SimPen, StepperMovesTheStopAndTheSensorSeesIt) {
  SimConfig cfg;
  cfg.screw.initial_um = 500.0;
  SimPen pen(cfg);
  Outputs out;
  out.stepper_enable = true;
  out.stepper_steps = 3;  // below the 7000 steps/s pull-out rate at 1 ms
  Inputs in;
  int64_t t = 0;
  for (int i = 0; i < 100; ++i) {
    t += kMs;
    pen.read(t, in);
    pen.write(t, out);
  }
  t += kMs;
  pen.read(t, in);
  EXPECT_DOUBLE_EQ(pen.true_position_um(), 500.0 + 300 * 2.5);
  EXPECT_NEAR(in.position_um.value, 1250.0, 6.0);
  EXPECT_EQ(pen.lost_steps(), 0);
}

// The errors calibration must take out (#14): each where a real pen has it.
TEST(SimPen, CalibrationErrorsBendTheSensorAndTheNeedlesNotTheStop) {
  SimConfig cfg;
  cfg.screw.initial_um = 1000.0;
  cfg.position_noise_um = 0.0;
  SimPen pen(cfg);
  Inputs in;
  int64_t t = kMs;
  pen.read(t, in);
  EXPECT_NEAR(in.position_um.value, 1000.0, 0.7);  // one ADC step
  EXPECT_DOUBLE_EQ(pen.gauge_um(), 1000.0);

  pen.set_errors({1.03, 40.0, -25.0, 0.0});
  t += kMs;
  pen.read(t, in);
  EXPECT_DOUBLE_EQ(pen.true_position_um(), 1000.0);  // the stop itself did not move
  EXPECT_NEAR(in.position_um.value, 1.03 * 1000.0 + 40.0, 0.7);
  EXPECT_DOUBLE_EQ(pen.gauge_um(), 975.0);  // the needles stand out 25 um less
  const SimErrors e = pen.errors();
  EXPECT_EQ(e.position_scale, 1.03);
  EXPECT_EQ(e.position_offset_um, 40.0);
  EXPECT_EQ(e.protrusion_offset_um, -25.0);
}

TEST(SimPen, AStrongerMotorConstantRunsTheCamSlowerAtTheSameDuty) {
  // Back-EMF grows with the constant: at a given duty the no-load speed falls as 1/k.
  SimPen nominal, drifted;
  drifted.set_errors({1.0, 0.0, 0.0, 0.15});
  int64_t t1 = 0, t2 = 0;
  Inputs in;
  drive(nominal, t1, 0.6, 1500, in);
  drive(drifted, t2, 0.6, 1500, in);
  EXPECT_LT(drifted.true_speed_hz(), nominal.true_speed_hz() * 0.93);
  EXPECT_GT(drifted.true_speed_hz(), nominal.true_speed_hz() * 0.80);
}

TEST(SimPen, HomeSwitchClosesAtZeroAndTheHardStopLosesSteps) {
  SimConfig cfg;
  cfg.screw.initial_um = 20.0;
  SimPen pen(cfg);
  Outputs out;
  out.stepper_enable = true;
  out.stepper_steps = -2;
  Inputs in;
  int64_t t = 0;
  pen.read(t, in);
  EXPECT_FALSE(in.home_switch);
  for (int i = 0; i < 100; ++i) {
    t += kMs;
    pen.write(t, out);
    pen.read(t + 1, in);
  }
  EXPECT_TRUE(in.home_switch);
  EXPECT_GE(pen.true_position_um(), cfg.screw.min_um);
  EXPECT_GT(pen.lost_steps(), 0);
}

TEST(SimPen, StepsBeyondThePullOutRateAreLost) {
  SimPen pen;
  Outputs out;
  out.stepper_enable = true;
  out.stepper_steps = 70;  // ten times what 1 ms allows
  Inputs in;
  pen.write(0, out);
  out.stepper_steps = 0;
  for (int i = 1; i <= 10; ++i) {
    pen.read(i * kMs, in);
    pen.write(i * kMs, out);
  }
  // The driver issues the 2 ms it can queue (14 steps); the rest stalls the rotor.
  EXPECT_DOUBLE_EQ(pen.true_position_um(), 700.0 + 14 * 2.5);
  EXPECT_EQ(pen.lost_steps(), 56);
}

TEST(SimPen, SameSeedSameReadingsOtherSeedOtherNoise) {
  auto run = [](uint64_t seed) {
    SimConfig cfg;
    cfg.seed = seed;
    SimPen pen(cfg);
    int64_t t = 0;
    Inputs in;
    drive(pen, t, 0.5, 200, in);
    return in.motor_current_ma.value + in.position_um.value;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

TEST(SimPen, ScriptedInputsAndCartridge) {
  SimPen pen;
  Inputs in;
  pen.read(0, in);
  EXPECT_FALSE(in.estop_pressed);
  EXPECT_FALSE(in.cartridge_present);
  pen.set_trigger(true);
  pen.set_estop(true);
  pen.insert_cartridge({"C-1", CartridgeType::kNano, 36, "L1", "2027-01-01"});
  pen.read(kMs, in);
  EXPECT_TRUE(in.trigger);
  EXPECT_TRUE(in.estop_pressed);
  EXPECT_TRUE(in.cartridge_present);
  Hal& hal = pen;
  ASSERT_TRUE(hal.read_cartridge().has_value());
  EXPECT_EQ(hal.read_cartridge()->needles, 36u);
  EXPECT_EQ(hal.read_cartridge()->serial, "C-1");
  EXPECT_TRUE(hal.read_cartridge()->checksum_ok);
  CartridgeInfo corrupt{"C-2", CartridgeType::kNano, 36, "L1", "2027-01-01"};
  corrupt.checksum_ok = false;
  pen.insert_cartridge(corrupt);
  EXPECT_FALSE(hal.read_cartridge()->checksum_ok);
  EXPECT_EQ(hal.read_cartridge()->problem.rfind("CRC mismatch", 0), 0u)
      << hal.read_cartridge()->problem;
  pen.remove_cartridge();
  pen.read(2 * kMs, in);
  EXPECT_FALSE(in.cartridge_present);
  EXPECT_FALSE(hal.read_cartridge().has_value());
}

}  // namespace
}  // namespace dermad::hal::sim
