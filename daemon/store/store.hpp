// The device's durable records in one SQLite file: the chained event log, the sessions, the
// cartridge registry, alarm history and counters. One connection, serialised: the recorder
// and the gRPC readers share it, and a transaction must not see another thread's statements.
// Every write is one transaction at full sync; whether the last one went through is kept
// (healthy()), so the daemon can refuse what it could not record.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/store/event_log.hpp"
#include "daemon/store/sqlite_db.hpp"

namespace dermad::store {

inline constexpr int kSchemaVersion = 9;

struct CartridgeSeen {
  std::string serial;
  int64_t wall_ns = 0;
  std::string type, lot;  // as its EEPROM says, e.g. "nano"
  int64_t needles = 0;
};

// What an appended batch changes besides the log itself, in the same transaction.
struct AlarmTransition {
  std::string code;
  enum Kind { kRaised, kAcknowledged, kCleared } kind = kRaised;
  int64_t wall_ns = 0;
  std::string session_id;
  std::string by;  // kAcknowledged: who sent the acknowledgement
};
struct Effects {
  std::map<std::string, int64_t> counter_deltas;  // e.g. "strokes", "faults"
  // When the counters were read: a batch that moves strokes or motor_run_ms also chains the
  // totals as a `counters` event with these times (chain_counters_locked).
  int64_t wall_ns = 0, mono_ns = 0;
  std::vector<AlarmTransition> alarms;
  // Cartridges inserted with a valid EEPROM: registered on first sight.
  std::vector<CartridgeSeen> cartridges_seen;
};

struct SessionRow {
  std::string id;
  std::string state;  // "active", "ended", "aborted"
  std::string operator_id, patient_ref, protocol, cartridge_serial;
  int64_t started_wall_ns = 0, ended_wall_ns = 0;
  std::string end_reason;  // why an aborted session stopped
  std::string summary;     // the API layer's serialized summary, last checkpoint
};

struct CartridgeRecord {
  std::string serial;
  int64_t first_seen_wall_ns = 0;
  int64_t sessions = 0;
  bool used = false;
  std::string type, lot;  // empty when never read from its EEPROM (registered by a session)
  int64_t needles = 0;
};

// A committed calibration (#14): what it set, and who is answerable for it.
struct CalibrationRecord {
  int64_t id = 0;
  std::string kind;         // "depth", "speed", "sensors"
  int64_t wall_ns = 0;      // committed at
  std::string by;           // who committed it, as the API's gate knew them
  int64_t due_wall_ns = 0;  // when it must be done again
  std::string data;         // JSON object: values, points, residuals, before and after
};

struct AlarmRecord {
  std::string code, session_id, ended_by;  // ended_by: "", "acknowledged", "cleared"
  int64_t raised_wall_ns = 0, ended_wall_ns = 0;
  std::string acknowledged_by;  // who, when acknowledged ("unknown" before schema 6)
};

// Checks a records file without changing it: readable, intact, a schema this dermad can
// migrate. True with a one-line description ("schema 2, 1234 events, intact"), else false
// with the problem.
bool check_file(const std::string& path, std::string& report);

// The log's events with seq > after_seq, and its chain from `from_seq` on (Store::read and
// Store::verify, on any connection: the read-only one of a check too).
std::vector<Event> read_events(Db& db, int64_t after_seq, int limit,
                               const EventFilter& filter = {});
std::vector<std::string> verify_chain(Db& db, int64_t from_seq = 0);
// Where the log begins once older events were pruned: the last pruned event's seq and hash
// (0 and the genesis hash when nothing was).
struct Anchor {
  int64_t seq = 0;
  std::string hash = kGenesisHash;
};
Anchor pruned_anchor(Db& db);
// Whether what pruning left behind agrees with the newest chained `records_pruned` event: the
// anchor, and the pruned sessions' cartridges (prune.cpp). Empty when it does.
std::vector<std::string> pruning_problems(Db& db);
// Whether the counters table agrees with the chain (counters.cpp): strokes and motor run time
// equal the newest chained `counters` event; sessions and faults equal its totals plus the
// session_started events and the entries into FAULT chained after it. Empty when they agree,
// else each difference.
std::vector<std::string> counters_problems(Db& db);

class Store {
 public:
  // Opens or creates the database: integrity check, WAL, full sync, migrations. A corrupt
  // file is reported, never replaced. max_bytes > 0 caps the file (SQLite's page limit), so
  // the records can never fill the board's disk; writes past it fail like a full disk.
  bool open(const std::string& path, std::string& error, int64_t max_bytes = 0);
  // Moves the cap (0: none) on an open store, e.g. after a service engineer freed or added
  // space. SQLite never sets it below the file's current size.
  bool set_max_bytes(int64_t max_bytes, std::string& error);
  // Moves the WAL into the database and cuts it to nothing: space back on a full disk.
  bool checkpoint();
  int schema_version();
  const std::string& path() const { return path_; }
  // The file's size, and its cap (0: none but the disk), in bytes.
  int64_t size_bytes();
  int64_t max_bytes();
  // Told each batch of events once it is committed, in order (e.g. to the journal). Set
  // before other threads use the store.
  void on_appended(std::function<void(const std::vector<Event>&)> observer) {
    on_appended_ = std::move(observer);
  }
  // False after a write failed (full disk, unwritable file), true again after one succeeds.
  bool healthy() const { return healthy_; }
  std::string last_write_error() const;

