// Unit tests of the plant's pure parts, run with the rest of the suite (no VM): the physics
// are SimPen's (same models, parameters and substep, so the same edges and positions), and
// the trace and command parsers read what they must.
#include <gtest/gtest.h>

#include <deque>

#include "hal/sim/sim_pen.hpp"
#include "tests/hil/plant/commands.hpp"
#include "tests/hil/plant/pen_plant.hpp"
#include "tests/hil/plant/trace_gpio.hpp"

namespace dermad::hil {
namespace {

constexpr int64_t kMs = 1'000'000;

TEST(PenPlant, MotorAndTachAsSimPen) {
  hal::sim::SimPen sim;
  hal::Outputs out;
  out.motor_enable = true;
  out.motor_duty = 0.5;
  sim.write(0, out);
  PenPlant plant(hal::sim::SimConfig{}, 0);
  plant.set_drive(true, 0.5, false);
  std::deque<TachChange> changes;
  uint32_t sim_edges = 0;
  hal::Inputs in;
  for (int64_t t = kMs; t <= 2000 * kMs; t += kMs) {
    sim.read(t, in);
    sim_edges += in.tach_edges;
  }
  plant.motor_to(2000 * kMs, changes);
  EXPECT_DOUBLE_EQ(plant.speed_hz(), sim.true_speed_hz());
  EXPECT_DOUBLE_EQ(plant.revolutions(), sim.true_revolutions());
  uint32_t rises = 0;
  int64_t last = -1;
  bool high = false;
  for (const auto& c : changes) {
    EXPECT_GE(c.t_ns, last);  // in time order
    EXPECT_NE(c.high, high);  // alternating
    last = c.t_ns;
    high = c.high;
    rises += c.high;
  }
  // SimPen jitters its edges' timestamps: one may still be pending at the last read.
  EXPECT_NEAR(rises, sim_edges, 1);
  EXPECT_EQ(rises, static_cast<uint32_t>(plant.revolutions() * 2));
  EXPECT_GT(plant.speed_hz(), 100.0);
}

TEST(PenPlant, StepsAsSimPenIncludingItsTwoMillisecondQueue) {
  PenPlant plant(hal::sim::SimConfig{}, 0);
  plant.set_stepper_enabled(0, true);
  for (int i = 0; i < 200; ++i) plant.step_pulse((i + 1) * kMs / 2, 1, true);  // 2 kHz
  plant.screw_to(200 * kMs);
  EXPECT_DOUBLE_EQ(plant.position_um(), 700.0 + 200 * 2.5);
  EXPECT_EQ(plant.lost_steps(), 0);

  // 20 pulses at once: the driver queues 2 ms at 7 kHz (14); SimPen loses the rest too.
  hal::sim::SimPen sim;
  hal::Outputs out;
  out.stepper_enable = true;
  out.stepper_steps = 20;
  sim.write(0, out);
  out.stepper_steps = 0;
  sim.write(10 * kMs, out);
  for (int i = 0; i < 20; ++i) plant.step_pulse(300 * kMs, 1, true);
  plant.screw_to(310 * kMs);
  EXPECT_EQ(plant.lost_steps(), sim.lost_steps());
  EXPECT_EQ(plant.lost_steps(), 6);
  EXPECT_DOUBLE_EQ(plant.position_um() - 1200.0, sim.true_position_um() - 700.0);

  plant.step_pulse(400 * kMs, -1, false);  // a disabled driver: lost
  plant.screw_to(410 * kMs);
  EXPECT_EQ(plant.lost_steps(), 7);
}

TEST(PenPlant, HomeSwitchAtZero) {
  hal::sim::SimConfig cfg;
  cfg.screw.initial_um = 2.5;
  PenPlant plant(cfg, 0);
  plant.set_stepper_enabled(0, true);
  EXPECT_FALSE(plant.home_switch());
  plant.step_pulse(kMs, -1, true);
  plant.screw_to(2 * kMs);
  EXPECT_TRUE(plant.home_switch());
}

TEST(TraceLine, ParsesSetsAndLostEvents) {
  GpioTraceEvent ev;
  uint64_t lost = 0;
  ASSERT_EQ(parse_trace_line("         python3-245     [000] .....    12.345678: gpio_value: "
                             "1010 set 1",
                             ev, lost),
            TraceLine::kEvent);
  EXPECT_EQ(ev.t_ns, 12'345'678'000);
  EXPECT_EQ(ev.gpio, 1010u);
  EXPECT_TRUE(ev.value);
  ASSERT_EQ(parse_trace_line("dermad-7 [001] d..1. 3.000001: gpio_value: 1008 set 0", ev, lost),
            TraceLine::kEvent);
  EXPECT_EQ(ev.t_ns, 3'000'001'000);
  EXPECT_FALSE(ev.value);
  EXPECT_EQ(parse_trace_line("CPU:0 [LOST 42 EVENTS]", ev, lost), TraceLine::kLost);
  EXPECT_EQ(lost, 42u);
  EXPECT_EQ(parse_trace_line("x-1 [000] ..... 1.000000: gpio_value: 1018 get 1", ev, lost),
            TraceLine::kOther);
  EXPECT_EQ(parse_trace_line("x-1 [000] ..... 1.000000: gpio_direction: 1018 in (0)", ev, lost),
            TraceLine::kOther);
}

TEST(Commands, ParseAndRefuse) {
  Command c;
  std::string error;
  ASSERT_TRUE(parse_command("estop press", c, error));
  EXPECT_EQ(c.kind, Command::kEstop);
  EXPECT_TRUE(c.on);
  ASSERT_TRUE(parse_command("  cartridge remove\r", c, error));
  EXPECT_EQ(c.kind, Command::kCartridge);
  EXPECT_FALSE(c.on);
  ASSERT_TRUE(parse_command("force 2.5", c, error));
  EXPECT_EQ(c.kind, Command::kForce);
  EXPECT_DOUBLE_EQ(c.value, 2.5);
  ASSERT_TRUE(parse_command("mark phase two", c, error));
  EXPECT_EQ(c.text, "phase two");
  EXPECT_FALSE(parse_command("force lots", c, error));
  EXPECT_NE(error.find("expected a number"), std::string::npos);
  EXPECT_FALSE(parse_command("trigger sideways", c, error));
  EXPECT_FALSE(parse_command("launch", c, error));
  EXPECT_NE(error.find("unknown command"), std::string::npos);
}

}  // namespace
}  // namespace dermad::hil
