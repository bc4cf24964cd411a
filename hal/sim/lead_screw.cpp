#include "hal/sim/lead_screw.hpp"

#include <algorithm>
#include <cstdlib>

namespace dermad::hal::sim {

void LeadScrew::command(int32_t steps, bool enabled) {
  enabled_ = enabled;
  if (!enabled) {
    lost_steps_ += std::llabs(pending_) + std::abs(steps);
    pending_ = 0;
    return;
  }
  // The step generator queues at most 2 ms of steps at the pull-out rate; a request
  // beyond that would stall the rotor, and those steps are lost.
  pending_ += steps;
  const auto cap = static_cast<int64_t>(p_.max_step_rate_hz * 0.002);
  if (std::llabs(pending_) > cap) {
    lost_steps_ += std::llabs(pending_) - cap;
    pending_ = pending_ > 0 ? cap : -cap;
  }
}

void LeadScrew::step(double dt) {
  position_um_ = std::clamp(position_um_ + drift_um_s_ * dt, p_.min_um, p_.max_um);
  if (!enabled_ || pending_ == 0) {
    step_credit_ = 0.0;
    return;
  }
  step_credit_ += p_.max_step_rate_hz * dt;
  while (step_credit_ >= 1.0 && pending_ != 0) {
    step_credit_ -= 1.0;
    const int dir = pending_ > 0 ? 1 : -1;
    pending_ -= dir;
    const double next = position_um_ + dir * p_.um_per_step;
    slip_acc_ += slip_;
    if (slip_acc_ >= 1.0) {
      slip_acc_ -= 1.0;
      ++lost_steps_;
      continue;
    }
    if (next < p_.min_um || next > p_.max_um) {
      ++lost_steps_;  // against a hard stop the rotor slips
      continue;
    }
    position_um_ = next;
  }
}

}  // namespace dermad::hal::sim
