// An armed treatment session as the control loop enforces it: the depth and speed the
// session set, the limits the session may move them in, and the dead-man rule. Needles run
// (RUNNING) only while the trigger or pedal is held, a cartridge is in, the depth is
// reached and the owner's link is alive; anything else holds them at ARMED, drive off.
//
// No restart without intent (ISO 12100): the operator's press is a latch that sets only on
// a rising edge of trigger-or-pedal while every other condition holds (the depth reached
// among them), and drops the moment any goes (release, link lapse, cartridge out, e-stop)
// or the session's depth changes. A switch held through the arming, a resume, a link loss
// or a depth change therefore never starts the needles: it must be released and pressed
// again.
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
  // Arms with the press latch open and the switch taken as held: the first run needs a press.
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
  // What this tick allows, in ARMED or RUNNING; called once a tick while armed.
  Decision step(const hal::Inputs& in, bool depth_reached, bool link_alive);
  // Whether the operator has pressed since everything was ready (the latch).
  bool pressed_with_intent() const { return intent_; }

 private:
  bool armed_ = false;
  bool held_before_ = true;  // trigger or pedal at the last step
  bool intent_ = false;      // the latch: set by a press while ready, dropped by anything
  int32_t depth_um_ = 0;
  double speed_hz_ = 0.0;
  SessionLimits lim_;
};

}  // namespace dermad::control
