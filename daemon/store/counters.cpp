// Device counters (strokes, motor run time, sessions, faults), the alarm history and the
// cartridges seen: kept by the same transactions as the events that change them. The
// counters are checked against the chain at start: sessions and faults are counted events;
// strokes and motor run time are chained as totals in `counters` events whenever they move.
#include <algorithm>

#include "daemon/store/details.hpp"
#include "daemon/store/store.hpp"

namespace dermad::store {

bool Store::apply_locked(const Effects& fx, std::string& error) {
  for (const auto& [name, delta] : fx.counter_deltas) {
    if (delta == 0) continue;
    Stmt up(db_,
            "INSERT INTO counters(name, value) VALUES(?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value");
    up.bind(1, name).bind(2, delta);
    if (!up.ok() || up.step() != SQLITE_DONE) return failed(error);
  }
  for (const auto& c : fx.cartridges_seen) {
    // A cartridge first registered by a session (no EEPROM data then) learns what it is.
    Stmt ins(db_,
             "INSERT INTO cartridges(serial, first_seen_wall_ns, type, needles, lot) "
             "VALUES(?, ?, ?, ?, ?) ON CONFLICT(serial) DO UPDATE SET "
             "type = COALESCE(type, excluded.type), needles = COALESCE(needles, excluded.needles), "
             "lot = COALESCE(lot, excluded.lot)");
    ins.bind(1, c.serial).bind(2, c.wall_ns).bind(3, c.type).bind(4, c.needles).bind(5, c.lot);
    if (!ins.ok() || ins.step() != SQLITE_DONE) return failed(error);
  }
  for (const auto& a : fx.alarms) {
    // An acknowledgement or a clearing ends the newest open raise of that code.
    Stmt s(db_, a.kind == AlarmTransition::kRaised
                    ? "INSERT INTO alarm_history(code, raised_wall_ns, session_id) "
                      "VALUES(?1, ?2, NULLIF(?3, ''))"
                    : "UPDATE alarm_history SET ended_wall_ns = ?2, ended_by = ?4, "
                      "acknowledged_wall_ns = CASE WHEN ?4 = 'acknowledged' THEN ?2 END, "
                      "acknowledged_by = NULLIF(?5, '') "
                      "WHERE id = (SELECT MAX(id) FROM alarm_history "
                      "WHERE code = ?1 AND ended_wall_ns IS NULL)");
    if (!s.ok()) return failed(error);
    s.bind(1, a.code).bind(2, a.wall_ns);
    if (a.kind == AlarmTransition::kRaised) {
      s.bind(3, a.session_id);
    } else {
      s.bind(4, std::string(a.kind == AlarmTransition::kAcknowledged ? "acknowledged" : "cleared"));
      s.bind(5, a.kind == AlarmTransition::kAcknowledged ? a.by : std::string());
    }
    if (s.step() != SQLITE_DONE) return failed(error);
  }
  return true;
}

namespace {

const char* const kCounterNames[] = {"strokes", "motor_run_ms", "sessions", "faults"};

std::map<std::string, int64_t> counters_in(Db& db) {
  std::map<std::string, int64_t> out;
  Stmt s(db, "SELECT name, value FROM counters");
  while (s.ok() && s.step() == SQLITE_ROW) out[s.text(0)] = s.int64(1);
  return out;
}

int64_t count_after(Db& db, const char* sql, int64_t seq) {
  Stmt s(db, sql);
  if (!s.ok()) return -1;
  s.bind(1, seq);
  return s.step() == SQLITE_ROW ? s.int64(0) : -1;
}

}  // namespace

bool Store::chain_counters_locked(int64_t wall_ns, int64_t mono_ns, std::string& error) {
  const auto totals = counters_in(db_);
  Details details = Details::object();
  for (const char* name : kCounterNames) {
    const auto it = totals.find(name);
    details[name] = it == totals.end() ? 0 : it->second;
  }
  std::vector<Event> one{{0, wall_ns, mono_ns, "counters", "info", "", details_text(details), ""}};
  return append_locked(one, error);
}

bool Store::chain_counters(int64_t wall_ns, int64_t mono_ns, std::string& error) {
  return write(error, [&] { return chain_counters_locked(wall_ns, mono_ns, error); });
}

std::vector<std::string> counters_problems(Db& db) {
  std::vector<std::string> problems;
  // The newest baseline; none yet means every counter started at 0 with the log.
  int64_t base_seq = 0;
  std::map<std::string, int64_t> base;
  {
    Stmt s(db,
           "SELECT seq, json_extract(details, '$.strokes'), json_extract(details, "
           "'$.motor_run_ms'), json_extract(details, '$.sessions'), json_extract(details, "
           "'$.faults') FROM events WHERE kind = 'counters' ORDER BY seq DESC LIMIT 1");
    if (!s.ok()) return {"the counters cannot be read: " + db.last_error()};
    if (s.step() == SQLITE_ROW) {
      base_seq = s.int64(0);
      for (int i = 0; i < 4; ++i) base[kCounterNames[i]] = s.int64(i + 1);
    }
  }
  const int64_t started = count_after(
      db, "SELECT count(*) FROM events WHERE seq > ? AND kind = 'session_started'", base_seq);
  const int64_t faults =
      count_after(db,
                  "SELECT count(*) FROM events WHERE seq > ? AND kind = 'state_changed' AND "
                  "json_extract(details, '$.to') = 'FAULT'",
                  base_seq);
  const std::map<std::string, int64_t> chained = {{"strokes", base["strokes"]},
                                                  {"motor_run_ms", base["motor_run_ms"]},
                                                  {"sessions", base["sessions"] + started},
                                                  {"faults", base["faults"] + faults}};
  auto table = counters_in(db);
  for (const auto& [name, want] : chained) {
    if (table[name] != want) {
      problems.push_back("counter " + name + " is " + std::to_string(table[name]) +
                         " but the chained events say " + std::to_string(want));
    }
  }
  return problems;
}

std::vector<std::string> Store::counters_problems() {
  std::lock_guard lock(mu_);
  return dermad::store::counters_problems(db_);
}

std::map<std::string, int64_t> Store::counters() {
  std::lock_guard lock(mu_);
  return counters_in(db_);
}

std::vector<AlarmRecord> Store::alarm_history(const EventFilter& filter, int limit) {
  std::lock_guard lock(mu_);
  std::vector<AlarmRecord> out;
  std::string where = "WHERE 1";
  std::vector<std::string> texts;
  if (!filter.session_id.empty()) {
    where += " AND session_id = ?";
    texts.push_back(filter.session_id);
  }
  if (!filter.kinds.empty()) {
    where += " AND code IN (";
    for (std::size_t i = 0; i < filter.kinds.size(); ++i) where += i ? ",?" : "?";
    where += ")";
    texts.insert(texts.end(), filter.kinds.begin(), filter.kinds.end());
  }
  std::vector<int64_t> times;
  if (filter.since_wall_ns != 0) {
    where += " AND raised_wall_ns >= ?";
    times.push_back(filter.since_wall_ns);
  }
  if (filter.until_wall_ns != 0) {
    where += " AND raised_wall_ns < ?";
    times.push_back(filter.until_wall_ns);
  }
  Stmt s(db_, ("SELECT code, COALESCE(session_id, ''), COALESCE(ended_by, ''), raised_wall_ns, "
               "COALESCE(ended_wall_ns, 0), COALESCE(acknowledged_by, '') FROM alarm_history " +
               where + " ORDER BY id DESC LIMIT ?")
                  .c_str());
  if (!s.ok()) return out;
  int i = 1;
  for (const auto& t : texts) s.bind(i++, t);
  for (const auto t : times) s.bind(i++, t);
  s.bind(i, static_cast<int64_t>(limit));
  while (s.step() == SQLITE_ROW) {
    out.push_back({s.text(0), s.text(1), s.text(2), s.int64(3), s.int64(4), s.text(5)});
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace dermad::store