  // --- event log (event_log.cpp) ---
  // Appends events in one transaction with their effects; assigns seq and hash. False
  // (nothing written) on failure.
  bool append(std::vector<Event>& events, std::string& error) {
    return append(events, Effects{}, error);
  }
  bool append(std::vector<Event>& events, const Effects& fx, std::string& error);
  // Up to `limit` events with seq > after_seq that pass `filter`, in order.
  std::vector<Event> read(int64_t after_seq, int limit, const EventFilter& filter = {});
  // Where to read from for the newest `n` events that pass `filter`: the seq just before
  // the oldest of them (0 when there are n or fewer).
  int64_t seq_before_newest(const EventFilter& filter, int n);
  int64_t last_seq();
  // Walks the whole chain (from event `from_seq` on, taking that one as it is stored). Empty
  // when intact, else what is wrong (first problem first).
  std::vector<std::string> verify(int64_t from_seq = 0);

  // --- sessions and cartridges (session_records.cpp) ---
  // The session row, its cartridge marked used (registered if new), the sessions counter
  // and `started` (an event) in one transaction: a session that cannot be recorded does
  // not begin.
  bool begin_session(const SessionRow& row, Event started, std::string& error);
  // The running summary, so a crash loses at most what came after the last checkpoint.
  bool checkpoint_session(const std::string& id, const std::string& summary, std::string& error);
  // state "ended" or "aborted"; an empty summary keeps the last checkpoint. Only an active
  // row ends: for one that ended already nothing is written (and true returned).
  bool finish_session(const SessionRow& row, Event finished, std::string& error);
  // Sessions still "active" (the daemon stopped without ending them) become "aborted" with
  // `reason`, ended at their last event, each with a session_aborted event. Their ids. Those
  // in `ending` did end, and wait to be recorded so (PendingEndings): they are left alone.
  std::vector<std::string> abort_open_sessions(const std::string& reason, int64_t now_wall_ns,
                                               int64_t now_mono_ns, std::string& error,
                                               const std::set<std::string>& ending = {});
  std::optional<SessionRow> session(const std::string& id);
  std::optional<SessionRow> last_session();
  // Sessions started at or after since_wall_ns, oldest first; the newest `limit` of them.
  std::vector<SessionRow> sessions(int64_t since_wall_ns, int limit);
  bool cartridge_used(const std::string& serial);
  std::optional<CartridgeRecord> cartridge(const std::string& serial);
  // The registry: the newest `limit` cartridges by first sight, oldest first.
  std::vector<CartridgeRecord> cartridges(int limit);

  // --- counters and alarm history (counters.cpp) ---
  std::map<std::string, int64_t> counters();
  // A `counters` event with the totals as they stand, in one transaction: the baseline that
  // counters_problem() checks the table against (e.g. once an engineer accepted the records).
  bool chain_counters(int64_t wall_ns, int64_t mono_ns, std::string& error);
  std::vector<std::string> counters_problems();
  // The newest `limit` alarms that pass `filter`, oldest first. The filter's session, codes
  // (as `kinds`) and raise times apply; its severity does not.
  std::vector<AlarmRecord> alarm_history(const EventFilter& filter = {}, int limit = 1000);

  // --- calibrations (calibrations.cpp) ---
  // The row and a chained `calibration_committed` event holding the same (so an edited row
  // shows against the chain) in one transaction. `c.data` must be a JSON object. Sets c.id.
  bool commit_calibration(CalibrationRecord& c, int64_t mono_ns, std::string& error);
  // The newest commit of `kind`.
  std::optional<CalibrationRecord> latest_calibration(const std::string& kind);
  // The newest `limit` commits (of `kind`, or of every kind when empty), oldest first.
  std::vector<CalibrationRecord> calibrations(const std::string& kind, int limit);

