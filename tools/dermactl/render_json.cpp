#include "tools/dermactl/render.hpp"

namespace dermad::ctl {

namespace {

// Status and TelemetrySample share these fields under the same names.
template <class Msg>
void add_measurements(Json& j, const Msg& m) {
  j.set("depth_target_um", m.depth_target_um());
  j.set("depth_um", m.depth_um());
  j.set("speed_target_hz", m.speed_target_hz());
  j.set("speed_hz", m.speed_hz());
  j.set("motor_duty", m.motor_duty());
  j.set("motor_enabled", m.motor_enabled());
  j.set("motor_current_ma", m.motor_current_ma());
  j.set("force_n", m.force_n());
  j.set("temperature_c", m.temperature_c());
  j.set("supply_v", m.supply_v());
  const auto& in = m.inputs();
  j.set("trigger", in.trigger());
  j.set("pedal", in.pedal());
  j.set("estop", in.estop());
  j.set("cartridge_present", in.cartridge_present());
  j.set("home_switch", in.home_switch());
}

}  // namespace

std::string state_name(v1::State s) {
  const std::string& name = v1::State_Name(s);
  if (name.empty()) return "UNKNOWN_" + std::to_string(static_cast<int>(s));
  constexpr std::string_view kPrefix = "STATE_";
  return name.starts_with(kPrefix) ? name.substr(kPrefix.size()) : name;
}

std::string priority_name(v1::AlarmPriority p) {
  switch (p) {
    case v1::ALARM_PRIORITY_HIGH:
      return "high";
    case v1::ALARM_PRIORITY_MEDIUM:
      return "medium";
    case v1::ALARM_PRIORITY_LOW:
      return "low";
    default:
      return "unspecified";
  }
}

Json alarm_json(const v1::Alarm& a) {
  Json j = Json::object();
  j.set("code", a.code());
  j.set("priority", priority_name(a.priority()));
  j.set("since", a.since_ns());
  j.set("text", a.text());
  j.set("latched", a.latched());
  j.set("condition_active", a.condition_active());
  return j;
}

Json alarms_json(const Alarms& alarms) {
  Json list = Json::array();
  for (const auto& a : alarms) list.push(alarm_json(a));
  return list;
}

Json status_json(const v1::Status& s) {
  Json j = Json::object();
  j.set("state", state_name(s.state()));
  j.set("t_ns", s.t_ns());
  add_measurements(j, s);
  j.set("backend", s.backend());
  j.set("board", s.board());
  if (s.has_cartridge()) {
    const auto& c = s.cartridge();
    Json cj = Json::object();
    cj.set("serial", c.serial());
    cj.set("type", cartridge_type_name(c.type()));
    cj.set("needles", c.needles());
    cj.set("lot", c.lot());
    cj.set("expires", c.expires());
    cj.set("valid", c.valid());
    cj.set("problem", c.problem());
    j.set("cartridge", std::move(cj));
  } else {
    j.set("cartridge", nullptr);
  }
  j.set("homed", s.homed());
  j.set("strokes", s.strokes());
  j.set("service_remaining_ms", s.service_remaining_ms());
  j.set("alarms", alarms_json(s.alarms()));
  const auto& loop = s.loop();
  j.set("loop_ticks", loop.ticks());
  j.set("loop_overruns", loop.overruns());
  j.set("loop_missed_periods", loop.missed_periods());
  j.set("loop_late_p50_us", loop.late_p50_us());
  j.set("loop_late_p99_us", loop.late_p99_us());
  j.set("loop_late_max_us", loop.late_max_us());
  j.set("loop_period_us", loop.period_us());
  return j;
}

Json sample_json(const v1::TelemetrySample& s) {
  Json j = Json::object();
  j.set("t_ns", s.t_ns());
  j.set("tick", s.tick());
  j.set("state", state_name(s.state()));
  add_measurements(j, s);
  j.set("alarms", alarms_json(s.alarms()));
  j.set("loop_late_us", s.loop_late_us());
  j.set("dropped", s.dropped());
  return j;
}

Json info_json(const v1::DeviceInfo& info) {
  Json j = Json::object();
  j.set("version", info.version());
  j.set("backend", info.backend());
  j.set("board", info.board());
  j.set("loop_period_us", info.loop_period_us());
  j.set("tach_edges_per_rev", info.tach_edges_per_rev());
  j.set("depth_min_um", info.depth_min_um());
  j.set("depth_max_um", info.depth_max_um());
  j.set("speed_min_hz", info.speed_min_hz());
  j.set("speed_max_hz", info.speed_max_hz());
  j.set("realtime", info.realtime());
  j.set("realtime_note", info.realtime_note());
  return j;
}

std::vector<std::string> split_reasons(std::string_view message) {
  std::vector<std::string> out;
  constexpr std::string_view kSep = "; ";
  while (!message.empty()) {
    const auto pos = message.find(kSep);
    const auto part = message.substr(0, pos);
    if (!part.empty()) out.emplace_back(part);
    if (pos == std::string_view::npos) break;
    message.remove_prefix(pos + kSep.size());
  }
  return out;
}

Json error_json(std::string_view code, std::string_view message) {
  Json reasons = Json::array();
  for (auto& r : split_reasons(message)) reasons.push(std::move(r));
  Json err = Json::object();
  err.set("code", code);
  err.set("message", message);
  err.set("reasons", std::move(reasons));
  return Json::object().set("error", std::move(err));
}

}  // namespace dermad::ctl
