#include "daemon/control/speed_controller.hpp"

#include <algorithm>

namespace dermad::control {

void SpeedController::reset() {
  integral_ = 0.0;
  ramped_hz_ = 0.0;
  duty_ = 0.0;
  duty_cap_ = 1.0;
  limited_ = false;
}

double SpeedController::update(double target_hz, double measured_hz, double supply_v,
                               double current_ma, double dt) {
  if (target_hz <= 0.0) {
    reset();
    return 0.0;
  }
  const double step = g_.target_ramp_hz_s * dt;
  ramped_hz_ = std::clamp(target_hz, ramped_hz_ - step, ramped_hz_ + step);

  // At lower supply the same duty gives less speed: scale the feed-forward.
  const double v = supply_v > 1.0 ? supply_v : supply_nominal_v_;
  const double ff = ramped_hz_ / no_load_hz_ * (supply_nominal_v_ / v) + g_.friction_duty;
  const double err = ramped_hz_ - measured_hz;
  // Current limit: the current scales with the duty near a stall, so scale the cap down
  // to the limit; let it recover at the slew rate once the current is back under it.
  if (current_ma > g_.current_limit_ma && duty_ > 0.0) {
    duty_cap_ = std::min(duty_cap_, duty_ * g_.current_limit_ma / current_ma);
  } else {
    duty_cap_ = std::min(1.0, duty_cap_ + g_.slew_per_s * dt);
  }
  const double unsat = ff + g_.kp * err + integral_;
  const double sat = std::clamp(unsat, 0.0, duty_cap_);
  limited_ = unsat > duty_cap_ && duty_cap_ < 1.0;
  // Integrate only when that does not push further into saturation.
  if (unsat == sat || (unsat > duty_cap_ && err < 0.0) || (unsat < 0.0 && err > 0.0)) {
    integral_ += g_.ki * err * dt;
    integral_ = std::clamp(integral_, -0.5, 0.5);
  }
  const double max_delta = g_.slew_per_s * dt;
  duty_ = std::clamp(sat, duty_ - max_delta, duty_ + max_delta);
  return duty_;
}

}  // namespace dermad::control
