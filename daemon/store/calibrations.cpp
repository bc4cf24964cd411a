// Committed calibrations: a row per commit, and the same in the chain, so the history an
// auditor reads cannot be changed without the chain saying so.
#include <algorithm>

#include "daemon/store/details.hpp"
#include "daemon/store/store.hpp"

namespace dermad::store {

bool Store::commit_calibration(CalibrationRecord& c, int64_t mono_ns, std::string& error) {
  const Details data = Details::parse(c.data, nullptr, /*allow_exceptions=*/false);
  if (!data.is_object()) {
    error = "a calibration's data must be a JSON object";
    return false;
  }
  if (c.kind.empty() || c.by.empty()) {
    error = "a calibration needs its kind and who commits it";
    return false;
  }
  return write(error, [&] {
    Stmt ins(db_,
             "INSERT INTO calibration(kind, wall_ns, data, committed_by, due_wall_ns) "
             "VALUES(?, ?, ?, ?, ?)");
    if (!ins.ok()) return failed(error);
    ins.bind(1, c.kind).bind(2, c.wall_ns).bind(3, c.data).bind(4, c.by).bind(5, c.due_wall_ns);
    if (ins.step() != SQLITE_DONE) return failed(error);
    c.id = sqlite3_last_insert_rowid(db_.handle());
    std::vector<Event> one{{0, c.wall_ns, mono_ns, "calibration_committed", "info", "",
                            details_text({{"id", c.id},
                                          {"kind", c.kind},
                                          {"by", c.by},
                                          {"due_wall_ns", c.due_wall_ns},
                                          {"data", data}}),
                            ""}};
    return append_locked(one, error);
  });
}

namespace {

std::vector<CalibrationRecord> select_calibrations(Db& db, const std::string& kind, int limit) {
  std::vector<CalibrationRecord> out;
  Stmt s(db,
         "SELECT id, kind, wall_ns, COALESCE(committed_by, ''), COALESCE(due_wall_ns, 0), data "
         "FROM calibration WHERE ?1 = '' OR kind = ?1 ORDER BY id DESC LIMIT ?2");
  if (!s.ok()) return out;
  s.bind(1, kind).bind(2, static_cast<int64_t>(limit));
  while (s.step() == SQLITE_ROW) {
    out.push_back({s.int64(0), s.text(1), s.int64(2), s.text(3), s.int64(4), s.text(5)});
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

std::optional<CalibrationRecord> Store::latest_calibration(const std::string& kind) {
  std::lock_guard lock(mu_);
  auto newest = select_calibrations(db_, kind, 1);
  if (newest.empty()) return std::nullopt;
  return newest.front();
}

std::vector<CalibrationRecord> Store::calibrations(const std::string& kind, int limit) {
  std::lock_guard lock(mu_);
  return select_calibrations(db_, kind, limit);
}

}  // namespace dermad::store
