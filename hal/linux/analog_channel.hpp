// One analog input: an IIO ADC channel (raw, scale, offset) or a hwmon sensor (input, in
// milli-units), converted to the signal's unit with the board file's gain and bias. The value
// file is held open; the scale and offset are read once at configure (drivers fix them).
#pragma once

#include <cstdint>
#include <string>

#include "hal/board/board.hpp"
#include "hal/linux/sysfs_attr.hpp"

namespace dermad::hal::linux_hw {

class AnalogChannel {
 public:
  bool configure(const std::string& root, const AnalogSpec& spec, std::string& error);
  // 0 or an errno; `value` set only on 0.
  int read(double& value) const;
  const std::string& path() const { return value_.path(); }
  // Due at `now_ns`: every tick, or every period_ms for a slow channel.
  bool due(int64_t now_ns) const { return period_ns_ == 0 || now_ns >= next_ns_; }
  void read_at(int64_t now_ns) { next_ns_ = now_ns + period_ns_; }

 private:
  SysfsAttr value_;
  double scale_ = 1.0, offset_ = 0.0, gain_ = 1.0, bias_ = 0.0;
  int64_t period_ns_ = 0;
  int64_t next_ns_ = 0;
};

}  // namespace dermad::hal::linux_hw
