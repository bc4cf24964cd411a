#include "hal/sim/lead_screw.hpp"

#include <algorithm>
#include <cstdlib>

namespace dermad::hal::sim {

void LeadScrew::command(int32_t steps, bool enabled) {
  // Steps not issued in the last interval are gone: the driver only has one tick for them.
  lost_steps_ += std::llabs(pending_);
  enabled_ = enabled;
  pending_ = enabled ? steps : 0;
  if (!enabled) lost_steps_ += std::abs(steps);
}

void LeadScrew::step(double dt) {
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
    if (next < p_.min_um || next > p_.max_um) {
      ++lost_steps_;  // against a hard stop the rotor slips
      continue;
    }
    position_um_ = next;
  }
}

}  // namespace dermad::hal::sim
