// Plots for reports, as inline SVG: x-y series (points, lines) on linear axes with ticks and
// labels, and horizontal limit lines. Self-contained (no script, no font or file fetched);
// every text in it is escaped, so the markup is well-formed XML whatever the data.
#pragma once

#include <string>
#include <vector>

namespace dermad::ctl {

struct PlotSeries {
  std::string label;
  std::string colour;  // e.g. "#1f5fa8"
  bool line = false;   // joined by a line; else marks at the points
  std::vector<double> x, y;
};

struct Plot {
  std::string title, x_label, y_label;
  std::vector<PlotSeries> series;
  std::vector<double> limits_y;  // drawn as dashed horizontal lines (e.g. +-20 um)
};

std::string svg_plot(const Plot& plot);

}  // namespace dermad::ctl
