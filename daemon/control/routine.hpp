// A service routine: while the loop is in SERVICE, a routine has the drive, one step a tick.
// The service run (jog) is one; the calibration's depth hold and relay test are others (#14). The
// core keeps them preallocated, so starting one allocates nothing, and ends the running one on
// every way out of SERVICE, once, saying how; the drive is then the normal controllers' again, with
// the needles retracted and the drive off as IDLE has them.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>

#include "daemon/control/depth_controller.hpp"
#include "daemon/control/depth_map.hpp"

namespace dermad::control {

// How a routine ended.
enum class RoutineEnd : uint8_t {
  kDone,         // it finished by itself
  kStopped,      // an engineer stopped it
  kFailed,       // it gave up by itself (a depth not reached in time, a cartridge put in)
  kInterrupted,  // SERVICE ended under it: a fault or the e-stop
  kShutdown,     // dermad is stopping
};
inline constexpr const char* to_string(RoutineEnd e) {
  switch (e) {
    case RoutineEnd::kDone:
      return "done";
    case RoutineEnd::kStopped:
      return "stopped";
    case RoutineEnd::kFailed:
      return "failed";
    case RoutineEnd::kInterrupted:
      return "interrupted";
    case RoutineEnd::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

// Which routine, for the record.
enum class RoutineKind : uint8_t { kServiceRun, kDepthHold, kRelayTest };
inline constexpr const char* to_string(RoutineKind k) {
  switch (k) {
    case RoutineKind::kServiceRun:
      return "service_run";
    case RoutineKind::kDepthHold:
      return "depth_hold";
    case RoutineKind::kRelayTest:
      return "relay_test";
  }
  return "unknown";
}

// What a routine sees in a tick.
struct RoutineView {
  int64_t now_ns = 0;
  bool cartridge_present = false;
  double speed_hz = 0.0;  // measured
  const DepthController* depth = nullptr;
  const DepthMap* map = nullptr;  // the committed depth calibration

  // Whether the stop has settled where `depth_um` asks: a protrusion through the map, or with
  // `raw`, a position of the stop as the sensor has it.
  bool at_depth(int32_t depth_um, bool raw = false) const {
    if (depth == nullptr) return false;
    if (raw || map == nullptr) return depth->at_target(depth_um);
    return depth->at_target(static_cast<int32_t>(std::lround(map->position_for(depth_um))));
  }
};

// What it asks of the drive this tick. With `end` set (kDone or kFailed) it is over: the
// targets are not used, the needles retract.
struct RoutineStep {
  int32_t depth_um = 0;
  double speed_hz = 0.0;
  bool raw_depth = false;  // depth_um is the stop's position, not a protrusion (calibration)
  // >= 0: the drive at this duty, open loop (speed calibration's relay); speed_hz > 0 then
  // only says the drive is on. The speed loop rests and starts afresh after.
  double duty = -1.0;
  std::optional<RoutineEnd> end;
};

class Routine {
 public:
  virtual ~Routine() = default;
  virtual RoutineKind kind() const = 0;
  virtual RoutineStep step(const RoutineView& v) = 0;
  // Once, however it ended, in the tick it ended.
  virtual void ended(RoutineEnd why, int64_t now_ns) = 0;
  // For the snapshot: what is left of it, ms.
  virtual int64_t remaining_ms(int64_t now_ns) const = 0;
};

}  // namespace dermad::control
