#include "daemon/store/event_log.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdio>

namespace dermad::store {

namespace {

const std::string kGenesis(64, '0');

// Schema migrations: entry i brings the database from version i to i + 1.
const std::array<const char*, kSchemaVersion> kMigrations = {
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
       INSERT INTO meta VALUES ('head_seq', '0'), ('head_hash', ''))"};

}  // namespace

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  std::string hex;
  char b[3];
  for (unsigned int i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x", md[i]);
    hex += b;
  }
  return hex;
}

std::string chain_hash(const std::string& prev_hash, const Event& e) {
  // Lengths before each text field, so no two different rows hash the same text.
  std::string s = prev_hash + "|" + std::to_string(e.seq) + "|" + std::to_string(e.wall_ns) + "|" +
                  std::to_string(e.mono_ns);
  for (const std::string* f : {&e.kind, &e.severity, &e.session_id, &e.details}) {
    s += "|" + std::to_string(f->size()) + ":" + *f;
  }
  return sha256_hex(s);
}

bool EventStore::open(const std::string& path, std::string& error) {
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
  return migrate(error);
}

int EventStore::schema_version() {
  Stmt v(db_, "PRAGMA user_version");
  return v.ok() && v.step() == SQLITE_ROW ? static_cast<int>(v.int64(0)) : -1;
}

bool EventStore::migrate(std::string& error) {
  const int from = schema_version();
  if (from > kSchemaVersion) {
    error = "the database has schema " + std::to_string(from) + ", newer than this dermad's " +
            std::to_string(kSchemaVersion);
    return false;
  }
  for (int v = from; v < kSchemaVersion; ++v) {
    const std::string sql = kMigrations[static_cast<std::size_t>(v)];
    if (!db_.exec("BEGIN IMMEDIATE; " + sql + "; PRAGMA user_version=" + std::to_string(v + 1) +
                      "; COMMIT;",
                  error)) {
      std::string ignored;
      db_.exec("ROLLBACK", ignored);
      error = "migration to schema " + std::to_string(v + 1) + " failed: " + error;
      return false;
    }
  }
  return true;
}

int64_t EventStore::last_seq() {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT value FROM meta WHERE key='head_seq'");
  return s.ok() && s.step() == SQLITE_ROW ? std::stoll(s.text(0)) : 0;
}

bool EventStore::append(std::vector<Event>& events, std::string& error) {
  std::lock_guard lock(mu_);
  if (!db_.exec("BEGIN IMMEDIATE", error)) return false;
  auto fail = [this, &error](const std::string& why) {
    error = why;
    std::string ignored;
    db_.exec("ROLLBACK", ignored);
    return false;
  };
  int64_t seq = 0;
  std::string prev;
  {
    Stmt h(db_,
           "SELECT (SELECT value FROM meta WHERE key='head_seq'), "
           "(SELECT value FROM meta WHERE key='head_hash')");
    if (!h.ok() || h.step() != SQLITE_ROW) return fail(db_.last_error());
    seq = std::stoll(h.text(0));
    prev = h.text(1).empty() ? kGenesis : h.text(1);  // the first event chains to genesis
  }
  for (auto& e : events) {
    e.seq = ++seq;
    e.hash = chain_hash(prev, e);
    Stmt ins(db_,
             "INSERT INTO events(seq, wall_ns, mono_ns, kind, severity, session_id, details, "
             "hash) VALUES(?,?,?,?,?,?,?,?)");
    if (!ins.ok()) return fail(db_.last_error());
    ins.bind(1, e.seq).bind(2, e.wall_ns).bind(3, e.mono_ns).bind(4, e.kind).bind(5, e.severity);
    if (e.session_id.empty()) {
      ins.bind_null(6);
    } else {
      ins.bind(6, e.session_id);
    }
    ins.bind(7, e.details).bind(8, e.hash);
    if (ins.step() != SQLITE_DONE) return fail(db_.last_error());
    prev = e.hash;
  }
  Stmt head(db_,
            "UPDATE meta SET value = CASE key WHEN 'head_seq' THEN ? ELSE ? END "
            "WHERE key IN ('head_seq', 'head_hash')");
  if (!head.ok()) return fail(db_.last_error());
  head.bind(1, std::to_string(seq)).bind(2, prev);
  if (head.step() != SQLITE_DONE) return fail(db_.last_error());
  if (!db_.exec("COMMIT", error)) return fail(error);
  return true;
}

std::vector<Event> EventStore::read(int64_t after_seq, int limit) {
  std::lock_guard lock(mu_);
  return read_locked(after_seq, limit);
}

std::vector<Event> EventStore::read_locked(int64_t after_seq, int limit) {
  std::vector<Event> out;
  Stmt s(db_,
         "SELECT seq, wall_ns, mono_ns, kind, severity, session_id, details, hash "
         "FROM events WHERE seq > ? ORDER BY seq LIMIT ?");
  if (!s.ok()) return out;
  s.bind(1, after_seq).bind(2, static_cast<int64_t>(limit));
  while (s.step() == SQLITE_ROW) {
    out.push_back({s.int64(0), s.int64(1), s.int64(2), s.text(3), s.text(4),
                   s.is_null(5) ? "" : s.text(5), s.text(6), s.text(7)});
  }
  return out;
}

std::vector<std::string> EventStore::verify() {
  std::lock_guard lock(mu_);
  std::vector<std::string> problems;
  std::string prev = kGenesis;
  int64_t expect = 1;
  int64_t after = 0;
  for (;;) {
    const auto batch = read_locked(after, 1000);
    if (batch.empty()) break;
    for (const auto& e : batch) {
      if (e.seq != expect) {
        problems.push_back("events " + std::to_string(expect) + ".." + std::to_string(e.seq - 1) +
                           " are missing");
      }
      if (chain_hash(prev, e) != e.hash) {
        problems.push_back("event " + std::to_string(e.seq) + " does not match its hash");
      }
      prev = e.hash;
      expect = e.seq + 1;
      after = e.seq;
    }
  }
  Stmt h(db_,
         "SELECT (SELECT value FROM meta WHERE key='head_seq'), "
         "(SELECT value FROM meta WHERE key='head_hash')");
  if (h.ok() && h.step() == SQLITE_ROW) {
    const std::string head_hash = h.text(1).empty() ? kGenesis : h.text(1);
    if (std::stoll(h.text(0)) != expect - 1 || head_hash != prev) {
      problems.push_back("the log ends at " + std::to_string(expect - 1) + " but its head says " +
                         h.text(0) + ": the last events are missing");
    }
  }
  return problems;
}

}  // namespace dermad::store
