// What a self-test step concludes from the loop's snapshots: pure logic, no threads, so it
// is tested against the simulated pen on virtual time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/control/snapshot.hpp"
#include "hal/hal.hpp"

namespace dermad::api {

// One measured figure of a step, with the range it must be in (when it has one).
struct Figure {
  std::string name;  // e.g. "supply_v"
  double value = 0;
  std::string unit;  // "V", "C", "um", "ms", "%", "mA"
  bool limited = false;
  double min = 0, max = 0;
};

struct StepResult {
  std::string name;
  bool passed = false;
  std::string detail;  // the figures measured, and what was wrong
  std::vector<Figure> figures;
};

// Before anything moves: IDLE, homed, no alarm, no cartridge (the test runs the needle
// drive). Empty when it may start, else every reason.
std::string self_test_refusal(const control::Snapshot& s);

// Supply within ±20 % of nominal, handpiece 10..45 °C, the needles home (switch closed,
// position sensor within 20 µm of zero).
StepResult check_sensors(const control::Snapshot& s, const hal::Geometry& g);

// One service run of the drive at a depth and speed, judged from every tick of it: no
// alarm, the depth within 10 µm of its target while the drive runs, the speed within 2 %
// of its target within 1 s of the drive's start, then within 3 % until it stops. (These
// say "healthy", not "as good as it gets": near 150 Hz the 12 V drive has little voltage
// left over its back-EMF and takes ~0.75 s to get there; control_bench measures quality.)
class DriveJudge {
 public:
  DriveJudge(int32_t depth_um, double speed_hz);
  void observe(const control::Snapshot& s);
  // The run is over: it was seen in SERVICE and is back out of it.
  bool finished() const { return seen_service_ && !in_service_; }
  StepResult result() const;

 private:
  int32_t depth_um_;
  double speed_hz_;
  bool seen_service_ = false, in_service_ = false;
  uint32_t alarms_ = 0;
  int64_t drive_start_ns_ = -1, reached_ns_ = -1;
  int32_t depth_err_max_ = 0;
  double steady_err_max_ = 0.0;  // fraction of the target
  double current_max_ma_ = 0.0;
  uint64_t steady_ticks_ = 0;
};

}  // namespace dermad::api
