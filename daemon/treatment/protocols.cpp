#include "daemon/treatment/protocols.hpp"

#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "daemon/config/text_format.hpp"
#include "dermad/v1/protocols.pb.h"

namespace dermad::treatment {

namespace pb = google::protobuf;

namespace {

// Device hard limits (DESIGN.md, daemon/control/limits.hpp).
constexpr int32_t kDepthMinUm = 200, kDepthMaxUm = 2000;
constexpr double kSpeedMinHz = 50, kSpeedMaxHz = 150;

hal::CartridgeType to_domain(int t) {
  switch (t) {
    case v1::CARTRIDGE_TYPE_STANDARD:
      return hal::CartridgeType::kStandard;
    case v1::CARTRIDGE_TYPE_NANO:
      return hal::CartridgeType::kNano;
    case v1::CARTRIDGE_TYPE_GOLD_NANO:
      return hal::CartridgeType::kGoldNano;
    default:
      return hal::CartridgeType::kUnknown;
  }
}

// Reports problems at the line of the field they concern.
class Checker {
 public:
  Checker(std::string source, const pb::TextFormat::ParseInfoTree& tree,
          std::vector<std::string>& errors)
      : source_(std::move(source)), root_(tree), errors_(errors) {}

  void check(const v1::ProtocolSet& set) {
    if (set.protocols_size() == 0) error(1, "protocols", "no protocol defined");
    std::set<std::string> ids;
    for (int i = 0; i < set.protocols_size(); ++i) {
      const auto* tree = root_.GetTreeForNested(field(set, "protocols"), i);
      const int at = begins(&root_, set, "protocols", i, 1);
      check_protocol(set.protocols(i), tree, at);
      if (!ids.insert(set.protocols(i).id()).second) {
        error(line(tree, set.protocols(i), "id", -1, at), "id",
              "protocol id '" + set.protocols(i).id() + "' defined twice");
      }
    }
    check_windows(set.screening(), root_.GetTreeForNested(field(set, "screening"), -1),
                  begins(&root_, set, "screening", -1, 1));
  }

 private:
  static const pb::FieldDescriptor* field(const pb::Message& m, const char* name) {
    return m.GetDescriptor()->FindFieldByName(name);
  }
  // The line of field `name` of `m`; where the file does not set it, the line of the
  // message that holds it (`fallback`), so every refusal names a line.
  int line(const pb::TextFormat::ParseInfoTree* tree, const pb::Message& m, const char* name,
           int index = -1, int fallback = 1) const {
    return config::line_of(tree, m, name, index, fallback);
  }
  // Where the `index`th `name` of `m` begins.
  int begins(const pb::TextFormat::ParseInfoTree* tree, const pb::Message& m, const char* name,
             int index, int fallback) const {
    return line(tree, m, name, index, fallback);
  }
  void error(int line, const std::string& what, const std::string& msg) {
    errors_.push_back(source_ + ":" + std::to_string(line) + ": " + what + ": " + msg);
  }

  // A window of 0 is the built-in default; any other value must be at least the device's
  // floor (a clinic may be stricter, never weaker) and at most its maximum.
  void check_windows(const v1::ScreeningWindows& w, const pb::TextFormat::ParseInfoTree* t,
                     int at) {
    const std::pair<const WindowBounds*, uint32_t> windows[] = {
        {&kIsotretinoinDays, w.isotretinoin_days()},
        {&kAnticoagulantDays, w.anticoagulant_days()},
        {&kRetinoidAcidHours, w.retinoid_acid_hours()},
        {&kSunExposureDays, w.sun_exposure_days()}};
    for (const auto& [b, v] : windows) {
      if (v == 0) continue;
      const std::string name(b->field);
      const std::string unit = name.ends_with("hours") ? " hours" : " days";
      if (v < static_cast<uint32_t>(b->floor)) {
        error(line(t, w, name.c_str(), -1, at), name,
              std::to_string(v) + unit + " is weaker than the device's floor of " +
                  std::to_string(b->floor) + unit + " (a clinic may only make a rule stricter)");
      } else if (v > static_cast<uint32_t>(b->max)) {
        error(line(t, w, name.c_str(), -1, at), name,
              std::to_string(v) + unit + " is more than " + std::to_string(b->max) + unit);
      }
    }
  }

