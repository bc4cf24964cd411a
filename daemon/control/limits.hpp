// The device's hard limits: nothing a user asks for may exceed them.
#pragma once

#include <cstdint>

namespace dermad::control {

struct DeviceLimits {
  int32_t depth_min_um = 200;
  int32_t depth_max_um = 2000;
  double speed_min_hz = 50.0;
  double speed_max_hz = 150.0;
  uint32_t jog_max_ms = 10'000;
};

}  // namespace dermad::control
