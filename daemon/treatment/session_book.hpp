// The active session (at most one) and its running figures. Shared by gRPC threads and the
// snapshot feeder, so it locks; it never waits on anything else. Ended sessions live in the
// durable store, not here.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/treatment/session.hpp"

namespace dermad::treatment {

struct SessionRecord {
  std::string id, owner_token;
  StartRequest request;
  std::string zone;
  int32_t depth_um = 0;
  double speed_hz = 0.0;
  std::vector<Material> materials;
  std::vector<std::string> materials_missing;  // set at the end (materials_missing())
  std::vector<Finding> findings;
  hal::CartridgeInfo cartridge;
  std::chrono::system_clock::time_point started, ended;
  bool active = true;
  SessionStats stats;
};

class SessionBook {
 public:
  // A new active session; false if one is active already.
  bool begin(SessionRecord r);
  std::optional<SessionRecord> current() const;
  bool is_owner(const std::string& token) const;
  // Changes the active session's zone, depth, speed; adds materials.
  void update(const std::string& zone, int32_t depth_um, double speed_hz,
              const std::vector<Material>& more);
  // Ends the active session owned by `token` (any owner if `token` is empty: the daemon
  // stopping); returns it as it ended.
  std::optional<SessionRecord> end(const std::string& token,
                                   std::chrono::system_clock::time_point at);
  void observe(const control::Snapshot& s);

 private:
  mutable std::mutex mu_;
  std::optional<SessionRecord> active_;
};

}  // namespace dermad::treatment
