// Faults the simulated pen can be told to have, for tests and tablet developers: each one
// stands for a real failure the supervisor must catch.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace dermad::hal::sim {

enum class SimFault : uint8_t {
  kMotorStall,           // the cam jams: the rotor stops, the current rises
  kTachLoss,             // the Hall sensor's wire breaks: no edges, the motor still turns
  kPositionSensorStuck,  // the depth sensor's reading freezes
  kMissedSteps,          // the stepper slips: half of its steps do not move the stop
  kOvercurrent,          // a shorted winding: far more current than the speed explains
  kOvertemp,             // a hot spot heats the handpiece's sensor to ~55 C
  kSupplySag,            // the supply droops to 8.4 V
  kLoopStall,            // the control thread stalls for 12 ms at every read
  kAdcReadError,         // the position ADC's reads fail (EIO), as a lost SPI/I2C device does
  kLoopHang,             // a read blocks the control thread (a hung driver), up to 10 s
  kCount
};
inline constexpr std::size_t kSimFaultCount = static_cast<std::size_t>(SimFault::kCount);

inline constexpr std::array<std::string_view, kSimFaultCount> kSimFaultNames{
    "motor-stall", "tach-loss",  "position-sensor-stuck", "missed-steps", "overcurrent", "overtemp",
    "supply-sag",  "loop-stall", "adc-read-error",        "loop-hang"};

}  // namespace dermad::hal::sim
