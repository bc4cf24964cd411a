// The facts of hal/boards/qemu-hil.textproto the plant needs, and its clock. The plant does not
// parse the board file: it is the other side of the wires, built for this one board.
#pragma once

#include <sys/resource.h>
#include <time.h>

#include <cstdint>

namespace dermad::hil {

// gpio-sim line offsets.
enum Line : int {
  kDriveEnable = 0,
  kBrake = 1,
  kStep = 2,
  kDir = 3,
  kStepperEnable = 4,  // active-low: physical 0 = enabled
  kTach = 10,
  kTrigger = 11,
  kPedal = 12,
  kEstop = 13,  // active-low: physical 1 = released
  kHome = 14,
  kCartridge = 15,
};

// The ADC channels in_voltage0..4_raw: counts of 1 mV; the board's gain in units per mV.
struct AdcChannel {
  double gain;
  int period_ms;  // how often the plant refreshes it (the board's read period, or every ms)
};
inline constexpr AdcChannel kAdc[5] = {
    {1.25, 1},    // 0 motor current, mA
    {0.635, 1},   // 1 position, um
    {0.005, 10},  // 2 force, N
    {0.004, 10},  // 3 supply, V
    {0.02, 100},  // 4 temperature, C
};

inline constexpr int64_t kMs = 1'000'000;

inline int64_t mono_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline void sleep_until(int64_t t_ns) {
  const timespec ts{static_cast<time_t>(t_ns / 1'000'000'000),
                    static_cast<long>(t_ns % 1'000'000'000)};
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);  // EINTR: the loop looks again
}

// The process's CPU time (all threads).
inline int64_t cpu_ns() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const auto us = [](const timeval& t) { return int64_t{t.tv_sec} * 1'000'000 + t.tv_usec; };
  return (us(ru.ru_utime) + us(ru.ru_stime)) * 1000;
}

}  // namespace dermad::hil
