#include "daemon/api/session_link.hpp"

#include <chrono>

#include "daemon/api/convert.hpp"
#include "daemon/api/treatment_convert.hpp"
#include "daemon/control/clock.hpp"

namespace dermad::api {

SessionLink::SessionLink(control::ControlCore& core, treatment::SessionBook& book,
                         boost::asio::io_context& io, std::string token)
    : core_(core), book_(book), token_(std::move(token)), shared_(std::make_shared<Shared>(io)) {
  shared_->self = this;
  schedule(shared_);
}

void SessionLink::schedule(const std::shared_ptr<Shared>& sh) {
  sh->timer.expires_after(std::chrono::milliseconds(100));
  sh->timer.async_wait([sh](const boost::system::error_code& ec) {
    if (!ec) on_timer(sh);
  });
}

void SessionLink::on_timer(const std::shared_ptr<Shared>& sh) {
  SessionLink* self = nullptr;
  bool end = false;
  {
    std::lock_guard lock(sh->mu);
    if (!sh->self || sh->finished || sh->finishing) return;  // gone or going: no more ticks
    self = sh->self;
    const auto cur = self->book_.current();
    if (!cur || cur->owner_token != self->token_) {
      // The session ended (or another began): the link has nothing more to carry.
      if (sh->writing) {
        sh->finishing = true;
      } else {
        sh->finished = true;
        end = true;
      }
    } else if (!sh->writing) {
      control::Snapshot s;
      const int state = self->core_.telemetry().latest(s) ? to_proto(s.state) : 0;
      fill_info(*cur, state, self->msg_);
      sh->writing = true;
    } else {
      self = nullptr;  // the last write is still out: a slow client, no beat this time
    }
  }
  if (end) {
    self->Finish(grpc::Status::OK);
    return;
  }
  if (self) self->StartWrite(&self->msg_);
  schedule(sh);
}

void SessionLink::OnWriteDone(bool ok) {
  bool finish = false;
  {
    std::lock_guard lock(shared_->mu);
    shared_->writing = false;
    // The client took this state: the owner is there.
    if (ok && book_.is_owner(token_)) core_.link_beat(control::MonotonicClock().now_ns());
    if ((!ok || shared_->finishing) && !shared_->finished) {
      shared_->finished = true;
      finish = true;
    }
  }
  if (finish) Finish(ok ? grpc::Status::OK : grpc::Status::CANCELLED);
}

void SessionLink::OnCancel() {
  bool finish = false;
  {
    std::lock_guard lock(shared_->mu);
    shared_->finishing = true;
    if (!shared_->writing && !shared_->finished) {
      shared_->finished = true;
      finish = true;
    }
  }
  if (finish) Finish(grpc::Status::CANCELLED);
}

void SessionLink::OnDone() {
  {
    std::lock_guard lock(shared_->mu);
    shared_->self = nullptr;
  }
  shared_->timer.cancel();
  delete this;
}

}  // namespace dermad::api
