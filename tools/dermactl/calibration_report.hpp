// The page `--report FILE.html` writes for a calibration: who ran or committed it and when,
// the values, and as inline SVG the measured protrusion against the stop's position with the
// fitted map and the map it replaces, and each point's residual against the 20 um limit.
#pragma once

#include <string>

#include "dermad/v1/engineering.pb.h"
#include "tools/dermactl/report_html.hpp"

namespace dermad::ctl {

// A staged (id 0) or committed calibration as a report; `written_at` for its heading.
Report calibration_report(const v1::Calibration& c, const std::string& written_at);

}  // namespace dermad::ctl
