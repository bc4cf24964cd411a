#include "tools/dermactl/render_records.hpp"

#include <cstdio>
#include <ctime>

#include "tools/dermactl/render.hpp"

namespace dermad::ctl {

std::string utc_text(std::int64_t wall_ns) {
  const std::time_t t = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[40];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>((wall_ns / 1'000'000) % 1000));
  return std::string(b) + ms;
}

Json counters_json(const v1::Counters& c) {
  return Json{{"strokes", c.strokes()},
              {"motor_run_s", c.motor_run_s()},
              {"sessions", c.sessions()},
              {"faults", c.faults()}};
}

Json fleet_json(const v1::FleetStatus& f) {
  return Json{{"configured", f.configured()},
              {"endpoint", f.endpoint()},
              {"connected", f.connected()},
              {"acked_seq", f.acked_seq()},
              {"head_seq", f.head_seq()},
              {"backlog", f.backlog()},
              {"set_aside", f.set_aside()},
              {"last_error", f.last_error()},
              {"last_error_wall_ns", f.last_error_wall_ns()},
              {"last_success_wall_ns", f.last_success_wall_ns()},
              {"next_attempt_wall_ns", f.next_attempt_wall_ns()},
              {"events_sent", f.events_sent()},
              {"bytes_sent", f.bytes_sent()},
              {"retention", f.retention()},
              {"pruned_through_seq", f.pruned_through_seq()},
              {"last_prune_wall_ns", f.last_prune_wall_ns()},
              {"last_prune_error", f.last_prune_error()}};
}

Json records_info_json(const v1::RecordsInfo& info) {
  return Json{{"path", info.path()},
              {"schema", info.schema()},
              {"events", info.events()},
              {"size_bytes", info.size_bytes()},
              {"max_bytes", info.max_bytes()},
              {"writable", info.writable()},
              {"last_error", info.last_error()},
              {"trusted", info.trusted()},
              {"untrusted_why", info.untrusted_why()},
              {"pruned_through_seq", info.pruned_through_seq()}};
}

Json verify_json(const v1::VerifyLogResponse& r) {
  Json problems = Json::array();
  for (const auto& p : r.problems()) problems.push_back(p);
  return Json{{"events", r.events()}, {"intact", r.problems().empty()}, {"problems", problems}};
}

Json alarm_record_json(const v1::AlarmRecord& a) {
  return Json{{"code", a.code()},           {"priority", priority_name(a.priority())},
              {"text", a.text()},           {"session_id", a.session_id()},
              {"raised_at", a.raised_at()}, {"ended_at", a.ended_at()},
              {"ended_by", a.ended_by()},   {"acknowledged_by", a.acknowledged_by()}};
}

std::string cartridge_record_type(const v1::CartridgeRecord& c) {
  return c.type() == v1::CARTRIDGE_TYPE_UNSPECIFIED ? std::string("unread")
                                                    : cartridge_type_name(c.type());
}

Json cartridge_record_json(const v1::CartridgeRecord& c) {
  return Json{
      {"serial", c.serial()}, {"type", cartridge_record_type(c)},   {"needles", c.needles()},
      {"lot", c.lot()},       {"first_seen_at", c.first_seen_at()}, {"sessions", c.sessions()},
      {"used", c.used()}};
}

Json event_json(const v1::LogEvent& e) {
  auto details = Json::parse(e.details(), nullptr, /*allow_exceptions=*/false);
  if (details.is_discarded()) details = e.details();
  return Json{{"seq", e.seq()},
              {"time", utc_text(e.wall_ns())},
              {"wall_ns", e.wall_ns()},
              {"mono_ns", e.mono_ns()},
              {"kind", e.kind()},
              {"severity", e.severity()},
              {"session_id", e.session_id()},
              {"details", details},
              {"hash", e.hash()}};
}

}  // namespace dermad::ctl
