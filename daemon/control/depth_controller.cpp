#include "daemon/control/depth_controller.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace dermad::control {

void DepthController::start_homing() {
  homing_ = Homing::kSeeking;
  homing_steps_ = 0;
  velocity_ = 0.0;
  fraction_ = 0.0;
}

bool DepthController::at_target(int32_t target_um) const {
  const auto target_steps = std::lround(target_um / um_per_step_);
  return homed() && position_steps_ == target_steps && velocity_ == 0.0;
}

int32_t DepthController::update(int32_t target_um, bool home_switch, double sensor_um, double dt) {
  tracking_fault_ = false;
  if (std::isnan(sensor_um)) {
    filtered_um_ = sensor_um;
  } else {
    // ~4 tick time constant: averages the sensor's noise, lags a move by a few ticks.
    filtered_um_ =
        std::isnan(filtered_um_) ? sensor_um : filtered_um_ + 0.25 * (sensor_um - filtered_um_);
  }
  switch (homing_) {
    case Homing::kNotStarted:
    case Homing::kFailed:
      return 0;
    case Homing::kSeeking: {
      if (home_switch) {
        homing_ = Homing::kDone;
        position_steps_ = 0;
        velocity_ = 0.0;
        fraction_ = 0.0;
        return 0;
      }
      if (homing_steps_ >= lim_.homing_max_steps) {
        homing_ = Homing::kFailed;
        return 0;
      }
      fraction_ += std::min(lim_.homing_rate_steps_s * dt, max_steps_per_tick_);
      const auto n = static_cast<int32_t>(fraction_);
      fraction_ -= n;
      homing_steps_ += n;
      steps_issued_ += static_cast<uint64_t>(n);
      return -n;
    }
    case Homing::kDone:
      break;
  }
  const int64_t target = std::lround(target_um / um_per_step_);
  if (target == 0) {
    // Retracting: the home switch, not the step count, says when the needles are in.
    if (home_switch) {
      position_steps_ = 0;
      velocity_ = 0.0;
      fraction_ = 0.0;
      creep_steps_ = 0;
      return 0;
    }
    if (position_steps_ == 0 && velocity_ == 0.0) {
      // Counted home but the switch is open: steps were lost on the way; creep in.
      if (creep_steps_ >= lim_.homing_max_steps) {
        tracking_fault_ = true;
        creep_steps_ = 0;
        return 0;
      }
      fraction_ += std::min(lim_.homing_rate_steps_s * dt, max_steps_per_tick_);
      const auto n = static_cast<int32_t>(fraction_);
      fraction_ -= n;
      creep_steps_ += n;
      steps_issued_ += static_cast<uint64_t>(n);
      return -n;
    }
  }
  creep_steps_ = 0;
  if (!std::isnan(filtered_um_)) check(target, filtered_um_);
  const int32_t n = profile_steps(target, dt);
  position_steps_ += n;
  steps_issued_ += static_cast<uint64_t>(std::abs(n));
  return n;
}

void DepthController::check(int64_t target, double sensor_um) {
  if (target != last_target_steps_) {
    last_target_steps_ = target;
    corrections_ = 0;
    settled_ticks_ = 0;
  }
  const double error_um = sensor_um - static_cast<double>(position_steps_) * um_per_step_;
  if (velocity_ != 0.0 || position_steps_ != target) {
    settled_ticks_ = 0;
    if (std::abs(error_um) > lim_.gross_error_um) tracking_fault_ = true;
    return;
  }
  if (++settled_ticks_ < lim_.settle_ticks || std::abs(error_um) <= lim_.correct_above_um) return;
  if (corrections_ >= lim_.max_corrections) {
    // Report it, then keep trying: the safe state still wants the needles retracted.
    tracking_fault_ = true;
    corrections_ = 0;
    return;
  }
  // Missed steps: believe the sensor and move the rest of the way.
  ++corrections_;
  position_steps_ = std::lround(sensor_um / um_per_step_);
  settled_ticks_ = 0;
}

int32_t DepthController::profile_steps(int64_t target, double dt) {
  const double remaining = static_cast<double>(target - position_steps_) - fraction_;
  if (std::abs(remaining) < 0.5 && std::abs(velocity_) < lim_.accel_steps_s2 * dt) {
    velocity_ = 0.0;
    fraction_ = 0.0;
    return 0;
  }
  const double dir = remaining > 0 ? 1.0 : -1.0;
  // Fastest speed from which we can still stop in the distance left.
  const double v_stop = std::sqrt(2.0 * lim_.accel_steps_s2 * std::abs(remaining));
  const double v_want = dir * std::min(lim_.max_rate_steps_s, v_stop);
  const double dv = lim_.accel_steps_s2 * dt;
  velocity_ = std::clamp(v_want, velocity_ - dv, velocity_ + dv);
  double move = std::clamp(velocity_ * dt, -max_steps_per_tick_, max_steps_per_tick_);
  // Never step past the target.
  if (std::abs(move) > std::abs(remaining) && (move > 0) == (remaining > 0)) move = remaining;
  fraction_ += move;
  const auto n = static_cast<int32_t>(std::trunc(fraction_));
  fraction_ -= n;
  return n;
}

}  // namespace dermad::control
