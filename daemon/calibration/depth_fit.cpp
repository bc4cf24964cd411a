#include "daemon/calibration/depth_fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace dermad::calibration {

namespace {

std::string um(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f um", v);
  return b;
}

struct Line {
  double gain = 1.0, offset = 0.0;
};

// y = gain * x + offset by least squares; false when the x do not spread.
bool least_squares(const std::vector<double>& x, const std::vector<double>& y, Line& out) {
  const double n = static_cast<double>(x.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  const double den = n * sxx - sx * sx;
  if (!(std::abs(den) > 1e-9)) return false;
  out.gain = (n * sxy - sx * sy) / den;
  out.offset = (sy - out.gain * sx) / n;
  return true;
}

double interpolate(double x0, double y0, double x1, double y1, double x) {
  return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
}

}  // namespace

double DepthFit::command_for(double wanted_um) const {
  if (!piecewise || points.size() < 2) return (wanted_um - offset_um) / gain;
  // Invert gauge(sensor) on the segment that holds `wanted` (the ends extend their line).
  std::size_t i = 1;
  while (i + 1 < points.size() && wanted_um > points[i].gauge_um) ++i;
  const auto& a = points[i - 1];
  const auto& b = points[i];
  return interpolate(a.gauge_um, a.sensor_um, b.gauge_um, b.sensor_um, wanted_um);
}

control::DepthMap to_depth_map(const DepthFit& f) {
  control::DepthMap m;
  m.gain = f.gain;
  m.offset_um = f.offset_um;
  if (f.piecewise) {
    m.points = static_cast<uint8_t>(std::min(f.points.size(), control::DepthMap::kMaxPoints));
    for (std::size_t i = 0; i < m.points; ++i) {
      m.position_um[i] = f.points[i].sensor_um;
      m.protrusion_um[i] = f.points[i].gauge_um;
    }
  }
  return m;
}

DepthFitResult fit_depth(const std::vector<DepthPoint>& in, const DepthLimitsForFit& lim) {
  DepthFitResult r;
  auto refuse = [&r](std::string why) { r.refusals.push_back(std::move(why)); };
  if (in.size() < 3 || in.size() > control::DepthMap::kMaxPoints) {
    refuse("a depth calibration needs 3 to " + std::to_string(control::DepthMap::kMaxPoints) +
           " points, got " + std::to_string(in.size()));
    return r;
  }
  std::vector<DepthPoint> p = in;
  std::stable_sort(p.begin(), p.end(), [](const DepthPoint& a, const DepthPoint& b) {
    return a.commanded_um < b.commanded_um;
  });
  for (std::size_t i = 0; i < p.size(); ++i) {
    const std::string at = "the point at " + um(p[i].commanded_um);
    if (!std::isfinite(p[i].gauge_um) || p[i].gauge_um < lim.gauge_min_um ||
        p[i].gauge_um > lim.gauge_max_um) {
      refuse(at + ": gauge reading " + um(p[i].gauge_um) + " outside " + um(lim.gauge_min_um) +
             ".." + um(lim.gauge_max_um));
    }
    if (!std::isfinite(p[i].sensor_um)) refuse(at + ": no position sensor reading");
    if (i == 0) continue;
    if (p[i].commanded_um == p[i - 1].commanded_um) {
      refuse("two points at " + um(p[i].commanded_um));
    } else if (p[i].gauge_um <= p[i - 1].gauge_um) {
      // Deeper asked, no deeper measured: a misread, or a stop that does not move.
      refuse(at + ": gauge " + um(p[i].gauge_um) + " is not deeper than " + um(p[i - 1].gauge_um) +
             " at " + um(p[i - 1].commanded_um) + " (the readings must grow with the depth)");
    } else if (p[i].sensor_um <= p[i - 1].sensor_um) {
      refuse(at + ": the position sensor read " + um(p[i].sensor_um) + ", not more than " +
             um(p[i - 1].sensor_um) + " at the point before");
    }
  }
  if (!r.refusals.empty()) return r;

  // Protrusion against where the sensor has the stop, which is what the loop servos: at a
  // point the stop cannot reach (below home, with a sensor that reads high there) the sensor
  // says where it stands instead, and the point stays on the line.
  std::vector<double> position, gauge, sensor;
  for (const auto& q : p) {
    position.push_back(q.sensor_um);
    gauge.push_back(q.gauge_um);
    sensor.push_back(q.sensor_um);
  }
  DepthFit& f = r.fit;
  f.points = p;
  Line depth, sensor_line;
  if (!least_squares(position, gauge, depth) || !least_squares(gauge, sensor, sensor_line)) {
    refuse("the points do not spread over the range");
    return r;
  }
  f.gain = depth.gain;
  f.offset_um = depth.offset;
  f.sensor_scale = sensor_line.gain;
  f.sensor_offset_um = sensor_line.offset;
  double worst = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    f.residuals_um.push_back(gauge[i] - (depth.gain * position[i] + depth.offset));
    worst = std::max(worst, std::abs(f.residuals_um.back()));
  }
  if (worst > lim.linear_within_um) {
    // Not a straight line: between the points instead. What a point adds is judged by how far
    // it lies from the line through its neighbours; the ends have none.
    f.piecewise = true;
    worst = 0.0;
    for (std::size_t i = 0; i < p.size(); ++i) {
      double res = 0.0;
      if (i > 0 && i + 1 < p.size()) {
        res = gauge[i] - interpolate(position[i - 1], gauge[i - 1], position[i + 1], gauge[i + 1],
                                     position[i]);
      }
      f.residuals_um[i] = res;
      worst = std::max(worst, std::abs(res));
    }
  }
  f.worst_residual_um = worst;
  if (worst > lim.max_residual_um) {
    std::size_t at = 0;
    for (std::size_t i = 0; i < f.residuals_um.size(); ++i) {
      if (std::abs(f.residuals_um[i]) == worst) at = i;
    }
    refuse("the worst residual after the fit is " + um(worst) + " at " + um(p[at].commanded_um) +
           ", over the " + um(lim.max_residual_um) + " allowed: measure that point again");
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace dermad::calibration
