// The pen's mechanics and electronics behind the kernel's interfaces: the project's own motor
// and lead-screw models (hal/sim), with SimPen's parameters (SimConfig's defaults) and its
// 20 us substep, plus the Hall sensor's square wave and what the sensors measure. No I/O
// here: plant_emulator.cpp feeds it what the kernel shows and writes out what it yields.
#pragma once

#include <cstdint>
#include <deque>

#include "hal/sim/lead_screw.hpp"
#include "hal/sim/motor_model.hpp"
#include "hal/sim/sim_pen.hpp"

namespace dermad::hil {

// A transition of the Hall sensor's output at the model time it happens.
struct TachChange {
  int64_t t_ns = 0;
  bool high = false;
};

class PenPlant {
 public:
  PenPlant(const hal::sim::SimConfig& cfg, int64_t start_ns);

  // The needle drive as its low-side switch sees it: DRIVE_ENABLE, the PWM's on-fraction
  // (0..1) and MOTOR_BRAKE. Holds until changed.
  void set_drive(bool enabled, double duty, bool brake) {
    drive_enabled_ = enabled;
    duty_ = duty;
    brake_ = brake;
  }
  // One STEP rising edge at t_ns (its kernel timestamp), `dir` +1 deeper, -1 shallower;
  // `enabled` is STEPPER_ENABLE's state at that moment (a disabled driver's steps are lost,
  // as SimPen counts them). The screw is brought to t_ns first, so steps reach the model at
  // the pace they were issued however late the plant reads them: its driver queues only 2 ms
  // of steps, and a batch handed over at once could overflow it where the real pulses did not.
  void step_pulse(int64_t t_ns, int dir, bool enabled) {
    screw_to(t_ns);
    screw_.command(dir, enabled);
  }
  void set_stepper_enabled(int64_t t_ns, bool enabled) {
    screw_to(t_ns);
    screw_.command(0, enabled);
  }
  // Advances the lead screw in whole substeps to t_ns (an earlier time leaves it where it is).
  void screw_to(int64_t t_ns);

  // The world around the pen, set by the test.
  void set_force_n(double f) { force_n_ = f; }
  void set_supply_v(double v) { supply_v_ = v; }
  void set_jammed(bool j) { motor_.set_jammed(j); }
  void set_slip(double fraction) { screw_.set_slip(fraction); }
  void set_drift(double um_per_s) { screw_.set_drift(um_per_s); }

  // Advances the motor in whole substeps up to t_ns, appending the Hall sensor's transitions
  // on the way to `out`, each timed by interpolating the angle within its substep as SimPen
  // does: rising edges at every 1/tach_edges_per_rev revolution (SimPen's phase), falling
  // edges half-way between (a Hall sensor's square wave). The motor and the screw share no
  // state, so each keeps its own time: the motor runs ahead of the clock (so edges are known
  // before they are due), the screw follows the trace's step pulses.
  void motor_to(int64_t t_ns, std::deque<TachChange>& out);

  double speed_hz() const;  // strokes (revolutions) per second
  double revolutions() const { return motor_.state().revolutions; }
  double current_a() const { return motor_.state().current_a; }
  double supply_v() const { return motor_.state().supply_v; }
  double force_n() const { return force_n_; }
  double position_um() const { return screw_.position_um(); }
  bool home_switch() const { return screw_.home_switch(); }
  int64_t lost_steps() const { return screw_.lost_steps(); }
  bool drive_enabled() const { return drive_enabled_; }
  double duty() const { return duty_; }
  bool brake() const { return brake_; }

 private:
  hal::sim::SimConfig cfg_;
  hal::sim::MotorModel motor_;
  hal::sim::LeadScrew screw_;
  int64_t motor_t_ns_, screw_t_ns_;
  int64_t substep_ns_;
  bool drive_enabled_ = false, brake_ = false;
  double duty_ = 0.0, force_n_ = 0.0, supply_v_;
  // In units of tach edges (revolutions * edges per revolution): where the next rise and
  // the next fall happen.
  double next_rise_ = 1.0, next_fall_ = 1.5;
};

}  // namespace dermad::hil
