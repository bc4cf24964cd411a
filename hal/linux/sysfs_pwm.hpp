// The needle drive's PWM through the kernel's PWM class in sysfs: the channel exported once,
// its period and polarity set at configure, duty_cycle and enable held open and written only
// when they change.
#pragma once

#include <cstdint>
#include <string>

#include "hal/board/board.hpp"
#include "hal/linux/sysfs_attr.hpp"

namespace dermad::hal::linux_hw {

class SysfsPwm {
 public:
  // The chip exists and has the channel; nothing written.
  static bool probe(const std::string& root, const PwmSpec& spec, std::string& error);
  // Finds the chip, exports the channel (waiting up to 1 s for udev to hand over its files),
  // disables it and sets duty 0, the period and the polarity. False with the reason.
  bool configure(const std::string& root, const PwmSpec& spec, std::string& error);
  // Duty 0, then enabled: the drive's safe output, ready to be used.
  int activate();
  // duty in 0..1 (anything else is 0: the loop never asks for it); 0 or an errno.
  int apply(double duty, bool enable);
  // Duty 0 and disabled; 0 or an errno.
  int deactivate();
  std::string channel_folder() const { return folder_; }

 private:
  SysfsAttr duty_, enable_;
  std::string folder_;
  int64_t period_ns_ = 0;
  int64_t duty_ns_ = -1;  // what the kernel holds; -1: unknown
  int enabled_ = -1;
};

}  // namespace dermad::hal::linux_hw
