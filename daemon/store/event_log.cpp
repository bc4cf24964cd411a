// The append-only event log: gapless sequence numbers, the SHA-256 chain and its head record.
#include "daemon/store/event_log.hpp"

#include <openssl/evp.h>

#include <cstdlib>

#include "daemon/store/store.hpp"

namespace dermad::store {

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(2 * n, '0');
  for (unsigned int i = 0; i < n; ++i) {
    hex[2 * i] = kDigits[md[i] >> 4];
    hex[2 * i + 1] = kDigits[md[i] & 0xF];
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

int64_t Store::last_seq() {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT value FROM meta WHERE key='head_seq'");
  // strtoll, not stoll: an edited head must be reported by verify(), not throw here.
  return s.ok() && s.step() == SQLITE_ROW ? std::strtoll(s.text(0).c_str(), nullptr, 10) : 0;
}

bool Store::append(std::vector<Event>& events, const Effects& fx, std::string& error) {
  const bool chained =
      fx.counter_deltas.count("strokes") != 0 || fx.counter_deltas.count("motor_run_ms") != 0;
  return write(error, [&] {
    return append_locked(events, error) && apply_locked(fx, error) &&
           (!chained || chain_counters_locked(fx.wall_ns, fx.mono_ns, error));
  });
}

bool Store::append_locked(std::vector<Event>& events, std::string& error) {
  if (events.empty()) return true;
  int64_t seq = 0;
  std::string prev;
  {
    Stmt h(db_,
           "SELECT (SELECT value FROM meta WHERE key='head_seq'), "
           "(SELECT value FROM meta WHERE key='head_hash')");
    if (!h.ok() || h.step() != SQLITE_ROW) return failed(error);
    seq = std::strtoll(h.text(0).c_str(), nullptr, 10);
    prev = h.text(1).empty() ? kGenesisHash : h.text(1);
  }
  Stmt ins(db_,
           "INSERT INTO events(seq, wall_ns, mono_ns, kind, severity, session_id, details, hash) "
           "VALUES(?,?,?,?,?,?,?,?)");
  if (!ins.ok()) return failed(error);
  // Numbers and hashes are assigned afresh on every attempt: a batch whose transaction
  // failed is retried as it was.
  for (auto& e : events) {
    e.seq = ++seq;
    e.hash = chain_hash(prev, e);
    ins.reset();
    ins.bind(1, e.seq).bind(2, e.wall_ns).bind(3, e.mono_ns).bind(4, e.kind).bind(5, e.severity);
    if (e.session_id.empty()) {
      ins.bind_null(6);
    } else {
      ins.bind(6, e.session_id);
    }
    ins.bind(7, e.details).bind(8, e.hash);
    if (ins.step() != SQLITE_DONE) return failed(error);
    prev = e.hash;
  }
  if (on_appended_) appended_.insert(appended_.end(), events.begin(), events.end());
  Stmt head(db_,
            "UPDATE meta SET value = CASE key WHEN 'head_seq' THEN ? ELSE ? END "
            "WHERE key IN ('head_seq', 'head_hash')");
  if (!head.ok()) return failed(error);
  head.bind(1, std::to_string(seq)).bind(2, prev);
  if (head.step() != SQLITE_DONE) return failed(error);
  return true;
}

std::vector<Event> Store::read(int64_t after_seq, int limit, const EventFilter& filter) {
  std::lock_guard lock(mu_);
  return read_locked(after_seq, limit, filter);
}

std::vector<Event> Store::read_locked(int64_t after_seq, int limit, const EventFilter& filter) {
  return read_events(db_, after_seq, limit, filter);
}

namespace {

// The WHERE clause of `f` after "seq > ?" (or "1"), and the texts and numbers it binds, in
// order: texts first, then the times.
struct Where {
  std::string sql;
  std::vector<std::string> texts;
  std::vector<int64_t> times;
};

Where where_of(const EventFilter& f) {
  Where w;
  if (!f.session_id.empty()) {
    w.sql += " AND session_id = ?";
    w.texts.push_back(f.session_id);
  }
  const auto any_of = [&w](const char* column, const std::vector<std::string>& values) {
    w.sql += std::string(" AND ") + column + " IN (";
    for (std::size_t i = 0; i < values.size(); ++i) w.sql += i ? ",?" : "?";
    w.sql += ")";
    w.texts.insert(w.texts.end(), values.begin(), values.end());
  };
  if (!f.kinds.empty()) any_of("kind", f.kinds);
  if (!f.min_severity.empty()) {
    std::vector<std::string> worse;
    for (const char* s : kSeverities) {
      if (!worse.empty() || f.min_severity == s) worse.emplace_back(s);
    }
    // An unknown severity matches nothing rather than everything.
    if (worse.empty()) worse.push_back(f.min_severity);
    any_of("severity", worse);
  }
  if (f.since_wall_ns != 0) {
    w.sql += " AND wall_ns >= ?";
    w.times.push_back(f.since_wall_ns);
  }
  if (f.until_wall_ns != 0) {
    w.sql += " AND wall_ns < ?";
    w.times.push_back(f.until_wall_ns);
  }
  return w;
}

// Binds `w`'s values from parameter `first` on; the next free index.
int bind_where(Stmt& s, const Where& w, int first) {
  for (const auto& t : w.texts) s.bind(first++, t);
  for (const auto v : w.times) s.bind(first++, v);
  return first;
}

}  // namespace

std::vector<Event> read_events(Db& db, int64_t after_seq, int limit, const EventFilter& filter) {
  std::vector<Event> out;
  const Where w = where_of(filter);
  Stmt s(db, ("SELECT seq, wall_ns, mono_ns, kind, severity, session_id, details, hash "
              "FROM events WHERE seq > ?" +
              w.sql + " ORDER BY seq LIMIT ?")
                 .c_str());
  if (!s.ok()) return out;
  s.bind(1, after_seq);
  s.bind(bind_where(s, w, 2), static_cast<int64_t>(limit));
  while (s.step() == SQLITE_ROW) {
    out.push_back({s.int64(0), s.int64(1), s.int64(2), s.text(3), s.text(4),
                   s.is_null(5) ? "" : s.text(5), s.text(6), s.text(7)});
  }
  return out;
}

int64_t Store::seq_before_newest(const EventFilter& filter, int n) {
  if (n <= 0) return last_seq();
  std::lock_guard lock(mu_);
  const Where w = where_of(filter);
  Stmt s(
      db_,
      ("SELECT seq FROM events WHERE 1" + w.sql + " ORDER BY seq DESC LIMIT 1 OFFSET ?").c_str());
  if (!s.ok()) return 0;
  s.bind(bind_where(s, w, 1), static_cast<int64_t>(n));
  return s.step() == SQLITE_ROW ? s.int64(0) : 0;
}

std::vector<std::string> Store::verify(int64_t from_seq) {
  std::lock_guard lock(mu_);
  return verify_chain(db_, from_seq);
}

std::vector<std::string> verify_chain(Db& db, int64_t from_seq) {
  std::vector<std::string> problems;
  // Pruned events are on the fleet's side: the chain goes on from the last one's hash.
  const Anchor anchor = pruned_anchor(db);
  std::string prev = anchor.hash;
  int64_t expect = anchor.seq + 1;
  int64_t after = anchor.seq;
  if (from_seq > anchor.seq) {
    // From an event an engineer has accepted the records through: its hash as stored.
    const auto from = read_events(db, from_seq - 1, 1);
    if (from.empty() || from.front().seq != from_seq) {
      return {"event " + std::to_string(from_seq) + ", where the records were accepted, is gone"};
    }
    prev = from.front().hash;
    expect = from_seq + 1;
    after = from_seq;
  }
  for (;;) {
    const auto batch = read_events(db, after, 1000);
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
  Stmt h(db,
         "SELECT (SELECT value FROM meta WHERE key='head_seq'), "
         "(SELECT value FROM meta WHERE key='head_hash')");
  if (h.ok() && h.step() == SQLITE_ROW) {
    const std::string head_hash = h.text(1).empty() ? kGenesisHash : h.text(1);
    if (std::strtoll(h.text(0).c_str(), nullptr, 10) != expect - 1 || head_hash != prev) {
      problems.push_back("the log ends at " + std::to_string(expect - 1) + " but its head says " +
                         h.text(0) + ": the last events are missing");
    }
  }
  return problems;
}

}  // namespace dermad::store
