// Time for the control loop, by interface so tests run the same loop on virtual time.
#pragma once

#include <cstdint>

namespace dermad::control {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ns() = 0;
  // Sleeps until the absolute steady-clock time `t_ns` (returns at once if it has passed).
  virtual void sleep_until(int64_t t_ns) = 0;
};

// CLOCK_MONOTONIC with clock_nanosleep(TIMER_ABSTIME): no drift from relative sleeps.
class MonotonicClock final : public Clock {
 public:
  int64_t now_ns() override;
  void sleep_until(int64_t t_ns) override;
};

// Time that moves only when the loop sleeps, plus lateness a test injects per wake-up.
class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(int64_t start_ns = 1'000'000'000) : t_ns_(start_ns) {}
  int64_t now_ns() override { return t_ns_; }
  void sleep_until(int64_t t_ns) override {
    if (t_ns > t_ns_) t_ns_ = t_ns;
    t_ns_ += next_late_ns_;
    next_late_ns_ = 0;
  }
  // The next wake-up happens this much after its deadline.
  void inject_lateness(int64_t late_ns) { next_late_ns_ = late_ns; }

 private:
  int64_t t_ns_;
  int64_t next_late_ns_ = 0;
};

}  // namespace dermad::control
