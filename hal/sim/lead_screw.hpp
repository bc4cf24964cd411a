// Physics of the depth actuator: a stepper turning a lead screw that moves the needle
// stop, between two hard stops. Steps past a hard stop, or more than the driver can issue
// at the pull-out rate, are lost.
#pragma once

#include <cstdint>

namespace dermad::hal::sim {

struct LeadScrewParams {
  double um_per_step = 2.5;
  double max_step_rate_hz = 7000.0;  // above this the motor stalls and steps are lost
  double min_um = -150.0;            // hard stop behind the home switch
  double max_um = 2600.0;            // hard stop at full extension
  double home_switch_um = 0.0;       // switch closed at or behind this position
  double initial_um = 700.0;         // where the stop was left at power-off
};

class LeadScrew {
 public:
  explicit LeadScrew(LeadScrewParams p) : p_(p), position_um_(p.initial_um) {}

  // Steps written by the controller for the next interval (sign = direction).
  void command(int32_t steps, bool enabled);
  // Issues queued steps at up to the maximum rate for dt seconds.
  void step(double dt);

  // Fraction of issued steps that do not move the stop (a slipping rotor), 0..1.
  void set_slip(double fraction) { slip_ = fraction; }
  // The stop creeping by itself, um/s (a lead screw back-driven by the needles).
  void set_drift(double um_per_s) { drift_um_s_ = um_per_s; }

  double position_um() const { return position_um_; }
  bool home_switch() const { return position_um_ <= p_.home_switch_um; }
  int64_t lost_steps() const { return lost_steps_; }
  const LeadScrewParams& params() const { return p_; }

 private:
  LeadScrewParams p_;
  double position_um_;
  int64_t pending_ = 0;
  bool enabled_ = false;
  double step_credit_ = 0.0;
  int64_t lost_steps_ = 0;
  double slip_ = 0.0;
  double slip_acc_ = 0.0;
  double drift_um_s_ = 0.0;
};

}  // namespace dermad::hal::sim
