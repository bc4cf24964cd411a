// Alarm codes, their IEC 60601-1-8 style priorities and latch rules, and the set the
// supervisor keeps. Plain data: the loop updates it without allocating.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dermad::control {

enum class AlarmCode : uint8_t {
  kEstop,
  kMotorStall,
  kOvercurrent,
  kSpeedTracking,
  kDepthTracking,
  kDepthLimit,
  kOvertemp,
  kSupplyLow,
  kCartridgeRemoved,
  kSensorFault,
  kLoopOverrun,
  kLinkLost,
  kRecordsFailed,
  kRecordsUntrusted,
  kHardwareFault,
  kCount
};
inline constexpr std::size_t kAlarmCount = static_cast<std::size_t>(AlarmCode::kCount);

enum class Priority : uint8_t { kLow = 1, kMedium = 2, kHigh = 3 };

struct AlarmInfo {
  std::string_view code;
  Priority priority;
  bool latches;  // stays until acknowledged after its condition clears
  std::string_view text;
};

inline constexpr std::array<AlarmInfo, kAlarmCount> kAlarmTable{{
    {"ESTOP", Priority::kHigh, true, "Emergency stop pressed"},
    {"MOTOR_STALL", Priority::kHigh, true, "Needle drive stalled"},
    {"OVERCURRENT", Priority::kHigh, true, "Motor current above limit"},
    {"SPEED_TRACKING", Priority::kMedium, true, "Needle speed does not follow its target"},
    {"DEPTH_TRACKING", Priority::kHigh, true, "Needle depth does not follow its target"},
    {"DEPTH_LIMIT", Priority::kHigh, true, "Needle depth outside its limit"},
    {"OVERTEMP", Priority::kHigh, true, "Handpiece too hot"},
    {"SUPPLY_LOW", Priority::kMedium, false, "Supply voltage low"},
    {"CARTRIDGE_REMOVED", Priority::kHigh, true, "Cartridge removed while running"},
    {"SENSOR_FAULT", Priority::kHigh, true, "Sensor stuck, implausible or lost"},
    {"LOOP_OVERRUN", Priority::kHigh, true, "Control loop stalled"},
    // Clears when the owner's link is back: the session may go on.
    {"LINK_LOST", Priority::kMedium, false, "Tablet link lost"},
    // The pen stays safe and a running session may finish; no new session starts. Clears
    // when a write goes through again.
    {"RECORDS_FAILED", Priority::kMedium, false, "Records cannot be written"},
    // The records were damaged, rolled back or lost (the chain or the witness says so): no
    // session until an engineer has looked and accepted them (`dermactl records accept`).
    {"RECORDS_UNTRUSTED", Priority::kMedium, true,
     "Records damaged or lost: an engineer must resolve it"},
    // A read or write of the hardware failed (a GPIO chip, PWM, ADC gone or erroring); the
    // resource is named in the status and the record.
    {"HARDWARE_FAULT", Priority::kHigh, true, "Hardware read or write failed"},
}};
static_assert(kAlarmCount <= 32, "AlarmSet keeps the codes in a 32-bit mask");

constexpr const AlarmInfo& info(AlarmCode c) {
  return kAlarmTable[static_cast<std::size_t>(c)];
}
constexpr uint32_t bit(AlarmCode c) {
  return 1u << static_cast<unsigned>(c);
}

// The codes of the alarms in `mask`, comma-separated: "ESTOP, LINK_LOST". For refusals and
// records; it allocates, so never in the loop.
inline std::string alarm_codes(uint32_t mask) {
  std::string out;
  for (std::size_t i = 0; i < kAlarmCount; ++i) {
    if (!(mask & (1u << i))) continue;
    if (!out.empty()) out += ", ";
    out += kAlarmTable[i].code;
  }
  return out;
}

// Every code, for the did-you-mean of a refusal; it allocates, so never in the loop.
inline std::vector<std::string> all_alarm_codes() {
  std::vector<std::string> out;
  for (const auto& info : kAlarmTable) out.emplace_back(info.code);
  return out;
}

// Which alarms are active, which of them still have their condition, since when.
struct AlarmSet {
  uint32_t active = 0;     // raised and not yet cleared
  uint32_t condition = 0;  // the cause is present in this tick
  std::array<int64_t, kAlarmCount> since_ns{};

  bool any_high() const {
    for (std::size_t i = 0; i < kAlarmCount; ++i)
      if ((active & (1u << i)) && kAlarmTable[i].priority == Priority::kHigh) return true;
    return false;
  }
};

}  // namespace dermad::control
