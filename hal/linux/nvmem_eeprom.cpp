#include "hal/linux/nvmem_eeprom.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "hal/cartridge_eeprom.hpp"
#include "hal/linux/sysfs_attr.hpp"
#include "hal/linux/sysfs_lookup.hpp"

namespace dermad::hal::linux_hw {

bool NvmemEeprom::configure(const std::string& root, const std::string& name, std::string& error) {
  path_ = nvmem_file(root, name);
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = describe(path_, errno);
    return false;
  }
  ::close(fd);
  return true;
}

CartridgeInfo NvmemEeprom::read() const {
  CartridgeInfo bad;
  bad.checksum_ok = false;
  // Opened per read: a cartridge is read once per insertion, and at24's file may be new.
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    bad.problem = "cannot read its EEPROM: " + describe(path_, errno);
    return bad;
  }
  EepromImage img{};
  std::size_t got = 0;
  while (got < img.size()) {
    const ssize_t n = ::pread(fd, img.data() + got, img.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : 0;
      ::close(fd);
      bad.problem = "cannot read its EEPROM: " +
                    (err ? describe(path_, err)
                         : path_ + ": " + std::to_string(got) + " bytes, the layout needs " +
                               std::to_string(img.size()));
      return bad;
    }
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  auto d = decode_cartridge_eeprom(img);
  if (d.info) return *d.info;
  bad.problem = d.problem;
  return bad;
}

}  // namespace dermad::hal::linux_hw
