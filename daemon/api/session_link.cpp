#include "daemon/api/session_link.hpp"

#include <boost/asio/post.hpp>
#include <chrono>

#include "daemon/api/convert.hpp"
#include "daemon/api/input_bounds.hpp"
#include "daemon/api/treatment_convert.hpp"
#include "daemon/control/clock.hpp"

namespace dermad::api {

using grpc::Status;
using grpc::StatusCode;

SessionLink::SessionLink(control::ControlCore& core, treatment::SessionBook& book,
                         boost::asio::io_context& io, const std::atomic<bool>& stopping,
                         std::shared_ptr<void> ticket)
    : core_(core),
      book_(book),
      io_(io),
      stopping_(stopping),
      ticket_(std::move(ticket)),
      timer_(io) {
  reading_ = true;
  StartRead(&in_);
}

void SessionLink::OnReadDone(bool ok) {
  boost::asio::post(io_, [this, ok] { read_done(ok); });
}
void SessionLink::OnWriteDone(bool ok) {
  boost::asio::post(io_, [this, ok] { write_done(ok); });
}
void SessionLink::OnCancel() {
  boost::asio::post(io_,
                    [this] { finish(Status(StatusCode::CANCELLED, "the link was cancelled")); });
}
void SessionLink::OnDone() {
  boost::asio::post(io_, [this] {
    done_ = true;
    timer_.cancel();
    reap_if_done();
  });
}

void SessionLink::reap_if_done() {
  if (done_ && !timer_armed_) delete this;
}

void SessionLink::finish(Status st) {
  if (out_.finishing()) return;
  timer_.cancel();
  if (auto now = out_.finish(std::move(st))) Finish(std::move(*now));
}

void SessionLink::read_done(bool ok) {
  reading_ = false;
  if (out_.finishing()) return;
  if (!ok) {
    // The tablet closed its side: it lets go of the link.
    finish(Status::OK);
    return;
  }
  beat(in_);
  if (out_.finishing()) return;
  reading_ = true;
  StartRead(&in_);
}

void SessionLink::beat(const v1::LinkBeat& b) {
  if (auto why = text_problem("owner_token", b.owner_token())) {
    return finish(Status(StatusCode::INVALID_ARGUMENT, *why));
  }
  if (!linked_) {
    const auto cur = book_.current();
    if (!cur) return finish(Status(StatusCode::FAILED_PRECONDITION, "no active session"));
    if (b.owner_token().empty() || !book_.is_owner(b.owner_token())) {
      return finish(Status(StatusCode::PERMISSION_DENIED,
                           "only the client that started the session may hold its link "
                           "(owner_token does not match the active session)"));
    }
    if (b.ack_seq() != 0) {
      return finish(
          Status(StatusCode::INVALID_ARGUMENT, "the first beat acknowledges nothing (ack_seq 0)"));
    }
    token_ = b.owner_token();
    linked_ = true;
    tick();  // the first state at once
    return;
  } else if (!b.owner_token().empty() && b.owner_token() != token_) {
    return finish(Status(StatusCode::PERMISSION_DENIED, "owner_token changed on the link"));
  }
  if (b.ack_seq() > sent_) {
    return finish(Status(StatusCode::INVALID_ARGUMENT,
                         "ack_seq " + std::to_string(b.ack_seq()) +
                             " was never sent on this link (newest: " + std::to_string(sent_) +
                             ")"));
  }
  if (b.ack_seq() <= acked_) return;  // nothing newer read: not a beat
  acked_ = b.ack_seq();
  // The tablet has read the state sent at this time: it was alive and reading then, and no
  // later. The loop keeps the newest such time it is told.
  if (book_.is_owner(token_)) core_.link_beat(sent_ns_[acked_ % sent_ns_.size()]);
}

void SessionLink::write_done(bool ok) {
  if (auto now = out_.written()) return Finish(std::move(*now));
  if (!ok) finish(Status(StatusCode::CANCELLED, "the tablet is gone"));
}

void SessionLink::schedule() {
  timer_armed_ = true;
  timer_.expires_after(std::chrono::nanoseconds(kStatePeriodNs));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    timer_armed_ = false;
    if (done_) return reap_if_done();
    if (!ec) tick();
  });
}

void SessionLink::tick() {
  if (out_.finishing()) return;
  if (stopping_.load()) {
    return finish(Status(StatusCode::UNAVAILABLE, "dermad is stopping; the session is aborted"));
  }
  const auto cur = book_.current();
  if (!cur || cur->owner_token != token_) {
    // The session ended: the link has nothing more to carry.
    return finish(Status::OK);
  }
  if (!timer_armed_) schedule();
  // One write at a time, and no more than kMaxUnacked ahead of what the tablet has read: a
  // reader that falls behind gets no pile of old states, and its beats lapse.
  if (!out_.free() || sent_ - acked_ >= kMaxUnacked) return;
  control::Snapshot s;
  const v1::State state = core_.telemetry().latest(s) ? to_proto(s.state) : v1::STATE_UNSPECIFIED;
  v1::SessionInfo& out = out_.take();
  fill_info(*cur, state, out);
  out.set_seq(++sent_);
  sent_ns_[sent_ % sent_ns_.size()] = control::MonotonicClock().now_ns();
  StartWrite(&out);
}

}  // namespace dermad::api
