// The cartridge EEPROM crosses a trust boundary: a cartridge from anywhere can be pushed into
// the pen. An image is either refused with a reason or read as exactly what production could
// have written: encoding what was read gives the same bytes back.
#include <cstddef>
#include <cstdint>
#include <span>

#include "hal/cartridge_eeprom.hpp"

namespace {

void require(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dermad::hal;
  const auto d = decode_cartridge_eeprom(std::span<const uint8_t>(data, size));
  require(d.info.has_value() == d.problem.empty());
  if (!d.info) return 0;
  require(size >= kEepromImageSize);
  require(needle_depth_ceiling_um(d.info->type) > 0);
  std::string problem;
  const auto again = encode_cartridge_eeprom(*d.info, problem);
  require(again.has_value());
  for (std::size_t i = 0; i < kEepromImageSize; ++i) require((*again)[i] == data[i]);
  return 0;
}
