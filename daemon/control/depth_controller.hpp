// Needle depth: homes the stepper on the home switch, then moves the needle stop to its
// target with a bounded-velocity, bounded-acceleration profile, in whole steps per tick.
#pragma once

#include <cstdint>

namespace dermad::control {

struct DepthLimits {
  double max_rate_steps_s = 3500;  // below the stepper's pull-out rate
  double accel_steps_s2 = 60000;
  double homing_rate_steps_s = 2000;
  int32_t homing_max_steps = 1400;  // more than the whole travel: the switch must be found
};

class DepthController {
 public:
  // `period_s` is the loop period: the driver issues a tick's steps before the next tick,
  // so a tick never asks for more than the rate allows in one period, even after a stall.
  DepthController(DepthLimits lim, double um_per_step, double period_s)
      : lim_(lim),
        um_per_step_(um_per_step),
        max_steps_per_tick_(lim.max_rate_steps_s * period_s) {}

  enum class Homing { kNotStarted, kSeeking, kDone, kFailed };

  void start_homing();
  void abandon_homing() { homing_ = Homing::kNotStarted; }
  // Returns the steps to issue this tick (sign = direction).
  int32_t update(int32_t target_um, bool home_switch, double dt);

  Homing homing() const { return homing_; }
  bool homed() const { return homing_ == Homing::kDone; }
  // Where the open-loop step count says the stop is.
  int32_t commanded_um() const;
  bool at_target(int32_t target_um) const;

 private:
  int32_t profile_steps(int64_t target_steps, double dt);

  DepthLimits lim_;
  double um_per_step_;
  double max_steps_per_tick_;
  Homing homing_ = Homing::kNotStarted;
  int64_t position_steps_ = 0;
  int64_t homing_steps_ = 0;
  double velocity_ = 0.0;  // steps/s, signed
  double fraction_ = 0.0;  // sub-step carried to the next tick
};

}  // namespace dermad::control
