#include "daemon/api/treatment_service.hpp"

#include "daemon/api/convert.hpp"
#include "daemon/api/status_codes.hpp"
#include "daemon/api/treatment_convert.hpp"
#include "daemon/control/clock.hpp"
#include "daemon/log.hpp"
#include "daemon/treatment/screening.hpp"

namespace dermad::api {

using grpc::Status;
using grpc::StatusCode;

TreatmentService::TreatmentService(Gate& gate, treatment::ProtocolSet protocols, CommandPort& port,
                                   const CartridgeCache& cartridges, boost::asio::io_context& io,
                                   store::Store& records, store::Journal& journal,
                                   store::PendingEndings& endings,
                                   const calibration::CalibrationBook& calibrations)
    : gate_(gate),
      protocols_(std::move(protocols)),
      port_(port),
      loop_(port, cartridges, calibrations),
      session_records_(records, endings),
      sessions_(protocols_, loop_, session_records_, journal, clock_,
                static_cast<uint64_t>(records.counters()["sessions"])),
      cursor_(port.core().telemetry().head()),
      io_(io),
      feeder_(std::make_shared<boost::asio::steady_timer>(io)) {
  feed();
}

TreatmentService::~TreatmentService() {
  feeder_->cancel();
}

void TreatmentService::feed() {
  control::Snapshot s;
  uint64_t lost = 0;
  while (port_.core().telemetry().next(cursor_, s, lost)) sessions_.observe(s);
  if (++feeds_ % 50 == 0) {
    // A crash then loses at most the last second of the summary's figures; the events up to
    // it are in the log already.
    sessions_.checkpoint();
    session_records_.retry();
  }
  feeder_->expires_after(std::chrono::milliseconds(20));
  feeder_->async_wait([this, keep = feeder_](const boost::system::error_code& ec) {
    if (!ec) feed();
  });
}

bool TreatmentService::active_session(v1::ActiveSession& out) {
  const auto cur = sessions_.current();
  if (!cur) return false;
  out.set_session_id(cur->id);
  out.set_protocol(cur->request.protocol);
  out.set_zone(cur->zone);
  out.set_depth_um(cur->depth_um);
  out.set_speed_hz(cur->speed_hz);
  out.set_operator_id(cur->request.operator_id);
  out.set_owner_linked(port_.core().link_alive(control::MonotonicClock().now_ns()));
  return true;
}

v1::State TreatmentService::state() const {
  control::Snapshot s;
  return port_.core().telemetry().latest(s) ? to_proto(s.state) : v1::STATE_UNSPECIFIED;
}

grpc::ServerUnaryReactor* TreatmentService::ListProtocols(grpc::CallbackServerContext* ctx,
                                                          const v1::ListProtocolsRequest* req,
                                                          v1::ListProtocolsResponse* resp) {
  if (auto refused = gate_.admit(ctx, "TreatmentService.ListProtocols", req)) {
    return finish_now(ctx, *refused);
  }
  for (const auto& p : protocols_.protocols) fill_protocol(p, *resp->add_protocols());
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
  if (auto refused = gate_.admit(ctx, "TreatmentService.ScreenPatient", req)) {
    return finish_now(ctx, *refused);
  }
  auto* r = ctx->DefaultReactor();
  treatment::Answers a;
  std::string errors;
  answers_from_proto(req->answers(), a, errors);
  const auto day = clock_.today();
  for (const auto& e : treatment::check_answers(a, day)) {
    errors += (errors.empty() ? "" : "; ") + e;
  }
  if (!errors.empty()) {
    r->Finish(Status(StatusCode::INVALID_ARGUMENT, errors));
    return r;
  }
  for (const auto& f : treatment::screen(a, protocols_.screening, day)) {
    fill_finding(f, *resp->add_findings());
    if (f.severity == treatment::Severity::kBlock) resp->set_blocked(true);
  }
  r->Finish(Status::OK);
  return r;
}

}  // namespace dermad::api
