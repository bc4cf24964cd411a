// Pruning what the fleet holds (#15): the oldest events go once the fleet has acknowledged
// them and they are older than the retention; what the pen still needs of them stays. The
// chain is then verified from an anchor, the hash of the last pruned event, and the
// single-use rule also reads the cartridges of pruned sessions. Both are tied to the chain by
// a `records_pruned` event, so an edit of the anchor or of that table is found at start like
// an edit of any event.
#include <algorithm>
#include <cstdlib>
#include <set>

#include "daemon/store/details.hpp"
#include "daemon/store/store.hpp"

namespace dermad::store {

namespace {

std::string meta_text(Db& db, const char* key) {
  Stmt s(db, "SELECT value FROM meta WHERE key = ?");
  if (!s.ok()) return "";
  s.bind(1, std::string(key));
  return s.step() == SQLITE_ROW ? s.text(0) : "";
}

// The pruned cartridges as the records_pruned event sums them up: how many, and the SHA-256
// of their serials in order, one per line.
struct CartridgesDigest {
  int64_t count = 0;
  std::string sha256;
};

CartridgesDigest pruned_cartridges_digest(Db& db) {
  CartridgesDigest d;
  std::string all;
  Stmt s(db, "SELECT serial FROM pruned_cartridges ORDER BY serial");
  while (s.ok() && s.step() == SQLITE_ROW) {
    all += s.text(0) + "\n";
    ++d.count;
  }
  d.sha256 = sha256_hex(all);
  return d;
}

int64_t newest_counters_seq(Db& db) {
  Stmt s(db, "SELECT max(seq) FROM events WHERE kind = 'counters'");
  return s.ok() && s.step() == SQLITE_ROW && !s.is_null(0) ? s.int64(0) : 0;
}

}  // namespace

Anchor pruned_anchor(Db& db) {
  Anchor a;
  a.seq = std::strtoll(meta_text(db, "pruned_through_seq").c_str(), nullptr, 10);
  const std::string hash = meta_text(db, "pruned_through_hash");
  if (!hash.empty()) a.hash = hash;
  return a;
}

Anchor Store::pruned_anchor() {
  std::lock_guard lock(mu_);
  return dermad::store::pruned_anchor(db_);
}

std::optional<std::string> Store::hash_at(int64_t seq) {
  std::lock_guard lock(mu_);
  const Anchor a = dermad::store::pruned_anchor(db_);
  if (seq == a.seq) return a.hash;  // also seq 0 before any pruning: the genesis hash
  if (seq <= 0) return std::nullopt;
  const auto e = read_events(db_, seq - 1, 1);
  if (e.empty() || e.front().seq != seq) return std::nullopt;
  return e.front().hash;
}

bool Store::prune(int64_t up_to_seq, int64_t before_wall_ns, int chunk, int64_t wall_ns,
                  int64_t mono_ns, Pruned& out, std::string& error) {
  out = {};
  return write(error, [&] {
    const Anchor from = dermad::store::pruned_anchor(db_);
    const int64_t limit = std::min(up_to_seq, newest_counters_seq(db_) - 1);
    Anchor to = from;
    std::set<std::string> cartridges, sessions;
    std::vector<std::pair<std::string, int64_t>> used;
    for (const auto& e : read_events(db_, from.seq, chunk)) {
      if (e.seq > limit || e.wall_ns >= before_wall_ns) break;
      to = {e.seq, e.hash};
      if (!e.session_id.empty()) sessions.insert(e.session_id);
      if (e.kind == "session_started") {
        const auto d = Details::parse(e.details, nullptr, false);
        if (d.is_object() && d.contains("cartridge") && d["cartridge"].is_string()) {
          used.emplace_back(d["cartridge"].get<std::string>(), e.seq);
        }
      }
    }
    out.events = to.seq - from.seq;
    out.through_seq = from.seq;
    if (out.events == 0) return true;  // an empty transaction: nothing written
    Stmt keep(db_, "INSERT OR IGNORE INTO pruned_cartridges(serial, seq) VALUES (?, ?)");
    if (!keep.ok()) return failed(error);
    for (const auto& [serial, seq] : used) {
      keep.reset();
      keep.bind(1, serial).bind(2, seq);
      if (keep.step() != SQLITE_DONE) return failed(error);
    }
    Stmt del(db_, "DELETE FROM events WHERE seq > ? AND seq <= ?");
    if (!del.ok()) return failed(error);
    del.bind(1, from.seq).bind(2, to.seq);
    if (del.step() != SQLITE_DONE) return failed(error);
    Stmt anchor(db_,
                "UPDATE meta SET value = CASE key WHEN 'pruned_through_seq' THEN ? ELSE ? END "
                "WHERE key IN ('pruned_through_seq', 'pruned_through_hash')");
    if (!anchor.ok()) return failed(error);
    anchor.bind(1, std::to_string(to.seq)).bind(2, to.hash);
    if (anchor.step() != SQLITE_DONE) return failed(error);
    // A session's row goes with its last event; one still active stays whatever its age.
    Stmt gone(db_,
              "DELETE FROM sessions WHERE id = ? AND state != 'active' AND "
              "NOT EXISTS (SELECT 1 FROM events WHERE session_id = ?)");
    if (!gone.ok()) return failed(error);
    for (const auto& id : sessions) {
      gone.reset();
      gone.bind(1, id).bind(2, id);
      if (gone.step() != SQLITE_DONE) return failed(error);
      out.sessions += sqlite3_changes(db_.handle());
    }
    out.through_seq = to.seq;
    return chain_pruned_locked(wall_ns, mono_ns, out, error);
  });
}

bool Store::chain_pruned_locked(int64_t wall_ns, int64_t mono_ns, const Pruned& p,
                                std::string& error) {
  const Anchor anchor = dermad::store::pruned_anchor(db_);
  const CartridgesDigest digest = pruned_cartridges_digest(db_);
  std::vector<Event> one{{0, wall_ns, mono_ns, "records_pruned", "info", "",
                          details_text({{"through_seq", anchor.seq},
                                        {"through_hash", anchor.hash},
                                        {"events", p.events},
                                        {"sessions", p.sessions},
                                        {"cartridges", digest.count},
                                        {"cartridges_sha256", digest.sha256}}),
                          ""}};
  return append_locked(one, error);
}

bool Store::chain_pruned(int64_t wall_ns, int64_t mono_ns, std::string& error) {
  return write(error, [&] { return chain_pruned_locked(wall_ns, mono_ns, Pruned{}, error); });
}

std::vector<std::string> pruning_problems(Db& db) {
  std::vector<std::string> problems;
  const Anchor anchor = pruned_anchor(db);
  const CartridgesDigest digest = pruned_cartridges_digest(db);
  Stmt s(db,
         "SELECT seq, json_extract(details, '$.through_seq'), json_extract(details, "
         "'$.through_hash'), json_extract(details, '$.cartridges'), json_extract(details, "
         "'$.cartridges_sha256') FROM events WHERE kind = 'records_pruned' "
         "ORDER BY seq DESC LIMIT 1");
  if (!s.ok()) return {"what was pruned cannot be read: " + db.last_error()};
  if (s.step() != SQLITE_ROW) {
    if (anchor.seq != 0) {
      problems.push_back("the records say events through " + std::to_string(anchor.seq) +
                         " were pruned, but no records_pruned event says so");
    }
    if (digest.count != 0) {
      problems.push_back(std::to_string(digest.count) +
                         " cartridges are recorded as used by pruned sessions, but nothing was "
                         "pruned");
    }
    return problems;
  }
  const std::string at = "event " + std::to_string(s.int64(0)) + " (records_pruned)";
  if (s.int64(1) != anchor.seq || s.text(2) != anchor.hash) {
    problems.push_back(at + " says events through " + std::to_string(s.int64(1)) +
                       " were pruned, but the records begin after " + std::to_string(anchor.seq) +
                       " with another hash");
  }
  if (s.int64(3) != digest.count || s.text(4) != digest.sha256) {
    problems.push_back(at + " names " + std::to_string(s.int64(3)) +
                       " cartridges used by pruned sessions, but the records hold " +
                       std::to_string(digest.count) +
                       (s.int64(3) == digest.count ? " other ones" : "") +
                       ": the single-use record was edited");
  }
  return problems;
}

std::vector<std::string> Store::pruning_problems() {
  std::lock_guard lock(mu_);
  return dermad::store::pruning_problems(db_);
}

}  // namespace dermad::store
