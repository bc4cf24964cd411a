// Hands commands to the control loop and reports its verdict without blocking a gRPC
// thread: the verdict is polled on the I/O side's io_context.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <functional>

#include "daemon/control/control_core.hpp"

namespace dermad::api {

class CommandPort {
 public:
  using Done = std::function<void(control::Verdict, uint32_t detail)>;

  CommandPort(control::ControlCore& core, boost::asio::io_context& io) : core_(core), io_(io) {}

  // `done` runs on the io_context once the loop has decided; with kPending if the queue was
  // full or the loop did not answer within 500 ms. `before`, if given, learns the command's id
  // before the loop can see it (what the loop's events about it will carry).
  void submit(control::Command c, Done done,
              const std::function<void(uint32_t id)>& before = nullptr);

  control::ControlCore& core() { return core_; }

 private:
  control::ControlCore& core_;
  boost::asio::io_context& io_;
  std::atomic<uint32_t> next_id_{1};
};

}  // namespace dermad::api
