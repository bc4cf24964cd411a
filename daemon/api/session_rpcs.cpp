// TreatmentService: StartSession, UpdateSession, ResumeSession, EndSession, GetSession,
// ListSessions. Translation only: the session's rules and sequencing are treatment::Sessions'.
#include "daemon/api/convert.hpp"
#include "daemon/api/refused_stream.hpp"
#include "daemon/api/session_link.hpp"
#include "daemon/api/status_codes.hpp"
#include "daemon/api/treatment_convert.hpp"
#include "daemon/api/treatment_service.hpp"

namespace dermad::api {

using grpc::Status;
using grpc::StatusCode;

namespace {

std::vector<treatment::Material> materials(
    const google::protobuf::RepeatedPtrField<v1::MaterialLot>& in) {
  std::vector<treatment::Material> out;
  for (const auto& m : in) out.push_back({m.name(), m.lot()});
  return out;
}

}  // namespace

grpc::ServerUnaryReactor* TreatmentService::StartSession(grpc::CallbackServerContext* ctx,
                                                         const v1::StartSessionRequest* req,
                                                         v1::StartSessionResponse* resp) {
  if (auto refused = gate_.admit(ctx, "TreatmentService.StartSession", req)) {
    return finish_now(ctx, *refused);
  }
  treatment::StartRequest sr;
  sr.protocol = req->protocol();
  sr.zone = req->zone();
  sr.depth_um = req->depth_um();
  sr.speed_hz = req->speed_hz();
  std::string date_errors;
  answers_from_proto(req->answers(), sr.answers, date_errors);
  if (!date_errors.empty())
    return finish_now(ctx, Status(StatusCode::INVALID_ARGUMENT, date_errors));
  sr.acknowledged.insert(req->acknowledged().begin(), req->acknowledged().end());
  sr.operator_id = req->operator_id();
  sr.patient_ref = req->patient_ref();
  sr.materials = materials(req->materials());
  auto* r = ctx->DefaultReactor();
  sessions_.start(std::move(sr),
                  [r, resp](const treatment::Outcome& o, const treatment::SessionRecord& rec) {
                    if (o.ok()) {
                      resp->set_session_id(rec.id);
                      resp->set_owner_token(rec.owner_token);
                      fill_info(rec, v1::STATE_ARMED, *resp->mutable_session());
                    }
                    r->Finish(outcome_status(o));
                  });
  return r;
}

grpc::ServerUnaryReactor* TreatmentService::UpdateSession(grpc::CallbackServerContext* ctx,
                                                          const v1::UpdateSessionRequest* req,
                                                          v1::SessionInfo* resp) {
  if (auto refused = gate_.admit(ctx, "TreatmentService.UpdateSession", req)) {
    return finish_now(ctx, *refused);
  }
  auto* r = ctx->DefaultReactor();
  sessions_.update(
      req->owner_token(), req->zone(), req->depth_um(), req->speed_hz(),
      materials(req->materials()),
      [this, r, resp](const treatment::Outcome& o, const treatment::SessionRecord& now) {
        if (o.ok()) fill_info(now, state(), *resp);
        r->Finish(outcome_status(o));
      });
  return r;
}

grpc::ServerUnaryReactor* TreatmentService::ResumeSession(grpc::CallbackServerContext* ctx,
                                                          const v1::ResumeSessionRequest* req,
                                                          v1::SessionInfo* resp) {
  if (auto refused = gate_.admit(ctx, "TreatmentService.ResumeSession", req)) {
    return finish_now(ctx, *refused);
  }
  auto* r = ctx->DefaultReactor();
  sessions_.resume(req->owner_token(),
                   [r, resp](const treatment::Outcome& o, const treatment::SessionRecord& now) {
                     if (o.ok()) fill_info(now, v1::STATE_ARMED, *resp);
                     r->Finish(outcome_status(o));
                   });
  return r;
}

grpc::ServerUnaryReactor* TreatmentService::EndSession(grpc::CallbackServerContext* ctx,
                                                       const v1::EndSessionRequest* req,
                                                       v1::SessionSummary* resp) {
  if (auto refused = gate_.admit(ctx, "TreatmentService.EndSession", req)) {
    return finish_now(ctx, *refused);
  }
  auto* r = ctx->DefaultReactor();
  sessions_.end(req->owner_token(),
                [r, resp](const treatment::Outcome& o, const treatment::SessionRecord& ended) {
                  if (o.ok()) fill_summary(ended, *resp);
                  r->Finish(outcome_status(o));
                });
  return r;
}

grpc::ServerUnaryReactor* TreatmentService::GetSession(grpc::CallbackServerContext* ctx,
                                                       const v1::GetSessionRequest* req,
                                                       v1::SessionSummary* resp) {
  if (auto refused = gate_.admit(ctx, "TreatmentService.GetSession", req)) {
    return finish_now(ctx, *refused);
  }
  const auto cur = sessions_.current();
  if (cur && (req->session_id().empty() || req->session_id() == cur->id)) {
    fill_summary(*cur, *resp);
    return finish_now(ctx, Status::OK);
  }
  const auto row = session_records_.find(req->session_id());
  if (!row) {
    return finish_now(ctx, Status(StatusCode::NOT_FOUND, req->session_id().empty()
                                                             ? "no session yet"
                                                             : "no session " + req->session_id()));
  }
  *resp = summary_of(*row);
  return finish_now(ctx, Status::OK);
}

grpc::ServerUnaryReactor* TreatmentService::ListSessions(grpc::CallbackServerContext* ctx,
                                                         const v1::ListSessionsRequest* req,
                                                         v1::ListSessionsResponse* resp) {
  if (auto refused = gate_.admit(ctx, "TreatmentService.ListSessions", req)) {
    return finish_now(ctx, *refused);
  }
  int64_t since_ns = 0;
  if (!req->since().empty()) {
    const auto d = treatment::parse_date(req->since());
    if (!d) {
      return finish_now(ctx, Status(StatusCode::INVALID_ARGUMENT,
                                    "since '" + req->since() + "' is not a date (YYYY-MM-DD)"));
    }
    // Nanoseconds since 1970 span 1677..2262: a later day has no sessions on or after it, an
    // earlier one has them all (multiplying either out would overflow: found by fuzzing).
    const int64_t secs = d->time_since_epoch().count() * int64_t{86400};
    constexpr int64_t kNs = 1'000'000'000;
    since_ns = secs > INT64_MAX / kNs ? INT64_MAX : secs < INT64_MIN / kNs ? INT64_MIN : secs * kNs;
  }
  if (req->limit() > 1000) {
    return finish_now(ctx, Status(StatusCode::INVALID_ARGUMENT,
                                  "limit " + std::to_string(req->limit()) + " is over 1000"));
  }
  const int limit = req->limit() == 0 ? 100 : static_cast<int>(req->limit());
  const auto cur = sessions_.current();
  for (const auto& row : session_records_.list(since_ns, limit)) {
    // The active one's figures are the live ones, not its last checkpoint.
    if (cur && row.id == cur->id) {
      fill_summary(*cur, *resp->add_sessions());
    } else {
      *resp->add_sessions() = summary_of(row);
    }
  }
  return finish_now(ctx, Status::OK);
}

void TreatmentService::abort_active(const std::string& reason) {
  sessions_.abort_active(reason);
  session_records_.retry();
}

grpc::ServerBidiReactor<v1::LinkBeat, v1::SessionInfo>* TreatmentService::Link(
    grpc::CallbackServerContext* ctx) {
  Gate::Ticket ticket;
  if (auto refused = gate_.admit_stream(ctx, "TreatmentService.Link", nullptr, ticket)) {
    return refused_bidi<v1::LinkBeat, v1::SessionInfo>(*refused);
  }
  // The owner's token comes in the first beat; the link checks it there.
  return new SessionLink(port_.core(), sessions_.book(), io_, stopping_, std::move(ticket));
}

}  // namespace dermad::api
