// The service run (EngineeringService.Jog): the needle stop to a depth, then the drive at a
// speed for a bounded time, with no cartridge in. Given up if the depth is not reached within
// the settle timeout, or a cartridge is put in.
#pragma once

#include "daemon/control/routine.hpp"

namespace dermad::control {

class ServiceRun final : public Routine {
 public:
  explicit ServiceRun(int64_t settle_timeout_ns) : settle_timeout_ns_(settle_timeout_ns) {}

  // A new run from `now_ns` (the verdict's tick); the previous one must have ended.
  void begin(int32_t depth_um, double speed_hz, int64_t duration_ns, int64_t now_ns);

  RoutineKind kind() const override { return RoutineKind::kServiceRun; }
  RoutineStep step(const RoutineView& v) override;
  void ended(RoutineEnd why, int64_t now_ns) override;
  int64_t remaining_ms(int64_t now_ns) const override;

  std::optional<RoutineEnd> last_end() const { return last_end_; }

 private:
  const int64_t settle_timeout_ns_;
  int32_t depth_um_ = 0;
  double speed_hz_ = 0.0;
  int64_t duration_ns_ = 0;
  int64_t accepted_ns_ = 0;
  int64_t drive_started_ns_ = -1;  // the drive starts once the depth is reached
  std::optional<RoutineEnd> last_end_;
};

}  // namespace dermad::control
