// Sessions and the cartridge registry. A session's row, its cartridge's "used" mark and its
// event go in one transaction, so the record and the single-use rule never disagree, even
// after a power cut.
#include "daemon/store/details.hpp"
#include "daemon/store/store.hpp"

namespace dermad::store {

namespace {

const char* const kSessionColumns =
    "SELECT id, state, owner, patient_ref, protocol, cartridge_serial, started_wall_ns, "
    "ended_wall_ns, end_reason, summary FROM sessions ";

std::string text_or_empty(Stmt& s, int col) {
  return s.is_null(col) ? "" : s.text(col);
}

}  // namespace

bool Store::begin_session(const SessionRow& r, Event started, std::string& error) {
  return write(error, [&] {
    Stmt ins(db_,
             "INSERT INTO sessions(id, state, owner, patient_ref, protocol, cartridge_serial, "
             "started_wall_ns, summary) VALUES(?, 'active', ?, ?, ?, ?, ?, ?)");
    Stmt cart(db_,
              "INSERT INTO cartridges(serial, first_seen_wall_ns, sessions, used) "
              "VALUES(?, ?, 1, 1) ON CONFLICT(serial) DO UPDATE SET "
              "sessions = sessions + 1, used = 1");
    // The single-use rule reads this event (cartridge_used): it must name the cartridge.
    Stmt names(db_, "SELECT json_extract(?, '$.cartridge') IS ?");
    if (!ins.ok() || !cart.ok() || !names.ok()) return failed(error);
    names.bind(1, started.details).bind(2, r.cartridge_serial);
    if (names.step() != SQLITE_ROW || names.int64(0) != 1) {
      error = "the session_started event does not name its cartridge " + r.cartridge_serial;
      return false;
    }
    ins.bind(1, r.id).bind(2, r.operator_id).bind(3, r.patient_ref).bind(4, r.protocol);
    ins.bind(5, r.cartridge_serial).bind(6, r.started_wall_ns).bind_blob(7, r.summary);
    cart.bind(1, r.cartridge_serial).bind(2, r.started_wall_ns);
    std::vector<Event> one{std::move(started)};
    Effects fx;
    fx.counter_deltas["sessions"] = 1;
    if (ins.step() != SQLITE_DONE || cart.step() != SQLITE_DONE) return failed(error);
    return append_locked(one, error) && apply_locked(fx, error);
  });
}

bool Store::checkpoint_session(const std::string& id, const std::string& summary,
                               std::string& error) {
  return write(error, [&] {
    Stmt up(db_, "UPDATE sessions SET summary = ? WHERE id = ? AND state = 'active'");
    if (!up.ok()) return failed(error);
    up.bind_blob(1, summary).bind(2, id);
    if (up.step() != SQLITE_DONE) return failed(error);
    return true;
  });
}

bool Store::finish_session(const SessionRow& r, Event finished, std::string& error) {
  return write(error, [&] {
    Stmt up(db_,
            "UPDATE sessions SET state = ?, ended_wall_ns = ?, end_reason = ?, "
            "summary = CASE WHEN COALESCE(length(?), 0) = 0 THEN summary ELSE ? END "
            "WHERE id = ? AND state = 'active'");
    if (!up.ok()) return failed(error);
    up.bind(1, r.state).bind(2, r.ended_wall_ns).bind(3, r.end_reason);
    up.bind_blob(4, r.summary).bind_blob(5, r.summary).bind(6, r.id);
    if (up.step() != SQLITE_DONE) return failed(error);
    // A session ends once: an ending retried after it went through records nothing twice.
    if (sqlite3_changes(db_.handle()) == 0) return true;
    std::vector<Event> one{std::move(finished)};
    return append_locked(one, error);
  });
}

std::vector<std::string> Store::abort_open_sessions(const std::string& reason, int64_t now_wall_ns,
                                                    int64_t now_mono_ns, std::string& error,
                                                    const std::set<std::string>& ending) {
  std::vector<std::string> ids;
  const bool ok = write(error, [&] {
    // Ended at its last recorded event: the best the records know of when it stopped.
    Stmt open(db_,
              "SELECT s.id, COALESCE((SELECT MAX(e.wall_ns) FROM events e "
              "WHERE e.session_id = s.id), s.started_wall_ns) FROM sessions s "
              "WHERE s.state = 'active' ORDER BY s.started_wall_ns");
    if (!open.ok()) return failed(error);
    std::vector<std::pair<std::string, int64_t>> found;
    while (open.step() == SQLITE_ROW) found.emplace_back(open.text(0), open.int64(1));
    std::vector<Event> events;
    for (const auto& [id, last_ns] : found) {
      if (ending.count(id) != 0) continue;
      Stmt up(db_,
              "UPDATE sessions SET state = 'aborted', ended_wall_ns = ?, end_reason = ? "
              "WHERE id = ?");
      up.bind(1, last_ns).bind(2, reason).bind(3, id);
      if (!up.ok() || up.step() != SQLITE_DONE) return failed(error);
      events.push_back({0, now_wall_ns, now_mono_ns, "session_aborted", "warning", id,
                        details_text({{"reason", reason}}), ""});
      ids.push_back(id);
    }
    return append_locked(events, error);
  });
  if (!ok) ids.clear();
  return ids;
}

std::vector<SessionRow> Store::select_sessions(const char* sql,
                                               const std::vector<std::string>& texts,
                                               const std::vector<int64_t>& ints) {
  std::lock_guard lock(mu_);
  std::vector<SessionRow> out;
  Stmt s(db_, sql);
  if (!s.ok()) return out;
  int i = 1;
  for (const auto& t : texts) s.bind(i++, t);
  for (const auto v : ints) s.bind(i++, v);
  while (s.step() == SQLITE_ROW) {
    SessionRow r;
    r.id = s.text(0);
    r.state = s.text(1);
    r.operator_id = text_or_empty(s, 2);
    r.patient_ref = text_or_empty(s, 3);
    r.protocol = text_or_empty(s, 4);
    r.cartridge_serial = text_or_empty(s, 5);
    r.started_wall_ns = s.int64(6);
    r.ended_wall_ns = s.int64(7);
    r.end_reason = text_or_empty(s, 8);
    r.summary = s.blob(9);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<SessionRow> Store::session(const std::string& id) {
  auto rows = select_sessions((std::string(kSessionColumns) + "WHERE id = ?").c_str(), {id}, {});
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::optional<SessionRow> Store::last_session() {
  auto rows = select_sessions(
      (std::string(kSessionColumns) + "ORDER BY started_wall_ns DESC, rowid DESC LIMIT 1").c_str(),
      {}, {});
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::vector<SessionRow> Store::sessions(int64_t since_wall_ns, int limit) {
  auto rows = select_sessions(
      (std::string(kSessionColumns) + "WHERE started_wall_ns >= ? "
                                      "ORDER BY started_wall_ns DESC, rowid DESC LIMIT ?")
          .c_str(),
      {}, {since_wall_ns, limit});
  return {rows.rbegin(), rows.rend()};
}

bool Store::cartridge_used(const std::string& serial) {
  // From the chained log, which verify() holds to its hashes: a session_started event names
  // its cartridge; once pruned, pruned_cartridges does, whose digest is chained (prune.cpp).
  // The cartridges table's `used` flag is kept for people, not for this rule (an edit of it
  // would go unseen).
  std::lock_guard lock(mu_);
  Stmt s(db_,
         "SELECT 1 FROM events WHERE kind = 'session_started' AND "
         "json_extract(details, '$.cartridge') = ?1 "
         "UNION ALL SELECT 1 FROM pruned_cartridges WHERE serial = ?1 LIMIT 1");
  s.bind(1, serial);
  return !s.ok() || s.step() == SQLITE_ROW;  // unreadable: treated as used (the safe side)
}

namespace {

constexpr const char* kCartridgeColumns =
    "SELECT serial, first_seen_wall_ns, sessions, used, type, needles, lot FROM cartridges ";

CartridgeRecord cartridge_row(Stmt& s) {
  return CartridgeRecord{s.text(0),
                         s.int64(1),
                         s.int64(2),
                         s.int64(3) != 0,
                         text_or_empty(s, 4),
                         text_or_empty(s, 6),
                         s.is_null(5) ? 0 : s.int64(5)};
}

}  // namespace

std::optional<CartridgeRecord> Store::cartridge(const std::string& serial) {
  std::lock_guard lock(mu_);
  Stmt s(db_, (std::string(kCartridgeColumns) + "WHERE serial = ?").c_str());
  s.bind(1, serial);
  if (!s.ok() || s.step() != SQLITE_ROW) return std::nullopt;
  return cartridge_row(s);
}

std::vector<CartridgeRecord> Store::cartridges(int limit) {
  std::lock_guard lock(mu_);
  std::vector<CartridgeRecord> out;
  Stmt s(db_,
         (std::string(kCartridgeColumns) + "ORDER BY first_seen_wall_ns DESC, serial DESC LIMIT ?")
             .c_str());
  s.bind(1, static_cast<int64_t>(limit));
  while (s.ok() && s.step() == SQLITE_ROW) out.push_back(cartridge_row(s));
  return {out.rbegin(), out.rend()};
}

}  // namespace dermad::store
