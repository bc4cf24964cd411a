// What the plant knows, for the test's assertions: the truth of the simulated pen (not what
// its sensors say), what it saw the controller do, and how well it kept time. The loop fills
// a Snapshot when asked; the report thread turns it into JSON and replaces the report file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/hil/plant/histogram.hpp"

namespace dermad::hil {

struct LatencySummary {
  uint64_t count = 0;
  double mean_us = 0, p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
  static LatencySummary of(const Histogram& h);
};

// One press of the e-stop: when the plant pulled the line (CLOCK_MONOTONIC, just before the
// write) and when the trace next showed DRIVE_ENABLE fall (kernel timestamp, same clock).
struct EstopRecord {
  int64_t press_ns = 0;
  bool drive_was_on = false;
  int64_t drive_fall_ns = -1;  // -1: not (yet) seen
  int64_t release_ns = -1;
};

struct LogEntry {
  int64_t t_ns = 0;
  std::string what;
};

struct Snapshot {
  int64_t t_ns = 0, start_ns = 0;
  // The simulated pen's truth.
  double speed_hz = 0, revolutions = 0, position_um = 0, current_a = 0, supply_v = 0;
  double force_n = 0, temp_c = 0;
  bool home_closed = false;
  int64_t lost_steps = 0;
  // STEP pulses seen in the trace.
  uint64_t step_edges = 0, steps_deeper = 0, steps_shallower = 0, steps_disabled = 0;
  uint64_t dir_setup_violations = 0, short_pulses = 0;
  // The Hall sensor's line.
  bool tach_enabled = true, tach_level = false;
  uint64_t tach_rises = 0, tach_falls = 0;
  LatencySummary tach_late;
  // The drive as the plant reads it.
  bool drive_enable = false, brake = false, dir = false, stepper_enable_phys = true;
  double duty = 0;
  bool pwm_exported = false, pwm_enable = false, pwm_inversed = false;
  int64_t pwm_period_ns = 0, pwm_duty_ns = 0;
  int64_t drive_rise_ns = -1, drive_fall_ns = -1;
  // The inputs the plant drives, logical (as the board file means them).
  bool estop_pressed = false, trigger = false, pedal = false, cartridge = false;
  int adc_raw[5] = {0, 0, 0, 0, 0};
  std::vector<EstopRecord> estops;
  // Timing of the plant's own loop.
  double rate_hz = 0, period_us = 0, wake_lead_us = 0, cpu_pct = 0;
  uint64_t iterations = 0, ticks = 0, overruns = 0;
  int rt_prio = 0;
  LatencySummary tick_late, wake_late;
  // The trace and errors.
  uint64_t trace_events = 0, trace_lost = 0, trace_bad_lines = 0, trace_resyncs = 0;
  uint64_t bad_commands = 0, io_errors = 0;
  uint64_t inputs_reasserted = 0;  // pulls another program changed, put back
  std::vector<LogEntry> log;
};

std::string to_json(const Snapshot& s);

// Writes `text` to PATH.tmp and renames it over PATH, so a reader never sees half a report.
bool write_atomically(const std::string& path, const std::string& text, std::string& error);

}  // namespace dermad::hil
