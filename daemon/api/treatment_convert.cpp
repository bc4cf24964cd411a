#include "daemon/api/treatment_convert.hpp"

#include <cstdio>
#include <ctime>
#include <optional>

#include "daemon/api/convert.hpp"
#include "daemon/treatment/wall_time.hpp"

namespace dermad::api {

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

void fill_info(const treatment::SessionRecord& r, v1::State state, v1::SessionInfo& out) {
  out.set_session_id(r.id);
  out.set_protocol(r.request.protocol);
  out.set_zone(r.zone);
  out.set_depth_um(r.depth_um);
  out.set_speed_hz(r.speed_hz);
  out.set_state(state);
  out.set_run_s(r.stats.run_s());
  out.set_strokes(r.stats.strokes());
  out.set_active(r.active);
}

namespace {

// The figures, as the live record and a stored row both have them.
void fill_figures(const treatment::SessionSummary& s, v1::SessionSummary& out) {
  out.set_run_s(s.run_s);
  for (const auto& [zone, run_s] : s.run_s_by_zone) {
    auto* z = out.add_zones();
    z->set_zone(zone);
    z->set_run_s(run_s);
  }
  out.set_strokes(s.strokes);
  out.set_microchannels(s.microchannels());
  out.set_depth_mean_um(s.depth_mean_um);
  out.set_depth_worst_dev_um(s.depth_worst_dev_um);
  out.set_speed_mean_hz(s.speed_mean_hz);
  out.set_speed_worst_dev_hz(s.speed_worst_dev_hz);
  for (const auto& a : s.alarms) out.add_alarms(a);
  out.set_needles(s.needles);
  for (const auto& f : s.findings) fill_finding(f, *out.add_findings());
  for (const auto& a : s.acknowledged) out.add_acknowledged(a);
  for (const auto& m : s.materials) {
    auto* om = out.add_materials();
    om->set_name(m.name);
    om->set_lot(m.lot);
  }
  for (const auto& m : s.materials_missing) out.add_materials_missing(m);
  for (const auto& a : s.aftercare) out.add_aftercare(a);
}

}  // namespace

void fill_summary(const treatment::SessionRecord& r, v1::SessionSummary& out) {
  out.set_session_id(r.id);
  out.set_protocol(r.request.protocol);
  out.set_started_at(treatment::rfc3339(r.started));
  if (!r.active) out.set_ended_at(treatment::rfc3339(r.ended));
  fill_figures(treatment::summarize(r), out);
  out.set_cartridge_serial(r.cartridge.serial);
  out.set_operator_id(r.request.operator_id);
  out.set_patient_ref(r.request.patient_ref);
  out.set_active(r.active);
  out.set_state(r.active ? v1::SESSION_STATE_ACTIVE : v1::SESSION_STATE_ENDED);
}

v1::SessionSummary summary_of(const store::SessionRow& row) {
  v1::SessionSummary s;
  if (const auto figures = treatment::parse_summary(row.summary)) {
    fill_figures(*figures, s);
  } else {
    // Rows written by an earlier dermad hold this API's serialized summary; one that is neither
    // still leaves what the row itself knows.
    s.ParseFromString(row.summary);
  }
  s.set_session_id(row.id);
  s.set_protocol(row.protocol);
  s.set_operator_id(row.operator_id);
  s.set_patient_ref(row.patient_ref);
  s.set_cartridge_serial(row.cartridge_serial);
  s.set_started_at(treatment::rfc3339(treatment::from_wall_ns(row.started_wall_ns)));
  s.set_ended_at(treatment::rfc3339(treatment::from_wall_ns(row.ended_wall_ns)));
  s.set_active(row.state == "active");
  s.set_state(row.state == "active"    ? v1::SESSION_STATE_ACTIVE
              : row.state == "aborted" ? v1::SESSION_STATE_ABORTED
                                       : v1::SESSION_STATE_ENDED);
  s.set_end_reason(row.end_reason);
  return s;
}

}  // namespace dermad::api
