// dermad as a systemd service (Type=notify, docs/DEPLOY.md): READY=1 once the pen has homed
// and the API listens, STATUS= whenever what dermad is doing changes, and WATCHDOG=1 only
// while the control loop advances. The looks run on the I/O thread, so a deadlocked I/O side
// stops the pings as surely as a hung loop: either way systemd restarts dermad, and a hung
// loop stops toggling the hardware watchdog line as well. Nothing is sent outside systemd.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "daemon/control/snapshot.hpp"

namespace dermad {

// What dermad is doing, in a few words for `systemctl status`: "homing the needles",
// "idle", "session S-1 (RUNNING)", "fault: MOTOR_STALL, OVERTEMP", "emergency stop"...
std::string status_line(const control::Snapshot& s, const std::string& session_id);

// systemd's watchdog interval for this process from $WATCHDOG_USEC (and $WATCHDOG_PID, when
// set, naming this process); 0 when there is none.
int64_t watchdog_usec_from_env();

class ServiceNotifier {
 public:
  // The loop's newest snapshot (false while there is none yet) and the active session's id.
  using Snapshots = std::function<bool(control::Snapshot&)>;
  using SessionId = std::function<std::string()>;
  // Whether the pen serves (gRPC's health service): not while homing, nor while the records
  // cannot be written; called with the reason whenever that changes.
  using Serving = std::function<void(bool serving, const std::string& why)>;

  ServiceNotifier(boost::asio::io_context& io, Snapshots snapshots, SessionId session,
                  Serving serving = nullptr);
  // From when the API listens: READY=1 follows once the pen has homed.
  void start();
  // STOPPING=1, and no more looks.
  void stopping();

  int64_t look_interval_ms() const { return look_ms_; }

 private:
  void schedule();
  void look();

  boost::asio::steady_timer timer_;
  Snapshots snapshots_;
  SessionId session_;
  Serving serving_;
  std::string not_serving_ = "?";  // why not, as last told ("" when serving)
  int64_t watchdog_usec_ = 0;
  int64_t look_ms_ = 250;
  bool ready_ = false;
  bool stopped_ = false;
  uint64_t last_tick_ = 0;
  int64_t stalled_looks_ = 0;
  std::string status_;
};

}  // namespace dermad
