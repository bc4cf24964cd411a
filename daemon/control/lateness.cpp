#include "daemon/control/lateness.hpp"

#include <algorithm>

namespace dermad::control {

void LatenessHistogram::record(int64_t late_ns) {
  const uint64_t us = late_ns > 0 ? static_cast<uint64_t>(late_ns) / 1000 : 0;
  std::size_t b;
  if (us < kFine) {
    b = us;
  } else {
    b = kFine + std::min<uint64_t>(us / 1000 - 1, kCoarse - 1);
  }
  ++buckets_[b];
  ++count_;
  max_us_ = std::max<uint32_t>(max_us_, static_cast<uint32_t>(std::min<uint64_t>(us, UINT32_MAX)));
}

uint32_t LatenessHistogram::percentile_us(double q) const {
  if (count_ == 0) return 0;
  const auto want = static_cast<uint64_t>(q * static_cast<double>(count_) + 0.5);
  uint64_t seen = 0;
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    seen += buckets_[b];
    if (seen >= std::max<uint64_t>(want, 1)) {
      // Fine buckets are exact to 1 us; a coarse one reports its upper bound.
      return b < kFine ? static_cast<uint32_t>(b) : static_cast<uint32_t>((b - kFine + 2) * 1000);
    }
  }
  return max_us_;
}

}  // namespace dermad::control
