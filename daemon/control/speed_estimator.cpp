#include "daemon/control/speed_estimator.hpp"

#include <algorithm>

namespace dermad::control {

void SpeedEstimator::update(const hal::Inputs& in) {
  for (uint32_t i = 0; i < in.tach_edges; ++i) {
    history_[edges_ % kHistory] = in.tach_edge_ns[i];
    ++edges_;
    last_edge_ns_ = in.tach_edge_ns[i];
  }
  if (last_edge_ns_ < 0) {
    speed_hz_ = 0.0;
    return;
  }
  const int64_t since_last = in.t_ns - last_edge_ns_;
  if (since_last > kStoppedAfterNs) {
    speed_hz_ = 0.0;
    edges_ = 0;  // a restart must not measure across the stop
    last_edge_ns_ = -1;
    return;
  }
  if (in.tach_edges > 0 && edges_ > edges_per_rev_) {
    const int64_t newest = history_[(edges_ - 1) % kHistory];
    const int64_t rev_ago = history_[(edges_ - 1 - edges_per_rev_) % kHistory];
    if (newest > rev_ago) speed_hz_ = 1e9 / static_cast<double>(newest - rev_ago);
  } else if (in.tach_edges > 0 && edges_ >= 2) {
    // Spinning up: fewer than a revolution of edges, use the last edge interval.
    const int64_t newest = history_[(edges_ - 1) % kHistory];
    const int64_t prev = history_[(edges_ - 2) % kHistory];
    if (newest > prev) speed_hz_ = 1e9 / static_cast<double>((newest - prev) * edges_per_rev_);
  }
  // An overdue edge bounds the speed from above: were it to come now, the revolution
  // ending with it would have taken at least this long.
  if (edges_ >= edges_per_rev_) {
    const int64_t rev_start = history_[(edges_ - edges_per_rev_) % kHistory];
    if (in.t_ns > rev_start) {
      speed_hz_ = std::min(speed_hz_, 1e9 / static_cast<double>(in.t_ns - rev_start));
    }
  }
}

}  // namespace dermad::control
