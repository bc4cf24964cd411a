// When to try again after a failed upload: from 200 ms to an hour. Each wait is a random
// point in the upper half of a ceiling that doubles from 400 ms to an hour (the first
// 200..400 ms, the longest 30..60 min), so pens cut off together do not return together.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>

namespace dermad::fleet {

class Backoff {
 public:
  static constexpr int64_t kFirstNs = 400'000'000;
  static constexpr int64_t kMostNs = 3600LL * 1'000'000'000;

  explicit Backoff(uint64_t seed) : rng_(seed) {}
  // The wait before the next attempt, after one more failure.
  int64_t next() {
    const int64_t ceiling = ceiling_;
    ceiling_ = std::min(kMostNs, ceiling_ * 2);
    return std::uniform_int_distribution<int64_t>(ceiling / 2, ceiling)(rng_);
  }
  void reset() { ceiling_ = kFirstNs; }

 private:
  std::mt19937_64 rng_;
  int64_t ceiling_ = kFirstNs;
};

}  // namespace dermad::fleet
