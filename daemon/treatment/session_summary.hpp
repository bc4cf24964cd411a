// A session's summary as the records keep it: the figures a clinician reads at the end, in a
// JSON object of the records' own (docs/RECORDS.md "Session summary"), not the API's bytes,
// so the records outlive any change to the API. Written at every checkpoint and at the end.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/store.hpp"
#include "daemon/treatment/session_book.hpp"

namespace dermad::treatment {

inline constexpr int kSummaryFormat = 1;

struct SessionSummary {
  double run_s = 0;
  std::map<std::string, double> run_s_by_zone;
  uint64_t strokes = 0;
  uint32_t needles = 0;  // of the cartridge: microchannels = strokes x needles
  double depth_mean_um = 0, depth_worst_dev_um = 0;
  double speed_mean_hz = 0, speed_worst_dev_hz = 0;
  std::vector<std::string> alarms;  // codes seen while the session ran
  std::vector<Finding> findings;    // of the screening at the start
  std::vector<std::string> acknowledged;
  std::vector<Material> materials;
  std::vector<std::string> materials_missing;  // expected at the end and none recorded
  std::vector<std::string> aftercare;          // as given at the time, not as today's text says

  uint64_t microchannels() const { return strokes * needles; }
};

SessionSummary summarize(const SessionRecord& r);

// The summary as stored, and back. parse_summary is nullopt for text that is not such an
// object (a row written by an earlier dermad holds the API's protobuf bytes instead).
std::string summary_text(const SessionSummary& s);
std::optional<SessionSummary> parse_summary(const std::string& text);

// The session's row: state "active", "ended" or "aborted", its summary as of now.
store::SessionRow session_row(const SessionRecord& r, const std::string& state);

}  // namespace dermad::treatment
