#include "daemon/treatment/session.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

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
    invalid("unknown protocol '" + r.protocol + "'");
  } else {
    const ZoneRule* z = p->zone(r.zone);
    if (!z) {
      invalid("zone '" + r.zone + "' is not part of protocol " + p->id);
    } else if (r.depth_um < z->depth_min_um || r.depth_um > z->depth_max_um) {
      invalid("depth_um " + std::to_string(r.depth_um) + " outside " +
              std::to_string(z->depth_min_um) + ".." + std::to_string(z->depth_max_um) +
              " um for " + r.zone + " in " + p->id);
    } else if (device.cartridge && r.depth_um > deepest_um(*z, device.cartridge->type)) {
      // The needles' own ceiling, whatever the protocol allows (a gold-nano cartridge).
      invalid("depth_um " + std::to_string(r.depth_um) + " is deeper than a " +
              std::string(hal::to_string(device.cartridge->type)) +
              " cartridge's needles may go (" +
              std::to_string(hal::needle_depth_ceiling_um(device.cartridge->type)) + " um)");
    }
    if (!(r.speed_hz >= p->speed_min_hz && r.speed_hz <= p->speed_max_hz)) {
      invalid("speed_hz " + num(r.speed_hz) + " outside " + num(p->speed_min_hz) + ".." +
              num(p->speed_max_hz) + " Hz for " + p->id);
    }
    for (const auto& m : r.materials) {
      if (std::find(p->materials.begin(), p->materials.end(), m.name) == p->materials.end()) {
        invalid("material '" + m.name + "' is not recorded by " + p->id);
      } else if (m.lot.empty()) {
        invalid("material '" + m.name + "' needs its lot");
      }
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
        precondition("cartridge " + c.serial + " is of a type " + p->id + " does not allow");
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
  if (device.active_alarms != 0) {
    std::string codes;
    for (std::size_t i = 0; i < control::kAlarmCount; ++i) {
      if (device.active_alarms & (1u << i)) {
        codes += (codes.empty() ? "" : ", ") + std::string(control::kAlarmTable[i].code);
      }
    }
    precondition("unresolved alarms: " + codes);
  }
  if (device.state != control::State::kIdle) {
    precondition("the device is " + std::string(control::to_string(device.state)) +
                 ", a session starts from IDLE");
  }
  return out;
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
