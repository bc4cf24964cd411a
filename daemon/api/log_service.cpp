#include "daemon/api/log_service.hpp"

#include "daemon/api/input_bounds.hpp"
#include "daemon/api/refused_stream.hpp"
#include "daemon/api/status_codes.hpp"
#include "daemon/api/write_slot.hpp"
#include "daemon/spelling.hpp"

#include "daemon/api/convert.hpp"
#include "daemon/api/treatment_convert.hpp"
#include "daemon/control/alarms.hpp"
#include "daemon/treatment/wall_time.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

namespace dermad::api {

namespace {

// One stream of events: reads the store in batches, one write in flight; with follow, polls
// for new events every 100 ms. gRPC calls are made with no lock held; the timer outlives
// the reactor through `Shared` and sees `self` cleared once it is gone.
class EventStream final : public grpc::ServerWriteReactor<v1::LogEvent> {
 public:
  EventStream(store::Store& store, boost::asio::io_context& io, const v1::ReadEventsRequest& r,
              store::EventFilter filter, std::shared_ptr<void> ticket)
      : store_(store),
        req_(r),
        filter_(std::move(filter)),
        cursor_(start(store, r, filter_)),
        shared_(std::make_shared<Shared>(io)),
        ticket_(std::move(ticket)) {
    shared_->self = this;
    pump();
  }

  void OnWriteDone(bool ok) override {
    std::optional<grpc::Status> now;
    {
      std::lock_guard lock(shared_->mu);
      now = shared_->out.written();
      if (!ok) shared_->cancelled = true;
    }
    if (now) return Finish(std::move(*now));
    if (!ok) return finish(grpc::Status::CANCELLED);
    pump();
  }
  void OnCancel() override {
    bool now = false;
    {
      std::lock_guard lock(shared_->mu);
      shared_->cancelled = true;
      // Under the timer's pump, the timer finishes it; a write still out holds the finish
      // in the slot until it is back.
      now = !shared_->pumping;
    }
    if (now) finish(grpc::Status::CANCELLED);
  }
  void OnDone() override {
    {
      std::lock_guard lock(shared_->mu);
      shared_->self = nullptr;
    }
    shared_->timer.cancel();
    delete this;
  }

 private:
  // After after_seq; with `last`, no earlier than the newest `last` matching events.
  static int64_t start(store::Store& store, const v1::ReadEventsRequest& r,
                       const store::EventFilter& f) {
    if (r.last() == 0) return r.after_seq();
    const int n = static_cast<int>(std::min<uint32_t>(r.last(), INT32_MAX));
    return std::max(r.after_seq(), store.seq_before_newest(f, n));
  }

  struct Shared {
    std::mutex mu;
    EventStream* self = nullptr;
    WriteSlot<v1::LogEvent> out;
    bool cancelled = false;  // the client went: finish once nothing else is under way
    // The timer's pump runs outside gRPC's reactions, so OnDone does not wait for it: while
    // it runs nobody else may Finish (OnCancel leaves that to it).
    bool pumping = false;
    boost::asio::steady_timer timer;
    explicit Shared(boost::asio::io_context& io) : timer(io) {}
  };

  void finish(grpc::Status s) {
    std::optional<grpc::Status> now;
    {
      std::lock_guard lock(shared_->mu);
      now = shared_->out.finish(std::move(s));
    }
    if (now) Finish(std::move(*now));
  }

