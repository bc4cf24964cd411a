#include "daemon/calibration/feed_forward_fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace dermad::calibration {

namespace {

std::string num(double v, const char* unit) {
  char b[48];
  std::snprintf(b, sizeof b, *unit ? "%.3g %s" : "%.3g%s", v, unit);
  return b;
}

}  // namespace

FeedForwardResult fit_feed_forward(const std::vector<SweepPoint>& in, double v_nom,
                                   const FeedForwardLimits& lim) {
  FeedForwardResult r;
  auto refuse = [&r](std::string why) { r.refusals.push_back(std::move(why)); };
  if (in.size() < lim.min_points) {
    refuse("a speed sweep needs at least " + std::to_string(lim.min_points) + " points, got " +
           std::to_string(in.size()));
    return r;
  }
  std::vector<SweepPoint> p = in;
  std::stable_sort(p.begin(), p.end(),
                   [](const SweepPoint& a, const SweepPoint& b) { return a.duty < b.duty; });
  for (std::size_t i = 0; i < p.size(); ++i) {
    const std::string at = "the point at duty " + num(p[i].duty, "");
    if (!(p[i].supply_v >= lim.supply_min_v && p[i].supply_v <= lim.supply_max_v)) {
      refuse(at + ": supply " + num(p[i].supply_v, "V") + " outside " + num(lim.supply_min_v, "V") +
             ".." + num(lim.supply_max_v, "V"));
    }
    if (!std::isfinite(p[i].speed_hz) || p[i].speed_hz <= 0.0) {
      refuse(at + ": no steady speed");
    } else if (i > 0 && p[i].duty > p[i - 1].duty && p[i].speed_hz <= p[i - 1].speed_hz) {
      refuse(at + ": " + num(p[i].speed_hz, "Hz") + " is not faster than " +
             num(p[i - 1].speed_hz, "Hz") + " at a lower duty");
    }
  }
  if (!r.refusals.empty()) return r;
  if (p.front().speed_hz > lim.span_low_hz || p.back().speed_hz < lim.span_high_hz) {
    refuse("the sweep ran " + num(p.front().speed_hz, "Hz") + " to " +
           num(p.back().speed_hz, "Hz") + "; it must reach " + num(lim.span_low_hz, "Hz") +
           " and " + num(lim.span_high_hz, "Hz"));
    return r;
  }
  // duty = x / no_load + friction, with x the speed scaled to the nominal supply.
  const double n = static_cast<double>(p.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& q : p) {
    const double x = q.speed_hz * v_nom / q.supply_v;
    sx += x;
    sy += q.duty;
    sxx += x * x;
    sxy += x * q.duty;
  }
  const double den = n * sxx - sx * sx;
  const double slope = den != 0.0 ? (n * sxy - sx * sy) / den : 0.0;
  if (!(slope > 0.0)) {
    refuse("the speeds do not grow with the duty");
    return r;
  }
  FeedForward& ff = r.ff;
  ff.no_load_hz = 1.0 / slope;
  ff.friction_duty = (sy - slope * sx) / n;
  for (const auto& q : p) {
    const double modelled = (q.duty - ff.friction_duty) * ff.no_load_hz * q.supply_v / v_nom;
    ff.residuals_hz.push_back(q.speed_hz - modelled);
    ff.worst_residual_hz = std::max(ff.worst_residual_hz, std::abs(ff.residuals_hz.back()));
  }
  if (ff.no_load_hz < lim.no_load_min_hz || ff.no_load_hz > lim.no_load_max_hz) {
    refuse("the fitted no-load speed " + num(ff.no_load_hz, "Hz") + " is outside " +
           num(lim.no_load_min_hz, "Hz") + ".." + num(lim.no_load_max_hz, "Hz") +
           ": not this pen's motor, or the sweep was loaded");
  }
  if (ff.friction_duty < 0.0 || ff.friction_duty > lim.friction_max_duty) {
    refuse("the fitted friction duty " + num(ff.friction_duty, "") + " is outside 0.." +
           num(lim.friction_max_duty, ""));
  }
  if (ff.worst_residual_hz > lim.max_residual_hz) {
    refuse("the worst residual after the fit is " + num(ff.worst_residual_hz, "Hz") + ", over " +
           num(lim.max_residual_hz, "Hz") + ": the motor is not steady (load, needles in skin)");
  }
  r.ok = r.refusals.empty();
  return r;
}

}  // namespace dermad::calibration
