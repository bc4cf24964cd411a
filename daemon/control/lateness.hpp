// Wake-up lateness of the loop: a fixed histogram (1 us buckets below 1 ms, 1 ms buckets
// up to 1 s) so recording and percentiles never allocate.
#pragma once

#include <array>
#include <cstdint>

namespace dermad::control {

class LatenessHistogram {
 public:
  void record(int64_t late_ns);
  // Lateness in microseconds that a fraction q of samples do not exceed (to 1 us below
  // 1 ms, to the next whole millisecond above).
  uint32_t percentile_us(double q) const;
  uint32_t max_us() const { return max_us_; }
  uint64_t count() const { return count_; }

 private:
  static constexpr std::size_t kFine = 1000;    // 0..999 us
  static constexpr std::size_t kCoarse = 1000;  // 1..999 ms, last bucket holds the rest
  std::array<uint64_t, kFine + kCoarse> buckets_{};
  uint64_t count_ = 0;
  uint32_t max_us_ = 0;
};

}  // namespace dermad::control
