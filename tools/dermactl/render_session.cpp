#include "tools/dermactl/render_session.hpp"

#include <algorithm>

#include "tools/dermactl/render.hpp"

namespace dermad::ctl {

namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

template <class Strings>
Json string_list(const Strings& items) {
  Json list = Json::array();
  for (const auto& s : items) list.push_back(s);
  return list;
}

template <class Strings>
std::string comma_list(const Strings& items, const char* none) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? none : out;
}

std::string or_dash(const std::string& s) {
  return s.empty() ? "-" : s;
}

std::string secs(double s) {
  return fixed(s, 1) + " s";
}

// Continuation rows of a list are indented under the label of the first.
void add_list(Rows& rows, const std::string& label, const std::vector<std::string>& items,
              const char* none) {
  if (items.empty()) {
    rows.emplace_back(label, none);
    return;
  }
  for (std::size_t i = 0; i < items.size(); ++i) rows.emplace_back(i ? "" : label, items[i]);
}

}  // namespace

std::string severity_name(v1::FindingSeverity s) {
  switch (s) {
    case v1::FINDING_SEVERITY_BLOCK:
      return "block";
    case v1::FINDING_SEVERITY_ACKNOWLEDGE:
      return "acknowledge";
    default:
      return "unspecified";
  }
}

std::string session_state_name(v1::SessionState s) {
  switch (s) {
    case v1::SESSION_STATE_ACTIVE:
      return "active";
    case v1::SESSION_STATE_ENDED:
      return "ended";
    case v1::SESSION_STATE_ABORTED:
      return "aborted";
    default:
      return "unspecified";
  }
}

Json session_info_json(const v1::SessionInfo& s) {
  Json j = Json::object();
  j["session_id"] = s.session_id();
  j["protocol"] = s.protocol();
  j["zone"] = s.zone();
  j["depth_um"] = s.depth_um();
  j["speed_hz"] = s.speed_hz();
  j["state"] = state_name(s.state());
  j["run_s"] = s.run_s();
  j["strokes"] = s.strokes();
  j["active"] = s.active();
  return j;
}

std::string session_info_text(const v1::SessionInfo& s) {
  Rows rows;
  rows.emplace_back("session", s.session_id() + (s.active() ? "" : " (ended)"));
  rows.emplace_back("state", state_name(s.state()));
  rows.emplace_back("protocol", s.protocol());
  rows.emplace_back("zone", s.zone());
  rows.emplace_back("depth", std::to_string(s.depth_um()) + " um");
  rows.emplace_back("speed", fixed(s.speed_hz(), 1) + " Hz");
  rows.emplace_back("run time", secs(s.run_s()));
  rows.emplace_back("strokes", std::to_string(s.strokes()));
  return label_table(rows);
}

std::string session_info_line(const v1::SessionInfo& s) {
  return s.session_id() + " " + state_name(s.state()) + (s.active() ? "" : " ended") + " " +
         s.protocol() + " zone " + s.zone() + " depth " + std::to_string(s.depth_um()) +
         " um speed " + fixed(s.speed_hz(), 1) + " Hz run " + secs(s.run_s()) + " strokes " +
         std::to_string(s.strokes());
}

Json summary_json(const v1::SessionSummary& s) {
  Json zones = Json::array();
  for (const auto& z : s.zones()) zones.push_back(Json{{"zone", z.zone()}, {"run_s", z.run_s()}});
  Json findings = Json::array();
  for (const auto& f : s.findings()) {
    findings.push_back(Json{
        {"rule", f.rule()}, {"severity", severity_name(f.severity())}, {"reason", f.reason()}});
  }
  Json materials = Json::array();
  for (const auto& m : s.materials()) {
    materials.push_back(Json{{"name", m.name()}, {"lot", m.lot()}});
  }
  Json j = Json::object();
  j["session_id"] = s.session_id();
  j["protocol"] = s.protocol();
  j["started_at"] = s.started_at();
  j["ended_at"] = s.ended_at();
  j["run_s"] = s.run_s();
  j["zones"] = std::move(zones);
  j["strokes"] = s.strokes();
  j["microchannels"] = s.microchannels();
  j["depth_mean_um"] = s.depth_mean_um();
  j["depth_worst_dev_um"] = s.depth_worst_dev_um();
  j["speed_mean_hz"] = s.speed_mean_hz();
  j["speed_worst_dev_hz"] = s.speed_worst_dev_hz();
  j["alarms"] = string_list(s.alarms());
  j["cartridge_serial"] = s.cartridge_serial();
  j["needles"] = s.needles();
  j["findings"] = std::move(findings);
  j["acknowledged"] = string_list(s.acknowledged());
  j["materials"] = std::move(materials);
  j["materials_missing"] = string_list(s.materials_missing());
  j["aftercare"] = string_list(s.aftercare());
  j["operator_id"] = s.operator_id();
  j["patient_ref"] = s.patient_ref();
  j["active"] = s.active();
  j["state"] = session_state_name(s.state());
  j["end_reason"] = s.end_reason();
  return j;
}

