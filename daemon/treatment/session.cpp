#include "daemon/treatment/session.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "daemon/spelling.hpp"

namespace dermad::treatment {

namespace {

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

}  // namespace

std::vector<Refusal> start_refusals(const StartRequest& r, const ProtocolSet& protocols,
                                    const DeviceView& device,
                                    const std::set<std::string>& used_cartridges, Date today) {
  std::vector<Refusal> out;
  auto invalid = [&out](std::string t) { out.push_back({Refusal::kInvalid, std::move(t)}); };
  auto precondition = [&out](std::string t) {
    out.push_back({Refusal::kPrecondition, std::move(t)});
  };

  const auto bad_answers = check_answers(r.answers, today);
  for (const auto& e : bad_answers) invalid(e);
  // Answers that cannot be true (a dose in the future) are not screened: their findings
  // would be nonsense ("taken -355 days ago").
  if (bad_answers.empty()) {
    for (const auto& f : screen(r.answers, protocols.screening, today)) {
      if (f.severity == Severity::kBlock) {
        precondition("screening rule " + f.rule + " blocks treatment: " + f.reason);
      } else if (!r.acknowledged.count(f.rule)) {
        precondition("screening rule " + f.rule + " must be acknowledged: " + f.reason);
      }
    }
  }

  const Protocol* p = protocols.find(r.protocol);
  if (!p) {
    std::string ids;
    std::vector<std::string> known_ids;
    for (const auto& known : protocols.protocols) {
      ids += (ids.empty() ? "" : ", ") + known.id;
      known_ids.push_back(known.id);
    }
    invalid("unknown protocol '" + r.protocol + "'" + did_you_mean_clause(r.protocol, known_ids) +
            " (protocols: " + ids + ")");
  } else {
    const std::optional<hal::CartridgeType> type =
        device.cartridge ? std::optional(device.cartridge->type) : std::nullopt;
    for (auto& t : settings_refusals(*p, {r.zone, r.depth_um, r.speed_hz}, type, r.materials)) {
      invalid(std::move(t));
    }
  }

  if (!device.cartridge) {
    precondition(device.cartridge_unread
                     ? "the cartridge was just inserted and is still being read: try again"
                     : "no cartridge");
  } else {
    const auto& c = *device.cartridge;
    if (!c.checksum_ok) {
      precondition("cartridge " + (c.serial.empty() ? std::string("in the socket") : c.serial) +
                   " is invalid (" + (c.problem.empty() ? "EEPROM checksum" : c.problem) + ")");
    } else {
      const auto expires = parse_date(c.expires);
      if (!expires) {
        precondition("cartridge " + c.serial + " has no valid expiry date");
      } else if (*expires < today) {
        precondition("cartridge " + c.serial + " expired on " + c.expires);
      }
      if (p && !p->allows(c.type)) {
        std::string allowed;
        for (const auto t : p->cartridge_types) {
          allowed += (allowed.empty() ? "" : ", ") + std::string(hal::to_string(t));
        }
        precondition("cartridge type " + std::string(hal::to_string(c.type)) +
                     " is not allowed by " + p->id + " (allowed: " + allowed + ")");
      }
      if (used_cartridges.count(c.serial)) {
        precondition("cartridge " + c.serial + " was already used in a session");
      }
    }
  }
  if (!device.records_error.empty()) {
    precondition("the records cannot be written (" + device.records_error +
                 "): a session that cannot be recorded is not started");
  }
  if (!device.calibration_due.empty()) precondition(device.calibration_due);
  if (device.active_alarms != 0)
    precondition("unresolved alarms: " + control::alarm_codes(device.active_alarms));
  if (device.state != control::State::kIdle) {
    precondition("the device is " + std::string(control::to_string(device.state)) +
                 ", a session starts from IDLE");
  }
  return out;
}

std::vector<std::string> settings_refusals(const Protocol& p, const Settings& s,
                                           std::optional<hal::CartridgeType> cartridge,
                                           const std::vector<Material>& materials) {
  std::vector<std::string> out;
  const ZoneRule* z = p.zone(s.zone);
  if (!z) {
    std::string zones;
    std::vector<std::string> names;
    for (const auto& zr : p.zones) {
      zones += (zones.empty() ? "" : ", ") + zr.zone;
      names.push_back(zr.zone);
    }
    out.push_back("zone '" + s.zone + "' is not part of protocol " + p.id +
                  did_you_mean_clause(s.zone, names) + " (its zones: " + zones + ")");
  } else if (s.depth_um < z->depth_min_um || s.depth_um > z->depth_max_um) {
    out.push_back("depth_um " + std::to_string(s.depth_um) + " outside " +
                  std::to_string(z->depth_min_um) + ".." + std::to_string(z->depth_max_um) +
                  " um for " + s.zone + " in " + p.id);
  } else if (cartridge && s.depth_um > deepest_um(*z, *cartridge)) {
    // The needles' own ceiling, whatever the protocol allows (a gold-nano cartridge).
    out.push_back("depth_um " + std::to_string(s.depth_um) + " is deeper than a " +
                  std::string(hal::to_string(*cartridge)) + " cartridge's needles may go (" +
                  std::to_string(hal::needle_depth_ceiling_um(*cartridge)) + " um)");
  }
  if (!(s.speed_hz >= p.speed_min_hz && s.speed_hz <= p.speed_max_hz)) {
    out.push_back("speed_hz " + num(s.speed_hz) + " outside " + num(p.speed_min_hz) + ".." +
                  num(p.speed_max_hz) + " Hz for " + p.id);
  }
  for (const auto& m : materials) {
    if (std::find(p.materials.begin(), p.materials.end(), m.name) == p.materials.end()) {
      out.push_back("material '" + m.name + "' is not recorded by " + p.id);
    } else if (m.lot.empty()) {
      out.push_back("material '" + m.name + "' needs its lot");
    }
  }
  return out;
}

Settings resolve_update(const Protocol& p, const Settings& current, const std::string& zone,
                        int32_t depth_um, double speed_hz) {
  Settings s;
  s.zone = zone.empty() ? current.zone : zone;
  const ZoneRule* z = p.zone(s.zone);
  s.depth_um = depth_um != 0                   ? depth_um
               : (z && s.zone != current.zone) ? z->depth_default_um
                                               : current.depth_um;
  s.speed_hz = speed_hz != 0.0 ? speed_hz : current.speed_hz;
  return s;
}

std::vector<std::string> materials_missing(const Protocol& p,
                                           const std::vector<Material>& recorded) {
  return recorded.empty() ? p.materials : std::vector<std::string>{};
}

std::vector<std::string> resume_refusals(const std::string& session_cartridge,
                                         const DeviceView& device) {
  std::vector<std::string> out;
  if (device.state == control::State::kArmed || device.state == control::State::kRunning) {
    out.push_back("the session is armed already");
  } else if (device.state != control::State::kIdle) {
    out.push_back("the device is " + std::string(control::to_string(device.state)) +
                  ": acknowledge its alarms once their cause is gone, then resume");
  }
  if (device.active_alarms != 0)
    out.push_back("unresolved alarms: " + control::alarm_codes(device.active_alarms));
  // The session's own cartridge, not another: single use, and its needles are the summary's.
  if (!device.cartridge || device.cartridge->serial.empty()) {
    out.push_back("no cartridge: put the session's cartridge " + session_cartridge + " back in");
  } else if (device.cartridge->serial != session_cartridge) {
    out.push_back("cartridge " + device.cartridge->serial + " is not the session's (" +
                  session_cartridge + ")");
  }
  if (!device.records_error.empty()) {
    out.push_back("the records cannot be written (" + device.records_error + ")");
  }
  return out;
}

control::Command session_command(control::CommandKind kind, const Protocol& p, const Settings& s,
                                 hal::CartridgeType cartridge) {
  const ZoneRule& z = *p.zone(s.zone);
  control::Command c;
  c.kind = kind;
  c.depth_um = s.depth_um;
  c.speed_hz = s.speed_hz;
  c.depth_min_um = z.depth_min_um;
  c.depth_max_um = deepest_um(z, cartridge);
  c.speed_min_hz = p.speed_min_hz;
  c.speed_max_hz = p.speed_max_hz;
  c.cartridge = cartridge;
  return c;
}

void SessionStats::observe(const control::Snapshot& s, const std::string& zone) {
  if (last_t_ns_ >= 0 && s.t_ns > last_t_ns_) {
    const int64_t dt = s.t_ns - last_t_ns_;
    if (s.state == control::State::kRunning) {
      run_ns_ += dt;
      zone_s_[zone] += static_cast<double>(dt) * 1e-9;
    }
    if (s.strokes > last_strokes_) strokes_ += s.strokes - last_strokes_;
  }
  last_t_ns_ = s.t_ns;
  last_strokes_ = s.strokes;
  alarms_ |= s.alarms.active;

  if (s.state != control::State::kRunning) {
    running_since_ns_ = -1;
    return;
  }
  if (running_since_ns_ < 0) running_since_ns_ = s.t_ns;
  ++n_;
  depth_sum_ += s.depth_um;
  depth_worst_ = std::max(depth_worst_, std::abs(double(s.depth_um - s.depth_target_um)));
  // Speed is judged once the soft start is over (200 ms into each run).
  if (s.t_ns - running_since_ns_ >= 200'000'000) {
    ++n_speed_;
    speed_sum_ += s.speed_hz;
    speed_worst_ = std::max(speed_worst_, std::abs(s.speed_hz - s.speed_target_hz));
  }
}

const std::vector<std::string>& aftercare() {
  static const std::vector<std::string> a = {
      "Keep the treated area clean and hydrated; use a gentle cleanser.",
      "No alcohol- or acid-based products while the skin heals.",
      "Broad-spectrum SPF 30+ every day, and no direct sun.",
      "A rich moisturizer with ceramides, hyaluronic acid or peptides.",
      "No makeup for 24 hours.",
      "Watch for signs of infection or excessive inflammation, and call the clinic if they "
      "appear."};
  return a;
}

}  // namespace dermad::treatment
