// Identity of a needle cartridge as stored in its I2C EEPROM (exposed by the at24 driver).
#pragma once

#include <cstdint>
#include <string>

namespace dermad::hal {

enum class CartridgeType : uint8_t { kUnknown, kStandard, kNano, kGoldNano };

struct CartridgeInfo {
  std::string serial;
  CartridgeType type = CartridgeType::kUnknown;
  uint32_t needles = 0;
  std::string lot;
  std::string expires;      // YYYY-MM-DD
  bool checksum_ok = true;  // the EEPROM image's checksum matched
};

}  // namespace dermad::hal
