// An armed treatment session as the control loop enforces it: the depth and speed the
// session set, the limits the session may move them in, and the dead-man rule. Needles run
// (RUNNING) only while the trigger or pedal is held, a cartridge is in, the depth is
// reached and the owner's link is alive; anything else holds them at ARMED, drive off.
#pragma once

#include <cstdint>

#include "daemon/control/state.hpp"
#include "hal/hal.hpp"

namespace dermad::control {

struct SessionLimits {
  int32_t depth_min_um = 0, depth_max_um = 0;
  double speed_min_hz = 0, speed_max_hz = 0;
};

class ArmedRun {
 public:
  void arm(int32_t depth_um, double speed_hz, const SessionLimits& lim);
  void disarm() { armed_ = false; }
  bool armed() const { return armed_; }
  // Within the armed limits? Only then are the new values taken.
  bool set(int32_t depth_um, double speed_hz);
  // A zone change: new limits and values together, taken only if the values fit them.
  bool set(int32_t depth_um, double speed_hz, const SessionLimits& lim);
  const SessionLimits& limits() const { return lim_; }
  int32_t depth_um() const { return depth_um_; }

  struct Decision {
    State want = State::kArmed;
    int32_t depth_um = 0;
    double speed_hz = 0.0;
  };
  // What this tick allows, in ARMED or RUNNING.
  Decision step(const hal::Inputs& in, bool depth_reached, bool link_alive) const;

 private:
  bool armed_ = false;
  int32_t depth_um_ = 0;
  double speed_hz_ = 0.0;
  SessionLimits lim_;
};

}  // namespace dermad::control
