// What the loop publishes once a tick: one timestamp, shared by every reader.
// Trivially copyable so it can travel through the seqlock ring.
#pragma once

#include <cstdint>
#include <type_traits>

#include "daemon/control/alarms.hpp"
#include "daemon/control/sensor_offsets.hpp"
#include "daemon/control/state.hpp"

namespace dermad::control {

struct LoopFigures {
  uint64_t ticks = 0;
  uint64_t overruns = 0;
  uint64_t missed_periods = 0;
  uint32_t late_p50_us = 0;
  uint32_t late_p99_us = 0;
  uint32_t late_max_us = 0;
  uint32_t period_us = 0;
};

struct Snapshot {
  uint64_t tick = 0;
  int64_t t_ns = 0;
  State state = State::kBoot;
  bool homed = false;

  int32_t depth_target_um = 0;
  int32_t depth_um = 0;           // the needles' protrusion: the sensor through the depth map
  int32_t depth_position_um = 0;  // the stop's position as the sensor reads it
  // The stop stands where this tick's target asks (by its step count: the check against the
  // sensor may still correct it; a reading taken for calibration waits for this to hold for
  // well over the depth controller's settle time).
  bool depth_at_target = false;
  double speed_target_hz = 0.0;
  double speed_hz = 0.0;  // tachometer
  double motor_duty = 0.0;
  bool motor_enabled = false;
  double motor_current_ma = 0.0;
  double force_n = 0.0;
  double temperature_c = 0.0;
  double supply_v = 0.0;
  // Taken off the current, force and temperature readings above (the sensors calibration in
  // force): a reading plus its offset is what the sensor gave.
  SensorOffsets sensor_offsets;

  bool trigger = false;
  bool pedal = false;
  bool estop = true;
  bool cartridge_present = false;
  bool home_switch = false;

  AlarmSet alarms;
  uint64_t strokes = 0;     // since the daemon started
  int64_t motor_on_ms = 0;  // drive enabled, since the daemon started
  int64_t service_remaining_ms = 0;

  // The hardware resource whose read or write failed (index into the HAL's resources() + 1;
  // 0: none), and its errno; held while HARDWARE_FAULT is active.
  uint16_t hw_resource = 0;
  int32_t hw_errno = 0;

  uint32_t late_us = 0;  // this tick's wake-up lateness
  LoopFigures loop;
};
static_assert(std::is_trivially_copyable_v<Snapshot>);

}  // namespace dermad::control
