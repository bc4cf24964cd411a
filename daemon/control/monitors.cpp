#include "daemon/control/monitors.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "daemon/control/alarms.hpp"

namespace dermad::control {

Monitors::Monitors(AlarmLimits lim, int64_t period_ns, int32_t depth_max_um)
    : lim_(lim), period_ns_(period_ns), depth_max_um_(depth_max_um) {}

int Monitors::ticks(double ms) const {
  return static_cast<int>(std::ceil(ms * 1e6 / static_cast<double>(period_ns_)));
}

uint32_t Monitors::evaluate(const hal::Inputs& in, const MonitorView& v) {
  uint32_t c = 0;
  if (in.estop_pressed) c |= bit(AlarmCode::kEstop);

  // Analog channels that cannot be read, or read what physics cannot produce. A channel whose
  // read failed is HARDWARE_FAULT's, which names it; SENSOR_FAULT would only repeat it.
  const bool unread =
      !in.motor_current_ma.ok || !in.position_um.ok || !in.supply_v.ok || !in.temperature_c.ok;
  const bool implausible =
      (unread && !v.hardware_failed) || (in.supply_v.ok && in.supply_v.value < 1.0) ||
      (in.temperature_c.ok && (in.temperature_c.value < -20.0 || in.temperature_c.value > 150.0));
  if (implausible || in.tach_edges_lost > 0) c |= bit(AlarmCode::kSensorFault);

  if (in.motor_current_ma.ok && in.motor_current_ma.value > lim_.overcurrent_ma) {
    c |= bit(AlarmCode::kOvercurrent);
  }

  // Drive on and no tachometer edge: jammed cam or lost sensor, told apart by back-EMF.
  drive_on_ticks_ = v.drive_on && v.duty >= lim_.stall_min_duty ? drive_on_ticks_ + 1 : 0;
  const int64_t silent_ns = v.last_edge_ns < 0 ? INT64_MAX : in.t_ns - v.last_edge_ns;
  if (drive_on_ticks_ >= ticks(lim_.no_edges_ms) &&
      silent_ns >= static_cast<int64_t>(lim_.no_edges_ms * 1e6)) {
    c |= v.emf_speed_hz < lim_.stall_emf_hz ? bit(AlarmCode::kMotorStall)
                                            : bit(AlarmCode::kSensorFault);
  }

  // Judged once the speed has reached its target, or a second after the ramp if it never
  // does; a spin-up under a current limit is not a tracking error.
  const bool on_target = v.drive_on && v.ramp_done;
  ramp_done_ticks_ = on_target ? ramp_done_ticks_ + 1 : 0;
  const bool off_speed = on_target && std::abs(v.speed_hz - v.speed_target_hz) >
                                          lim_.speed_tracking_frac * v.speed_target_hz;
  if (!on_target) {
    speed_reached_ = false;
  } else if (!off_speed) {
    speed_reached_ = true;
  }
  const bool judged = speed_reached_ || ramp_done_ticks_ >= ticks(lim_.speed_reach_ms);
  speed_off_ticks_ = off_speed && judged ? speed_off_ticks_ + 1 : 0;
  if (speed_off_ticks_ >= ticks(lim_.speed_tracking_ms)) c |= bit(AlarmCode::kSpeedTracking);

  if (v.depth_tracking_fault || v.homing_failed) c |= bit(AlarmCode::kDepthTracking);
  if (!std::isnan(v.filtered_depth_um) &&
      v.filtered_depth_um > depth_max_um_ + lim_.depth_limit_margin_um) {
    c |= bit(AlarmCode::kDepthLimit);
  }

  // A live sensor's reading changes with its noise; one that stays bit-identical while the
  // stop travels is frozen.
  if (in.position_um.ok) {
    if (in.position_um.value != last_position_reading_) {
      last_position_reading_ = in.position_um.value;
      travel_at_last_change_ = v.travel_um;
    } else if (v.travel_um - travel_at_last_change_ >= lim_.stuck_travel_um) {
      c |= bit(AlarmCode::kSensorFault);
    }
  }

  // Hysteresis so a temperature or supply hovering at the threshold does not chatter.
  if (in.temperature_c.ok) {
    const double t = in.temperature_c.value;
    hot_ticks_ = t > lim_.overtemp_c ? hot_ticks_ + 1 : 0;
    if (hot_ticks_ >= ticks(lim_.overtemp_ms)) hot_ = true;
    if (t < lim_.overtemp_clear_c) hot_ = false;
  }
  if (hot_) c |= bit(AlarmCode::kOvertemp);
  if (in.supply_v.ok) {
    const double u = in.supply_v.value;
    low_supply_ticks_ = u < lim_.supply_low_v ? low_supply_ticks_ + 1 : 0;
    if (low_supply_ticks_ >= ticks(lim_.supply_low_ms)) supply_low_ = true;
    if (u > lim_.supply_ok_v) supply_low_ = false;
  }
  if (supply_low_) c |= bit(AlarmCode::kSupplyLow);

  if (v.cartridge_removed_running) c |= bit(AlarmCode::kCartridgeRemoved);
  if (v.link_lost) c |= bit(AlarmCode::kLinkLost);
  if (v.records_failed) c |= bit(AlarmCode::kRecordsFailed);
  if (v.records_untrusted) c |= bit(AlarmCode::kRecordsUntrusted);
  if (v.hardware_failed) c |= bit(AlarmCode::kHardwareFault);

  // A late tick, even a few in a row, is the hypervisor's (or a busy kernel's) doing on
  // these machines (seen up to ~15 ms); half the periods of the last 100 ticks missed, or
  // one stall too long to ignore, is the loop failing.
  const int64_t missed = v.late_ns > 0 ? v.late_ns / period_ns_ : 0;
  missed_sum_ -= missed_[missed_at_];
  missed_[missed_at_] = static_cast<uint16_t>(std::min<int64_t>(missed, UINT16_MAX));
  missed_sum_ += missed_[missed_at_];
  missed_at_ = (missed_at_ + 1) % missed_.size();
  if (v.late_ns >= static_cast<int64_t>(lim_.stall_ms * 1e6) ||
      missed_sum_ >= lim_.missed_in_window) {
    c |= bit(AlarmCode::kLoopOverrun);
  }
  return c;
}

}  // namespace dermad::control
