#include "tests/hil/plant/pen_plant.hpp"

#include <algorithm>
#include <numbers>

namespace dermad::hil {

PenPlant::PenPlant(const hal::sim::SimConfig& cfg, int64_t start_ns)
    : cfg_(cfg),
      motor_(cfg.motor),
      screw_(cfg.screw),
      motor_t_ns_(start_ns),
      screw_t_ns_(start_ns),
      substep_ns_(static_cast<int64_t>(cfg.substep_s * 1e9)),
      supply_v_(cfg.supply_nominal_v) {}

double PenPlant::speed_hz() const {
  return motor_.state().omega_rad_s / (2.0 * std::numbers::pi);
}

void PenPlant::screw_to(int64_t t_ns) {
  const double dt = static_cast<double>(substep_ns_) * 1e-9;
  for (; screw_t_ns_ + substep_ns_ <= t_ns; screw_t_ns_ += substep_ns_) screw_.step(dt);
}

void PenPlant::motor_to(int64_t t_ns, std::deque<TachChange>& out) {
  const double per_rev = cfg_.tach_edges_per_rev;
  while (motor_t_ns_ + substep_ns_ <= t_ns) {
    const double dt = static_cast<double>(substep_ns_) * 1e-9;
    const double before = motor_.state().revolutions * per_rev;
    // The same call as SimPen::advance_to makes; but a motor at rest and not driven would
    // come out of its step unchanged, so that step is skipped: under QEMU's emulation 50,000
    // steps a second cost ~2% of the VM's CPU, which dermad's loop needs more.
    const auto& m = motor_.state();
    const bool at_rest = m.omega_rad_s == 0.0 && m.current_a == 0.0 && m.supply_v == supply_v_ &&
                         !(drive_enabled_ && duty_ > 0.0);
    if (!at_rest) motor_.step(dt, supply_v_, drive_enabled_, duty_, force_n_, brake_);
    const double after = motor_.state().revolutions * per_rev;
    // Rises at whole edge counts and falls half-way alternate, so handling whichever comes
    // first keeps `out` in time order even if one substep held several.
    while (std::min(next_rise_, next_fall_) <= after) {
      const bool rise = next_rise_ < next_fall_;
      double& at = rise ? next_rise_ : next_fall_;
      const double frac = (at - before) / (after - before);
      out.push_back(
          {motor_t_ns_ + static_cast<int64_t>(frac * static_cast<double>(substep_ns_)), rise});
      at += 1.0;
    }
    motor_t_ns_ += substep_ns_;
  }
}

}  // namespace dermad::hil
