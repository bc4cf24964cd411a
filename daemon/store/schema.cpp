// Opening the store: integrity, durability settings, the size cap, and the migrations that
// bring any earlier schema to the current one.
#include <algorithm>
#include <array>
#include <chrono>

#include "daemon/store/store.hpp"
#include "daemon/wall_clock.hpp"

namespace dermad::store {

namespace {

// Entry i brings the database from schema i to i + 1. Never edit one that has shipped:
// add the next.
const std::array<const char*, kSchemaVersion> kMigrations = {
    // 1: the first records.
    R"(CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
       CREATE TABLE events(seq INTEGER PRIMARY KEY, wall_ns INTEGER NOT NULL,
         mono_ns INTEGER NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL,
         session_id TEXT, details TEXT NOT NULL, hash TEXT NOT NULL);
       CREATE TABLE sessions(id TEXT PRIMARY KEY, state TEXT NOT NULL, owner TEXT,
         patient_ref TEXT, protocol TEXT, started_wall_ns INTEGER, ended_wall_ns INTEGER,
         summary BLOB);
       CREATE TABLE cartridges(serial TEXT PRIMARY KEY, first_seen_wall_ns INTEGER NOT NULL,
         sessions INTEGER NOT NULL DEFAULT 0, used INTEGER NOT NULL DEFAULT 0);
       CREATE TABLE alarm_history(id INTEGER PRIMARY KEY, code TEXT NOT NULL,
         raised_wall_ns INTEGER NOT NULL, acknowledged_wall_ns INTEGER, session_id TEXT);
       CREATE TABLE calibration(id INTEGER PRIMARY KEY, kind TEXT NOT NULL,
         wall_ns INTEGER NOT NULL, data TEXT NOT NULL);
       CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
       INSERT INTO meta VALUES ('head_seq', '0'), ('head_hash', ''))",
    // 2: a session's cartridge and why it stopped; how an alarm ended; lookups by session
    // and start time; the device counters.
    R"(ALTER TABLE sessions ADD COLUMN cartridge_serial TEXT;
       ALTER TABLE sessions ADD COLUMN end_reason TEXT;
       ALTER TABLE alarm_history ADD COLUMN ended_wall_ns INTEGER;
       ALTER TABLE alarm_history ADD COLUMN ended_by TEXT;
       CREATE INDEX events_by_session ON events(session_id, seq);
       CREATE INDEX sessions_by_start ON sessions(started_wall_ns);
       INSERT OR IGNORE INTO counters VALUES
         ('strokes', 0), ('motor_run_ms', 0), ('sessions', 0), ('faults', 0))",
    // 3: the single-use rule reads the chained session_started events, not a flag beside
    // them: this finds a cartridge's sessions without a scan.
    R"(CREATE INDEX events_session_cartridge
         ON events(json_extract(details, '$.cartridge')) WHERE kind = 'session_started')",
    // 4: the counters are checked against the chain at start: the newest `counters` event
    // found without a scan. (The upgrade chains the totals it found: migrate().)
    R"(CREATE INDEX events_counters ON events(seq) WHERE kind = 'counters')",
    // 5: the registry says what each cartridge is (dermactl cartridges); cartridges seen
    // before are filled in from their first chained insertion with a valid EEPROM.
    R"(ALTER TABLE cartridges ADD COLUMN type TEXT;
       ALTER TABLE cartridges ADD COLUMN needles INTEGER;
       ALTER TABLE cartridges ADD COLUMN lot TEXT;
       UPDATE cartridges SET
         type = (SELECT json_extract(details, '$.type') FROM events
                 WHERE kind = 'cartridge_inserted' AND json_extract(details, '$.checksum_ok')
                   AND json_extract(details, '$.serial') = cartridges.serial
                 ORDER BY seq LIMIT 1),
         needles = (SELECT json_extract(details, '$.needles') FROM events
                 WHERE kind = 'cartridge_inserted' AND json_extract(details, '$.checksum_ok')
                   AND json_extract(details, '$.serial') = cartridges.serial
                 ORDER BY seq LIMIT 1),
         lot = (SELECT json_extract(details, '$.lot') FROM events
                 WHERE kind = 'cartridge_inserted' AND json_extract(details, '$.checksum_ok')
                   AND json_extract(details, '$.serial') = cartridges.serial
                 ORDER BY seq LIMIT 1))",
    // 6: who acknowledged each alarm; acknowledgements recorded before this did not say.
    R"(ALTER TABLE alarm_history ADD COLUMN acknowledged_by TEXT;
       UPDATE alarm_history SET acknowledged_by = 'unknown'
         WHERE ended_by = 'acknowledged' OR acknowledged_wall_ns IS NOT NULL)",
    // 7: calibrations are committed by someone, and fall due (#14); the newest of a kind is
    // found without a scan.
    R"(ALTER TABLE calibration ADD COLUMN committed_by TEXT;
       ALTER TABLE calibration ADD COLUMN due_wall_ns INTEGER;
       CREATE INDEX calibration_by_kind ON calibration(kind, id))",
    // 8: the fleet (#15): how far it has acknowledged the log, and the events it refused,
    // which were sent as their place in the chain alone.
    R"(INSERT INTO meta VALUES ('fleet_acked_seq', '0');
       CREATE TABLE fleet_set_aside(seq INTEGER PRIMARY KEY, reason TEXT NOT NULL,
         wall_ns INTEGER NOT NULL))",
    // 9: records the fleet holds are pruned (#15): the anchor the chain is verified from, and
    // the cartridges of pruned sessions, which the single-use rule still reads.
    R"(INSERT INTO meta VALUES ('pruned_through_seq', '0'), ('pruned_through_hash', '');
       CREATE TABLE pruned_cartridges(serial TEXT PRIMARY KEY, seq INTEGER NOT NULL);
       CREATE INDEX events_pruned ON events(seq) WHERE kind = 'records_pruned')",
};

}  // namespace

