// Device counters (strokes, motor run time, sessions, faults), the alarm history and the
// cartridges seen: kept by the same transactions as the events that change them.
#include <algorithm>

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
  for (const auto& [serial, wall_ns] : fx.cartridges_seen) {
    Stmt ins(db_,
             "INSERT INTO cartridges(serial, first_seen_wall_ns) VALUES(?, ?) "
             "ON CONFLICT(serial) DO NOTHING");
    ins.bind(1, serial).bind(2, wall_ns);
    if (!ins.ok() || ins.step() != SQLITE_DONE) return failed(error);
  }
  for (const auto& a : fx.alarms) {
    // An acknowledgement or a clearing ends the newest open raise of that code.
    Stmt s(db_, a.kind == AlarmTransition::kRaised
                    ? "INSERT INTO alarm_history(code, raised_wall_ns, session_id) "
                      "VALUES(?1, ?2, NULLIF(?3, ''))"
                    : "UPDATE alarm_history SET ended_wall_ns = ?2, ended_by = ?4, "
                      "acknowledged_wall_ns = CASE WHEN ?4 = 'acknowledged' THEN ?2 END "
                      "WHERE id = (SELECT MAX(id) FROM alarm_history "
                      "WHERE code = ?1 AND ended_wall_ns IS NULL)");
    if (!s.ok()) return failed(error);
    s.bind(1, a.code).bind(2, a.wall_ns);
    if (a.kind == AlarmTransition::kRaised) {
      s.bind(3, a.session_id);
    } else {
      s.bind(4, std::string(a.kind == AlarmTransition::kAcknowledged ? "acknowledged" : "cleared"));
    }
    if (s.step() != SQLITE_DONE) return failed(error);
  }
  return true;
}

std::map<std::string, int64_t> Store::counters() {
  std::lock_guard lock(mu_);
  std::map<std::string, int64_t> out;
  Stmt s(db_, "SELECT name, value FROM counters");
  while (s.ok() && s.step() == SQLITE_ROW) out[s.text(0)] = s.int64(1);
  return out;
}

std::vector<AlarmRecord> Store::alarm_history(const std::string& session_id, int limit) {
  std::lock_guard lock(mu_);
  std::vector<AlarmRecord> out;
  Stmt s(db_,
         "SELECT code, COALESCE(session_id, ''), COALESCE(ended_by, ''), raised_wall_ns, "
         "COALESCE(ended_wall_ns, 0) FROM alarm_history "
         "WHERE ?1 = '' OR session_id = ?1 ORDER BY id DESC LIMIT ?2");
  if (!s.ok()) return out;
  s.bind(1, session_id).bind(2, static_cast<int64_t>(limit));
  while (s.step() == SQLITE_ROW) {
    out.push_back({s.text(0), s.text(1), s.text(2), s.int64(3), s.int64(4)});
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace dermad::store
