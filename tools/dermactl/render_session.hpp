// Treatment sessions as dermactl output: JSON objects for scripts, text for people.
#pragma once

#include <string>

#include "dermad/v1/treatment.pb.h"
#include "tools/dermactl/json.hpp"

namespace dermad::ctl {

// "block" or "acknowledge" ("unspecified" when unset), as scripts and people read findings.
std::string severity_name(v1::FindingSeverity s);

// Keys: session_id, protocol, zone, depth_um, speed_hz, state, run_s, strokes, active.
Json session_info_json(const v1::SessionInfo& s);
// Several lines, for `session attach`'s live view and the answers of start and update.
std::string session_info_text(const v1::SessionInfo& s);
// One line per message for `session attach` into a pipe or file.
std::string session_info_line(const v1::SessionInfo& s);

// "active", "ended" or "aborted" ("unspecified" when unset).
std::string session_state_name(v1::SessionState s);

// The proto's field names; zones, findings and materials as lists of objects; state by name.
Json summary_json(const v1::SessionSummary& s);
// A block of labelled lines, then the aftercare instructions as bullets.
// `pen`: the pen's state while the session is active (ARMED, RUNNING, or the FAULT or ESTOP
// that stopped its needles), as GetStatus said; STATE_UNSPECIFIED when not asked.
std::string summary_text(const v1::SessionSummary& s, v1::State pen = v1::STATE_UNSPECIFIED);
// `dermactl sessions`: a header and one row per session, or a line saying there are none.
std::string sessions_table(const v1::ListSessionsResponse& r);

}  // namespace dermad::ctl
