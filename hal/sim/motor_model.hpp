// Physics of the needle drive: a brushed coreless DC motor on a PWM low-side switch
// (current cannot reverse), turning the cam that makes one needle stroke per revolution.
#pragma once

#include <cstdint>

namespace dermad::hal::sim {

struct MotorParams {
  double resistance_ohm = 3.4;     // terminal resistance
  double k_nm_per_a = 0.0085;      // torque constant = back-EMF constant (V s/rad)
  double inertia_kgm2 = 2.0e-6;    // rotor + cam + needle carrier
  double viscous_nms = 1.0e-6;     // viscous friction per rad/s
  double coulomb_nm = 0.5e-3;      // dry friction of cam and bearings
  double load_nm_per_n = 0.35e-3;  // cam torque per newton of skin force while needles are in
  double supply_source_ohm = 0.3;  // supply internal resistance: the supply sags under load
};

struct MotorState {
  double omega_rad_s = 0.0;
  double angle_rad = 0.0;    // cam angle, [0, 2 pi)
  double revolutions = 0.0;  // since start: one per needle stroke
  double current_a = 0.0;
  double supply_v = 12.0;
};

class MotorModel {
 public:
  explicit MotorModel(MotorParams p) : p_(p), resistance_ohm_(p.resistance_ohm) {}

  // Advances by dt seconds. `duty` 0..1 applies while `enabled`; `force_n` loads the cam
  // during the half of each revolution the needles are in the skin.
  // `brake` (with the drive disabled) shorts the winding: the back-EMF drives a current
  // that brakes the rotor with K^2 omega / R.
  void step(double dt, double supply_nominal_v, bool enabled, double duty, double force_n,
            bool brake = false);

  // Faults: a jammed cam holds the rotor still; a shorted winding lowers the resistance.
  void set_jammed(bool jammed) { jammed_ = jammed; }
  void set_resistance_ohm(double r) { resistance_ohm_ = r; }
  // An aged or replaced motor: its torque (= back-EMF) constant is k_nm_per_a * scale.
  void set_k_scale(double scale) { k_scale_ = scale; }

  const MotorState& state() const { return s_; }
  const MotorParams& params() const { return p_; }

 private:
  MotorParams p_;
  MotorState s_;
  bool jammed_ = false;
  double resistance_ohm_;
  double k_scale_ = 1.0;
};

}  // namespace dermad::hal::sim
