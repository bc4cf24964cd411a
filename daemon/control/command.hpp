// Requests from the I/O side to the loop, and the loop's verdicts on them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "daemon/control/depth_map.hpp"
#include "daemon/control/sensor_offsets.hpp"
#include "hal/cartridge.hpp"

namespace dermad::control {

enum class CommandKind : uint8_t {
  kJog,
  kAcknowledge,
  kSafeStop,
  kArm,
  kUpdate,
  kDisarm,
  kStopService,       // an engineer ends a service run early
  kSetSpeedModel,     // a committed speed calibration: gains and feed-forward (IDLE only)
  kSetDepthMap,       // a committed depth calibration (IDLE only)
  kHoldDepth,         // depth calibration: the stop to depth_um (raw), held, drive off
  kRelayTest,         // speed calibration: the relay about speed_hz, duty +- relay_duty
  kSetSensorOffsets,  // a committed sensors calibration (IDLE only)
};

// The speed loop's tuning a speed calibration sets (#14).
struct SpeedModel {
  double kp = 0.0;             // duty per Hz of error
  double ki = 0.0;             // duty per Hz second
  double no_load_hz = 0.0;     // feed-forward: speed per unit duty at nominal supply
  double friction_duty = 0.0;  // feed-forward: duty that overcomes dry friction
};
// What a SpeedModel may be; outside it is refused (kRefusedLimits, kLimitSpeed).
inline bool plausible(const SpeedModel& m) {
  return m.kp > 0.0 && m.kp <= 0.2 && m.ki >= 0.0 && m.ki <= 5.0 && m.no_load_hz >= 100.0 &&
         m.no_load_hz <= 600.0 && m.friction_duty >= 0.0 && m.friction_duty <= 0.3;
}

struct Command {
  CommandKind kind = CommandKind::kSafeStop;
  uint32_t id = 0;
  int32_t depth_um = 0;
  double speed_hz = 0.0;
  uint32_t duration_ms = 0;
  uint32_t alarm_mask = 0;  // kAcknowledge: which alarms; 0 = all
  // kArm: the limits the session's depth and speed may later be moved in (kUpdate).
  // kUpdate with depth_max_um > 0: a zone change, the new zone's limits.
  int32_t depth_min_um = 0, depth_max_um = 0;
  double speed_min_hz = 0.0, speed_max_hz = 0.0;
  // kArm: the session's cartridge type; its needles' depth ceiling bounds the session's
  // limits, whatever the protocol said (hal::needle_depth_ceiling_um).
  hal::CartridgeType cartridge = hal::CartridgeType::kUnknown;
  SpeedModel speed_model;               // kSetSpeedModel
  DepthMap depth_map;                   // kSetDepthMap
  double duty = 0.0, relay_duty = 0.0;  // kRelayTest: the bias and the relay's step
  SensorOffsets sensor_offsets;         // kSetSensorOffsets
};

// The detail of a verdict: kRefusedState gives the State, kRefusedAlarms the active alarm
// bits, kRefusedLimits which of these fields is out of limits, kAccepted for an
// acknowledgement the alarm bits it cleared.
// kRefusedCartridge: arming needs a cartridge in.
enum class Verdict : uint8_t {
  kPending,
  kAccepted,
  kRefusedState,
  kRefusedLimits,
  kRefusedAlarms,
  kRefusedCartridge
};
inline constexpr uint32_t kLimitDepth = 1, kLimitSpeed = 2, kLimitDuration = 4;
inline constexpr uint32_t kLimitDuty = 32;       // a relay test's bias or step
inline constexpr uint32_t kLimitSession = 8;     // outside the limits the session was armed with
inline constexpr uint32_t kLimitCartridge = 16;  // deeper than the cartridge's needles may go
inline constexpr uint32_t kLimitSensors = 64;    // sensor offsets beyond what may be taken out
// kRefusedCartridge's detail: arming needs a cartridge; a service run needs none.
inline constexpr uint32_t kCartridgeMissing = 0, kCartridgeInserted = 1;

// Verdicts the loop posts by command id; the submitter polls its slot. Ids wrap over
// 2^24 so a slot is never confused with the one 64 commands earlier.
class VerdictBoard {
 public:
  static constexpr std::size_t kSlots = 64;
  void post(uint32_t id, Verdict v, uint32_t detail = 0) {
    slots_[id % kSlots].store(pack(id, v, detail), std::memory_order_release);
  }
  // kPending until the loop has decided on command `id`.
  Verdict get(uint32_t id, uint32_t* detail = nullptr) const {
    const uint64_t s = slots_[id % kSlots].load(std::memory_order_acquire);
    if (static_cast<uint32_t>(s >> 40) != (id & 0xFFFFFF)) return Verdict::kPending;
    if (detail) *detail = static_cast<uint32_t>(s & 0xFFFFFFFF);
    return static_cast<Verdict>((s >> 32) & 0xFF);
  }

 private:
  static uint64_t pack(uint32_t id, Verdict v, uint32_t detail) {
    return (static_cast<uint64_t>(id & 0xFFFFFF) << 40) |
           (static_cast<uint64_t>(static_cast<uint8_t>(v)) << 32) | detail;
  }
  std::array<std::atomic<uint64_t>, kSlots> slots_{};
};

}  // namespace dermad::control
