// What the session orchestration (sessions.hpp) needs of the rest of the daemon, as
// interfaces: the control loop, the records, the time. The daemon wires the real ones
// (daemon/api/session_adapters.*); unit tests give fakes and step them by hand.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "daemon/control/command.hpp"
#include "daemon/store/store.hpp"
#include "daemon/treatment/screening.hpp"
#include "daemon/treatment/session.hpp"

namespace dermad::treatment {

// The control loop: commands with their verdict later, and the device as it is now.
class LoopPort {
 public:
  using Done = std::function<void(control::Verdict, uint32_t detail)>;
  virtual ~LoopPort() = default;
  // `done` runs later, on the I/O side, once the loop has decided (never inside submit).
  virtual void submit(const control::Command& c, Done done) = 0;
  // State, active alarms and the cartridge; records_error is left to the caller.
  virtual DeviceView device() = 0;
};

// The sessions' durable rows.
class SessionStore {
 public:
  virtual ~SessionStore() = default;
  virtual bool cartridge_used(const std::string& serial) = 0;
  // The row, its cartridge marked used and `started`, in one transaction; false with the
  // reason when it could not be written (the session must then not run).
  virtual bool begin(const store::SessionRow& row, const store::Event& started,
                     std::string& error) = 0;
  // The running summary, so a crash loses at most what came after it.
  virtual void checkpoint(const store::SessionRow& row) = 0;
  // An ended or aborted row and its event: written, or kept and retried until it is (the
  // session has ended either way).
  virtual void finish(const store::SessionRow& row, const store::Event& finished) = 0;
  // The newest session as the records (and endings still waiting) say it is.
  virtual std::optional<store::SessionRow> last() = 0;
};

// Wall time for records and ids, the loop's monotonic time for the log, the clinic's date
// for the screening windows.
class SessionClock {
 public:
  virtual ~SessionClock() = default;
  virtual std::chrono::system_clock::time_point wall() = 0;
  virtual int64_t mono_ns() = 0;
  virtual Date today() = 0;
};

// The system's clocks; today() is the local calendar date.
class SystemSessionClock final : public SessionClock {
 public:
  std::chrono::system_clock::time_point wall() override;
  int64_t mono_ns() override;
  Date today() override;
};

}  // namespace dermad::treatment
