#include "daemon/calibration/depth_record.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace dermad::calibration {

namespace {

store::Details map_json(const control::DepthMap& m) {
  store::Details j = {{"gain", m.gain}, {"offset_um", m.offset_um}};
  store::Details pts = store::Details::array();
  for (std::size_t i = 0; i < m.points; ++i) pts.push_back({m.position_um[i], m.protrusion_um[i]});
  j["points"] = std::move(pts);  // [stop position, protrusion], um; empty: the line
  return j;
}

bool number(const store::Details& j, const char* key, double& out) {
  if (!j.contains(key) || !j[key].is_number()) return false;
  out = j[key].get<double>();
  return std::isfinite(out);
}

}  // namespace

store::Details depth_data(const DepthFit& fit, const control::DepthMap& before) {
  const control::DepthMap after = to_depth_map(fit);
  store::Details points = store::Details::array();
  double worst_before = 0.0;
  for (std::size_t i = 0; i < fit.points.size(); ++i) {
    const DepthPoint& p = fit.points[i];
    // What the pen would have said the needles stood out at this stop, against the gauge.
    const double error_before = p.gauge_um - before.protrusion_at(p.sensor_um);
    worst_before = std::max(worst_before, std::abs(error_before));
    points.push_back({{"commanded_um", p.commanded_um},
                      {"sensor_um", p.sensor_um},
                      {"gauge_um", p.gauge_um},
                      {"residual_um", fit.residuals_um[i]},
                      {"error_before_um", error_before}});
  }
  return {{"map", map_json(after)},
          {"fit",
           {{"model", fit.piecewise ? "piecewise" : "linear"},
            {"gain", fit.gain},
            {"offset_um", fit.offset_um},
            {"worst_residual_um", fit.worst_residual_um},
            {"worst_error_before_um", worst_before},
            {"sensor_scale", fit.sensor_scale},
            {"sensor_offset_um", fit.sensor_offset_um}}},
          {"points", std::move(points)},
          {"before", map_json(before)}};
}

store::Details nominal_depth_data() {
  return {{"map", map_json(control::DepthMap{})},
          {"fit", {{"model", "nominal"}, {"gain", 1.0}, {"offset_um", 0.0}}},
          {"points", store::Details::array()}};
}

std::optional<control::DepthMap> depth_map_from(const std::string& data_json, std::string& why) {
  const store::Details d = store::Details::parse(data_json, nullptr, false);
  if (!d.is_object() || !d.contains("map") || !d["map"].is_object()) {
    why = "its data holds no depth map";
    return std::nullopt;
  }
  const store::Details& m = d["map"];
  control::DepthMap out;
  if (!number(m, "gain", out.gain) || !number(m, "offset_um", out.offset_um)) {
    why = "its depth map has no gain or offset";
    return std::nullopt;
  }
  if (m.contains("points")) {
    const store::Details& pts = m["points"];
    if (!pts.is_array() || pts.size() == 1 || pts.size() > control::DepthMap::kMaxPoints) {
      why = "its depth map's points are not 2 to 16 pairs";
      return std::nullopt;
    }
    for (const auto& p : pts) {
      if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number()) {
        why = "its depth map's points are not [position, protrusion] pairs";
        return std::nullopt;
      }
      out.position_um[out.points] = p[0].get<double>();
      out.protrusion_um[out.points] = p[1].get<double>();
      ++out.points;
    }
  }
  if (!out.plausible()) {
    why =
        "its depth map is not one a pen can have (gain 0.8..1.25, offset within 300 um, "
        "ascending points)";
    return std::nullopt;
  }
  return out;
}

std::string depth_summary(const store::Details& data) {
  // Read defensively: a record's data may have been edited (the chain says so elsewhere).
  if (!data.is_object() || !data.contains("fit") || !data["fit"].is_object()) {
    return "depth calibration";
  }
  const store::Details& f = data["fit"];
  const auto num = [&f](const char* key) {
    return f.contains(key) && f[key].is_number() ? f[key].get<double>() : NAN;
  };
  const std::string model =
      f.contains("model") && f["model"].is_string() ? f["model"].get<std::string>() : "?";
  if (model == "nominal") return "nominal (a pen taken as true, not measured)";
  const std::size_t points =
      data.contains("points") && data["points"].is_array() ? data["points"].size() : 0;
  char b[200];
  std::snprintf(b, sizeof b, "%s, gain %.4f, offset %+.1f um; worst residual %.1f um at %zu points",
                model.c_str(), num("gain"), num("offset_um"), num("worst_residual_um"), points);
  std::string s = b;
  if (f.contains("worst_error_before_um")) {
    std::snprintf(b, sizeof b, "; before, up to %.1f um off", num("worst_error_before_um"));
    s += b;
  }
  return s;
}

}  // namespace dermad::calibration
