// Drains the control loop's events into the durable log every 50 ms, on the I/O side,
// together with the daemon's own (start, configuration, sessions, stop) and the counters:
// every 10 s while the drive runs, whenever it stops, and at the daemon's stop, each time
// with their totals chained (a `counters` event), so a crash loses at most 10 s of strokes
// and run time. The loop never waits for it. A batch that cannot be written is kept and
// retried, and the loop is told, so RECORDS_FAILED is raised and no session starts.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/cartridge_cache.hpp"
#include "daemon/control/control_core.hpp"
#include "daemon/store/journal.hpp"
#include "daemon/store/store.hpp"

namespace dermad {

class EventRecorder final : public store::Journal {
 public:
  // Events kept while the store cannot take them (about 15 MB at most); beyond it they are
  // counted as lost, and the count recorded once the store takes writes again.
  static constexpr std::size_t kMaxPending = 65536;

  EventRecorder(control::ControlCore& core, store::Store& store, boost::asio::io_context& io,
                std::size_t max_pending = kMaxPending)
      : core_(core), store_(store), timer_(io), max_pending_(max_pending) {}

  // How to read the cartridge that was just inserted (the HAL's EEPROM read: I/O side), so
  // its insertion is recorded with its identity, the registry sees it, and `cache` (if given)
  // holds it for the gRPC side until the removal.
  using CartridgeReader = std::function<std::optional<hal::CartridgeInfo>()>;
  void read_cartridges_with(CartridgeReader reader, CartridgeCache* cache = nullptr) {
    read_cartridge_ = std::move(reader);
    cartridge_cache_ = cache;
  }
  // The HAL's resources, so a HARDWARE_FAULT is recorded with what failed.
  void name_resources(std::vector<std::string> names) { resources_ = std::move(names); }

  // Who sent the acknowledgement with command id `id` ("unix uid 0 pid 42 (engineer)"),
  // told before the loop can take it: the records of the alarms it clears name them. The
  // newest kAcknowledgers are kept, far more than can wait for one 50 ms drain.
  static constexpr std::size_t kAcknowledgers = 64;
  void acknowledgement_from(uint32_t id, std::string who);

  void start() { schedule(); }
  // Drains what the loop has left, writes the last counters and stops the timer.
  // Events that cannot be written by the time dermad stops are counted into `path`, and the
  // next start records them as events_lost (recover_losses), so no loss goes without a trace.
  void remember_losses_in(std::string path) { losses_path_ = std::move(path); }
  void recover_losses();
  // The last word at stop, after the daemon's own last record.
  void close();
  void stop();

  void session_begins(const std::string& id, int64_t since_mono_ns) override;
  void session_ends() override;
  void record(const std::string& kind, const std::string& severity, const std::string& details,
              const std::string& session_id) override;
  std::string unwritable() const override;

 private:
  void schedule();
  // Takes the loop's events (and the counters when due) and writes what is pending. While
  // writes fail, the timer's drains try once a second (a full store must not keep the I/O
  // thread busy rewriting a growing backlog); `forced` ones (the daemon's own records,
  // session boundaries, stop) always try.
  void drain_locked(bool counters_due, bool forced);
  void flush_locked(bool forced);

  control::ControlCore& core_;
  store::Store& store_;
  boost::asio::steady_timer timer_;
  const std::size_t max_pending_;
  CartridgeReader read_cartridge_;
  CartridgeCache* cartridge_cache_ = nullptr;
  std::vector<std::string> resources_;
  mutable std::mutex mu_;  // the timer and RPC completions both record
  std::vector<store::Event> pending_;
  store::Effects pending_fx_;
  uint64_t lost_ = 0;
  std::string losses_path_;  // where close() leaves the count of what it could not write
  uint64_t recovered_ = 0;   // the last stop's losses, while their record still waits
  bool recovered_pending_ = false;
  std::string session_;           // the active session, for the loop's events
  int64_t session_since_ns_ = 0;  // from its arming on
  int drains_ = 0;
  struct Acknowledger {
    uint32_t id = 0;
    std::string who;
  };
  std::array<Acknowledger, kAcknowledgers> acknowledgers_{};
  std::size_t next_acknowledger_ = 0;
  bool failing_ = false;
  std::chrono::steady_clock::time_point retry_at_{};
  bool counted_ = false;  // the baselines below are set
  uint64_t strokes_seen_ = 0;
  int64_t motor_ms_seen_ = 0;
};

}  // namespace dermad
