#include "tools/dermactl/calibration_report.hpp"

#include <cmath>
#include <string_view>
#include <tuple>

#include "tools/dermactl/render_records.hpp"
#include "tools/dermactl/svg_plot.hpp"

namespace dermad::ctl {

namespace {

// A figure of the device's data; NaN (drawn as nothing) when it is not a number.
double number(const Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : NAN;
}
double element(const Json& j, std::size_t i) {
  return j.is_array() && i < j.size() && j[i].is_number() ? j[i].get<double>() : NAN;
}

// The protrusion a map (as the records keep it) gives at `position`.
double protrusion_at(const Json& map, double position) {
  Json pts = map.is_object() ? map.value("points", Json::array()) : Json::array();
  if (!pts.is_array()) pts = Json::array();
  if (pts.size() >= 2) {
    std::size_t i = 1;
    while (i + 1 < pts.size() && position > element(pts[i], 0)) ++i;
    const double x0 = element(pts[i - 1], 0), y0 = element(pts[i - 1], 1);
    const double x1 = element(pts[i], 0), y1 = element(pts[i], 1);
    return y0 + (y1 - y0) * (position - x0) / (x1 - x0);
  }
  return number(map, "gain") * position + number(map, "offset_um");
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

// The figures as a person reads them: micrometres to 0.1, other numbers to 5 digits.
Json rounded(const Json& j) {
  Json out = j;
  for (auto& item : out.items()) {
    const std::string key = item.key();  // a copy: clang 14 cannot capture a binding
    Json& v = item.value();
    if (!v.is_number_float()) continue;
    const auto ends = [&key](const char* suffix) {
      const std::string_view k(key), s(suffix);
      return k.size() > s.size() && k.substr(k.size() - s.size()) == s;
    };
    const double scale = ends("_um") || ends("_pct") || ends("_deg") || ends("_ma") ? 10.0
                         : ends("_hz") || ends("_v") || ends("_c")                  ? 100.0
                         : ends("_s") || ends("_n")                                 ? 1000.0
                                                                                    : 1e5;
    v = std::round(v.get<double>() * scale) / scale;
  }
  return out;
}

// The speed calibration's page: the sweep against the fitted motor model, and the step on the
// identified plant under the gains before and after.
void speed_sections(Report& r, const Json& data) {
  const Json sweep = data.is_object() ? data.value("sweep", Json::array()) : Json::array();
  const Json ff = data.is_object() ? data.value("feed_forward", Json::object()) : Json::object();
  if (sweep.is_array() && !sweep.empty()) {
    Plot p{"Steady speed against the duty it needs", "duty", "speed (Hz)", {}, {}};
    PlotSeries measured{"measured in the sweep", "#1f5fa8", false, {}, {}};
    PlotSeries model{"the fitted feed-forward, at the measured supply", "#27ae60", true, {}, {}};
    const double no_load = number(ff, "no_load_hz"), friction = number(ff, "friction_duty");
    const double v_nom = number(ff, "supply_nominal_v");
    for (const auto& s : sweep) {
      const double duty = number(s, "duty"), v = number(s, "supply_v");
      measured.x.push_back(duty);
      measured.y.push_back(number(s, "speed_hz"));
      model.x.push_back(duty);
      model.y.push_back((duty - friction) * no_load * v / v_nom);
    }
    p.series = {std::move(model), std::move(measured)};
    ReportSection s{"sweep", "Feed-forward sweep", Json::array(), "", svg_plot(p)};
    for (const auto& q : sweep) s.content.push_back(rounded(q));
    r.sections.push_back(std::move(s));
  }
  const Json trace = data.is_object() ? data.value("step_trace", Json::object()) : Json::object();
  if (trace.is_object() && trace.contains("before_hz") && trace["before_hz"].is_array()) {
    Plot p{"A " + std::to_string(static_cast<int>(number(trace, "step_hz"))) +
               " Hz speed step on the identified motor",
           "time (ms)",
           "speed change (Hz)",
           {},
           {}};
    const double horizon_ms = 1e3 * number(trace, "horizon_s");
    for (const auto& [key, label, colour] :
         {std::tuple{"before_hz", "under the gains before", "#e67e22"},
          std::tuple{"after_hz", "under the calibrated gains", "#27ae60"}}) {
      PlotSeries s{label, colour, true, {}, {}};
      const Json ys = trace.value(key, Json::array());
      for (std::size_t i = 0; ys.is_array() && i < ys.size(); ++i) {
        s.x.push_back(horizon_ms * static_cast<double>(i) / std::max<double>(1.0, ys.size() - 1.0));
        s.y.push_back(element(ys, i));
      }
      p.series.push_back(std::move(s));
    }
    Json figures = Json::object();
    for (const char* k : {"step_before", "step_after"}) {
      if (data.contains(k)) figures[k] = rounded(data[k]);
    }
    r.sections.push_back({"step", "Step response, before and after", figures, "", svg_plot(p)});
  }
  for (const auto& [k, title] : {std::pair{"model", "The model the loop runs"},
                                 {"feed_forward", "Feed-forward fit"},
                                 {"relay", "Relay test"},
                                 {"plant", "The motor the relay test identified"},
                                 {"before", "The model it replaces"}}) {
    if (data.is_object() && data.contains(k)) {
      r.sections.push_back({k, title, rounded(data[k]), "", ""});
    }
  }
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
  const Json points = data.is_object() ? data.value("points", Json::array()) : Json::array();
  if (c.kind() == "depth" && points.is_array() && !points.empty()) {
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
      const double x = number(p, "sensor_um");
      if (std::isfinite(x)) {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
      measured.x.push_back(x);
      measured.y.push_back(number(p, "gauge_um"));
      residual.x.push_back(x);
      residual.y.push_back(number(p, "residual_um"));
      before.x.push_back(x);
      before.y.push_back(number(p, "error_before_um"));
    }
    if (data.contains("before")) {
      depth.series.push_back(
          map_line(data["before"], "the calibration it replaces", "#e67e22", lo, hi));
    }
    depth.series.push_back(
        map_line(data.value("map", Json::object()), "the fitted map", "#27ae60", lo, hi));
    depth.series.push_back(std::move(measured));
    ReportSection s{"depth", "Depth", Json::array(), "", svg_plot(depth)};
    for (const auto& p : points) s.content.push_back(rounded(p));
    r.sections.push_back(std::move(s));

    Plot res{
        "Residuals, and the errors before", "stop position, sensor (um)", "um", {}, {-20.0, 20.0}};
    res.series.push_back(std::move(before));
    res.series.push_back(std::move(residual));
    r.sections.push_back({"residuals", "Residuals (limit +-20 um, dashed)",
                          "a residual is the gauge minus the fitted map at that point", "",
                          svg_plot(res)});
  }
  if (c.kind() == "speed") {
    speed_sections(r, data);
    return r;
  }
  if (c.kind() == "sensors") {
    r.sections.push_back({"offsets", "The offsets the loop takes off each reading",
                          rounded(data.value("offsets", Json::object())), "", ""});
    Json measured = rounded(data.value("measured", Json::object()));
    measured["reference_c"] = data.value("reference_c", Json());
    r.sections.push_back(
        {"measured", "What the sensors read at rest (drive off, tip free)", measured, "", ""});
    return r;
  }
  r.sections.push_back({"fit", "Values", rounded(data.value("fit", Json::object())), "", ""});
  r.sections.push_back({"map", "The map the loop runs", data.value("map", Json::object()), "", ""});
  return r;
}

}  // namespace dermad::ctl
