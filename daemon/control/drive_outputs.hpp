// The one place that decides what reaches the needle drive and the hardware watchdog, after
// the controllers have had their say: a table of states, in the manner of LinuxCNC's
// estop_latch. Only RUNNING and SERVICE may drive the needles; everywhere else the drive is
// off and braked whatever a controller asked for. The watchdog line stops toggling in FAULT
// and ESTOP and while the loop misses its period, so the external watchdog cuts motor power.
#pragma once

#include "daemon/control/state.hpp"

namespace dermad::control {

struct DriveOutputs {
  bool enable = false;
  double duty = 0.0;
  bool brake = true;
  bool kick_watchdog = false;  // toggle the watchdog line this tick
};

// What state `s` allows the drive, given what the speed controller asked (`wanted` with
// `duty`) and whether the loop is keeping its period.
DriveOutputs drive_outputs(State s, bool wanted, double duty, bool loop_on_time);

}  // namespace dermad::control
