// Needle speed loop: PI on the measured speed with a feed-forward from the motor's
// no-load speed at the measured supply, conditional-integration anti-windup, a duty slew
// limit, a soft-start ramp of the target, and a motor current limit that lowers the duty
// when the measured current exceeds it (a jammed cam draws its stall current otherwise).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace dermad::control {

struct SpeedGains {
  double kp = 0.03;                // duty per Hz of error
  double ki = 0.3;                 // duty per Hz second
  double friction_duty = 0.04;     // duty that overcomes dry friction
  double target_ramp_hz_s = 2000;  // soft start
  double slew_per_s = 100.0;       // duty change per second
  double current_limit_ma = 2000;  // current the drive allows (stall current is ~3.5 A)
  // Motor-model feed-forward of the ramp's acceleration: duty per Hz/s at nominal supply.
  // 2 pi J R / (Kt V) is 4.2e-4 for the nominal rotor, cam and needle carrier; sized for the
  // lightest (-20 %) instead, so no rotor of the range is pushed past its target.
  double accel_ff = 3.0e-4;
  double integrate_within_frac = 0.05;  // integral separation
  double ramp_ease_s = 0.025;
};

class SpeedController {
 public:
  SpeedController(SpeedGains g, double no_load_hz, double supply_nominal_v)
      : g_(g), no_load_hz_(no_load_hz), supply_nominal_v_(supply_nominal_v) {}

  // Returns the PWM duty for this tick; dt is the real time since the previous tick.
  // `measured_hz` is the speed at `measured_at_ns` (mid-revolution, in the past): the error
  // is taken against the ramped target at that time, so the feedback sees no lag to fight.
  double update(double target_hz, double measured_hz, int64_t measured_at_ns, int64_t now_ns,
                double supply_v, double current_ma, double dt);
  void reset();
  double ramped_target_hz() const { return ramped_hz_; }
  // A calibration's gains and feed-forward model, from the next update on (the drive off).
  void retune(double kp, double ki, double no_load_hz, double friction_duty) {
    g_.kp = kp;
    g_.ki = ki;
    no_load_hz_ = no_load_hz;
    g_.friction_duty = friction_duty;
    reset();
  }

 private:
  SpeedGains g_;
  double no_load_hz_;
  double supply_nominal_v_;
  double integral_ = 0.0;
  double ramped_hz_ = 0.0;
  double duty_ = 0.0;
  double duty_cap_ = 1.0;
  // The ramped target of the last ticks, to look it up at the measurement's time.
  static constexpr std::size_t kHistory = 256;
  std::array<int64_t, kHistory> hist_t_{};
  std::array<double, kHistory> hist_hz_{};
  std::size_t hist_n_ = 0;
  double target_at(int64_t t_ns) const;
};

}  // namespace dermad::control
