#include "tools/dermactl/calibration_report.hpp"

#include "tools/dermactl/render_records.hpp"
#include "tools/dermactl/svg_plot.hpp"

namespace dermad::ctl {

namespace {

// The protrusion a map (as the records keep it) gives at `position`.
double protrusion_at(const Json& map, double position) {
  const Json pts = map.value("points", Json::array());
  if (pts.size() >= 2) {
    std::size_t i = 1;
    while (i + 1 < pts.size() && position > pts[i][0].get<double>()) ++i;
    const double x0 = pts[i - 1][0].get<double>(), y0 = pts[i - 1][1].get<double>();
    const double x1 = pts[i][0].get<double>(), y1 = pts[i][1].get<double>();
    return y0 + (y1 - y0) * (position - x0) / (x1 - x0);
  }
  return map.value("gain", 1.0) * position + map.value("offset_um", 0.0);
}

PlotSeries map_line(const Json& map, const std::string& label, const std::string& colour, double lo,
                    double hi) {
  PlotSeries s{label, colour, true, {}, {}};
  for (int i = 0; i <= 40; ++i) {
    const double x = lo + (hi - lo) * i / 40.0;
    s.x.push_back(x);
    s.y.push_back(protrusion_at(map, x));
  }
  return s;
}

}  // namespace

Report calibration_report(const v1::Calibration& c, const std::string& written_at) {
  Report r;
  const bool committed = c.id() != 0;
  r.title = "dermad " + c.kind() + " calibration" +
            (committed ? " " + std::to_string(c.id()) : std::string(" (staged)"));
  r.heading = {{"written at", written_at},
               {committed ? "committed by" : "run by, not committed", c.by()},
               {committed ? "committed at" : "staged at", utc_text(c.wall_ns())}};
  if (committed)
    r.heading.push_back({"due", utc_text(c.due_wall_ns()) + (c.due() ? " (PAST DUE)" : "")});
  r.heading.push_back({"summary", c.summary()});

  const Json data = parse_json(c.data_json()).value_or(Json::object());
  const Json points = data.value("points", Json::array());
  if (c.kind() == "depth" && !points.empty()) {
    Plot depth{"Needle protrusion against the stop's position",
               "stop position, sensor (um)",
               "protrusion (um)",
               {},
               {}};
    PlotSeries measured{"measured with the gauge", "#1f5fa8", false, {}, {}};
    PlotSeries residual{"residual after the fit", "#1f5fa8", false, {}, {}};
    PlotSeries before{"error under the calibration it replaces", "#e67e22", false, {}, {}};
    double lo = 0, hi = 0;
    for (const auto& p : points) {
      const double x = p.value("sensor_um", 0.0);
      lo = std::min(lo, x);
      hi = std::max(hi, x);
      measured.x.push_back(x);
      measured.y.push_back(p.value("gauge_um", 0.0));
      residual.x.push_back(x);
      residual.y.push_back(p.value("residual_um", 0.0));
      before.x.push_back(x);
      before.y.push_back(p.value("error_before_um", 0.0));
    }
    if (data.contains("before")) {
      depth.series.push_back(
          map_line(data["before"], "the calibration it replaces", "#e67e22", lo, hi));
    }
    depth.series.push_back(
        map_line(data.value("map", Json::object()), "the fitted map", "#27ae60", lo, hi));
    depth.series.push_back(std::move(measured));
    ReportSection s{"depth", "Depth", Json::array(), "", svg_plot(depth)};
    for (const auto& p : points) s.content.push_back(p);
    r.sections.push_back(std::move(s));

    Plot res{
        "Residuals, and the errors before", "stop position, sensor (um)", "um", {}, {-20.0, 20.0}};
    res.series.push_back(std::move(before));
    res.series.push_back(std::move(residual));
    r.sections.push_back({"residuals", "Residuals (limit +-20 um, dashed)",
                          "a residual is the gauge minus the fitted map at that point", "",
                          svg_plot(res)});
  }
  r.sections.push_back({"fit", "Values", data.value("fit", Json::object()), "", ""});
  r.sections.push_back({"map", "The map the loop runs", data.value("map", Json::object()), "", ""});
  return r;
}

}  // namespace dermad::ctl
