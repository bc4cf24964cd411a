#include "daemon/control/depth_map.hpp"

#include <cmath>

namespace dermad::control {

namespace {

// y at x on the piecewise-linear curve through (xs, ys); the end segments extend.
double through(const double* xs, const double* ys, std::size_t n, double x) {
  std::size_t i = 1;
  while (i + 1 < n && x > xs[i]) ++i;
  return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
}

}  // namespace

double DepthMap::position_for(double protrusion) const {
  if (points >= 2) return through(protrusion_um.data(), position_um.data(), points, protrusion);
  return (protrusion - offset_um) / gain;
}

double DepthMap::protrusion_at(double position) const {
  if (points >= 2) return through(position_um.data(), protrusion_um.data(), points, position);
  return gain * position + offset_um;
}

bool DepthMap::plausible() const {
  if (!(gain >= 0.8 && gain <= 1.25) || !(std::abs(offset_um) <= 300.0)) return false;
  if (points == 1 || points > kMaxPoints) return false;
  for (std::size_t i = 0; i < points; ++i) {
    if (!std::isfinite(position_um[i]) || !std::isfinite(protrusion_um[i])) return false;
    if (std::abs(protrusion_um[i] - position_um[i]) > 300.0) return false;
    if (i > 0 &&
        (position_um[i] <= position_um[i - 1] || protrusion_um[i] <= protrusion_um[i - 1])) {
      return false;
    }
  }
  return true;
}

}  // namespace dermad::control
