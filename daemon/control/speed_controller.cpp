#include "daemon/control/speed_controller.hpp"

#include <algorithm>
#include <cmath>

namespace dermad::control {

void SpeedController::reset() {
  integral_ = 0.0;
  ramped_hz_ = 0.0;
  hist_n_ = 0;
  duty_ = 0.0;
  duty_cap_ = 1.0;
}

double SpeedController::target_at(int64_t t_ns) const {
  // Newest first; the ramp is piecewise linear between ticks, a step lookup is enough.
  const std::size_t n = std::min(hist_n_, kHistory);
  for (std::size_t k = 1; k <= n; ++k) {
    const std::size_t i = (hist_n_ - k) % kHistory;
    if (hist_t_[i] <= t_ns) return hist_hz_[i];
  }
  return n > 0 ? hist_hz_[(hist_n_ - n) % kHistory] : ramped_hz_;
}

double SpeedController::update(double target_hz, double measured_hz, int64_t measured_at_ns,
                               int64_t now_ns, double supply_v, double current_ma, double dt) {
  if (target_hz <= 0.0) {
    reset();
    return 0.0;
  }
  // The ramp eases into the target (its rate falls with the distance left, time constant
  // ramp_ease_s) so the acceleration feed-forward does not stop dead at the end.
  const double left = std::abs(target_hz - ramped_hz_);
  double step =
      std::min(g_.target_ramp_hz_s * dt, g_.ramp_ease_s > 0 ? left * dt / g_.ramp_ease_s : left);
  if (left - step < 0.05) step = left;  // the easing would never quite arrive
  const double before = ramped_hz_;
  ramped_hz_ = std::clamp(target_hz, ramped_hz_ - step, ramped_hz_ + step);
  const double accel_hz_s = dt > 0.0 ? (ramped_hz_ - before) / dt : 0.0;
  hist_t_[hist_n_ % kHistory] = now_ns;
  hist_hz_[hist_n_ % kHistory] = ramped_hz_;
  ++hist_n_;

  // At lower supply the same duty gives less speed: scale the feed-forward.
  const double v = supply_v > 1.0 ? supply_v : supply_nominal_v_;
  const double ff =
      (ramped_hz_ / no_load_hz_ + g_.accel_ff * accel_hz_s) * (supply_nominal_v_ / v) +
      g_.friction_duty;
  const double err = target_at(measured_at_ns) - measured_hz;
  // Current limit: the current scales with the duty near a stall, so scale the cap down
  // to the limit; let it recover at the slew rate once the current is back under it.
  if (current_ma > g_.current_limit_ma && duty_ > 0.0) {
    duty_cap_ = std::min(duty_cap_, duty_ * g_.current_limit_ma / current_ma);
  } else {
    duty_cap_ = std::min(1.0, duty_cap_ + g_.slew_per_s * dt);
  }
  const bool ramping = ramped_hz_ != target_hz;
  const double unsat = ff + g_.kp * err + integral_;
  const double sat = std::clamp(unsat, 0.0, duty_cap_);
  // Integrate only near the target (the feed-forward does the large moves; an integral
  // wound up during a ramp the plant lags is what overshoots) and only when that does not
  // push further into saturation.
  const bool near = !ramping && std::abs(err) <= g_.integrate_within_frac * ramped_hz_;
  const bool unwinds = (unsat > duty_cap_ && err < 0.0) || (unsat < 0.0 && err > 0.0);
  if (near && (unsat == sat || unwinds)) {
    integral_ += g_.ki * err * dt;
    integral_ = std::clamp(integral_, -0.5, 0.5);
  }
  const double max_delta = g_.slew_per_s * dt;
  duty_ = std::clamp(sat, duty_ - max_delta, duty_ + max_delta);
  return duty_;
}

}  // namespace dermad::control
