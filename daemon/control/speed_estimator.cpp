#include "daemon/control/speed_estimator.hpp"

#include <algorithm>

namespace dermad::control {

void SpeedEstimator::push(int64_t t_ns) {
  history_[edges_ % kHistory] = t_ns;
  ++edges_;
  last_edge_ns_ = t_ns;
}

void SpeedEstimator::accept(int64_t t_ns) {
  // Judging an edge needs a full revolution of history and a speed at which one revolution
  // cannot change the speed much (the plant's acceleration bounds it): above kCheckedHz the
  // interval to this edge must be like the same magnet gap one revolution ago.
  const uint64_t n = edges_per_rev_;
  if (edges_ < n + 1 || speed_hz_ < kCheckedHz) return push(t_ns);
  const int64_t prev = history_[(edges_ - 1) % kHistory];
  const int64_t dt = t_ns - prev;
  const int64_t same_gap =
      history_[(edges_ - n) % kHistory] - history_[(edges_ - n - 1) % kHistory];
  const int64_t next_gap =
      history_[(edges_ - n + 1) % kHistory] - history_[(edges_ - n) % kHistory];
  if (same_gap <= 0) return push(t_ns);
  // A doubled edge (bounce, interference) comes far sooner than both the same gap one
  // revolution ago and the gap just before. An interval short only against the first is the
  // motor speeding up: from a slow coast the drive can more than double the speed within a
  // revolution, and dropping those edges would leave the estimate stuck low.
  const int64_t last_gap = prev - history_[(edges_ - 2) % kHistory];
  if (dt * 2 < same_gap && dt * 2 < last_gap) {
    ++glitches_;
    return;
  }
  const int64_t two_gaps = same_gap + (n > 1 ? next_gap : same_gap);
  // Never two fills in a row: intervals that stay long are the motor slowing down.
  const bool fill_allowed = edges_ >= last_fill_edge_ + n + 1;
  if (fill_allowed && dt * 4 > two_gaps * 3 && dt * 4 < two_gaps * 5) {
    // One edge missing: put it where the magnet gaps say it was.
    ++filled_;
    push(prev + dt * same_gap / two_gaps);
    last_fill_edge_ = edges_;
  }
  push(t_ns);
}

void SpeedEstimator::update(const hal::Inputs& in) {
  for (uint32_t i = 0; i < in.tach_edges; ++i) accept(in.tach_edge_ns[i]);
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
    if (newest > rev_ago) {
      speed_hz_ = 1e9 / static_cast<double>(newest - rev_ago);
      measured_at_ns_ = rev_ago + (newest - rev_ago) / 2;
    }
  } else if (in.tach_edges > 0 && edges_ >= 2) {
    // Spinning up: fewer than a revolution of edges, use the last edge interval.
    const int64_t newest = history_[(edges_ - 1) % kHistory];
    const int64_t prev = history_[(edges_ - 2) % kHistory];
    if (newest > prev) {
      speed_hz_ = 1e9 / static_cast<double>((newest - prev) * edges_per_rev_);
      measured_at_ns_ = prev + (newest - prev) / 2;
    }
  }
  // An overdue edge bounds the speed from above: were it to come now, the revolution
  // ending with it would have taken at least this long. Only once the wait is longer than
  // a missing edge explains (2.2 gaps), so one lost edge does not dip the estimate.
  const int64_t last_gap =
      edges_ >= 2 ? history_[(edges_ - 1) % kHistory] - history_[(edges_ - 2) % kHistory] : 0;
  if (edges_ >= edges_per_rev_ && since_last * 10 > last_gap * 22) {
    const int64_t rev_start = history_[(edges_ - edges_per_rev_) % kHistory];
    if (in.t_ns > rev_start) {
      const double bound = 1e9 / static_cast<double>(in.t_ns - rev_start);
      if (bound < speed_hz_) {
        speed_hz_ = bound;
        measured_at_ns_ = rev_start + (in.t_ns - rev_start) / 2;
      }
    }
  }
}

}  // namespace dermad::control