bool Store::open(const std::string& path, std::string& error, int64_t max_bytes) {
  path_ = path;
  if (!db_.open(path, true, error)) return false;
  {
    Stmt check(db_, "PRAGMA quick_check");
    if (!check.ok() || check.step() != SQLITE_ROW || check.text(0) != "ok") {
      error = path + " is damaged (" + (check.ok() ? check.text(0) : db_.last_error()) +
              "); it is left as it is for inspection";
      return false;
    }
  }
  if (!db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON",
                error)) {
    error = path + ": " + error;
    return false;
  }
  if (!migrate(error)) return false;
  if (max_bytes > 0 && !set_max_bytes(max_bytes, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

bool Store::set_max_bytes(int64_t max_bytes, std::string& error) {
  std::lock_guard lock(mu_);
  Stmt size(db_, "PRAGMA page_size");
  const int64_t page = size.ok() && size.step() == SQLITE_ROW ? size.int64(0) : 4096;
  // SQLite's own default when there is no cap.
  const int64_t pages = max_bytes > 0 ? std::max<int64_t>(1, max_bytes / page) : 1073741823;
  capped_ = max_bytes > 0;
  // The cap bounds the WAL too (#10 finding 9): checkpoints every quarter of the cap, and the
  // WAL cut back to a quarter of it after each, so the records never take more than about
  // 1.5 times the cap on disk. Without a cap, SQLite's defaults.
  const int64_t wal_pages = max_bytes > 0 ? std::max<int64_t>(16, pages / 4) : 1000;
  const int64_t wal_bytes = max_bytes > 0 ? std::max<int64_t>(16 * page, max_bytes / 4) : -1;
  return db_.exec("PRAGMA max_page_count=" + std::to_string(pages) +
                      "; PRAGMA wal_autocheckpoint=" + std::to_string(wal_pages) +
                      "; PRAGMA journal_size_limit=" + std::to_string(wal_bytes),
                  error);
}

bool Store::checkpoint() {
  std::lock_guard lock(mu_);
  std::string error;
  return db_.exec("PRAGMA wal_checkpoint(TRUNCATE)", error);
}

namespace {

int64_t pragma(Db& db, const char* sql) {
  Stmt s(db, sql);
  return s.ok() && s.step() == SQLITE_ROW ? s.int64(0) : 0;
}

}  // namespace

int64_t Store::size_bytes() {
  std::lock_guard lock(mu_);
  return pragma(db_, "PRAGMA page_count") * pragma(db_, "PRAGMA page_size");
}

int64_t Store::max_bytes() {
  std::lock_guard lock(mu_);
  return capped_ ? pragma(db_, "PRAGMA max_page_count") * pragma(db_, "PRAGMA page_size") : 0;
}

bool check_file(const std::string& path, std::string& report) {
  Db db;
  if (!db.open_readonly(path, report)) return false;
  Stmt check(db, "PRAGMA quick_check");
  if (!check.ok() || check.step() != SQLITE_ROW || check.text(0) != "ok") {
    report = path + " is damaged (" + (check.ok() ? check.text(0) : db.last_error()) + ")";
    return false;
  }
  Stmt v(db, "PRAGMA user_version");
  const int64_t version = v.ok() && v.step() == SQLITE_ROW ? v.int64(0) : -1;
  if (version > kSchemaVersion) {
    report = path + " has schema " + std::to_string(version) + ", newer than this dermad's " +
             std::to_string(kSchemaVersion);
    return false;
  }
  Stmt n(db, "SELECT value FROM meta WHERE key='head_seq'");
  const std::string events = n.ok() && n.step() == SQLITE_ROW ? n.text(0) : "0";
  report =
      "schema " + std::to_string(version) + ", " + events + " events, intact" +
      (version < kSchemaVersion ? " (migrates to " + std::to_string(kSchemaVersion) + " at start)"
                                : "");
  return true;
}

int Store::schema_version() {
  std::lock_guard lock(mu_);
  Stmt v(db_, "PRAGMA user_version");
  return v.ok() && v.step() == SQLITE_ROW ? static_cast<int>(v.int64(0)) : -1;
}

bool Store::migrate(std::string& error) {
  const int from = schema_version();
  if (from > kSchemaVersion) {
    error = "the database has schema " + std::to_string(from) + ", newer than this dermad's " +
            std::to_string(kSchemaVersion);
    return false;
  }
  for (int v = from; v < kSchemaVersion; ++v) {
    const std::string sql = kMigrations[static_cast<std::size_t>(v)];
    // Records from before schema 4 kept their counters outside the chain: what they hold at
    // the upgrade is chained as the baseline, in the migration's transaction.
    const bool baseline = v == 3 && from > 0;
    if (!db_.exec("BEGIN IMMEDIATE; " + sql, error) ||
        (baseline && !chain_counters_locked(wall_now_ns(),
                                            std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                std::chrono::steady_clock::now().time_since_epoch())
                                                .count(),
                                            error)) ||
        !db_.exec("PRAGMA user_version=" + std::to_string(v + 1) + "; COMMIT;", error)) {
      std::string ignored;
      db_.exec("ROLLBACK", ignored);
      error = "migration to schema " + std::to_string(v + 1) + " failed: " + error;
      return false;
    }
  }
  return true;
}

void Store::note_health(bool ok, const std::string& error) {
  if (!ok) last_error_ = error;
  healthy_ = ok;
}

std::string Store::last_write_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

}  // namespace dermad::store
