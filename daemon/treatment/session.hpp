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

#include "daemon/control/command.hpp"
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
  std::string records_error;    // non-empty: the durable records cannot be written, and why
  std::string calibration_due;  // non-empty: CALIBRATION_DUE, and why
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

// What a session runs at. A start and an update are held to the same rules.
struct Settings {
  std::string zone;
  int32_t depth_um = 0;
  double speed_hz = 0.0;
};

// Every reason `s` is not allowed by protocol `p` with a cartridge of type `cartridge`
// (nullopt: none read yet, so only the protocol's limits apply), and every one of `materials`
// that `p` does not record or that lacks its lot. Empty when all are allowed.
std::vector<std::string> settings_refusals(const Protocol& p, const Settings& s,
                                           std::optional<hal::CartridgeType> cartridge,
                                           const std::vector<Material>& materials);

// An update resolved against the running settings: a zone left empty, a depth or speed left
// 0 keep their values; a new zone without a depth starts at that zone's default depth.
Settings resolve_update(const Protocol& p, const Settings& current, const std::string& zone,
                        int32_t depth_um, double speed_hz);

// The materials `p` records (with lots) when a session of it ends with none recorded: the
// ones it expects, any of them; empty when it records none or some were recorded. An end
// is never refused for this (it disarms the pen); the record says what is missing.
std::vector<std::string> materials_missing(const Protocol& p,
                                           const std::vector<Material>& recorded);

// Every reason an interrupted session may not resume now (all wrong moments, none a bad
// value): it resumes from IDLE, without alarms, with its own cartridge back in, with records
// that can be written.
std::vector<std::string> resume_refusals(const std::string& session_cartridge,
                                         const DeviceView& device);

// The loop's command for a session running `s` under `p` with a cartridge of `cartridge`:
// the zone's limits (bounded by the needles') and the protocol's speeds travel with it, so
// the loop enforces them on its own. `s` must have passed settings_refusals.
control::Command session_command(control::CommandKind kind, const Protocol& p, const Settings& s,
                                 hal::CartridgeType cartridge);

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
