// `dermactl report`'s page: one HTML file a service engineer attaches to a ticket. It is
// self-contained (inline style, no script, no link to fetch), so it opens the same in any
// browser, offline, years later. Each section is the JSON dermactl's `--json` gives for the
// same call, laid out as tables; a section dermad would not give says why instead.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/dermactl/json.hpp"

namespace dermad::ctl {

struct ReportSection {
  std::string id;           // the anchor: "identity"
  std::string title;        // "Identity"
  Json content;             // an object (a table of fields), an array of objects (rows), or text
  std::string unavailable;  // why there is no content ("PERMISSION_DENIED: ..."), else empty
  // A figure drawn by dermactl itself (svg_plot.hpp: inline SVG, every text in it escaped),
  // put before the content as it is.
  std::string figure{};
};

struct Report {
  std::string title;                                         // the page's heading
  std::vector<std::pair<std::string, std::string>> heading;  // "written at", "by", ...
  std::vector<ReportSection> sections;
};

// Text safe inside HTML elements and quoted attributes.
std::string html_escape(std::string_view text);

std::string report_html(const Report& report);

}  // namespace dermad::ctl
