#include "tools/dermactl/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tools/dermactl/report_html.hpp"

namespace dermad::ctl {

namespace {

constexpr double kWidth = 640, kHeight = 360;
constexpr double kLeft = 70, kRight = 20, kTop = 36, kBottom = 50;

std::string num(double v) {
  if (std::abs(v) < 0.05) v = 0.0;  // no "-0.0" on an axis
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

// A step of 1, 2 or 5 times a power of ten giving about five ticks over [lo, hi].
double tick_step(double lo, double hi) {
  const double raw = (hi - lo) / 5.0;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0}) {
    if (m * p >= raw) return m * p;
  }
  return 10.0 * p;
}

struct Range {
  double lo = 0, hi = 1;
  void widen() {
    if (!(hi > lo)) {
      lo -= 1;
      hi += 1;
    }
    const double pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
};

}  // namespace

std::string svg_plot(const Plot& plot) {
  Range xr{INFINITY, -INFINITY}, yr{INFINITY, -INFINITY};
  for (const auto& s : plot.series) {
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      xr.lo = std::min(xr.lo, s.x[i]);
      xr.hi = std::max(xr.hi, s.x[i]);
      yr.lo = std::min(yr.lo, s.y[i]);
      yr.hi = std::max(yr.hi, s.y[i]);
    }
  }
  for (const double l : plot.limits_y) {
    yr.lo = std::min(yr.lo, l);
    yr.hi = std::max(yr.hi, l);
  }
  if (!std::isfinite(xr.lo)) xr = {0, 1};
  if (!std::isfinite(yr.lo)) yr = {0, 1};
  xr.widen();
  yr.widen();
  const double pw = kWidth - kLeft - kRight, ph = kHeight - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (x - xr.lo) / (xr.hi - xr.lo) * pw; };
  auto py = [&](double y) { return kTop + (yr.hi - y) / (yr.hi - yr.lo) * ph; };

  std::string o = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kWidth) +
                  "\" height=\"" + num(kHeight) + "\" viewBox=\"0 0 " + num(kWidth) + " " +
                  num(kHeight) + "\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">\n";
  o += "<title>" + html_escape(plot.title) + "</title>\n";
  o += "<text x=\"" + num(kLeft) + "\" y=\"20\" font-size=\"13\" font-weight=\"bold\">" +
       html_escape(plot.title) + "</text>\n";
  o += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(pw) +
       "\" height=\"" + num(ph) + "\" fill=\"none\" stroke=\"#888\"/>\n";
  const double xs = tick_step(xr.lo, xr.hi), ys = tick_step(yr.lo, yr.hi);
  for (double t = std::ceil(xr.lo / xs) * xs; t <= xr.hi; t += xs) {
    o += "<line x1=\"" + num(px(t)) + "\" y1=\"" + num(kTop + ph) + "\" x2=\"" + num(px(t)) +
         "\" y2=\"" + num(kTop) + "\" stroke=\"#eee\"/>";
    o += "<text x=\"" + num(px(t)) + "\" y=\"" + num(kTop + ph + 15) +
         "\" text-anchor=\"middle\">" + num(t) + "</text>\n";
  }
  for (double t = std::ceil(yr.lo / ys) * ys; t <= yr.hi; t += ys) {
    o += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(py(t)) + "\" x2=\"" + num(kLeft + pw) +
         "\" y2=\"" + num(py(t)) + "\" stroke=\"#eee\"/>";
    o += "<text x=\"" + num(kLeft - 6) + "\" y=\"" + num(py(t) + 4) + "\" text-anchor=\"end\">" +
         num(t) + "</text>\n";
  }
  o += "<text x=\"" + num(kLeft + pw / 2) + "\" y=\"" + num(kHeight - 10) +
       "\" text-anchor=\"middle\">" + html_escape(plot.x_label) + "</text>\n";
  o += "<text x=\"14\" y=\"" + num(kTop + ph / 2) +
       "\" text-anchor=\"middle\" transform=\"rotate(-90 14 " + num(kTop + ph / 2) + ")\">" +
       html_escape(plot.y_label) + "</text>\n";
  for (const double l : plot.limits_y) {
    o += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(py(l)) + "\" x2=\"" + num(kLeft + pw) +
         "\" y2=\"" + num(py(l)) + "\" stroke=\"#c0392b\" stroke-dasharray=\"6 4\"/>\n";
  }
  double legend_y = kTop + 14;
  for (const auto& s : plot.series) {
    const std::string colour = html_escape(s.colour);
    const std::size_t n = std::min(s.x.size(), s.y.size());
    if (s.line && n > 1) {
      o += "<polyline fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"1.5\" points=\"";
      for (std::size_t i = 0; i < n; ++i) {
        if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) {
          o += num(px(s.x[i])) + "," + num(py(s.y[i])) + " ";
        }
      }
      o += "\"/>\n";
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
        o += "<circle cx=\"" + num(px(s.x[i])) + "\" cy=\"" + num(py(s.y[i])) +
             "\" r=\"3.5\" fill=\"" + colour + "\"/>";
      }
      o += "\n";
    }
    o += "<rect x=\"" + num(kLeft + 10) + "\" y=\"" + num(legend_y - 8) +
         "\" width=\"10\" height=\"10\" fill=\"" + colour + "\"/><text x=\"" + num(kLeft + 24) +
         "\" y=\"" + num(legend_y + 1) + "\">" + html_escape(s.label) + "</text>\n";
    legend_y += 15;
  }
  o += "</svg>\n";
  return o;
}

}  // namespace dermad::ctl
