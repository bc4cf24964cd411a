#include "hal/sim/motor_model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace dermad::hal::sim {

void MotorModel::step(double dt, double supply_nominal_v, bool enabled, double duty, double force_n,
                      bool brake) {
  const double two_pi = 2.0 * std::numbers::pi;
  const double k = p_.k_nm_per_a * k_scale_;
  duty = std::clamp(duty, 0.0, 1.0);

  // The supply sags with the current drawn in the previous step; the electrical time
  // constant (~0.1 ms) is below our step, so current follows voltage directly.
  double current = 0.0;
  if (enabled && duty > 0.0) {
    const double v = s_.supply_v * duty;
    current = std::max(0.0, (v - k * s_.omega_rad_s) / resistance_ohm_);
    // Average current seen by the supply is scaled by duty (switch open the rest).
  } else if (brake) {
    current = -k * s_.omega_rad_s / resistance_ohm_;  // the supply sees none
  }
  s_.current_a = current;
  s_.supply_v =
      supply_nominal_v - p_.supply_source_ohm * std::max(current, 0.0) * std::max(duty, 0.0);

  const bool in_skin = std::sin(s_.angle_rad) > 0.0;
  const double load = in_skin ? p_.load_nm_per_n * std::max(0.0, force_n) : 0.0;
  const double drive = k * current;
  const double resist = p_.viscous_nms * s_.omega_rad_s + load;

  if (jammed_) {
    s_.omega_rad_s = 0.0;
  } else if (s_.omega_rad_s <= 0.0) {
    // Stiction: the cam only moves once the drive beats dry friction plus the load.
    const double net = drive - load - p_.coulomb_nm;
    s_.omega_rad_s = net > 0.0 ? net / p_.inertia_kgm2 * dt : 0.0;
  } else {
    const double accel = (drive - resist - p_.coulomb_nm) / p_.inertia_kgm2;
    // A cam with needles does not run backwards: friction stops it at zero.
    s_.omega_rad_s = std::max(0.0, s_.omega_rad_s + accel * dt);
  }
  s_.angle_rad += s_.omega_rad_s * dt;
  s_.revolutions += s_.omega_rad_s * dt / two_pi;
  if (s_.angle_rad >= two_pi) s_.angle_rad = std::fmod(s_.angle_rad, two_pi);
}

}  // namespace dermad::hal::sim
