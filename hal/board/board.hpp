// A board as the Linux backend drives it: which gpiochip line, pwmchip channel, IIO or hwmon
// channel and nvmem file carries each of the pen's signals. Plain data: the board file
// (proto/dermad/v1/board.proto) is parsed and checked by daemon/config/board_file.hpp;
// docs/BOARD.md.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "hal/hal.hpp"

namespace dermad::hal {

enum class OutputSignal : uint8_t {
  kDriveEnable,
  kMotorBrake,
  kStep,
  kDir,
  kStepperEnable,
  kLedRed,
  kLedGreen,
  kLedBlue,
  kBuzzer,
  kWatchdogKick,
  kCount
};
enum class InputSignal : uint8_t { kTach, kTrigger, kPedal, kEstop, kHome, kCartridge, kCount };
enum class AnalogSignal : uint8_t {
  kMotorCurrent,
  kPosition,
  kForce,
  kSupply,
  kTemperature,
  kCount
};

inline constexpr std::size_t kOutputCount = static_cast<std::size_t>(OutputSignal::kCount);
inline constexpr std::size_t kInputCount = static_cast<std::size_t>(InputSignal::kCount);
inline constexpr std::size_t kAnalogCount = static_cast<std::size_t>(AnalogSignal::kCount);

// The names the board file uses (the proto's enum value names), in enum order.
inline constexpr std::array<std::string_view, kOutputCount> kOutputNames{
    "DRIVE_ENABLE", "MOTOR_BRAKE", "STEP",     "DIR",    "STEPPER_ENABLE",
    "LED_RED",      "LED_GREEN",   "LED_BLUE", "BUZZER", "WATCHDOG_KICK"};
inline constexpr std::array<std::string_view, kInputCount> kInputNames{
    "TACH", "TRIGGER", "PEDAL", "ESTOP", "HOME", "CARTRIDGE_PRESENT"};
inline constexpr std::array<std::string_view, kAnalogCount> kAnalogNames{
    "MOTOR_CURRENT", "POSITION", "FORCE", "SUPPLY", "TEMPERATURE"};

enum class TachEdge : uint8_t { kRising, kFalling, kBoth };

struct LineSpec {
  std::string chip;  // label, name or /dev path
  uint32_t offset = 0;
  bool active_low = false;
  uint32_t debounce_us = 0;
  TachEdge edge = TachEdge::kRising;  // TACH only
  int file_line = 0;                  // where the board file says so, for errors
};

struct PwmSpec {
  std::string chip;  // device name or /sys/class/pwm/pwmchipN
  uint32_t channel = 0;
  uint32_t period_ns = 0;
  bool inverted = false;
  int file_line = 0;
};

struct AnalogSpec {
  enum class Source : uint8_t { kIio, kHwmon } source = Source::kIio;
  std::string device;   // name or /sys path
  std::string channel;  // in_voltage0, temp1, ...
  double gain = 1.0, bias = 0.0;
  uint32_t period_ms = 0;  // 0: every tick
  int file_line = 0;
};

struct StepperTiming {
  uint32_t min_pulse_ns = 2000;
  uint32_t dir_setup_ns = 1000;
};

struct BoardSpec {
  std::string name;
  std::string source;  // the board file's path, for errors
  std::array<LineSpec, kOutputCount> outputs;
  std::array<LineSpec, kInputCount> inputs;
  PwmSpec drive;
  std::array<AnalogSpec, kAnalogCount> analog;
  std::string eeprom;  // nvmem device name or path
  int eeprom_line = 0;
  StepperTiming stepper;
  Geometry geometry;
  std::string serial_file;  // the pen's serial number is this file's first line
  std::string hardware_revision;

  const LineSpec& out(OutputSignal s) const { return outputs[static_cast<std::size_t>(s)]; }
  const LineSpec& in(InputSignal s) const { return inputs[static_cast<std::size_t>(s)]; }
  const AnalogSpec& an(AnalogSignal s) const { return analog[static_cast<std::size_t>(s)]; }
  // "FILE:LINE" for a problem found later (a chip missing at configure).
  std::string where(int line) const { return source + ":" + std::to_string(line); }
};

}  // namespace dermad::hal
