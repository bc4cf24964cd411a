// Depth calibration's arithmetic (#14): from the points an engineer measured (the depth
// dermad was asked for, what its position sensor read there, what the gauge showed), the map
// from a wanted protrusion to the depth to command, and the position sensor's scale and
// offset. Pure: no loop, no store, so every refusal is unit-tested.
#pragma once

#include <string>
#include <vector>

#include "daemon/control/depth_map.hpp"

namespace dermad::calibration {

struct DepthPoint {
  double commanded_um = 0.0;  // what the loop was asked for (it servos the sensor to this)
  double sensor_um = 0.0;     // the position sensor there, settled
  double gauge_um = 0.0;      // the needles' protrusion the engineer measured
};

struct DepthLimitsForFit {
  double gauge_min_um = -50.0;  // a gauge reading outside is a misread, not a pen
  double gauge_max_um = 2600.0;
  double max_residual_um = 20.0;  // worse than this after the fit: refused
  double linear_within_um = 5.0;  // a straight line this good is kept; else piecewise
};

struct DepthFit {
  // gauge = gain * sensor + offset, least squares (piecewise: between the points).
  double gain = 1.0, offset_um = 0.0;
  bool piecewise = false;
  std::vector<DepthPoint> points;  // sorted by commanded depth
  // The position sensor against the truth: sensor = sensor_scale * gauge + sensor_offset_um.
  double sensor_scale = 1.0, sensor_offset_um = 0.0;
  // Per point: measured - fitted (linear), or measured - interpolated from its neighbours
  // (piecewise; the ends 0), um.
  std::vector<double> residuals_um;
  double worst_residual_um = 0.0;

  // The stop position (as the sensor reads it) for the needles to stand out `wanted_um`.
  double command_for(double wanted_um) const;
};

struct DepthFitResult {
  bool ok = false;
  DepthFit fit;
  std::vector<std::string> refusals;  // why not, each a sentence naming the point
};

// The fit as the loop takes it: protrusion against the stop's position (which is what the
// loop servoed to each commanded depth). At most DepthMap::kMaxPoints points when piecewise.
control::DepthMap to_depth_map(const DepthFit& fit);

DepthFitResult fit_depth(const std::vector<DepthPoint>& points, const DepthLimitsForFit& lim = {});

}  // namespace dermad::calibration
