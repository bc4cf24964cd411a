#include "daemon/control/armed_run.hpp"

namespace dermad::control {

void ArmedRun::arm(int32_t depth_um, double speed_hz, const SessionLimits& lim) {
  armed_ = true;
  held_before_ = true;
  intent_ = false;
  depth_um_ = depth_um;
  speed_hz_ = speed_hz;
  lim_ = lim;
}

bool ArmedRun::set(int32_t depth_um, double speed_hz) {
  if (depth_um < lim_.depth_min_um || depth_um > lim_.depth_max_um) return false;
  if (!(speed_hz >= lim_.speed_min_hz && speed_hz <= lim_.speed_max_hz)) return false;
  if (depth_um != depth_um_) intent_ = false;  // a new depth: reached first, then a new press
  depth_um_ = depth_um;
  speed_hz_ = speed_hz;
  return true;
}

bool ArmedRun::set(int32_t depth_um, double speed_hz, const SessionLimits& lim) {
  const SessionLimits old = lim_;
  lim_ = lim;
  if (set(depth_um, speed_hz)) return true;
  lim_ = old;
  return false;
}

ArmedRun::Decision ArmedRun::step(const hal::Inputs& in, bool depth_reached, bool link_alive) {
  Decision d;
  d.depth_um = depth_um_;
  const bool held = in.trigger || in.pedal;
  const bool ok = armed_ && in.cartridge_present && !in.estop_pressed && link_alive;
  const bool pressed = held && !held_before_;
  held_before_ = held;
  // The depth must be reached for a press to count; once running, the depth controller's
  // own small corrections do not stop the needles (a stall of the stop is DEPTH_TRACKING).
  if (!held || !ok) {
    intent_ = false;
  } else if (pressed && depth_reached) {
    intent_ = true;
  }
  if (intent_) {
    d.want = State::kRunning;
    d.speed_hz = speed_hz_;
  }
  return d;
}

}  // namespace dermad::control
