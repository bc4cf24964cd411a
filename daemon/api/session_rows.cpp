#include "daemon/api/session_rows.hpp"

#include "daemon/api/treatment_convert.hpp"

namespace dermad::api {

int64_t to_wall_ns(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

store::SessionRow session_row(const treatment::SessionRecord& r, const std::string& state) {
  store::SessionRow row;
  row.id = r.id;
  row.state = state;
  row.operator_id = r.request.operator_id;
  row.patient_ref = r.request.patient_ref;
  row.protocol = r.request.protocol;
  row.cartridge_serial = r.cartridge.serial;
  row.started_wall_ns = to_wall_ns(r.started);
  row.ended_wall_ns = r.active ? 0 : to_wall_ns(r.ended);
  v1::SessionSummary s;
  fill_summary(r, s);
  row.summary = s.SerializeAsString();
  return row;
}

v1::SessionSummary summary_of(const store::SessionRow& row) {
  v1::SessionSummary s;
  // A summary that does not parse still leaves what the row itself knows.
  s.ParseFromString(row.summary);
  s.set_session_id(row.id);
  s.set_protocol(row.protocol);
  s.set_operator_id(row.operator_id);
  s.set_patient_ref(row.patient_ref);
  s.set_cartridge_serial(row.cartridge_serial);
  const auto at = [](int64_t ns) {
    return rfc3339(std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(ns))));
  };
  s.set_started_at(at(row.started_wall_ns));
  s.set_ended_at(row.ended_wall_ns > 0 ? at(row.ended_wall_ns) : "");
  s.set_active(row.state == "active");
  s.set_state(row.state == "active"    ? v1::SESSION_STATE_ACTIVE
              : row.state == "aborted" ? v1::SESSION_STATE_ABORTED
                                       : v1::SESSION_STATE_ENDED);
  s.set_end_reason(row.end_reason);
  return s;
}

}  // namespace dermad::api
