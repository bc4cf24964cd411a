// The cartridge EEPROM through the at24 driver's nvmem file: the layout's bytes read and
// decoded (hal/cartridge_eeprom.hpp). Blocks on I2C for milliseconds: the I/O side only.
#pragma once

#include <optional>
#include <string>

#include "hal/cartridge.hpp"

namespace dermad::hal::linux_hw {

class NvmemEeprom {
 public:
  // The file exists and can be opened for reading; false with the reason.
  bool configure(const std::string& root, const std::string& name, std::string& error);
  // A valid cartridge, or one marked invalid with the reason (unreadable, blank, CRC, layout).
  CartridgeInfo read() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace dermad::hal::linux_hw
