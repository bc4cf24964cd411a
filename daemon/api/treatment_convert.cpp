#include "daemon/api/treatment_convert.hpp"

#include <cstdio>
#include <ctime>
#include <optional>

#include "daemon/api/convert.hpp"

namespace dermad::api {

namespace {

v1::CartridgeType to_proto(hal::CartridgeType t) {
  switch (t) {
    case hal::CartridgeType::kStandard:
      return v1::CARTRIDGE_TYPE_STANDARD;
    case hal::CartridgeType::kNano:
      return v1::CARTRIDGE_TYPE_NANO;
    case hal::CartridgeType::kGoldNano:
      return v1::CARTRIDGE_TYPE_GOLD_NANO;
    default:
      return v1::CARTRIDGE_TYPE_UNSPECIFIED;
  }
}

}  // namespace

std::string rfc3339(std::chrono::system_clock::time_point t) {
  if (t.time_since_epoch().count() == 0) return "";
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

void answers_from_proto(const v1::ScreeningAnswers& in, treatment::Answers& a,
                        std::string& errors) {
  a.active_infection = in.active_infection();
  a.chronic_skin_disorder = in.chronic_skin_disorder();
  a.poor_wound_healing = in.poor_wound_healing();
  a.pregnant = in.pregnant();
  a.consultation_done = in.consultation_done();
  auto date = [&errors](const std::string& value, const char* name) {
    if (value.empty()) return std::optional<treatment::Date>{};
    auto d = treatment::parse_date(value);
    if (!d) {
      errors += (errors.empty() ? "" : "; ") + std::string(name) + " '" + value +
                "' is not a date YYYY-MM-DD";
    }
    return d;
  };
  a.isotretinoin_last_dose = date(in.isotretinoin_last_dose(), "isotretinoin_last_dose");
  a.anticoagulant_last_dose = date(in.anticoagulant_last_dose(), "anticoagulant_last_dose");
  a.retinoid_or_acid_last_use = date(in.retinoid_or_acid_last_use(), "retinoid_or_acid_last_use");
  a.sun_exposure_last = date(in.sun_exposure_last(), "sun_exposure_last");
}

treatment::Date today() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  using namespace std::chrono;
  return sys_days{year{tm.tm_year + 1900} / month{static_cast<unsigned>(tm.tm_mon + 1)} /
                  day{static_cast<unsigned>(tm.tm_mday)}};
}

void fill_protocol(const treatment::Protocol& p, v1::Protocol& out) {
  out.set_id(p.id);
  out.set_name(p.name);
  out.set_description(p.description);
  for (auto t : p.cartridge_types) out.add_cartridge_types(to_proto(t));
  for (const auto& z : p.zones) {
    auto* oz = out.add_zones();
    oz->set_zone(z.zone);
    oz->set_depth_min_um(z.depth_min_um);
    oz->set_depth_max_um(z.depth_max_um);
    oz->set_depth_default_um(z.depth_default_um);
  }
  out.set_speed_min_hz(p.speed_min_hz);
  out.set_speed_max_hz(p.speed_max_hz);
  out.set_speed_default_hz(p.speed_default_hz);
  for (const auto& c : p.checklist) out.add_checklist(c);
  for (const auto& m : p.materials) out.add_materials(m);
}

void fill_finding(const treatment::Finding& f, v1::Finding& out) {
  out.set_rule(f.rule);
  out.set_severity(f.severity == treatment::Severity::kBlock ? v1::FINDING_SEVERITY_BLOCK
                                                             : v1::FINDING_SEVERITY_ACKNOWLEDGE);
  out.set_reason(f.reason);
}

void fill_info(const treatment::SessionRecord& r, int state, v1::SessionInfo& out) {
  out.set_session_id(r.id);
  out.set_protocol(r.request.protocol);
  out.set_zone(r.zone);
  out.set_depth_um(r.depth_um);
  out.set_speed_hz(r.speed_hz);
  out.set_state(static_cast<v1::State>(state));
  out.set_run_s(r.stats.run_s());
  out.set_strokes(r.stats.strokes());
  out.set_active(r.active);
}

void fill_summary(const treatment::SessionRecord& r, v1::SessionSummary& out) {
  out.set_session_id(r.id);
  out.set_protocol(r.request.protocol);
  out.set_started_at(rfc3339(r.started));
  if (!r.active) out.set_ended_at(rfc3339(r.ended));
  out.set_run_s(r.stats.run_s());
  for (const auto& [zone, s] : r.stats.run_s_by_zone()) {
    auto* z = out.add_zones();
    z->set_zone(zone);
    z->set_run_s(s);
  }
  out.set_strokes(r.stats.strokes());
  out.set_microchannels(r.stats.strokes() * r.cartridge.needles);
  out.set_depth_mean_um(r.stats.depth_mean_um());
  out.set_depth_worst_dev_um(r.stats.depth_worst_dev_um());
  out.set_speed_mean_hz(r.stats.speed_mean_hz());
  out.set_speed_worst_dev_hz(r.stats.speed_worst_dev_hz());
  const std::string alarms = control::alarm_codes(r.stats.alarms_seen());
  for (std::size_t i = 0; i < alarms.size();) {
    const std::size_t j = alarms.find(", ", i);
    out.add_alarms(alarms.substr(i, j == std::string::npos ? std::string::npos : j - i));
    if (j == std::string::npos) break;
    i = j + 2;
  }
  out.set_cartridge_serial(r.cartridge.serial);
  out.set_needles(r.cartridge.needles);
  for (const auto& f : r.findings) fill_finding(f, *out.add_findings());
  for (const auto& a : r.request.acknowledged) out.add_acknowledged(a);
  for (const auto& m : r.materials) {
    auto* om = out.add_materials();
    om->set_name(m.name);
    om->set_lot(m.lot);
  }
  for (const auto& a : treatment::aftercare()) out.add_aftercare(a);
  out.set_operator_id(r.request.operator_id);
  out.set_patient_ref(r.request.patient_ref);
  out.set_active(r.active);
  out.set_state(r.active ? v1::SESSION_STATE_ACTIVE : v1::SESSION_STATE_ENDED);
}

}  // namespace dermad::api
