// Drains the control loop's events into the durable log every 50 ms, on the I/O side,
// together with the daemon's own (start, configuration, stop). The loop never waits for it.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>
#include <vector>

#include "daemon/control/control_core.hpp"
#include "daemon/store/event_log.hpp"

namespace dermad {

class EventRecorder {
 public:
  EventRecorder(control::ControlCore& core, store::EventStore& store, boost::asio::io_context& io)
      : core_(core), store_(store), timer_(io) {}

  void start() { schedule(); }
  // Records an event of the daemon itself (not from the loop), at once.
  void record(const std::string& kind, const std::string& severity, const std::string& details,
              const std::string& session_id = "");
  // Drains what the loop has left and stops the timer (daemon shutdown).
  void stop();
  // False once a write failed (disk full, unwritable): the daemon must not start sessions.
  bool healthy() const { return healthy_; }

 private:
  void schedule();
  void drain();
  void write(std::vector<store::Event>& batch);

  control::ControlCore& core_;
  store::EventStore& store_;
  boost::asio::steady_timer timer_;
  std::atomic<bool> healthy_{true};  // the recorder's timer and RPC completions both write
};

}  // namespace dermad
