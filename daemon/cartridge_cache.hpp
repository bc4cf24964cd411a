// The inserted cartridge's identity, read from its EEPROM once on the I/O side when the loop
// reports the insertion (the event recorder does it), and cleared at the removal. gRPC threads
// read it from here and never touch the bus.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>

#include "hal/cartridge.hpp"

namespace dermad {

class CartridgeCache {
 public:
  void set(std::optional<hal::CartridgeInfo> c) {
    std::lock_guard lock(mu_);
    current_ = std::move(c);
    ++generation_;
  }
  // nullopt while no cartridge is in, or before the inserted one has been read.
  std::optional<hal::CartridgeInfo> current() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  // Counts the sets: whoever changed the cartridge can tell when it has been read since.
  uint64_t generation() const {
    std::lock_guard lock(mu_);
    return generation_;
  }

 private:
  mutable std::mutex mu_;
  std::optional<hal::CartridgeInfo> current_;
  uint64_t generation_ = 0;
};

}  // namespace dermad
