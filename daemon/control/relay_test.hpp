// Speed calibration's relay experiment (#14; Astrom and Hagglund): the speed loop set aside,
// the drive at bias + d while the speed is under the setpoint and bias - d once over it, so
// the speed oscillates about the setpoint with the plant's ultimate period. The needles stay
// home and no cartridge may be in. The stall, current and temperature monitors watch it as
// any drive; speed tracking does not, the speed being meant to swing. Ends by itself after
// its duration; the I/O side measures the swing from the snapshots.
#pragma once

#include "daemon/control/routine.hpp"

namespace dermad::control {

class RelayTest final : public Routine {
 public:
  void begin(double setpoint_hz, double bias_duty, double relay_duty, int64_t duration_ns,
             int64_t now_ns) {
    setpoint_hz_ = setpoint_hz;
    bias_ = bias_duty;
    d_ = relay_duty;
    high_ = true;  // from standstill the speed is under the setpoint
    ends_ns_ = now_ns + duration_ns;
  }

  RoutineKind kind() const override { return RoutineKind::kRelayTest; }
  RoutineStep step(const RoutineView& v) override {
    RoutineStep out;
    if (v.cartridge_present) {
      out.end = RoutineEnd::kFailed;  // needles that could touch someone: not with the drive on
      return out;
    }
    if (v.now_ns >= ends_ns_) {
      out.end = RoutineEnd::kDone;
      return out;
    }
    // A little hysteresis so the tachometer's noise does not chatter the relay.
    const double band = 0.01 * setpoint_hz_;
    if (v.speed_hz > setpoint_hz_ + band) high_ = false;
    if (v.speed_hz < setpoint_hz_ - band) high_ = true;
    out.depth_um = 0;
    out.speed_hz = setpoint_hz_;  // the drive is on
    out.duty = high_ ? bias_ + d_ : bias_ - d_;
    return out;
  }
  void ended(RoutineEnd, int64_t) override {}
  int64_t remaining_ms(int64_t now_ns) const override { return (ends_ns_ - now_ns) / 1'000'000; }

 private:
  double setpoint_hz_ = 0.0, bias_ = 0.0, d_ = 0.0;
  bool high_ = true;
  int64_t ends_ns_ = 0;
};

}  // namespace dermad::control