  // --- pruning what the fleet holds (prune.cpp) ---
  struct Pruned {
    int64_t events = 0;       // deleted by this call
    int64_t through_seq = 0;  // the anchor after it
    int64_t sessions = 0;     // session rows deleted with their last events
  };
  // Deletes the oldest events, at most `chunk`, that are all three: at or below `up_to_seq`
  // (what the fleet has acknowledged), older than `before_wall_ns` (a prefix of the log, so
  // an event dated later stops it), and before the newest `counters` event (the counters
  // check's baseline). In the same transaction: the anchor moves to the last one deleted,
  // the cartridges their sessions used go to `pruned_cartridges` (the single-use rule reads
  // them), sessions with no event left are deleted, and a chained `records_pruned` event
  // holds the anchor and a digest of the cartridges, so an edit of either is found.
  // Nothing to delete is not an error (out.events == 0, nothing written).
  bool prune(int64_t up_to_seq, int64_t before_wall_ns, int chunk, int64_t wall_ns, int64_t mono_ns,
             Pruned& out, std::string& error);
  Anchor pruned_anchor();
  // The hash event `seq` has in the chain: the genesis hash for 0, the anchor's for the last
  // pruned event; nothing when the event is gone or not yet written.
  std::optional<std::string> hash_at(int64_t seq);
  std::vector<std::string> pruning_problems();
  // A `records_pruned` event with the anchor and the pruned cartridges as they stand: the new
  // baseline once an engineer has accepted the records.
  bool chain_pruned(int64_t wall_ns, int64_t mono_ns, std::string& error);

  // --- the fleet's cursor (fleet_cursor.cpp) ---
  // The highest seq the fleet has acknowledged; every event up to it is on the fleet's side.
  int64_t fleet_acked_seq();
  bool set_fleet_acked_seq(int64_t seq, std::string& error);
  // An event the fleet refused, and why: from then on it is sent as its place alone.
  bool set_aside(int64_t seq, const std::string& reason, int64_t wall_ns, std::string& error);
  // The refused events with seq in [from, to], and how many there are in all.
  std::map<int64_t, std::string> set_aside_between(int64_t from, int64_t to);
  int64_t set_aside_count();

 private:
  bool migrate(std::string& error);
  // Runs `body` in a write transaction under the lock; commits if it returns true.
  template <class Body>
  bool write(std::string& error, Body&& body);
  bool append_locked(std::vector<Event>& events, std::string& error);
  bool apply_locked(const Effects& fx, std::string& error);
  bool chain_counters_locked(int64_t wall_ns, int64_t mono_ns, std::string& error);
  bool chain_pruned_locked(int64_t wall_ns, int64_t mono_ns, const Pruned& p, std::string& error);
  std::vector<Event> read_locked(int64_t after_seq, int limit, const EventFilter& filter);
  std::vector<SessionRow> select_sessions(const char* sql, const std::vector<std::string>& texts,
                                          const std::vector<int64_t>& ints);
  void note_health(bool ok, const std::string& error);
  // The connection's last error into `error`; false, for `return failed(error);`.
  bool failed(std::string& error) {
    error = db_.last_error();
    return false;
  }

  mutable std::mutex mu_;
  Db db_;
  std::string path_;
  bool capped_ = false;
  std::atomic<bool> healthy_{true};
  std::string last_error_;  // under mu_
  std::function<void(const std::vector<Event>&)> on_appended_;
  std::vector<Event> appended_;  // under mu_: this transaction's events, for on_appended_
};

template <class Body>
bool Store::write(std::string& error, Body&& body) {
  std::vector<Event> committed;
  {
    std::lock_guard lock(mu_);
    appended_.clear();
    if (!db_.exec("BEGIN IMMEDIATE", error)) {
      note_health(false, error);
      return false;
    }
    if (!body() || !db_.exec("COMMIT", error)) {
      if (error.empty()) error = db_.last_error();
      std::string ignored;
      db_.exec("ROLLBACK", ignored);
      appended_.clear();
      note_health(false, error);
      return false;
    }
    note_health(true, "");
    committed.swap(appended_);
  }
  // Outside the lock: the observer may take its time (the journal) without holding writers.
  if (!committed.empty() && on_appended_) on_appended_(committed);
  return true;
}

}  // namespace dermad::store
