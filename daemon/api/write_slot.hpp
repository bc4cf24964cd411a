// The rules every server stream here keeps, in one place: one write out with gRPC at a time
// (gRPC forbids a second StartWrite before OnWriteDone, and the message must live until
// then); Finish exactly once, never while a write is out, the first status given winning;
// nothing written once the stream is finishing.
//
// The slot decides and the stream makes the gRPC call, outside any lock: each stream
// serializes its calls to the slot its own way (the telemetry pump thread, the link's
// io_context, the self-test outbox's and the event stream's mutex), because each is fed
// differently. The slot holds no lock and calls nothing itself.
#pragma once

#include <grpcpp/support/status.h>

#include <optional>
#include <utility>

namespace dermad::api {

template <class Msg>
class WriteSlot {
 public:
  // A message may be handed to gRPC now.
  bool free() const { return !writing_ && !finishing_; }
  bool writing() const { return writing_; }
  // finish() was called: nothing more is written.
  bool finishing() const { return finishing_; }

  // The message to fill and pass to StartWrite; the slot is taken until written(). Only
  // when free().
  Msg& take() {
    writing_ = true;
    return msg_;
  }

  // gRPC's OnWriteDone came. The status to Finish with now, if a finish waited for it.
  std::optional<grpc::Status> written() {
    writing_ = false;
    return release_final();
  }

  // End the stream with `st`. The status to Finish with now; nothing if a write is still
  // out (written() gives it then) or the stream was already finishing.
  std::optional<grpc::Status> finish(grpc::Status st) {
    if (finishing_) return std::nullopt;
    finishing_ = true;
    final_ = std::move(st);
    return release_final();
  }

 private:
  std::optional<grpc::Status> release_final() {
    if (writing_ || !final_) return std::nullopt;
    return std::exchange(final_, std::nullopt);
  }

  Msg msg_;
  bool writing_ = false;
  bool finishing_ = false;
  std::optional<grpc::Status> final_;  // given, not yet handed out for Finish
};

}  // namespace dermad::api
