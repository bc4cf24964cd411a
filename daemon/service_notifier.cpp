#include "daemon/service_notifier.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "daemon/control/alarms.hpp"
#include "daemon/log.hpp"
#include "daemon/notify.hpp"

namespace dermad {

std::string status_line(const control::Snapshot& s, const std::string& session_id) {
  using control::State;
  const std::string alarms = control::alarm_codes(s.alarms.active);
  const std::string also = alarms.empty() ? "" : "; alarms: " + alarms;
  switch (s.state) {
    case State::kBoot:
    case State::kHoming:
      return "homing the needles";
    case State::kIdle:
      return "idle" + also;
    case State::kArmed:
    case State::kRunning:
      return "session " + (session_id.empty() ? std::string("(none)") : session_id) + " (" +
             std::string(control::to_string(s.state)) + ")" + also;
    case State::kService:
      return "service routine" + also;
    case State::kFault:
      return "fault: " + (alarms.empty() ? std::string("(cleared, to acknowledge)") : alarms);
    case State::kEstop:
      return "emergency stop" + also;
  }
  return "?";
}

int64_t watchdog_usec_from_env() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (usec == nullptr || *usec == '\0') return 0;
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr && *pid != '\0') {
    if (std::strtoll(pid, nullptr, 10) != static_cast<long long>(getpid())) return 0;
  }
  const long long v = std::strtoll(usec, nullptr, 10);
  return v > 0 ? v : 0;
}

ServiceNotifier::ServiceNotifier(boost::asio::io_context& io, Snapshots snapshots,
                                 SessionId session, Serving serving)
    : timer_(io),
      snapshots_(std::move(snapshots)),
      session_(std::move(session)),
      serving_(std::move(serving)) {
  watchdog_usec_ = watchdog_usec_from_env();
  // A ping every quarter of systemd's interval, so one late look is not a restart; at least
  // every 250 ms for READY and STATUS.
  if (watchdog_usec_ > 0) look_ms_ = std::clamp<int64_t>(watchdog_usec_ / 4000, 10, 250);
}

void ServiceNotifier::start() {
  look();
}

void ServiceNotifier::stopping() {
  stopped_ = true;
  timer_.cancel();
  notify_systemd("STOPPING=1\nSTATUS=stopping: drive off, needles retracting");
}

void ServiceNotifier::schedule() {
  timer_.expires_after(std::chrono::milliseconds(look_ms_));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stopped_) look();
  });
}

void ServiceNotifier::look() {
  control::Snapshot s;
  if (snapshots_(s)) {
    std::string message;
    const std::string status = status_line(
        s,
        s.state == control::State::kArmed || s.state == control::State::kRunning ? session_() : "");
    if (status != status_) {
      status_ = status;
      message += "STATUS=" + status + "\n";
    }
    const bool homing = s.state == control::State::kBoot || s.state == control::State::kHoming;
    if (!ready_ && !homing) {
      ready_ = true;
      message += "READY=1\n";
    }
    const std::string why =
        homing ? "homing the needles"
        : (s.alarms.active & control::bit(control::AlarmCode::kRecordsFailed)) != 0
            ? "the records cannot be written (RECORDS_FAILED)"
            : "";
    if (why != not_serving_) {
      not_serving_ = why;
      if (serving_) serving_(why.empty(), why);
    }
    // The loop advanced since the last look: it is alive, and so is this thread.
    if (s.tick != last_tick_) {
      if (stalled_looks_ * look_ms_ >= 1000) {
        log("WARNING", "the control loop advances again after " +
                           std::to_string(stalled_looks_ * look_ms_) + " ms");
      }
      stalled_looks_ = 0;
      last_tick_ = s.tick;
      if (watchdog_usec_ > 0) message += "WATCHDOG=1\n";
    } else if (++stalled_looks_ == std::max<int64_t>(1, 1000 / look_ms_)) {
      log("ERROR",
          "the control loop has not advanced for 1 s" +
              std::string(watchdog_usec_ > 0 ? ": systemd's watchdog is no longer fed" : ""));
    }
    if (!message.empty()) notify_systemd(message);
  }
  schedule();
}

}  // namespace dermad
