// Treatment protocols as the daemon uses them: plain data loaded from the text-format
// protocols file, checked against the device's hard limits and per-zone ceilings.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hal/cartridge.hpp"

namespace dermad::treatment {

struct ZoneRule {
  std::string zone;
  int32_t depth_min_um = 0, depth_max_um = 0, depth_default_um = 0;
};

struct Protocol {
  std::string id, name, description;
  std::vector<hal::CartridgeType> cartridge_types;
  std::vector<ZoneRule> zones;
  double speed_min_hz = 0, speed_max_hz = 0, speed_default_hz = 0;
  std::vector<std::string> checklist;
  std::vector<std::string> materials;

  const ZoneRule* zone(std::string_view z) const;
  bool allows(hal::CartridgeType t) const;
};

struct ScreeningWindows {
  int isotretinoin_days = 365;
  int anticoagulant_days = 7;
  int retinoid_acid_hours = 48;
  int sun_exposure_days = 7;
};

// The deepest a session in zone `z` may go with a cartridge of type `t`: the zone's limit,
// bounded by what the cartridge's needles allow.
inline int32_t deepest_um(const ZoneRule& z, hal::CartridgeType t) {
  return std::min(z.depth_max_um, hal::needle_depth_ceiling_um(t));
}

struct ProtocolSet {
  std::vector<Protocol> protocols;
  ScreeningWindows screening;
  const Protocol* find(std::string_view id) const;
};

// The zones a protocol may name, and the deepest any protocol may go in each: the device's
// own ceilings, which a protocols file may tighten but never exceed.
struct ZoneCeiling {
  std::string_view zone;
  int32_t max_um;
};
const std::vector<ZoneCeiling>& zone_ceilings();

// The screening windows a protocols file may set: never weaker than the device's floor (the
// built-in defaults; docs/PROTOCOLS.md says why each), never longer than ten years (a year
// in hours): a number past that is a mistake, and would wrap in the arithmetic.
struct WindowBounds {
  std::string_view field;
  int floor, max;
};
inline constexpr WindowBounds kIsotretinoinDays{"isotretinoin_days", 365, 3650};
inline constexpr WindowBounds kAnticoagulantDays{"anticoagulant_days", 7, 3650};
inline constexpr WindowBounds kRetinoidAcidHours{"retinoid_acid_hours", 48, 8760};
inline constexpr WindowBounds kSunExposureDays{"sun_exposure_days", 7, 3650};

struct LoadResult {
  std::optional<ProtocolSet> set;
  std::vector<std::string> errors;  // "FILE:LINE: FIELD: what is wrong"
};

// Parses and checks `text` (named `source` in errors). Every problem is reported, not the
// first only; `set` is empty when there is any.
LoadResult parse_protocols(const std::string& text, const std::string& source);
LoadResult load_protocols(const std::string& path);

}  // namespace dermad::treatment
