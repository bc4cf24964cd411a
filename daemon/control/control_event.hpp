// What the loop reports for the record: state changes, alarm transitions and the ends of
// service routines, through a bounded lock-free queue the I/O side drains into the store.
// Sized for the worst case: each tick can change the state once, raise and clear every alarm,
// see the cartridge switch change and end two routines (28 events); 4096 slots hold 146
// ticks of that, and the I/O side drains every 50 ms. If it ever fills, the loss
// is counted and reported as an event of its own as soon as there is room.
#pragma once

#include <cstdint>

#include "daemon/control/mpmc_queue.hpp"

namespace dermad::control {

enum class EventKind : uint8_t {
  kStateChanged,       // a = from State, b = to State
  kAlarmRaised,        // a = AlarmCode
  kAlarmCleared,       // a = AlarmCode (its condition went away, a non-latching alarm)
  kAlarmAcknowledged,  // a = AlarmCode, n = the acknowledging command's id
  kEventsLost,         // n = how many events the full queue dropped
  kCartridgeInserted,  // the cartridge-present switch closed
  kCartridgeRemoved,   // and opened
  kRoutineEnded,       // a = RoutineKind, b = RoutineEnd
};

struct ControlEvent {
  int64_t t_ns = 0;  // steady clock, the tick's time
  EventKind kind = EventKind::kStateChanged;
  uint8_t a = 0, b = 0;
  uint32_t n = 0;
};

using EventQueue = MpmcQueue<ControlEvent, 4096>;

}  // namespace dermad::control
