#include "daemon/treatment/session_summary.hpp"

#include <nlohmann/json.hpp>

#include "daemon/control/alarms.hpp"
#include "daemon/store/details.hpp"
#include "daemon/treatment/wall_time.hpp"

namespace dermad::treatment {

using Json = nlohmann::ordered_json;

namespace {

// Readers that take a field only when it has the type written: a damaged row reads as far
// as it is sound, and never throws.
double number(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

uint64_t count(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

std::string text(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const Json& list(const Json& j, const char* key) {
  static const Json kEmpty = Json::array();
  const auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : kEmpty;
}

std::vector<std::string> texts(const Json& j, const char* key) {
  std::vector<std::string> out;
  for (const auto& v : list(j, key))
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace

SessionSummary summarize(const SessionRecord& r) {
  SessionSummary s;
  s.run_s = r.stats.run_s();
  s.run_s_by_zone = r.stats.run_s_by_zone();
  s.strokes = r.stats.strokes();
  s.needles = r.cartridge.needles;
  s.depth_mean_um = r.stats.depth_mean_um();
  s.depth_worst_dev_um = r.stats.depth_worst_dev_um();
  s.speed_mean_hz = r.stats.speed_mean_hz();
  s.speed_worst_dev_hz = r.stats.speed_worst_dev_hz();
  for (std::size_t i = 0; i < control::kAlarmCount; ++i) {
    if (r.stats.alarms_seen() & (1u << i)) s.alarms.emplace_back(control::kAlarmTable[i].code);
  }
  s.findings = r.findings;
  s.acknowledged.assign(r.request.acknowledged.begin(), r.request.acknowledged.end());
  s.materials = r.materials;
  s.materials_missing = r.materials_missing;
  s.aftercare = aftercare();
  return s;
}

std::string summary_text(const SessionSummary& s) {
  Json zones = Json::object();
  for (const auto& [zone, run_s] : s.run_s_by_zone) zones[zone] = run_s;
  Json findings = Json::array();
  for (const auto& f : s.findings) {
    findings.push_back({{"rule", f.rule},
                        {"severity", f.severity == Severity::kBlock ? "block" : "acknowledge"},
                        {"reason", f.reason}});
  }
  Json materials = Json::array();
  for (const auto& m : s.materials) materials.push_back({{"name", m.name}, {"lot", m.lot}});
  const Json j = {{"format", kSummaryFormat},
                  {"run_s", s.run_s},
                  {"run_s_by_zone", zones},
                  {"strokes", s.strokes},
                  {"needles", s.needles},
                  {"depth_mean_um", s.depth_mean_um},
                  {"depth_worst_dev_um", s.depth_worst_dev_um},
                  {"speed_mean_hz", s.speed_mean_hz},
                  {"speed_worst_dev_hz", s.speed_worst_dev_hz},
                  {"alarms", s.alarms},
                  {"findings", findings},
                  {"acknowledged", s.acknowledged},
                  {"materials", materials},
                  {"materials_missing", s.materials_missing},
                  {"aftercare", s.aftercare}};
  return store::details_text(j);
}

std::optional<SessionSummary> parse_summary(const std::string& stored) {
  const Json j = Json::parse(stored, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || count(j, "format") != kSummaryFormat) return std::nullopt;
  SessionSummary s;
  s.run_s = number(j, "run_s");
  if (const auto it = j.find("run_s_by_zone"); it != j.end() && it->is_object()) {
    for (const auto& [zone, v] : it->items())
      if (v.is_number()) s.run_s_by_zone[zone] = v.get<double>();
  }
  s.strokes = count(j, "strokes");
  s.needles = static_cast<uint32_t>(count(j, "needles"));
  s.depth_mean_um = number(j, "depth_mean_um");
  s.depth_worst_dev_um = number(j, "depth_worst_dev_um");
  s.speed_mean_hz = number(j, "speed_mean_hz");
  s.speed_worst_dev_hz = number(j, "speed_worst_dev_hz");
  s.alarms = texts(j, "alarms");
  for (const auto& f : list(j, "findings")) {
    if (!f.is_object()) continue;
    s.findings.push_back(
        {text(f, "rule"),
         text(f, "severity") == "block" ? Severity::kBlock : Severity::kAcknowledge,
         text(f, "reason")});
  }
  s.acknowledged = texts(j, "acknowledged");
  for (const auto& m : list(j, "materials")) {
    if (m.is_object()) s.materials.push_back({text(m, "name"), text(m, "lot")});
  }
  s.materials_missing = texts(j, "materials_missing");
  s.aftercare = texts(j, "aftercare");
  return s;
}

store::SessionRow session_row(const SessionRecord& r, const std::string& state) {
  store::SessionRow row;
  row.id = r.id;
  row.state = state;
  row.operator_id = r.request.operator_id;
  row.patient_ref = r.request.patient_ref;
  row.protocol = r.request.protocol;
  row.cartridge_serial = r.cartridge.serial;
  row.started_wall_ns = to_wall_ns(r.started);
  row.ended_wall_ns = r.active ? 0 : to_wall_ns(r.ended);
  row.summary = summary_text(summarize(r));
  return row;
}

}  // namespace dermad::treatment
