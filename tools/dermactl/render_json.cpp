#include "tools/dermactl/render.hpp"

namespace dermad::ctl {

namespace {

// Status and TelemetrySample share these fields under the same names.
template <class Msg>
void add_measurements(Json& j, const Msg& m) {
  j["depth_target_um"] = m.depth_target_um();
  j["depth_um"] = m.depth_um();
  j["speed_target_hz"] = m.speed_target_hz();
  j["speed_hz"] = m.speed_hz();
  j["motor_duty"] = m.motor_duty();
  j["motor_enabled"] = m.motor_enabled();
  j["motor_current_ma"] = m.motor_current_ma();
  j["force_n"] = m.force_n();
  j["temperature_c"] = m.temperature_c();
  j["supply_v"] = m.supply_v();
  const auto& in = m.inputs();
  j["trigger"] = in.trigger();
  j["pedal"] = in.pedal();
  j["estop"] = in.estop();
  j["cartridge_present"] = in.cartridge_present();
  j["home_switch"] = in.home_switch();
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
  j["code"] = a.code();
  j["priority"] = priority_name(a.priority());
  j["since"] = a.since_ns();
  j["text"] = a.text();
  j["latched"] = a.latched();
  j["condition_active"] = a.condition_active();
  return j;
}

Json alarms_json(const Alarms& alarms) {
  Json list = Json::array();
  for (const auto& a : alarms) list.push_back(alarm_json(a));
  return list;
}

Json status_json(const v1::Status& s) {
  Json j = Json::object();
  j["state"] = state_name(s.state());
  j["t_ns"] = s.t_ns();
  add_measurements(j, s);
  j["backend"] = s.backend();
  j["board"] = s.board();
  if (s.has_cartridge()) {
    const auto& c = s.cartridge();
    Json cj = Json::object();
    cj["serial"] = c.serial();
    cj["type"] = cartridge_type_name(c.type());
    cj["needles"] = c.needles();
    cj["lot"] = c.lot();
    cj["expires"] = c.expires();
    cj["valid"] = c.valid();
    cj["problem"] = c.problem();
    cj["used"] = c.used();
    j["cartridge"] = std::move(cj);
  } else {
    j["cartridge"] = nullptr;
  }
  if (s.has_session()) {
    const auto& a = s.session();
    j["session"] = Json{{"session_id", a.session_id()},
                        {"protocol", a.protocol()},
                        {"zone", a.zone()},
                        {"depth_um", a.depth_um()},
                        {"speed_hz", a.speed_hz()},
                        {"owner_linked", a.owner_linked()},
                        {"operator_id", a.operator_id()}};
  } else {
    j["session"] = nullptr;
  }
  j["homed"] = s.homed();
  j["strokes"] = s.strokes();
  j["service_remaining_ms"] = s.service_remaining_ms();
  j["alarms"] = alarms_json(s.alarms());
  const auto& loop = s.loop();
  j["loop_ticks"] = loop.ticks();
  j["loop_overruns"] = loop.overruns();
  j["loop_missed_periods"] = loop.missed_periods();
  j["loop_late_p50_us"] = loop.late_p50_us();
  j["loop_late_p99_us"] = loop.late_p99_us();
  j["loop_late_max_us"] = loop.late_max_us();
  j["loop_period_us"] = loop.period_us();
  return j;
}

Json sample_json(const v1::TelemetrySample& s) {
  Json j = Json::object();
  j["t_ns"] = s.t_ns();
  j["tick"] = s.tick();
  j["state"] = state_name(s.state());
  add_measurements(j, s);
  j["alarms"] = alarms_json(s.alarms());
  j["loop_late_us"] = s.loop_late_us();
  j["dropped"] = s.dropped();
  return j;
}

Json info_json(const v1::DeviceInfo& info) {
  Json j = Json::object();
  j["version"] = info.version();
  j["backend"] = info.backend();
  j["board"] = info.board();
  j["loop_period_us"] = info.loop_period_us();
  j["tach_edges_per_rev"] = info.tach_edges_per_rev();
  j["depth_min_um"] = info.depth_min_um();
  j["depth_max_um"] = info.depth_max_um();
  j["speed_min_hz"] = info.speed_min_hz();
  j["speed_max_hz"] = info.speed_max_hz();
  j["realtime"] = info.realtime();
  j["realtime_note"] = info.realtime_note();
  j["serial"] = info.serial();
  j["hardware_revision"] = info.hardware_revision();
  j["build"] = info.build();
  j["uptime_s"] = info.uptime_s();
  j["started_at"] = info.started_at();
  j["protocols_path"] = info.protocols_path();
  j["protocols_sha256"] = info.protocols_sha256();
  j["board_path"] = info.board_path();
  j["state_dir"] = info.state_dir();
  j["socket_path"] = info.socket_path();
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
  for (auto& r : split_reasons(message)) reasons.push_back(std::move(r));
  Json err = Json::object();
  err["code"] = code;
  err["message"] = message;
  err["reasons"] = std::move(reasons);
  return Json{{"error", std::move(err)}};
}

}  // namespace dermad::ctl
