// An event of the device's log and the hash that chains it to the one before, so an edited
// or deleted row is found. Gapless sequence numbers make the log a cursor for readers and
// for the fleet uploader.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dermad::store {

struct Event {
  int64_t seq = 0;  // assigned by the store, from 1, without gaps
  int64_t wall_ns = 0;
  int64_t mono_ns = 0;
  std::string kind;      // e.g. "state_changed", "alarm_raised", "session_started"
  std::string severity;  // "info", "warning", "alarm" (kSeverities, least first)
  std::string session_id;
  std::string details;  // JSON text
  std::string hash;     // hex SHA-256 of the previous hash and this row's fields
};

inline constexpr const char* kSeverities[] = {"info", "warning", "alarm"};

// Every kind of event dermad records (docs/RECORDS.md says what each holds). A reader's
// filter naming another kind is a typo, not a question with an empty answer.
inline constexpr const char* kEventKinds[] = {
    "daemon_started",        "config_loaded",      "daemon_stopped",
    "state_changed",         "alarm_raised",       "alarm_cleared",
    "alarm_acknowledged",    "cartridge_inserted", "cartridge_removed",
    "session_started",       "session_updated",    "session_resumed",
    "session_ended",         "session_aborted",    "events_lost",
    "records_untrusted",     "counters",           "records_accepted",
    "call_refused",          "self_test",          "jog",
    "routine_ended",         "calibration_ended",  "calibration_discarded",
    "calibration_committed", "records_pruned"};

// Which events a reader wants; every part left empty or 0 lets all through.
struct EventFilter {
  std::string session_id;
  std::vector<std::string> kinds;  // any of these
  std::string min_severity;        // this one of kSeverities and the worse ones
  int64_t since_wall_ns = 0;       // at or after
  int64_t until_wall_ns = 0;       // before

  static EventFilter of_session(std::string id) {
    EventFilter f;
    f.session_id = std::move(id);
    return f;
  }
};

// What the first event chains to.
inline const std::string kGenesisHash(64, '0');

// Hex SHA-256 of `data`.
std::string sha256_hex(const std::string& data);
// What a row's hash covers: the previous row's hash and every field of this one.
std::string chain_hash(const std::string& prev_hash, const Event& e);

}  // namespace dermad::store
