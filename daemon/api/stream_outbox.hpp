// A server stream fed from the I/O side: messages wait here until gRPC can take the next one,
// under the outbox's lock, and the slot keeps the stream's rules (one write out, Finish once
// and never while a write is out). The self-test and the calibrations stream through it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <memory>
#include <mutex>

#include "daemon/api/write_slot.hpp"

namespace dermad::api {

template <class Msg>
class StreamOutbox {
 public:
  explicit StreamOutbox(grpc::ServerWriteReactor<Msg>* r) : reactor_(r) {}

  void push(Msg m) {
    std::unique_lock lock(mu_);
    queue_.push_back(std::move(m));
    pump(lock);
  }
  // After what was pushed, the stream ends with `st`.
  void close(grpc::Status st = grpc::Status::OK) {
    std::unique_lock lock(mu_);
    closed_ = true;
    final_ = std::move(st);
    pump(lock);
  }
  void write_done(bool ok) {
    std::unique_lock lock(mu_);
    if (!ok) cancelled_ = true;
    if (auto now = slot_.written()) {
      lock.unlock();
      return reactor_->Finish(std::move(*now));
    }
    pump(lock);
  }
  void cancel() {
    std::unique_lock lock(mu_);
    cancelled_ = true;
    pump(lock);
  }
  bool cancelled() {
    std::lock_guard lock(mu_);
    return cancelled_;
  }

 private:
  void pump(std::unique_lock<std::mutex>& lock) {
    if (!cancelled_ && !queue_.empty()) {
      if (!slot_.free()) return;
      Msg& msg = slot_.take();
      msg = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      reactor_->StartWrite(&msg);
      return;
    }
    if (cancelled_ || closed_) {
      auto now = slot_.finish(cancelled_ ? grpc::Status::CANCELLED : final_);
      lock.unlock();
      if (now) reactor_->Finish(std::move(*now));
    }
  }

  std::mutex mu_;
  grpc::ServerWriteReactor<Msg>* reactor_;
  std::deque<Msg> queue_;
  WriteSlot<Msg> slot_;
  bool closed_ = false, cancelled_ = false;
  grpc::Status final_;
};

// The reactor of such a stream: it owns the outbox with whatever feeds it, and `ticket` (the
// gate's record of an open call) until gRPC is done with it.
template <class Msg>
class OutboxStream final : public grpc::ServerWriteReactor<Msg> {
 public:
  explicit OutboxStream(std::shared_ptr<void> ticket)
      : outbox_(std::make_shared<StreamOutbox<Msg>>(this)), ticket_(std::move(ticket)) {}
  std::shared_ptr<StreamOutbox<Msg>> outbox() { return outbox_; }
  void OnWriteDone(bool ok) override { outbox_->write_done(ok); }
  void OnCancel() override { outbox_->cancel(); }
  void OnDone() override { delete this; }

 private:
  std::shared_ptr<StreamOutbox<Msg>> outbox_;
  const std::shared_ptr<void> ticket_;
};

}  // namespace dermad::api
