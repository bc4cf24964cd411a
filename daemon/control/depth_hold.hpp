// Depth calibration's hold (#14): the needle stop to a position as the sensor reads it (raw,
// no depth map: the map is what is being measured), held with the drive off while the
// engineer measures the needles with a gauge. A new hold moves it to the next point; an
// engineer's stop ends it; untouched for max_hold it gives up, so a calibration left half
// done does not hold the needles out for ever.
#pragma once

#include "daemon/control/routine.hpp"

namespace dermad::control {

class DepthHold final : public Routine {
 public:
  explicit DepthHold(int64_t max_hold_ns) : max_hold_ns_(max_hold_ns) {}

  void move_to(int32_t position_um, int64_t now_ns) {
    position_um_ = position_um;
    moved_ns_ = now_ns;
  }

  RoutineKind kind() const override { return RoutineKind::kDepthHold; }
  RoutineStep step(const RoutineView& v) override {
    RoutineStep out;
    if (v.now_ns - moved_ns_ > max_hold_ns_) {
      out.end = RoutineEnd::kFailed;
      return out;
    }
    out.depth_um = position_um_;
    out.raw_depth = true;
    return out;
  }
  void ended(RoutineEnd, int64_t) override {}
  int64_t remaining_ms(int64_t now_ns) const override {
    return (moved_ns_ + max_hold_ns_ - now_ns) / 1'000'000;
  }

 private:
  const int64_t max_hold_ns_;
  int32_t position_um_ = 0;
  int64_t moved_ns_ = 0;
};

}  // namespace dermad::control