  // Writes the next event, or waits for more (follow), or ends the stream.
  void pump() {
    // A cancel that came while the timer pumped is finished by the timer; one that came
    // while a write was out, by the slot, once the write is back.
    bool cancelled = false;
    {
      std::lock_guard lock(shared_->mu);
      if (shared_->out.finishing()) return;
      if (shared_->cancelled) {
        if (shared_->pumping) return;
        cancelled = true;
      }
    }
    if (cancelled) return finish(grpc::Status::CANCELLED);
    if (buffer_.empty() && (req_.limit() == 0 || sent_ < req_.limit())) {
      for (auto& e : store_.read(cursor_, 256, filter_)) {
        cursor_ = e.seq;
        buffer_.push_back(std::move(e));
      }
    }
    const bool done_by_limit = req_.limit() != 0 && sent_ >= req_.limit();
    if (!buffer_.empty() && !done_by_limit) {
      v1::LogEvent* msg = nullptr;
      {
        std::lock_guard lock(shared_->mu);
        if (shared_->cancelled || !shared_->out.free()) return;
        msg = &shared_->out.take();
      }
      const auto& e = buffer_.front();
      msg->set_seq(e.seq);
      msg->set_wall_ns(e.wall_ns);
      msg->set_mono_ns(e.mono_ns);
      msg->set_kind(e.kind);
      msg->set_severity(e.severity);
      msg->set_session_id(e.session_id);
      msg->set_details(e.details);
      msg->set_hash(e.hash);
      buffer_.pop_front();
      ++sent_;
      StartWrite(msg);
      return;
    }
    if (!req_.follow() || done_by_limit) return finish(grpc::Status::OK);
    auto sh = shared_;
    sh->timer.expires_after(std::chrono::milliseconds(100));
    sh->timer.async_wait([sh](const boost::system::error_code& ec) {
      if (ec) return;
      EventStream* self = nullptr;
      bool cancelled = false;
      {
        std::lock_guard lock(sh->mu);
        if (!sh->self || sh->out.finishing() || sh->out.writing()) return;
        self = sh->self;
        cancelled = sh->cancelled;  // nobody else finishes a stream that waits on its timer
        if (!cancelled) sh->pumping = true;
      }
      if (cancelled) return self->finish(grpc::Status::CANCELLED);
      self->pump();
      bool cancelled_meanwhile = false;
      {
        std::lock_guard lock(sh->mu);
        sh->pumping = false;
        // pump() may have finished the call (then `self` may be gone: only `sh` is touched);
        // if not, a cancel that came meanwhile is done here.
        cancelled_meanwhile = sh->cancelled && !sh->out.writing() && !sh->out.finishing();
      }
      if (cancelled_meanwhile) self->finish(grpc::Status::CANCELLED);
    });
  }

  store::Store& store_;
  const v1::ReadEventsRequest req_;
  const store::EventFilter filter_;
  int64_t cursor_;
  uint32_t sent_ = 0;
  std::deque<store::Event> buffer_;
  std::shared_ptr<Shared> shared_;
  const std::shared_ptr<void> ticket_;  // the gate's record of this open call
};

}  // namespace

grpc::ServerWriteReactor<v1::LogEvent>* LogService::ReadEvents(grpc::CallbackServerContext* ctx,
                                                               const v1::ReadEventsRequest* req) {
  Gate::Ticket ticket;
  if (auto refused = gate_.admit_stream(ctx, "LogService.ReadEvents", req, ticket)) {
    return refused_stream<v1::LogEvent>(*refused);
  }
  // A session id that names no session is a mistake, not an empty log: answered as
  // GetSession answers it.
  if (!req->session_id().empty() && !store_.session(req->session_id())) {
    return refused_stream<v1::LogEvent>(
        grpc::Status(grpc::StatusCode::NOT_FOUND, "no session " + req->session_id()));
  }
  store::EventFilter filter;
  filter.session_id = req->session_id();
  filter.kinds.assign(req->kinds().begin(), req->kinds().end());
  filter.min_severity = req->min_severity();
  filter.since_wall_ns = req->since_wall_ns();
  filter.until_wall_ns = req->until_wall_ns();
  std::string bad;
  if (!filter.min_severity.empty() &&
      std::find(std::begin(store::kSeverities), std::end(store::kSeverities),
                filter.min_severity) == std::end(store::kSeverities)) {
    bad = "min_severity '" + filter.min_severity + "' is not info, warning or alarm";
  }
  const std::vector<std::string> kinds(std::begin(store::kEventKinds),
                                       std::end(store::kEventKinds));
  for (const auto& k : filter.kinds) {
    if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) {
      bad += (bad.empty() ? "" : "; ") + ("'" + quoted_prefix(k) + "' is not a kind of event") +
             did_you_mean_clause(k, kinds);
    }
  }
  if (filter.since_wall_ns != 0 && filter.until_wall_ns != 0 &&
      filter.until_wall_ns <= filter.since_wall_ns) {
    bad += (bad.empty() ? "" : "; ") + std::string("until_wall_ns is not after since_wall_ns");
  }
  if (!bad.empty()) {
    return refused_stream<v1::LogEvent>(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, bad));
  }
  return new EventStream(store_, io_, *req, std::move(filter), std::move(ticket));
}