  void check_protocol(const v1::Protocol& p, const pb::TextFormat::ParseInfoTree* t, int at) {
    const std::string who = "protocol '" + p.id() + "'";
    if (p.id().empty()) error(line(t, p, "id", -1, at), "id", "protocol without an id");
    if (p.cartridge_types_size() == 0) {
      error(line(t, p, "id", -1, at), "cartridge_types", who + " allows no cartridge type");
    }
    const bool gold = p.id() == "gold-nano";
    // The deepest any of its cartridges' needles may go: a zone deeper than that could never
    // be treated (the loop enforces each cartridge's ceiling whatever this file says).
    int32_t needles_ceiling = 0;
    for (int i = 0; i < p.cartridge_types_size(); ++i) {
      const auto type = to_domain(p.cartridge_types(i));
      if (type == hal::CartridgeType::kUnknown) {
        error(line(t, p, "cartridge_types", i, at), "cartridge_types", who + ": unknown type");
      }
      if (gold && type != hal::CartridgeType::kGoldNano) {
        error(line(t, p, "cartridge_types", i, at), "cartridge_types",
              "gold-nano runs only with a gold-nano cartridge");
      }
      needles_ceiling = std::max(needles_ceiling, hal::needle_depth_ceiling_um(type));
    }
    const auto in_range = [](double v, double lo, double hi) {
      return std::isfinite(v) && v >= lo && v <= hi;  // false for NaN
    };
    const bool min_ok = in_range(p.speed_min_hz(), kSpeedMinHz, kSpeedMaxHz);
    if (!min_ok || !in_range(p.speed_max_hz(), kSpeedMinHz, kSpeedMaxHz) ||
        !(p.speed_min_hz() <= p.speed_max_hz())) {
      // At the line of the value that is wrong: the minimum's, unless only the maximum is.
      error(line(t, p, min_ok ? "speed_max_hz" : "speed_min_hz", -1, at),
            "speed_min_hz/speed_max_hz",
            who + ": speed range " + num(p.speed_min_hz()) + ".." + num(p.speed_max_hz()) +
                " Hz must lie within 50..150 Hz, min <= max");
    }
    if (!in_range(p.speed_default_hz(), p.speed_min_hz(), p.speed_max_hz())) {
      error(line(t, p, "speed_default_hz", -1, at), "speed_default_hz",
            who + ": default " + num(p.speed_default_hz()) + " Hz outside its range");
    }
    if (p.zones_size() == 0) error(line(t, p, "id", -1, at), "zones", who + " has no zone");
    std::set<std::string> zones;
    for (int i = 0; i < p.zones_size(); ++i) {
      const auto* zt = t ? t->GetTreeForNested(field(p, "zones"), i) : nullptr;
      const int zat = begins(t, p, "zones", i, at);
      check_zone(who, needles_ceiling, p.zones(i), zt, zat);
      if (!zones.insert(p.zones(i).zone()).second) {
        error(line(zt, p.zones(i), "zone", -1, zat), "zone",
              who + ": zone '" + p.zones(i).zone() + "' listed twice");
      }
    }
  }

  void check_zone(const std::string& who, int32_t needles_ceiling, const v1::ZoneLimits& z,
                  const pb::TextFormat::ParseInfoTree* t, int at) {
    const auto& ceilings = zone_ceilings();
    const auto c = std::find_if(ceilings.begin(), ceilings.end(),
                                [&z](const ZoneCeiling& k) { return k.zone == z.zone(); });
    if (c == ceilings.end()) {
      error(line(t, z, "zone", -1, at), "zone", who + ": unknown zone '" + z.zone() + "'");
      return;
    }
    const int32_t ceiling = std::min(c->max_um, kDepthMaxUm);
    const std::string where = who + ", zone '" + z.zone() + "'";
    if (z.depth_min_um() < kDepthMinUm || z.depth_min_um() > z.depth_max_um()) {
      error(line(t, z, "depth_min_um", -1, at), "depth_min_um",
            where + ": minimum " + std::to_string(z.depth_min_um()) +
                " um must be >= 200 and <= the maximum");
    }
    if (z.depth_max_um() > ceiling) {
      error(line(t, z, "depth_max_um", -1, at), "depth_max_um",
            where + ": maximum " + std::to_string(z.depth_max_um()) + " um exceeds the zone's " +
                std::to_string(ceiling) + " um ceiling");
    } else if (needles_ceiling > 0 && z.depth_max_um() > needles_ceiling) {
      error(line(t, z, "depth_max_um", -1, at), "depth_max_um",
            where + ": maximum " + std::to_string(z.depth_max_um()) +
                " um is deeper than any of its cartridges' needles may go (" +
                std::to_string(needles_ceiling) + " um)");
    }
    if (z.depth_default_um() < z.depth_min_um() || z.depth_default_um() > z.depth_max_um()) {
      error(line(t, z, "depth_default_um", -1, at), "depth_default_um",
            where + ": default " + std::to_string(z.depth_default_um()) + " um outside its range");
    }
  }

