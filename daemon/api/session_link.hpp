// The session owner's link, both ways (treatment.proto, Link). The device sends the
// session's state every 100 ms with a sequence number; the tablet acknowledges each state it
// reads. A beat counts from the time the device sent the state it acknowledges, so a tablet
// whose connection is open but whose app has stopped reading (frozen UI, SIGSTOP, a reader
// falling behind HTTP/2's buffers) stops the beats, and the loop stops the needles
// (LINK_LOST). gRPC's own write completions prove nothing about the reader and are not used.
//
// Every reaction is posted to the I/O side's io_context and handled there, one at a time:
// gRPC may run a reaction inline inside StartWrite, and this way no lock is held across a
// gRPC call and no Start* can follow Finish.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "daemon/api/write_slot.hpp"
#include "daemon/control/control_core.hpp"
#include "daemon/treatment/session_book.hpp"
#include "dermad/v1/treatment.grpc.pb.h"

namespace dermad::api {

class SessionLink final : public grpc::ServerBidiReactor<v1::LinkBeat, v1::SessionInfo> {
 public:
  static constexpr int64_t kStatePeriodNs = 100'000'000;
  static constexpr uint64_t kMaxUnacked = 10;  // states sent ahead of the last acknowledged

  // `stopping` turns true when the daemon stops: the link ends UNAVAILABLE.
  SessionLink(control::ControlCore& core, treatment::SessionBook& book, boost::asio::io_context& io,
              const std::atomic<bool>& stopping, std::shared_ptr<void> ticket);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // On the io_context only.
  void read_done(bool ok);
  void beat(const v1::LinkBeat& b);
  void write_done(bool ok);
  void tick();
  void schedule();
  void finish(grpc::Status st);
  void reap_if_done();

  control::ControlCore& core_;
  treatment::SessionBook& book_;
  boost::asio::io_context& io_;
  const std::atomic<bool>& stopping_;
  const std::shared_ptr<void> ticket_;  // the caller's stream allowance, while the link lives
  boost::asio::steady_timer timer_;
  v1::LinkBeat in_;
  WriteSlot<v1::SessionInfo> out_;
  std::string token_;
  bool linked_ = false;   // the first beat named the owner's token
  bool reading_ = false;  // a beat read is out with gRPC
  bool done_ = false;     // OnDone came: delete once the timer has let go
  bool timer_armed_ = false;
  uint64_t sent_ = 0;                               // seq of the newest state sent
  uint64_t acked_ = 0;                              // newest seq the tablet acknowledged
  std::array<int64_t, kMaxUnacked + 1> sent_ns_{};  // send time by seq % size
};

}  // namespace dermad::api