grpc::ServerUnaryReactor* LogService::VerifyLog(grpc::CallbackServerContext* ctx,
                                                const v1::VerifyLogRequest* req,
                                                v1::VerifyLogResponse* resp) {
  if (auto refused = gate_.admit(ctx, "LogService.VerifyLog", req)) {
    return finish_now(ctx, *refused);
  }
  for (const auto& p : store_.verify()) resp->add_problems(p);
  resp->set_events(store_.last_seq());
  auto* r = ctx->DefaultReactor();
  r->Finish(grpc::Status::OK);
  return r;
}

grpc::ServerUnaryReactor* LogService::GetCounters(grpc::CallbackServerContext* ctx,
                                                  const v1::GetCountersRequest* req,
                                                  v1::Counters* resp) {
  if (auto refused = gate_.admit(ctx, "LogService.GetCounters", req)) {
    return finish_now(ctx, *refused);
  }
  auto c = store_.counters();
  resp->set_strokes(static_cast<uint64_t>(c["strokes"]));
  resp->set_motor_run_s(static_cast<double>(c["motor_run_ms"]) / 1000.0);
  resp->set_sessions(static_cast<uint64_t>(c["sessions"]));
  resp->set_faults(static_cast<uint64_t>(c["faults"]));
  auto* r = ctx->DefaultReactor();
  r->Finish(grpc::Status::OK);
  return r;
}

grpc::ServerUnaryReactor* LogService::ListAlarms(grpc::CallbackServerContext* ctx,
                                                 const v1::ListAlarmsRequest* req,
                                                 v1::ListAlarmsResponse* resp) {
  if (auto refused = gate_.admit(ctx, "LogService.ListAlarms", req)) {
    return finish_now(ctx, *refused);
  }
  auto* r = ctx->DefaultReactor();
  if (req->limit() > 1000) {
    r->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                           "limit " + std::to_string(req->limit()) + " is over 1000"));
    return r;
  }
  const int limit = req->limit() == 0 ? 100 : static_cast<int>(req->limit());
  store::EventFilter filter;
  filter.session_id = req->session_id();
  filter.since_wall_ns = req->since_wall_ns();
  filter.until_wall_ns = req->until_wall_ns();
  std::string bad;
  for (const auto& code : req->codes()) {
    const bool known = std::any_of(control::kAlarmTable.begin(), control::kAlarmTable.end(),
                                   [&code](const auto& info) { return info.code == code; });
    if (!known) {
      bad += (bad.empty() ? "" : "; ") + ("'" + quoted_prefix(code) + "' is not an alarm code") +
             did_you_mean_clause(code, control::all_alarm_codes());
    }
    filter.kinds.push_back(code);
  }
  if (filter.since_wall_ns != 0 && filter.until_wall_ns != 0 &&
      filter.until_wall_ns <= filter.since_wall_ns) {
    bad += (bad.empty() ? "" : "; ") + std::string("until_wall_ns is not after since_wall_ns");
  }
  if (!bad.empty()) {
    r->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, bad));
    return r;
  }
  const auto at = [](int64_t ns) { return treatment::rfc3339(treatment::from_wall_ns(ns)); };
  for (const auto& a : store_.alarm_history(filter, limit)) {
    auto* out = resp->add_alarms();
    out->set_code(a.code);
    for (const auto& info : control::kAlarmTable) {
      if (info.code == a.code) {
        out->set_priority(to_proto(info.priority));
        out->set_text(std::string(info.text));
      }
    }
    out->set_session_id(a.session_id);
    out->set_raised_at(at(a.raised_wall_ns));
    out->set_ended_at(at(a.ended_wall_ns));
    out->set_ended_by(a.ended_by);
    out->set_acknowledged_by(a.acknowledged_by);
    out->set_raised_wall_ns(a.raised_wall_ns);
    out->set_ended_wall_ns(a.ended_wall_ns);
  }
  r->Finish(grpc::Status::OK);
  return r;
}

