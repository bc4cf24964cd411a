// The protocols file crosses a trust boundary: a clinic edits it, and a wrong one must be
// refused, never loaded into a state that defeats a safety rule. Beyond crashes, every set
// the parser accepts is checked against the device's own limits (#10 findings 1 to 3).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/treatment/protocols.hpp"

namespace {

using namespace dermad;

// A finding: abort, so libFuzzer keeps the input that led to it.
void require(bool ok) {
  if (!ok) __builtin_trap();
}

void require_within(int v, const treatment::WindowBounds& b) {
  require(v >= b.floor && v <= b.max);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto r = treatment::parse_protocols(text, "fuzz.textproto");
  require(r.set.has_value() == r.errors.empty());
  for (const auto& e : r.errors) {
    // Every refusal names its line: "fuzz.textproto:N: ...", N >= 1.
    require(e.rfind("fuzz.textproto:", 0) == 0 && e.size() > 15 && e[15] >= '1' && e[15] <= '9');
  }
  if (!r.set) return 0;
  const auto& w = r.set->screening;
  require_within(w.isotretinoin_days, treatment::kIsotretinoinDays);
  require_within(w.anticoagulant_days, treatment::kAnticoagulantDays);
  require_within(w.retinoid_acid_hours, treatment::kRetinoidAcidHours);
  require_within(w.sun_exposure_days, treatment::kSunExposureDays);
  for (const auto& p : r.set->protocols) {
    require(!p.id.empty() && r.set->find(p.id) == &p);
    require(std::isfinite(p.speed_min_hz) && std::isfinite(p.speed_max_hz) &&
            std::isfinite(p.speed_default_hz));
    require(p.speed_min_hz >= 50 && p.speed_max_hz <= 150 && p.speed_min_hz <= p.speed_default_hz &&
            p.speed_default_hz <= p.speed_max_hz);
    for (const auto& z : p.zones) {
      require(z.depth_min_um >= 200 && z.depth_min_um <= z.depth_default_um &&
              z.depth_default_um <= z.depth_max_um && z.depth_max_um <= 2000);
      bool known = false;
      for (const auto& c : treatment::zone_ceilings()) {
        if (c.zone == z.zone) {
          known = true;
          require(z.depth_max_um <= c.max_um);
        }
      }
      require(known);
      for (const auto t : p.cartridge_types) {
        // Whatever the file says, a cartridge's needles bound the depth.
        require(treatment::deepest_um(z, t) <= hal::needle_depth_ceiling_um(t));
      }
    }
  }
  return 0;
}
