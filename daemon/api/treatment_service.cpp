#include "daemon/api/treatment_service.hpp"

#include <chrono>
#include <ctime>
#include <optional>

#include "daemon/treatment/screening.hpp"

namespace dermad::api {

using grpc::Status;
using grpc::StatusCode;

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

void fill(const treatment::Protocol& p, v1::Protocol& out) {
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

// YYYY-MM-DD -> a valid calendar date; nullopt (and `bad` set) otherwise.
std::optional<treatment::Date> parse_date(const std::string& s, bool& bad) {
  using namespace std::chrono;
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) {
    bad = true;
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{m}, day{d}};
  if (!ymd.ok()) {
    bad = true;
    return std::nullopt;
  }
  return sys_days{ymd};
}

// The clinic's calendar day: the device's local time zone.
treatment::Date today() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  using namespace std::chrono;
  return sys_days{year{tm.tm_year + 1900} / month{static_cast<unsigned>(tm.tm_mon + 1)} /
                  day{static_cast<unsigned>(tm.tm_mday)}};
}

}  // namespace

grpc::ServerUnaryReactor* TreatmentService::ListProtocols(grpc::CallbackServerContext* ctx,
                                                          const v1::ListProtocolsRequest*,
                                                          v1::ListProtocolsResponse* resp) {
  for (const auto& p : protocols_.protocols) fill(p, *resp->add_protocols());
  const auto& w = protocols_.screening;
  auto* sw = resp->mutable_screening();
  sw->set_isotretinoin_days(static_cast<uint32_t>(w.isotretinoin_days));
  sw->set_anticoagulant_days(static_cast<uint32_t>(w.anticoagulant_days));
  sw->set_retinoid_acid_hours(static_cast<uint32_t>(w.retinoid_acid_hours));
  sw->set_sun_exposure_days(static_cast<uint32_t>(w.sun_exposure_days));
  auto* r = ctx->DefaultReactor();
  r->Finish(Status::OK);
  return r;
}

grpc::ServerUnaryReactor* TreatmentService::ScreenPatient(grpc::CallbackServerContext* ctx,
                                                          const v1::ScreenPatientRequest* req,
                                                          v1::ScreenPatientResponse* resp) {
  auto* r = ctx->DefaultReactor();
  const auto& in = req->answers();
  treatment::Answers a;
  a.active_infection = in.active_infection();
  a.chronic_skin_disorder = in.chronic_skin_disorder();
  a.poor_wound_healing = in.poor_wound_healing();
  a.pregnant = in.pregnant();
  a.consultation_done = in.consultation_done();
  std::string errors;
  auto date = [&errors](const std::string& value, const char* name) {
    if (value.empty()) return std::optional<treatment::Date>{};
    bool bad = false;
    auto d = parse_date(value, bad);
    if (bad)
      errors += (errors.empty() ? "" : "; ") + std::string(name) + " '" + value +
                "' is not a date YYYY-MM-DD";
    return d;
  };
  a.isotretinoin_last_dose = date(in.isotretinoin_last_dose(), "isotretinoin_last_dose");
  a.anticoagulant_last_dose = date(in.anticoagulant_last_dose(), "anticoagulant_last_dose");
  a.retinoid_or_acid_last_use = date(in.retinoid_or_acid_last_use(), "retinoid_or_acid_last_use");
  a.sun_exposure_last = date(in.sun_exposure_last(), "sun_exposure_last");
  const auto day = today();
  for (const auto& e : treatment::check_answers(a, day)) errors += (errors.empty() ? "" : "; ") + e;
  if (!errors.empty()) {
    r->Finish(Status(StatusCode::INVALID_ARGUMENT, errors));
    return r;
  }
  for (const auto& f : treatment::screen(a, protocols_.screening, day)) {
    auto* out = resp->add_findings();
    out->set_rule(f.rule);
    out->set_severity(f.severity == treatment::Severity::kBlock ? v1::FINDING_SEVERITY_BLOCK
                                                                : v1::FINDING_SEVERITY_ACKNOWLEDGE);
    out->set_reason(f.reason);
    if (f.severity == treatment::Severity::kBlock) resp->set_blocked(true);
  }
  r->Finish(Status::OK);
  return r;
}

}  // namespace dermad::api
