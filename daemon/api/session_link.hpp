// The session owner's link: a server stream that writes the session's state every 100 ms.
// Each write that the client takes is a heartbeat for the control loop; a client that is
// gone or stops reading stops the beats, and 500 ms later the needles stop (LINK_LOST).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "daemon/control/control_core.hpp"
#include "daemon/treatment/session_book.hpp"
#include "dermad/v1/treatment.grpc.pb.h"

namespace dermad::api {

class SessionLink final : public grpc::ServerWriteReactor<v1::SessionInfo> {
 public:
  SessionLink(control::ControlCore& core, treatment::SessionBook& book, boost::asio::io_context& io,
              std::string token);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // What the timer needs, outliving the reactor: it sees `self` cleared once it is gone.
  struct Shared {
    std::mutex mu;
    SessionLink* self = nullptr;
    bool writing = false, finishing = false, finished = false;
    boost::asio::steady_timer timer;
    explicit Shared(boost::asio::io_context& io) : timer(io) {}
  };
  static void schedule(const std::shared_ptr<Shared>& sh);
  static void on_timer(const std::shared_ptr<Shared>& sh);

  control::ControlCore& core_;
  treatment::SessionBook& book_;
  const std::string token_;
  v1::SessionInfo msg_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace dermad::api
