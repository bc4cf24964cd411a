// EngineeringService's calibration calls: each admits the caller (engineers only, roles.cpp)
// and hands the work to the calibration desk.
#include <chrono>

#include "daemon/api/engineering_service.hpp"
#include "daemon/api/status_codes.hpp"
#include "daemon/spelling.hpp"
#include "daemon/store/details.hpp"

namespace dermad::api {

using grpc::Status;
using grpc::StatusCode;

namespace {

// A kind of calibration there is, or the refusal naming them.
std::optional<Status> unknown_kind(const std::string& kind, bool empty_ok = false) {
  if (empty_ok && kind.empty()) return std::nullopt;
  for (const auto& k : calibration::kKinds) {
    if (k == kind) return std::nullopt;
  }
  std::string kinds;
  for (const auto& k : calibration::kKinds) kinds += (kinds.empty() ? "" : ", ") + k;
  return Status(StatusCode::INVALID_ARGUMENT, "kind '" + kind + "' is not a calibration" +
                                                  did_you_mean_clause(kind, calibration::kKinds) +
                                                  " (kinds: " + kinds + ")");
}

}  // namespace

std::string EngineeringService::by(const grpc::CallbackServerContext* ctx) const {
  const Caller c = gate_.caller(ctx);
  return c.who + " (" + std::string(to_string(c.role)) + ")";
}

grpc::ServerWriteReactor<v1::CalibrationProgress>* EngineeringService::CalibrateDepth(
    grpc::CallbackServerContext* ctx, const v1::CalibrateDepthRequest* req) {
  Gate::Ticket ticket;
  if (auto refused = gate_.admit_stream(ctx, "EngineeringService.CalibrateDepth", req, ticket)) {
    return refused_stream<v1::CalibrationProgress>(*refused);
  }
  return desk_.start_depth(*req, by(ctx), std::move(ticket));
}

grpc::ServerWriteReactor<v1::CalibrationProgress>* EngineeringService::CalibrateSpeed(
    grpc::CallbackServerContext* ctx, const v1::CalibrateSpeedRequest* req) {
  Gate::Ticket ticket;
  if (auto refused = gate_.admit_stream(ctx, "EngineeringService.CalibrateSpeed", req, ticket)) {
    return refused_stream<v1::CalibrationProgress>(*refused);
  }
  return desk_.start_speed(*req, by(ctx), std::move(ticket));
}

grpc::ServerWriteReactor<v1::CalibrationProgress>* EngineeringService::CalibrateSensors(
    grpc::CallbackServerContext* ctx, const v1::CalibrateSensorsRequest* req) {
  Gate::Ticket ticket;
  if (auto refused = gate_.admit_stream(ctx, "EngineeringService.CalibrateSensors", req, ticket)) {
    return refused_stream<v1::CalibrationProgress>(*refused);
  }
  return desk_.start_sensors(*req, by(ctx), std::move(ticket));
}

grpc::ServerUnaryReactor* EngineeringService::SubmitGaugeReading(
    grpc::CallbackServerContext* ctx, const v1::SubmitGaugeReadingRequest* req,
    v1::SubmitGaugeReadingResponse*) {
  if (auto refused = gate_.admit(ctx, "EngineeringService.SubmitGaugeReading", req)) {
    return finish_now(ctx, *refused);
  }
  return finish_now(ctx, desk_.submit_reading(req->point(), req->gauge_um()));
}

grpc::ServerUnaryReactor* EngineeringService::AbortCalibration(
    grpc::CallbackServerContext* ctx, const v1::AbortCalibrationRequest* req,
    v1::AbortCalibrationResponse*) {
  if (auto refused = gate_.admit(ctx, "EngineeringService.AbortCalibration", req)) {
    return finish_now(ctx, *refused);
  }
  return finish_now(ctx, desk_.abort(by(ctx)));
}

grpc::ServerUnaryReactor* EngineeringService::GetStagedCalibration(
    grpc::CallbackServerContext* ctx, const v1::GetStagedCalibrationRequest* req,
    v1::Calibration* resp) {
  if (auto refused = gate_.admit(ctx, "EngineeringService.GetStagedCalibration", req)) {
    return finish_now(ctx, *refused);
  }
  if (auto bad = unknown_kind(req->kind())) return finish_now(ctx, *bad);
  const auto staged = desk_.book().staged(req->kind());
  if (!staged) {
    return finish_now(
        ctx, Status(StatusCode::NOT_FOUND, "no " + req->kind() + " calibration is staged"));
  }
  *resp = to_proto(*staged);
  return finish_now(ctx, Status::OK);
}

grpc::ServerUnaryReactor* EngineeringService::CommitCalibration(
    grpc::CallbackServerContext* ctx, const v1::CommitCalibrationRequest* req,
    v1::Calibration* resp) {
  if (auto refused = gate_.admit(ctx, "EngineeringService.CommitCalibration", req)) {
    return finish_now(ctx, *refused);
  }
  if (auto bad = unknown_kind(req->kind())) return finish_now(ctx, *bad);
  auto* r = ctx->DefaultReactor();
  desk_.commit(req->kind(), by(ctx), [r, resp](Status st, v1::Calibration c) {
    if (st.ok()) *resp = std::move(c);
    r->Finish(st);
  });
  return r;
}

grpc::ServerUnaryReactor* EngineeringService::DiscardCalibration(
    grpc::CallbackServerContext* ctx, const v1::DiscardCalibrationRequest* req,
    v1::DiscardCalibrationResponse*) {
  if (auto refused = gate_.admit(ctx, "EngineeringService.DiscardCalibration", req)) {
    return finish_now(ctx, *refused);
  }
  if (auto bad = unknown_kind(req->kind())) return finish_now(ctx, *bad);
  const auto staged = desk_.book().staged(req->kind());
  if (!staged || !desk_.book().discard(req->kind())) {
    return finish_now(
        ctx, Status(StatusCode::NOT_FOUND, "no " + req->kind() + " calibration is staged"));
  }
  record_(
      "calibration_discarded",
      store::details_text({{"kind", req->kind()}, {"by", by(ctx)}, {"summary", staged->summary}}));
  return finish_now(ctx, Status::OK);
}

grpc::ServerUnaryReactor* EngineeringService::ListCalibrations(
    grpc::CallbackServerContext* ctx, const v1::ListCalibrationsRequest* req,
    v1::ListCalibrationsResponse* resp) {
  if (auto refused = gate_.admit(ctx, "EngineeringService.ListCalibrations", req)) {
    return finish_now(ctx, *refused);
  }
  if (auto bad = unknown_kind(req->kind(), true)) return finish_now(ctx, *bad);
  const int64_t now = wall_now_ns();
  const int limit = req->limit() == 0 ? 100 : static_cast<int>(std::min(req->limit(), 10000u));
  for (const auto& c : records_.calibrations(req->kind(), limit)) {
    *resp->add_calibrations() = to_proto(c, now);
  }
  for (const auto& f : desk_.book().all_in_force()) {
    if (!req->kind().empty() && f.record.kind != req->kind()) continue;
    v1::Calibration& c = *resp->add_in_force() = to_proto(f.record, now);
    if (!f.unusable.empty()) {
      c.set_due(true);
      c.set_summary("cannot be used: " + f.unusable);
    }
  }
  return finish_now(ctx, Status::OK);
}

}  // namespace dermad::api
