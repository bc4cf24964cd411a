// Needle speed from tachometer edge timestamps: the time between an edge and the edge one
// revolution earlier, so unevenly spaced magnets do not show up as speed ripple. Between
// edges the estimate can only fall: if the next edge is overdue, the speed is at most what
// the revolution ending with it would give. At running speed a doubled edge is dropped and
// a missing one filled in, judged against the same magnet gap one revolution earlier.
#pragma once

#include <array>
#include <cstdint>

#include "hal/hal.hpp"

namespace dermad::control {

class SpeedEstimator {
 public:
  explicit SpeedEstimator(uint32_t edges_per_rev) : edges_per_rev_(edges_per_rev) {}

  void update(const hal::Inputs& in);
  double speed_hz() const { return speed_hz_; }
  // The estimate is the average over a revolution: this is the middle of it, the time the
  // estimate is true for. Comparing it with the target at now would compare with a lag.
  int64_t measured_at_ns() const { return measured_at_ns_; }
  uint64_t edges() const { return edges_; }
  uint64_t glitches() const { return glitches_; }
  uint64_t filled() const { return filled_; }
  int64_t last_edge_ns() const { return last_edge_ns_; }

 private:
  static constexpr std::size_t kHistory = 16;              // > edges per revolution
  static constexpr int64_t kStoppedAfterNs = 200'000'000;  // no edge for 200 ms: stopped
  static constexpr double kCheckedHz = 30.0;

  void accept(int64_t t_ns);
  void push(int64_t t_ns);

  uint32_t edges_per_rev_;
  std::array<int64_t, kHistory> history_{};
  uint64_t edges_ = 0;  // since start
  int64_t last_edge_ns_ = -1;
  double speed_hz_ = 0.0;
  int64_t measured_at_ns_ = 0;
  uint64_t glitches_ = 0;
  uint64_t filled_ = 0;
  uint64_t last_fill_edge_ = 0;
};

}  // namespace dermad::control
