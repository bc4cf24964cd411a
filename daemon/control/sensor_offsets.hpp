// The sensors calibration's corrections (#14), as the loop applies them.
#pragma once

#include <cmath>

namespace dermad::control {

// What a sensors calibration takes off each reading (#14): the reading at zero current, at no
// force, and the temperature sensor's error against a reference. The loop subtracts them as
// it reads, so every monitor judges the corrected value.
struct SensorOffsets {
  double current_ma = 0.0;
  double force_n = 0.0;
  double temperature_c = 0.0;
};
// The most a sensors calibration may take out: beyond, the sensor or its amplifier is faulty
// and wants repair, not a correction (a refused calibration says so).
inline constexpr double kMaxCurrentZeroMa = 150.0, kMaxForceTareN = 1.5,
                        kMaxTemperatureOffsetC = 5.0;
inline bool plausible(const SensorOffsets& o) {
  return std::abs(o.current_ma) <= kMaxCurrentZeroMa && std::abs(o.force_n) <= kMaxForceTareN &&
         std::abs(o.temperature_c) <= kMaxTemperatureOffsetC;
}

}  // namespace dermad::control
