// The wall clock, read in one place: Unix nanoseconds for the records, the API and the
// fleet. The control loop never reads it (it runs on the monotonic clock, control/clock.hpp);
// session logic gets it through its port (treatment::SessionClock), so tests step it by hand.
#pragma once

#include <chrono>
#include <cstdint>

namespace dermad {

inline int64_t wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace dermad
