// A treatment session's rules before it starts, and its record while it runs: every reason
// a start is refused (all at once), and the figures of the summary, fed from the control
// loop's snapshots.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/control/snapshot.hpp"
#include "daemon/treatment/protocols.hpp"
#include "daemon/treatment/screening.hpp"
#include "hal/cartridge.hpp"

namespace dermad::treatment {

struct Material {
  std::string name, lot;
};

struct StartRequest {
  std::string protocol, zone;
  int32_t depth_um = 0;
  double speed_hz = 0.0;
  Answers answers;
  std::set<std::string> acknowledged;  // rule ids
  std::string operator_id, patient_ref;
  std::vector<Material> materials;
};

// What the device is like at the moment of the request.
struct DeviceView {
  control::State state = control::State::kBoot;
  uint32_t active_alarms = 0;
  std::string records_error;  // non-empty: the durable records cannot be written, and why
  std::optional<hal::CartridgeInfo> cartridge;  // nullopt: none in, or not read yet
  bool cartridge_unread = false;  // the switch says one is in; its EEPROM is being read
};

struct Refusal {
  enum Kind { kInvalid, kPrecondition } kind;  // bad values vs the wrong moment
  std::string text;
};

// Every reason the session may not start; empty when it may.
std::vector<Refusal> start_refusals(const StartRequest& r, const ProtocolSet& protocols,
                                    const DeviceView& device,
                                    const std::set<std::string>& used_cartridges, Date today);

// The figures of a session, accumulated tick by tick from the loop's snapshots.
class SessionStats {
 public:
  void observe(const control::Snapshot& s, const std::string& zone);

  double run_s() const { return run_ns_ * 1e-9; }
  const std::map<std::string, double>& run_s_by_zone() const { return zone_s_; }
  uint64_t strokes() const { return strokes_; }
  double depth_mean_um() const { return n_ ? depth_sum_ / n_ : 0; }
  double depth_worst_dev_um() const { return depth_worst_; }
  double speed_mean_hz() const { return n_speed_ ? speed_sum_ / n_speed_ : 0; }
  double speed_worst_dev_hz() const { return speed_worst_; }
  uint32_t alarms_seen() const { return alarms_; }

 private:
  int64_t last_t_ns_ = -1;
  uint64_t last_strokes_ = 0;
  int64_t run_ns_ = 0;
  int64_t running_since_ns_ = -1;
  std::map<std::string, double> zone_s_;
  uint64_t strokes_ = 0;
  double depth_sum_ = 0, depth_worst_ = 0, speed_sum_ = 0, speed_worst_ = 0;
  uint64_t n_ = 0, n_speed_ = 0;
  uint32_t alarms_ = 0;
};

// The aftercare instructions every summary carries.
const std::vector<std::string>& aftercare();

}  // namespace dermad::treatment
