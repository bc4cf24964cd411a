// The safety supervisor: the state machine of DESIGN.md with an explicit transition table,
// and the alarm latches. It decides from this tick's conditions alone, whatever the upper
// layers asked for: any high alarm means FAULT, the e-stop means ESTOP, and only an
// acknowledgement once the cause is gone brings the device back.
#pragma once

#include <cstdint>

#include "daemon/control/alarms.hpp"
#include "daemon/control/state.hpp"

namespace dermad::control {

// Whether the table allows `from` -> `to`.
bool transition_allowed(State from, State to);

class Supervisor {
 public:
  State state() const { return state_; }
  const AlarmSet& alarms() const { return alarms_; }

  // Applies this tick's alarm conditions (bit per AlarmCode) and the resulting state:
  // raises alarms, drops cleared non-latching ones, goes to ESTOP or FAULT as needed.
  void update(int64_t now_ns, uint32_t conditions);

  // A transition the device itself wants (homing done, service run over, ...). Returns
  // false and changes nothing if the table forbids it or an alarm holds the device.
  bool request(State to);

  // Clears the latched alarms in `mask` (0 = all) whose condition has cleared. Returns the
  // cleared bits. Leaves ESTOP / FAULT when no high alarm remains.
  uint32_t acknowledge(uint32_t mask, bool homed);

 private:
  void go(State to);

  State state_ = State::kBoot;
  AlarmSet alarms_;
};

}  // namespace dermad::control
