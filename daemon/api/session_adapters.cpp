#include "daemon/api/session_adapters.hpp"

#include <chrono>

#include "daemon/log.hpp"
#include "daemon/wall_clock.hpp"

namespace dermad::api {

treatment::DeviceView LoopAdapter::device() {
  treatment::DeviceView d;
  control::Snapshot snap;
  if (!port_.core().telemetry().latest(snap)) return d;
  d.state = snap.state;
  d.active_alarms = snap.alarms.active;
  d.calibration_due = calibrations_.due_refusal(wall_now_ns());
  if (snap.cartridge_present) {
    d.cartridge = cartridges_.current();
    // The switch closed a moment ago and the EEPROM is not read yet: say so, not "none".
    if (!d.cartridge) d.cartridge_unread = true;
  }
  return d;
}

void SessionRecords::checkpoint(const store::SessionRow& row) {
  // A failed write shows as RECORDS_FAILED, from the recorder; the next checkpoint retries.
  std::string ignored;
  records_.checkpoint_session(row.id, row.summary, ignored);
}

void SessionRecords::finish(const store::SessionRow& row, const store::Event& finished) {
  std::string error;
  // Earlier endings first, so the log keeps the order in which sessions ended.
  retry();
  if (!endings_.empty() || !records_.finish_session(row, finished, error)) {
    // RECORDS_FAILED tells the operator meanwhile; the row must not be left "active", or the
    // next start would call a session that ended a crash.
    log("ERROR",
        "records: session " + row.id + " " + row.state + " but could not be recorded so yet (" +
            (error.empty() ? "an earlier ending waits" : error) + "); retried once a second");
    endings_.add(row, finished);
  }
}

std::optional<store::SessionRow> SessionRecords::last() {
  return find("");
}

std::optional<store::SessionRow> SessionRecords::find(const std::string& id) {
  auto row = id.empty() ? records_.last_session() : records_.session(id);
  if (row) row = endings_.find(row->id).value_or(*row);
  return row;
}

std::vector<store::SessionRow> SessionRecords::list(int64_t since_wall_ns, int limit) {
  auto rows = records_.sessions(since_wall_ns, limit);
  for (auto& row : rows) row = endings_.find(row.id).value_or(row);
  return rows;
}

void SessionRecords::retry() {
  if (endings_.empty()) return;
  for (const auto& id : endings_.retry(records_)) {
    log("INFO", "records: session " + id + " recorded as ended now that the records take writes");
  }
}

}  // namespace dermad::api
