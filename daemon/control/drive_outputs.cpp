#include "daemon/control/drive_outputs.hpp"

namespace dermad::control {

namespace {

struct Row {
  bool may_drive;
  bool kicks;
};

constexpr Row row(State s) {
  switch (s) {
    case State::kRunning:
    case State::kService:
      return {true, true};
    case State::kBoot:
    case State::kHoming:
    case State::kIdle:
    case State::kArmed:
      return {false, true};
    case State::kFault:
    case State::kEstop:
      return {false, false};
  }
  return {false, false};  // an unknown state is treated as a fault
}

}  // namespace

DriveOutputs drive_outputs(State s, bool wanted, double duty, bool loop_on_time) {
  const Row r = row(s);
  DriveOutputs o;
  o.enable = r.may_drive && wanted;
  o.duty = o.enable ? duty : 0.0;
  o.brake = !o.enable;
  o.kick_watchdog = r.kicks && loop_on_time;
  return o;
}

}  // namespace dermad::control
