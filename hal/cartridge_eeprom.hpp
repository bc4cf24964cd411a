// The cartridge EEPROM's byte layout (docs/BOARD.md has the table): what production writes
// and what dermad reads through the at24 driver's nvmem file. Little-endian, 64 bytes, so it
// fits the smallest part a cartridge carries (a 24C02, 256 bytes):
//
//   0  4  magic "DRMC"            24 16  lot, ASCII, NUL-padded
//   4  1  layout version (1)      40  2  expiry year
//   5  1  type (cartridge_type)   42  1  expiry month (1..12)
//   6  2  needles                 43  1  expiry day (1..31)
//   8 16  serial, ASCII, NUL-pad  44 16  reserved, zero
//                                 60  4  CRC-32 (IEEE) of bytes 0..59
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "hal/cartridge.hpp"

namespace dermad::hal {

inline constexpr std::size_t kEepromImageSize = 64;
inline constexpr uint8_t kEepromLayoutVersion = 1;
using EepromImage = std::array<uint8_t, kEepromImageSize>;

// CRC-32 as in IEEE 802.3, zlib and PNG (reflected 0x04C11DB7, init and final xor 0xFFFFFFFF):
// any production tool can compute it.
uint32_t crc32_ieee(std::span<const uint8_t> bytes);

struct EepromDecode {
  std::optional<CartridgeInfo> info;  // set when the image is valid
  std::string problem;                // why not: short, blank, unknown layout, CRC, field
};

// Reads the first kEepromImageSize bytes of an image (a larger EEPROM's tail is ignored).
EepromDecode decode_cartridge_eeprom(std::span<const uint8_t> bytes);

// The image for `info`, or the field that cannot be written (serial or lot longer than 16
// bytes or not printable ASCII, a date that is not YYYY-MM-DD, an unknown type, too many
// needles).
std::optional<EepromImage> encode_cartridge_eeprom(const CartridgeInfo& info, std::string& problem);

}  // namespace dermad::hal
