// TreatmentService: StartSession, UpdateSession, EndSession, GetSession, ListSessions. A
// session is recorded before it may run and when it ends; one the daemon cannot record does
// not start.
#include <ctime>
#include <random>
#include <set>

#include "daemon/api/convert.hpp"
#include "daemon/api/refused_stream.hpp"
#include "daemon/api/session_link.hpp"
#include "daemon/api/session_rows.hpp"
#include "daemon/api/status_codes.hpp"
#include "daemon/api/treatment_convert.hpp"
#include "daemon/api/treatment_service.hpp"
#include "daemon/control/clock.hpp"
#include "daemon/log.hpp"

namespace dermad::api {

using grpc::Status;
using grpc::StatusCode;

namespace {

std::string new_token() {
  std::random_device rd;
  char b[33];
  std::snprintf(b, sizeof b, "%08x%08x%08x%08x", rd(), rd(), rd(), rd());
  return b;
}

std::string new_id(uint64_t n) {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[48];
  std::strftime(b, sizeof b, "S%Y%m%d-%H%M%S", &tm);
  return std::string(b) + "-" + std::to_string(n);
}

std::vector<treatment::Material> materials(
    const google::protobuf::RepeatedPtrField<v1::MaterialLot>& in) {
  std::vector<treatment::Material> out;
  for (const auto& m : in) out.push_back({m.name(), m.lot()});
  return out;
}

// What an ended or aborted session's event says: the figures, and why it was cut short.
std::string ending_details(const treatment::SessionRecord& r, const std::string& reason) {
  Details d = {{"strokes", r.stats.strokes()}, {"run_s", r.stats.run_s()}};
  if (!reason.empty()) d["reason"] = reason;
  return details_text(d);
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "; ") + s;
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

  treatment::DeviceView device;
  control::Snapshot snap;
  if (port_.core().telemetry().latest(snap)) {
    device.state = snap.state;
    device.active_alarms = snap.alarms.active;
    if (snap.cartridge_present) {
      device.cartridge = cartridges_.current();
      // The switch closed a moment ago and the EEPROM is not read yet: say so, not "none".
      if (!device.cartridge) device.cartridge_unread = true;
    }
  }
  device.records_error = journal_.unwritable();
  // The single-use rule from the records, so it holds across restarts.
  std::set<std::string> used;
  if (device.cartridge && records_.cartridge_used(device.cartridge->serial)) {
    used.insert(device.cartridge->serial);
  }
  const auto day = today();
  const auto refusals = treatment::start_refusals(sr, protocols_, device, used, day);
  if (book_.current()) {
    return finish_now(ctx, Status(StatusCode::FAILED_PRECONDITION, "a session is active already"));
  }
  if (!refusals.empty()) return finish_now(ctx, refusals_status(refusals));