  static std::string num(double v) {
    std::ostringstream o;
    o << v;
    return o.str();
  }

  std::string source_;
  const pb::TextFormat::ParseInfoTree& root_;
  std::vector<std::string>& errors_;
};

ProtocolSet to_domain(const v1::ProtocolSet& in) {
  ProtocolSet out;
  for (const auto& p : in.protocols()) {
    Protocol d;
    d.id = p.id();
    d.name = p.name();
    d.description = p.description();
    for (int t : p.cartridge_types()) d.cartridge_types.push_back(to_domain(t));
    for (const auto& z : p.zones()) {
      d.zones.push_back({z.zone(), z.depth_min_um(), z.depth_max_um(), z.depth_default_um()});
    }
    d.speed_min_hz = p.speed_min_hz();
    d.speed_max_hz = p.speed_max_hz();
    d.speed_default_hz = p.speed_default_hz();
    d.checklist.assign(p.checklist().begin(), p.checklist().end());
    d.materials.assign(p.materials().begin(), p.materials().end());
    out.protocols.push_back(std::move(d));
  }
  const auto& w = in.screening();
  if (w.isotretinoin_days())
    out.screening.isotretinoin_days = static_cast<int>(w.isotretinoin_days());
  if (w.anticoagulant_days())
    out.screening.anticoagulant_days = static_cast<int>(w.anticoagulant_days());
  if (w.retinoid_acid_hours())
    out.screening.retinoid_acid_hours = static_cast<int>(w.retinoid_acid_hours());
  if (w.sun_exposure_days())
    out.screening.sun_exposure_days = static_cast<int>(w.sun_exposure_days());
  return out;
}

}  // namespace

const std::vector<ZoneCeiling>& zone_ceilings() {
  static const std::vector<ZoneCeiling> c = {
      {"forehead", 500},  {"periorbital", 300}, {"nose", 500},     {"upper-lip", 500},
      {"cheeks", 1500},   {"chin", 1000},       {"jawline", 1000}, {"neck", 500},
      {"decollete", 500}, {"scalp", 1500},      {"body", 2000}};
  return c;
}

const ZoneRule* Protocol::zone(std::string_view z) const {
  for (const auto& r : zones) {
    if (r.zone == z) return &r;
  }
  return nullptr;
}

bool Protocol::allows(hal::CartridgeType t) const {
  return std::find(cartridge_types.begin(), cartridge_types.end(), t) != cartridge_types.end();
}

const Protocol* ProtocolSet::find(std::string_view id) const {
  for (const auto& p : protocols) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

LoadResult parse_protocols(const std::string& text, const std::string& source) {
  LoadResult r;
  v1::ProtocolSet msg;
  pb::TextFormat::ParseInfoTree tree;
  if (!config::parse_text_format(text, source, msg, tree, r.errors)) {
    if (r.errors.empty()) r.errors.push_back(source + ": not a protocols file");
    return r;
  }
  Checker(source, tree, r.errors).check(msg);
  if (r.errors.empty()) r.set = to_domain(msg);
  return r;
}

LoadResult load_protocols(const std::string& path) {
  std::ifstream f(path);
  if (!f) return {std::nullopt, {path + ": cannot be read"}};
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_protocols(ss.str(), path);
}

}  // namespace dermad::treatment
