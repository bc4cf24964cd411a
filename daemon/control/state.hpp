// Device states (DESIGN.md "States").
#pragma once

#include <cstdint>
#include <string_view>

namespace dermad::control {

enum class State : uint8_t { kBoot, kHoming, kIdle, kArmed, kRunning, kService, kFault, kEstop };

constexpr std::string_view to_string(State s) {
  switch (s) {
    case State::kBoot:
      return "BOOT";
    case State::kHoming:
      return "HOMING";
    case State::kIdle:
      return "IDLE";
    case State::kArmed:
      return "ARMED";
    case State::kRunning:
      return "RUNNING";
    case State::kService:
      return "SERVICE";
    case State::kFault:
      return "FAULT";
    case State::kEstop:
      return "ESTOP";
  }
  return "?";
}

}  // namespace dermad::control
