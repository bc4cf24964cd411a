// The alarm conditions, judged every tick from that tick's readings. Debounced where the
// physics needs it (a stall takes time to tell from a slow start); instant where a single
// reading is already proof (over-current, e-stop). Thresholds are configuration.
// Without tachometer edges the back-EMF tells a jammed cam (no EMF) from a lost sensor
// (the motor still turns).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "hal/hal.hpp"

namespace dermad::control {

struct AlarmLimits {
  double overcurrent_ma = 3000;  // instant trip, above the drive's current limit
  double stall_emf_hz = 20.0;    // no tach edges and the back-EMF says slower: a stall
  double no_edges_ms = 100;      // drive on without edges this long: stall or lost tach
  double stall_min_duty = 0.10;  // below this duty the cam may legitimately not turn
  double speed_tracking_frac = 0.10;
  double speed_tracking_ms = 300;
  double speed_reach_ms = 1000;        // a target never reached counts from this long after
  int32_t depth_limit_margin_um = 50;  // beyond the device's maximum depth
  double overtemp_c = 43.0;            // IEC 60601-1 limit for applied parts touching skin
  double overtemp_clear_c = 41.0;
  double overtemp_ms = 500;
  double supply_low_v = 9.0;  // 25 % under nominal: below the +/-20 % the drive is built for
  double supply_ok_v = 9.3;
  double supply_low_ms = 50;
  double stuck_travel_um = 60;  // stop moved this far with a frozen sensor reading
  double stall_ms = 100;        // one wake-up this late: the pen was unattended
  int missed_in_window = 50;    // or this many periods missed within the last kWindowTicks
  static constexpr int kWindowTicks = 100;
};

// What the monitors need besides the HAL inputs, from the controllers of this tick.
struct MonitorView {
  bool drive_on = false;
  double duty = 0.0;
  double speed_target_hz = 0.0;  // target after the soft-start ramp
  bool ramp_done = false;        // the ramp has reached the requested target
  double speed_hz = 0.0;
  int64_t last_edge_ns = -1;  // last tachometer edge
  double emf_speed_hz = 0.0;  // speed the motor's back-EMF implies
  double travel_um = 0.0;     // distance the issued steps moved the stop, ever
  double filtered_depth_um = 0.0;
  bool depth_tracking_fault = false;
  bool homing_failed = false;
  bool cartridge_removed_running = false;
  bool link_lost = false;          // the owner's heartbeat lapsed while running, and is not back
  bool records_failed = false;     // the I/O side cannot write the durable records
  bool records_untrusted = false;  // damaged, rolled back or lost, not yet accepted
  bool hardware_failed = false;    // this tick's HAL read, or the last write, failed
  int64_t late_ns = 0;
};

class Monitors {
 public:
  Monitors(AlarmLimits lim, int64_t period_ns, int32_t depth_max_um);

  // The bitmask of AlarmCode conditions present in this tick.
  uint32_t evaluate(const hal::Inputs& in, const MonitorView& v);

 private:
  int ticks(double ms) const;

  AlarmLimits lim_;
  int64_t period_ns_;
  int32_t depth_max_um_;
  int drive_on_ticks_ = 0;
  int speed_off_ticks_ = 0;
  int ramp_done_ticks_ = 0;
  bool speed_reached_ = false;
  int hot_ticks_ = 0;
  bool hot_ = false;
  int low_supply_ticks_ = 0;
  bool supply_low_ = false;
  std::array<uint16_t, AlarmLimits::kWindowTicks> missed_{};  // periods missed, per tick
  std::size_t missed_at_ = 0;
  int missed_sum_ = 0;
  double last_position_reading_ = -1.0;
  double travel_at_last_change_ = 0.0;
};

}  // namespace dermad::control
