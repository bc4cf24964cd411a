// Needle speed loop: PI on the measured speed with a feed-forward from the motor's
// no-load speed at the measured supply, conditional-integration anti-windup, a duty slew
// limit, a soft-start ramp of the target, and a motor current limit that lowers the duty
// when the measured current exceeds it (a jammed cam draws its stall current otherwise).
#pragma once

namespace dermad::control {

struct SpeedGains {
  double kp = 0.012;               // duty per Hz of error
  double ki = 0.15;                // duty per Hz second
  double friction_duty = 0.04;     // duty that overcomes dry friction
  double target_ramp_hz_s = 2000;  // soft start
  double slew_per_s = 20.0;        // duty change per second
  double current_limit_ma = 1000;  // continuous current the drive allows
};

class SpeedController {
 public:
  SpeedController(SpeedGains g, double no_load_hz, double supply_nominal_v)
      : g_(g), no_load_hz_(no_load_hz), supply_nominal_v_(supply_nominal_v) {}

  // Returns the PWM duty for this tick; dt is the real time since the previous tick.
  double update(double target_hz, double measured_hz, double supply_v, double current_ma,
                double dt);
  bool current_limited() const { return limited_; }
  void reset();
  double ramped_target_hz() const { return ramped_hz_; }

 private:
  SpeedGains g_;
  double no_load_hz_;
  double supply_nominal_v_;
  double integral_ = 0.0;
  double ramped_hz_ = 0.0;
  double duty_ = 0.0;
  double duty_cap_ = 1.0;
  bool limited_ = false;
};

}  // namespace dermad::control