grpc::ServerUnaryReactor* LogService::ListCartridges(grpc::CallbackServerContext* ctx,
                                                     const v1::ListCartridgesRequest* req,
                                                     v1::ListCartridgesResponse* resp) {
  if (auto refused = gate_.admit(ctx, "LogService.ListCartridges", req)) {
    return finish_now(ctx, *refused);
  }
  if (req->limit() > 1000) {
    return finish_now(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                        "limit " + std::to_string(req->limit()) + " is over 1000"));
  }
  std::vector<store::CartridgeRecord> found;
  if (!req->serial().empty()) {
    auto one = store_.cartridge(req->serial());
    if (!one) {
      return finish_now(ctx, grpc::Status(grpc::StatusCode::NOT_FOUND,
                                          "no cartridge " + req->serial() + " was ever seen"));
    }
    found.push_back(std::move(*one));
  } else {
    found = store_.cartridges(req->limit() == 0 ? 100 : static_cast<int>(req->limit()));
  }
  for (const auto& c : found) {
    auto* out = resp->add_cartridges();
    out->set_serial(c.serial);
    out->set_type(to_proto(hal::cartridge_type_named(c.type)));
    out->set_needles(static_cast<uint32_t>(c.needles));
    out->set_lot(c.lot);
    out->set_first_seen_at(treatment::rfc3339(treatment::from_wall_ns(c.first_seen_wall_ns)));
    out->set_first_seen_wall_ns(c.first_seen_wall_ns);
    out->set_sessions(static_cast<uint32_t>(c.sessions));
    out->set_used(c.used);
  }
  return finish_now(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* LogService::GetRecordsInfo(grpc::CallbackServerContext* ctx,
                                                     const v1::GetRecordsInfoRequest* req,
                                                     v1::RecordsInfo* resp) {
  if (auto refused = gate_.admit(ctx, "LogService.GetRecordsInfo", req)) {
    return finish_now(ctx, *refused);
  }
  resp->set_path(store_.path());
  resp->set_schema(store_.schema_version());
  resp->set_events(store_.last_seq());
  resp->set_size_bytes(store_.size_bytes());
  resp->set_max_bytes(store_.max_bytes());
  resp->set_pruned_through_seq(store_.pruned_anchor().seq);
  // The same judgement as RECORDS_FAILED's: events still waiting count, not only the last
  // write.
  const std::string unwritable = journal_.unwritable();
  resp->set_writable(unwritable.empty());
  resp->set_last_error(unwritable);
  resp->set_untrusted_why(trust_.untrusted_why());
  resp->set_trusted(resp->untrusted_why().empty());
  auto* r = ctx->DefaultReactor();
  r->Finish(grpc::Status::OK);
  return r;
}

grpc::ServerUnaryReactor* LogService::AcceptRecords(grpc::CallbackServerContext* ctx,
                                                    const v1::AcceptRecordsRequest* req,
                                                    v1::AcceptRecordsResponse* resp) {
  if (auto refused = gate_.admit(ctx, "LogService.AcceptRecords", req)) {
    return finish_now(ctx, *refused);
  }
  if (req->reason().empty()) {
    return finish_now(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                        "reason: say what you found and did (it is recorded)"));
  }
  const auto was = trust_.accept(req->reason());
  if (!was) {
    return finish_now(ctx, grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                        "the records are trusted: nothing to accept"));
  }
  resp->set_was(*was);
  return finish_now(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* LogService::GetFleetStatus(grpc::CallbackServerContext* ctx,
                                                     const v1::GetFleetStatusRequest* req,
                                                     v1::FleetStatus* resp) {
  if (auto refused = gate_.admit(ctx, "LogService.GetFleetStatus", req)) {
    return finish_now(ctx, *refused);
  }
  if (fleet_status_) {
    *resp = fleet_status_();
  } else {
    // No fleet: what waits is the whole log, kept on the pen.
    resp->set_head_seq(store_.last_seq());
    resp->set_backlog(store_.last_seq() - store_.fleet_acked_seq());
  }
  return finish_now(ctx, grpc::Status::OK);
}

}  // namespace dermad::api
