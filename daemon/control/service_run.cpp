#include "daemon/control/service_run.hpp"

namespace dermad::control {

void ServiceRun::begin(int32_t depth_um, double speed_hz, int64_t duration_ns, int64_t now_ns) {
  depth_um_ = depth_um;
  speed_hz_ = speed_hz;
  duration_ns_ = duration_ns;
  accepted_ns_ = now_ns;
  drive_started_ns_ = -1;
  last_end_.reset();
}

RoutineStep ServiceRun::step(const RoutineView& v) {
  RoutineStep out;
  // Service runs never run with a cartridge in: one inserted during the run ends it.
  if (v.cartridge_present) {
    out.end = RoutineEnd::kFailed;
    return out;
  }
  out.depth_um = depth_um_;
  if (drive_started_ns_ < 0) {
    if (v.at_depth(depth_um_)) {
      drive_started_ns_ = v.now_ns;
    } else if (v.now_ns - accepted_ns_ > settle_timeout_ns_) {
      out.end = RoutineEnd::kFailed;
      return out;
    }
  }
  if (drive_started_ns_ >= 0) {
    if (v.now_ns - drive_started_ns_ >= duration_ns_) {
      out.end = RoutineEnd::kDone;
      return out;
    }
    out.speed_hz = speed_hz_;
  }
  return out;
}

void ServiceRun::ended(RoutineEnd why, int64_t) {
  last_end_ = why;
}

int64_t ServiceRun::remaining_ms(int64_t now_ns) const {
  const int64_t end =
      drive_started_ns_ >= 0 ? drive_started_ns_ + duration_ns_ : now_ns + duration_ns_;
  return (end - now_ns) / 1'000'000;
}

}  // namespace dermad::control
