// Identity of a needle cartridge as stored in its I2C EEPROM (exposed by the at24 driver).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dermad::hal {

enum class CartridgeType : uint8_t { kUnknown, kStandard, kNano, kGoldNano };

constexpr const char* to_string(CartridgeType t) {
  switch (t) {
    case CartridgeType::kStandard:
      return "standard";
    case CartridgeType::kNano:
      return "nano";
    case CartridgeType::kGoldNano:
      return "gold-nano";
    case CartridgeType::kUnknown:
      break;
  }
  return "unknown";
}

// The type named by to_string's word; kUnknown for any other text.
inline CartridgeType cartridge_type_named(std::string_view word) {
  for (auto t : {CartridgeType::kStandard, CartridgeType::kNano, CartridgeType::kGoldNano}) {
    if (word == to_string(t)) return t;
  }
  return CartridgeType::kUnknown;
}

// The deepest the needles of a cartridge type may go, whatever a protocol says: a property of
// the needles, enforced by the control loop. Gold-plated nano needles are for superficial
// work only (300 um); an unknown type may not run at all.
constexpr int32_t needle_depth_ceiling_um(CartridgeType t) {
  switch (t) {
    case CartridgeType::kStandard:
    case CartridgeType::kNano:
      return 2000;
    case CartridgeType::kGoldNano:
      return 300;
    case CartridgeType::kUnknown:
      break;
  }
  return 0;
}

struct CartridgeInfo {
  std::string serial;
  CartridgeType type = CartridgeType::kUnknown;
  uint32_t needles = 0;
  std::string lot;
  std::string expires;       // YYYY-MM-DD
  bool checksum_ok = true;   // the EEPROM image was valid (checksum, layout, fields)
  std::string problem = {};  // why it was not, when it was not
};

}  // namespace dermad::hal
