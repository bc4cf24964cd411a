// Speed calibration's feed-forward (#14): from a sweep of steady speeds at fixed duties, the
// motor model the speed loop's feed-forward uses (daemon/control/speed_controller.cpp):
//   duty = speed / no_load_hz * (V_nominal / V_supply) + friction_duty.
// Pure: no loop, no store.
#pragma once

#include <string>
#include <vector>

namespace dermad::calibration {

struct SweepPoint {
  double duty = 0.0;      // held, 0..1
  double supply_v = 0.0;  // measured while it ran
  double speed_hz = 0.0;  // steady
};

struct FeedForwardLimits {
  std::size_t min_points = 6;
  double span_low_hz = 50.0, span_high_hz = 150.0;  // the sweep must reach both
  double supply_min_v = 6.0, supply_max_v = 16.0;
  double no_load_min_hz = 100.0, no_load_max_hz = 600.0;  // a motor of this pen's range
  double friction_max_duty = 0.3;
  double max_residual_hz = 3.0;
};

struct FeedForward {
  double no_load_hz = 0.0;
  double friction_duty = 0.0;
  std::vector<double> residuals_hz;  // measured - modelled speed, per point
  double worst_residual_hz = 0.0;
};

struct FeedForwardResult {
  bool ok = false;
  FeedForward ff;
  std::vector<std::string> refusals;
};

FeedForwardResult fit_feed_forward(const std::vector<SweepPoint>& points, double supply_nominal_v,
                                   const FeedForwardLimits& lim = {});

}  // namespace dermad::calibration
