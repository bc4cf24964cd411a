// A simulated pen, the control core and a virtual clock wired together, for tests that
// run seconds of device time in milliseconds.
#pragma once

#include <functional>
#include <memory>

#include "daemon/control/clock.hpp"
#include "daemon/control/control_core.hpp"
#include "daemon/control/loop_runner.hpp"
#include "hal/sim/sim_pen.hpp"

namespace dermad::test {

struct SimRig {
  explicit SimRig(hal::sim::SimConfig sim_cfg = {}, control::ControlConfig cfg = {})
      : pen(sim_cfg),
        core(std::make_unique<control::ControlCore>(pen, cfg)),
        runner(clock, *core, cfg.period_ns) {}

  void run_ticks(int n) {
    for (int i = 0; i < n; ++i) runner.run_one();
  }
  // Runs until `pred` holds on the latest snapshot or `max_ticks` pass; returns ticks run.
  int run_until(const std::function<bool(const control::Snapshot&)>& pred, int max_ticks) {
    for (int i = 0; i < max_ticks; ++i) {
      runner.run_one();
      if (pred(latest())) return i + 1;
    }
    return -1;
  }
  control::Snapshot latest() const {
    control::Snapshot s;
    core->telemetry().latest(s);
    return s;
  }
  uint32_t next_id = 1;
  // Submits a command and runs one tick so the loop decides on it.
  control::Verdict command(control::Command c) {
    c.id = next_id++;
    if (!core->submit(c)) return control::Verdict::kPending;
    run_ticks(1);
    return core->verdict(c.id);
  }
  control::Verdict jog(int32_t depth_um, double speed_hz, uint32_t ms) {
    control::Command c;
    c.kind = control::CommandKind::kJog;
    c.depth_um = depth_um;
    c.speed_hz = speed_hz;
    c.duration_ms = ms;
    return command(c);
  }
  control::Verdict acknowledge(uint32_t mask = 0) {
    control::Command c;
    c.kind = control::CommandKind::kAcknowledge;
    c.alarm_mask = mask;
    return command(c);
  }
  // Arms a session at depth/speed with limits 200..1500 um and 50..150 Hz unless given.
  control::Verdict arm(int32_t depth_um, double speed_hz, int32_t dmin = 200, int32_t dmax = 1500,
                       double smin = 50, double smax = 150,
                       hal::CartridgeType cartridge = hal::CartridgeType::kStandard) {
    control::Command c;
    c.kind = control::CommandKind::kArm;
    c.depth_um = depth_um;
    c.speed_hz = speed_hz;
    c.depth_min_um = dmin;
    c.depth_max_um = dmax;
    c.speed_min_hz = smin;
    c.speed_max_hz = smax;
    c.cartridge = cartridge;
    core->link_beat(clock.now_ns());
    return command(c);
  }
  // Runs ticks with the session owner's heartbeat arriving before each.
  void run_linked(int n) {
    for (int i = 0; i < n; ++i) {
      core->link_beat(clock.now_ns());
      runner.run_one();
    }
  }
  bool boot_to_idle() {
    return run_until([](const control::Snapshot& s) { return s.state == control::State::kIdle; },
                     3000) > 0;
  }

  control::VirtualClock clock;
  hal::sim::SimPen pen;
  std::unique_ptr<control::ControlCore> core;
  control::LoopRunner runner;
};

}  // namespace dermad::test