std::string summary_text(const v1::SessionSummary& s, v1::State pen) {
  Rows rows;
  std::string state = s.state() == v1::SESSION_STATE_ABORTED ? "ABORTED" : "ended";
  if (s.active()) {
    switch (pen) {
      case v1::STATE_ARMED:
        state = "ARMED: needles ready, waiting for the trigger";
        break;
      case v1::STATE_RUNNING:
        state = "RUNNING";
        break;
      case v1::STATE_UNSPECIFIED:
        state = "active";
        break;
      default:
        state = "active, needles stopped: the pen is " +
                std::string(v1::State_Name(pen)).substr(6);  // STATE_FAULT -> FAULT
    }
  }
  rows.emplace_back("session", s.session_id() + " (" + state + ")");
  if (!s.end_reason().empty()) rows.emplace_back("why", s.end_reason());
  rows.emplace_back("protocol", s.protocol());
  rows.emplace_back("started", or_dash(s.started_at()));
  rows.emplace_back("ended", s.ended_at().empty() ? "not yet" : s.ended_at());
  rows.emplace_back("run time", secs(s.run_s()) + " in all");
  for (const auto& z : s.zones()) rows.emplace_back("  " + z.zone(), secs(z.run_s()));
  rows.emplace_back("strokes", std::to_string(s.strokes()));
  rows.emplace_back("microchannels", std::to_string(s.microchannels()));
  rows.emplace_back("depth", "mean " + fixed(s.depth_mean_um(), 1) + " um, worst deviation " +
                                 fixed(s.depth_worst_dev_um(), 1) + " um");
  rows.emplace_back("speed", "mean " + fixed(s.speed_mean_hz(), 1) + " Hz, worst deviation " +
                                 fixed(s.speed_worst_dev_hz(), 1) + " Hz");
  rows.emplace_back("alarms", comma_list(s.alarms(), "none"));
  rows.emplace_back("cartridge",
                    s.cartridge_serial().empty()
                        ? "-"
                        : s.cartridge_serial() + ", " + std::to_string(s.needles()) + " needles");
  std::vector<std::string> findings;
  for (const auto& f : s.findings()) {
    findings.push_back(severity_name(f.severity()) + " " + f.rule() + ": " + f.reason());
  }
  add_list(rows, "findings", findings, "none");
  rows.emplace_back("acknowledged", comma_list(s.acknowledged(), "none"));
  std::vector<std::string> materials;
  for (const auto& m : s.materials()) materials.push_back(m.name() + ", lot " + m.lot());
  add_list(rows, "materials", materials, "none");
  if (!s.materials_missing().empty()) {
    rows.emplace_back("MATERIALS MISSING", "none recorded; the protocol records one of: " +
                                               comma_list(s.materials_missing(), "") +
                                               " (with its lot)");
  }
  rows.emplace_back("operator", or_dash(s.operator_id()));
  rows.emplace_back("patient", or_dash(s.patient_ref()));
  std::string out = label_table(rows);
  out += "\naftercare:\n";
  if (s.aftercare().empty()) out += "  (none given)\n";
  for (const auto& a : s.aftercare()) out += "  - " + a + "\n";
  return out;
}

std::string sessions_table(const v1::ListSessionsResponse& r) {
  if (r.sessions().empty()) return "no sessions recorded in that time";
  std::vector<std::vector<std::string>> cells{{"SESSION", "STATE", "STARTED", "ENDED", "PROTOCOL",
                                               "OPERATOR", "PATIENT", "CARTRIDGE", "STROKES",
                                               "RUN"}};
  for (const auto& s : r.sessions()) {
    cells.push_back({s.session_id(), session_state_name(s.state()), or_dash(s.started_at()),
                     or_dash(s.ended_at()), s.protocol(), or_dash(s.operator_id()),
                     or_dash(s.patient_ref()), or_dash(s.cartridge_serial()),
                     std::to_string(s.strokes()), secs(s.run_s())});
  }
  std::string out = grid(cells);
  out.pop_back();  // printed as one message, which ends the line itself
  return out;
}

}  // namespace dermad::ctl