  const control::Command c =
      treatment::session_command(control::CommandKind::kArm, *protocols_.find(sr.protocol),
                                 {sr.zone, sr.depth_um, sr.speed_hz}, device.cartridge->type);
  auto* r = ctx->DefaultReactor();
  const int64_t armed_from_ns = control::MonotonicClock().now_ns();
  treatment::SessionRecord rec;
  rec.id = new_id(next_id_++);
  rec.owner_token = new_token();
  rec.request = sr;
  rec.zone = sr.zone;
  rec.depth_um = sr.depth_um;
  rec.speed_hz = sr.speed_hz;
  rec.materials = sr.materials;
  rec.findings = treatment::screen(sr.answers, protocols_.screening, day);
  rec.cartridge = *device.cartridge;
  port_.submit(c, [this, r, resp, rec, armed_from_ns](control::Verdict v, uint32_t detail) mutable {
    if (v != control::Verdict::kAccepted) {
      r->Finish(verdict_status(v, detail, "arming"));
      return;
    }
    rec.started = std::chrono::system_clock::now();
    const store::Event started{0,
                               to_wall_ns(rec.started),
                               control::MonotonicClock().now_ns(),
                               "session_started",
                               "info",
                               rec.id,
                               details_text({{"protocol", rec.request.protocol},
                                             {"zone", rec.zone},
                                             {"depth_um", rec.depth_um},
                                             {"speed_hz", rec.speed_hz},
                                             {"cartridge", rec.cartridge.serial},
                                             {"operator", rec.request.operator_id},
                                             {"patient", rec.request.patient_ref}}),
                               ""};
    std::string error;
    journal_.session_begins(rec.id, armed_from_ns);
    if (!records_.begin_session(session_row(rec, "active"), started, error)) {
      // Never a session without its record: back to IDLE, needles retracted.
      journal_.session_ends();
      control::Command off;
      off.kind = control::CommandKind::kDisarm;
      port_.submit(off, [](control::Verdict, uint32_t) {});
      r->Finish(Status(StatusCode::FAILED_PRECONDITION,
                       "the session could not be recorded (" + error + "); the pen is disarmed"));
      return;
    }
    resp->set_session_id(rec.id);
    resp->set_owner_token(rec.owner_token);
    fill_info(rec, v1::STATE_ARMED, *resp->mutable_session());
    book_.begin(std::move(rec));
    r->Finish(Status::OK);
  });
  return r;
}

grpc::ServerUnaryReactor* TreatmentService::UpdateSession(grpc::CallbackServerContext* ctx,
                                                          const v1::UpdateSessionRequest* req,
                                                          v1::SessionInfo* resp) {
  if (auto refused = gate_.admit(ctx, "TreatmentService.UpdateSession", req)) {
    return finish_now(ctx, *refused);
  }
  const auto cur = book_.current();
  if (!cur) return finish_now(ctx, Status(StatusCode::FAILED_PRECONDITION, no_active_session()));
  if (!book_.is_owner(req->owner_token())) {
    return finish_now(ctx, Status(StatusCode::PERMISSION_DENIED,
                                  "only the client that started the session may change it"));
  }
  const treatment::Protocol& p = *protocols_.find(cur->request.protocol);
  const treatment::Settings to = treatment::resolve_update(
      p, {cur->zone, cur->depth_um, cur->speed_hz}, req->zone(), req->depth_um(), req->speed_hz());
  auto more = materials(req->materials());
  const auto bad = treatment::settings_refusals(p, to, cur->cartridge.type, more);
  if (!bad.empty()) return finish_now(ctx, Status(StatusCode::INVALID_ARGUMENT, join(bad)));

  const control::Command c =
      treatment::session_command(control::CommandKind::kUpdate, p, to, cur->cartridge.type);
  auto* r = ctx->DefaultReactor();
  port_.submit(c, [this, r, resp, to, more](control::Verdict v, uint32_t d) {
    if (v != control::Verdict::kAccepted) {
      r->Finish(verdict_status(v, d, "the update"));
      return;
    }
    book_.update(to.zone, to.depth_um, to.speed_hz, more);
    if (const auto now = book_.current()) {
      journal_.record(
          "session_updated", "info",
          details_text({{"zone", to.zone}, {"depth_um", to.depth_um}, {"speed_hz", to.speed_hz}}),
          now->id);
    }
    if (const auto now = book_.current()) fill_info(*now, state(), *resp);
    r->Finish(Status::OK);
  });
  return r;
}

grpc::ServerUnaryReactor* TreatmentService::ResumeSession(grpc::CallbackServerContext* ctx,
                                                          const v1::ResumeSessionRequest* req,
                                                          v1::SessionInfo* resp) {
  if (auto refused = gate_.admit(ctx, "TreatmentService.ResumeSession", req)) {
    return finish_now(ctx, *refused);
  }
  const auto cur = book_.current();
  if (!cur) return finish_now(ctx, Status(StatusCode::FAILED_PRECONDITION, no_active_session()));
  if (!book_.is_owner(req->owner_token())) {
    return finish_now(ctx, Status(StatusCode::PERMISSION_DENIED,
                                  "only the client that started the session may resume it"));
  }
  treatment::DeviceView device;
  control::Snapshot snap;
  port_.core().telemetry().latest(snap);
  device.state = snap.state;
  device.active_alarms = snap.alarms.active;
  if (snap.cartridge_present) device.cartridge = cartridges_.current();
  device.records_error = journal_.unwritable();
  const auto why = treatment::resume_refusals(cur->cartridge.serial, device);
  if (!why.empty()) return finish_now(ctx, Status(StatusCode::FAILED_PRECONDITION, join(why)));

  const control::Command c = treatment::session_command(
      control::CommandKind::kArm, *protocols_.find(cur->request.protocol),
      {cur->zone, cur->depth_um, cur->speed_hz}, cur->cartridge.type);
  auto* r = ctx->DefaultReactor();
  const int64_t armed_from_ns = control::MonotonicClock().now_ns();
  port_.submit(c, [this, r, resp, armed_from_ns](control::Verdict v, uint32_t detail) {
    if (v != control::Verdict::kAccepted) {
      r->Finish(verdict_status(v, detail, "arming"));
      return;
    }
    const auto now = book_.current();
    if (!now) {
      r->Finish(Status(StatusCode::FAILED_PRECONDITION, "the session ended meanwhile"));
      return;
    }
    journal_.session_begins(now->id, armed_from_ns);
    journal_.record(
        "session_resumed", "info",
        details_text(
            {{"zone", now->zone}, {"depth_um", now->depth_um}, {"speed_hz", now->speed_hz}}),
        now->id);
    fill_info(*now, v1::STATE_ARMED, *resp);
    r->Finish(Status::OK);
  });
  return r;
}

grpc::ServerUnaryReactor* TreatmentService::EndSession(grpc::CallbackServerContext* ctx,
                                                       const v1::EndSessionRequest* req,
                                                       v1::SessionSummary* resp) {
  if (auto refused = gate_.admit(ctx, "TreatmentService.EndSession", req)) {
    return finish_now(ctx, *refused);
  }
  if (!book_.current()) {
    return finish_now(ctx, Status(StatusCode::FAILED_PRECONDITION, no_active_session()));
  }
  if (!book_.is_owner(req->owner_token())) {
    return finish_now(ctx, Status(StatusCode::PERMISSION_DENIED,
                                  "only the client that started the session may end it"));
  }
  control::Command c;
  c.kind = control::CommandKind::kDisarm;
  auto* r = ctx->DefaultReactor();
  const std::string token = req->owner_token();
  port_.submit(c, [this, r, resp, token](control::Verdict v, uint32_t) {
    if (v != control::Verdict::kAccepted) {
      r->Finish(verdict_status(v, 0, "ending the session"));
      return;
    }
    journal_.session_ends();
    const auto ended = book_.end(token, std::chrono::system_clock::now());
    if (!ended) {
      r->Finish(Status(StatusCode::FAILED_PRECONDITION, "the session ended meanwhile"));
      return;
    }
    fill_summary(*ended, *resp);
    finish_record(*ended, "ended", "");
    r->Finish(Status::OK);
  });
  return r;
}

grpc::ServerUnaryReactor* TreatmentService::GetSession(grpc::CallbackServerContext* ctx,
                                                       const v1::GetSessionRequest* req,
                                                       v1::SessionSummary* resp) {
  if (auto refused = gate_.admit(ctx, "TreatmentService.GetSession", req)) {
    return finish_now(ctx, *refused);
  }
  const auto cur = book_.current();
  if (cur && (req->session_id().empty() || req->session_id() == cur->id)) {
    fill_summary(*cur, *resp);
    return finish_now(ctx, Status::OK);
  }
  auto row =
      req->session_id().empty() ? records_.last_session() : records_.session(req->session_id());
  if (row) row = endings_.find(row->id).value_or(*row);
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
  const auto cur = book_.current();
  for (const auto& row : records_.sessions(since_ns, limit)) {
    // The active one's figures are the live ones, not its last checkpoint.
    if (cur && row.id == cur->id) {
      fill_summary(*cur, *resp->add_sessions());
    } else {
      *resp->add_sessions() = summary_of(endings_.find(row.id).value_or(row));
    }
  }
  return finish_now(ctx, Status::OK);
}

std::string TreatmentService::no_active_session() const {
  auto last = records_.last_session();
  if (!last) return "no active session (none yet)";
  last = endings_.find(last->id).value_or(*last);
  // Says how the last one ended, so "end" twice or after a fault is not a mystery.
  const std::string when =
      rfc3339(std::chrono::system_clock::time_point(std::chrono::nanoseconds(last->ended_wall_ns)));
  if (last->state == "ended") {
    return "no active session: the last one, " + last->id + ", was ended at " + when;
  }
  if (last->state == "aborted") {
    return "no active session: the last one, " + last->id + ", was aborted at " + when + " (" +
           last->end_reason + ")";
  }
  return "no active session";
}

void TreatmentService::finish_record(const treatment::SessionRecord& r, const std::string& state,
                                     const std::string& reason) {
  auto row = session_row(r, state);
  row.end_reason = reason;
  const store::Event ev{0,
                        row.ended_wall_ns,
                        control::MonotonicClock().now_ns(),
                        state == "ended" ? "session_ended" : "session_aborted",
                        state == "ended" ? "info" : "warning",
                        r.id,
                        ending_details(r, reason),
                        ""};
  std::string error;
  // Earlier endings first, so the log keeps the order in which sessions ended.
  retry_endings();
  if (!endings_.empty() || !records_.finish_session(row, ev, error)) {
    // RECORDS_FAILED tells the operator meanwhile; the row must not be left "active", or the
    // next start would call a session that ended a crash.
    log("ERROR", "records: session " + r.id + " " + state + " but could not be recorded so yet (" +
                     (error.empty() ? "an earlier ending waits" : error) +
                     "); retried once a second");
    endings_.add(std::move(row), ev);
  }
}

void TreatmentService::abort_active(const std::string& reason) {
  journal_.session_ends();
  if (const auto ended = book_.end("", std::chrono::system_clock::now())) {
    finish_record(*ended, "aborted", reason);
  }
  retry_endings();
}

grpc::ServerBidiReactor<v1::LinkBeat, v1::SessionInfo>* TreatmentService::Link(
    grpc::CallbackServerContext* ctx) {
  Gate::Ticket ticket;
  if (auto refused = gate_.admit_stream(ctx, "TreatmentService.Link", nullptr, ticket)) {
    return refused_bidi<v1::LinkBeat, v1::SessionInfo>(*refused);
  }
  // The owner's token comes in the first beat; the link checks it there.
  return new SessionLink(port_.core(), book_, io_, stopping_, std::move(ticket));
}

}  // namespace dermad::api
