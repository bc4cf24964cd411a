// What the I/O side knows of calibration (#14): the calibration in force of each kind (as the
// records' newest commit has it), the result staged for each kind until an engineer commits
// or discards it, and whether one is running. Sessions ask it whether the pen is calibrated
// (CALIBRATION_DUE). Any thread; one lock, held only to copy.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/control/command.hpp"
#include "daemon/control/depth_map.hpp"
#include "daemon/store/store.hpp"
#include "daemon/wall_clock.hpp"

namespace dermad::calibration {

// The kinds a session needs in force and not due.
inline const std::vector<std::string> kRequiredKinds = {"depth", "speed", "sensors"};
// The kinds there are.
inline const std::vector<std::string> kKinds = {"depth", "speed", "sensors"};

// Now, Unix time: what calibrations are staged, committed and due at.

// A finished calibration waiting for the engineer's commit or discard.
struct Staged {
  std::string kind;
  std::string by;  // who ran it
  int64_t wall_ns = 0;
  std::string summary;
  std::string data_json;
  control::DepthMap depth_map;  // kind "depth": what the commit puts in force
  control::SpeedModel speed_model{0.0, 0.0, 0.0, 0.0};  // kind "speed"
  control::SensorOffsets sensor_offsets;                // kind "sensors"
};

// A calibration in force: its record, or why the newest record cannot be used.
struct InForce {
  store::CalibrationRecord record;
  std::string unusable;  // non-empty: the loop runs without it, and sessions are refused
};

class CalibrationBook {
 public:
  void set_in_force(const std::string& kind, InForce f);
  std::optional<InForce> in_force(const std::string& kind) const;
  std::vector<InForce> all_in_force() const;

  // Why a session may not start at `wall_ns`, naming each kind; "" when it may.
  std::string due_refusal(int64_t wall_ns) const;

  void stage(Staged s);
  std::optional<Staged> staged(const std::string& kind) const;
  bool discard(const std::string& kind);

  // One calibration at a time: false when one runs already.
  bool begin_run();
  void end_run();

 private:
  mutable std::mutex mu_;
  std::map<std::string, InForce> in_force_;
  std::map<std::string, Staged> staged_;
  bool running_ = false;
};

}  // namespace dermad::calibration
