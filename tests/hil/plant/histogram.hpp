// A latency histogram in 1 us bins up to 20 ms: constant memory and cost per sample, so the
// loop can record every wake-up and every tach edge without allocating.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

namespace dermad::hil {

class Histogram {
 public:
  void add(int64_t ns) {
    const int64_t us = std::max<int64_t>(0, ns / 1000);
    ++bins_[static_cast<std::size_t>(std::min<int64_t>(us, kBins - 1))];
    ++count_;
    sum_ns_ += ns;
    max_ns_ = std::max(max_ns_, ns);
    min_ns_ = std::min(min_ns_, ns);
  }
  void reset() { *this = Histogram{}; }

  uint64_t count() const { return count_; }
  double mean_us() const { return count_ ? static_cast<double>(sum_ns_) / count_ / 1e3 : 0.0; }
  double max_us() const { return count_ ? static_cast<double>(max_ns_) / 1e3 : 0.0; }
  double min_us() const { return count_ ? static_cast<double>(min_ns_) / 1e3 : 0.0; }
  // The bin (us) below which a fraction p (0..1) of the samples fall; beyond the last bin
  // (20 ms) the largest sample stands for them.
  double percentile_us(double p) const {
    if (count_ == 0) return 0.0;
    const auto want = static_cast<uint64_t>(p * static_cast<double>(count_ - 1)) + 1;
    uint64_t seen = 0;
    for (std::size_t i = 0; i < bins_.size(); ++i) {
      seen += bins_[i];
      if (seen >= want) return i + 1 < bins_.size() ? static_cast<double>(i) : max_us();
    }
    return max_us();
  }

 private:
  static constexpr int64_t kBins = 20000;
  std::array<uint32_t, kBins> bins_{};
  uint64_t count_ = 0;
  int64_t sum_ns_ = 0;
  int64_t max_ns_ = 0;
  int64_t min_ns_ = INT64_MAX;
};

}  // namespace dermad::hil
