// How far the fleet has the log, kept with the log: a restart, a crash or a cut network
// resumes from exactly there.
#include <cstdlib>

#include "daemon/store/store.hpp"

namespace dermad::store {

int64_t Store::fleet_acked_seq() {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT value FROM meta WHERE key = 'fleet_acked_seq'");
  return s.ok() && s.step() == SQLITE_ROW ? std::strtoll(s.text(0).c_str(), nullptr, 10) : 0;
}

bool Store::set_fleet_acked_seq(int64_t seq, std::string& error) {
  return write(error, [&] {
    Stmt s(db_, "INSERT OR REPLACE INTO meta VALUES ('fleet_acked_seq', ?)");
    if (!s.ok()) return failed(error);
    s.bind(1, std::to_string(seq));
    return s.step() == SQLITE_DONE || failed(error);
  });
}

bool Store::set_aside(int64_t seq, const std::string& reason, int64_t wall_ns, std::string& error) {
  return write(error, [&] {
    Stmt s(db_, "INSERT OR REPLACE INTO fleet_set_aside VALUES (?, ?, ?)");
    if (!s.ok()) return failed(error);
    s.bind(1, seq).bind(2, reason).bind(3, wall_ns);
    return s.step() == SQLITE_DONE || failed(error);
  });
}

std::map<int64_t, std::string> Store::set_aside_between(int64_t from, int64_t to) {
  std::lock_guard lock(mu_);
  std::map<int64_t, std::string> out;
  Stmt s(db_, "SELECT seq, reason FROM fleet_set_aside WHERE seq BETWEEN ? AND ?");
  if (!s.ok()) return out;
  s.bind(1, from).bind(2, to);
  while (s.step() == SQLITE_ROW) out[s.int64(0)] = s.text(1);
  return out;
}

int64_t Store::set_aside_count() {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT count(*) FROM fleet_set_aside");
  return s.ok() && s.step() == SQLITE_ROW ? s.int64(0) : 0;
}

}  // namespace dermad::store
