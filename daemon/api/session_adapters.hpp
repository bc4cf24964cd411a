// The daemon's side of the session ports (treatment/session_ports.hpp): the control loop
// through the command port and the cartridge cache, the records through the store with the
// endings that wait for it (store/pending_endings.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/api/command_port.hpp"
#include "daemon/calibration/calibration_book.hpp"
#include "daemon/cartridge_cache.hpp"
#include "daemon/store/pending_endings.hpp"
#include "daemon/store/store.hpp"
#include "daemon/treatment/session_ports.hpp"

namespace dermad::api {

class LoopAdapter final : public treatment::LoopPort {
 public:
  LoopAdapter(CommandPort& port, const CartridgeCache& cartridges,
              const calibration::CalibrationBook& calibrations)
      : port_(port), cartridges_(cartridges), calibrations_(calibrations) {}
  void submit(const control::Command& c, Done done) override { port_.submit(c, std::move(done)); }
  treatment::DeviceView device() override;

 private:
  CommandPort& port_;
  const CartridgeCache& cartridges_;
  const calibration::CalibrationBook& calibrations_;
};

class SessionRecords final : public treatment::SessionStore {
 public:
  SessionRecords(store::Store& records, store::PendingEndings& endings)
      : records_(records), endings_(endings) {}
  bool cartridge_used(const std::string& serial) override {
    return records_.cartridge_used(serial);
  }
  bool begin(const store::SessionRow& row, const store::Event& started,
             std::string& error) override {
    return records_.begin_session(row, started, error);
  }
  void checkpoint(const store::SessionRow& row) override;
  void finish(const store::SessionRow& row, const store::Event& finished) override;
  std::optional<store::SessionRow> last() override;

  // A session by id (empty: the newest), and the newest `limit` started at or after
  // `since_wall_ns`: as the records say, with an ending that still waits laid over them.
  std::optional<store::SessionRow> find(const std::string& id);
  std::vector<store::SessionRow> list(int64_t since_wall_ns, int limit);
  // Writes the endings that wait, oldest first, if the records now take them.
  void retry();

 private:
  store::Store& records_;
  store::PendingEndings& endings_;
};

}  // namespace dermad::api
