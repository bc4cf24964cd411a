// Needle depth: homes the stepper on the home switch, then moves the needle stop to its
// target with a bounded-velocity, bounded-acceleration profile, in whole steps per tick.
// The position sensor checks every move: once the stop has settled, a difference between
// the sensor and the step count means missed steps; the step count is re-synchronised to
// the sensor and the rest of the move made. An error that corrections cannot remove, or a
// gross difference during a move, is a tracking fault. A retraction ends on the home
// switch: the needles are in when the switch says so.
#pragma once

#include <cstdint>
#include <limits>

namespace dermad::control {

struct DepthLimits {
  double max_rate_steps_s = 6000;  // 15 mm/s, below the stepper's pull-out rate
  double accel_steps_s2 = 400000;  // 1 m/s^2: a few grams of needle stop
  double homing_rate_steps_s = 2000;
  int32_t homing_max_steps = 1400;  // more than the whole travel: the switch must be found
  double correct_above_um = 6.0;    // settled error that triggers a correction
  int max_corrections = 3;          // per target; one more is a tracking fault
  double gross_error_um = 250.0;    // sensor vs step count while moving (lag is ~90 um)
  int settle_ticks = 15;            // before a settled position is judged
};

class DepthController {
 public:
  // `period_s` is the loop period: the driver issues a tick's steps before the next tick,
  // so a tick never asks for more than the rate allows in one period, even after a stall.
  DepthController(DepthLimits lim, double um_per_step, double period_s)
      : lim_(lim),
        true_um_per_step_(um_per_step),
        um_per_step_(um_per_step),
        max_steps_per_tick_(lim.max_rate_steps_s * period_s) {}

  enum class Homing { kNotStarted, kSeeking, kDone, kFailed };

  void start_homing();
  void abandon_homing() { homing_ = Homing::kNotStarted; }
  // Returns the steps to issue this tick (sign = direction). `sensor_um` is the position
  // sensor's reading (NaN when unreadable: no check is made then).
  int32_t update(int32_t target_um, bool home_switch, double sensor_um, double dt);

  // True in the tick a tracking fault is found (cleared on the next update).
  bool tracking_fault() const { return tracking_fault_; }
  double filtered_um() const { return filtered_um_; }
  int corrections() const { return corrections_; }
  // Distance the issued steps would have moved the stop, summed over every move, in true um:
  // a committed sensor scale must not move it (the stuck-sensor monitor reads it each tick,
  // and a jump of the whole lifetime's travel times the scale's change in one tick, with a
  // reading that happened to repeat, latched SENSOR_FAULT at a depth calibration's commit).
  double travel_um() const { return static_cast<double>(steps_issued_) * true_um_per_step_; }

  Homing homing() const { return homing_; }
  bool homed() const { return homing_ == Homing::kDone; }
  bool at_target(int32_t target_um) const;
  // The position sensor reads `sensor_per_true` um for each um the stop truly moves (a
  // committed depth calibration's finding; 1 nominally). Targets and the sensor check are in
  // the sensor's um, so a step counts for that much of them. Set with the needles home.
  void set_sensor_scale(double sensor_per_true) {
    um_per_step_ = true_um_per_step_ * sensor_per_true;
  }

 private:
  int32_t profile_steps(int64_t target_steps, double dt);
  void check(int64_t target_steps, double sensor_um);

  DepthLimits lim_;
  double true_um_per_step_;
  double um_per_step_;  // in the sensor's um
  double max_steps_per_tick_;
  Homing homing_ = Homing::kNotStarted;
  int64_t position_steps_ = 0;
  int64_t homing_steps_ = 0;
  int64_t creep_steps_ = 0;
  double velocity_ = 0.0;  // steps/s, signed
  double fraction_ = 0.0;  // sub-step carried to the next tick
  double filtered_um_ = std::numeric_limits<double>::quiet_NaN();
  int64_t last_target_steps_ = -1;
  int settled_ticks_ = 0;
  int corrections_ = 0;
  uint64_t steps_issued_ = 0;
  bool tracking_fault_ = false;
};

}  // namespace dermad::control
