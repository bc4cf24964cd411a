// The real pen: the Hal on Linux's own interfaces, as a board file maps them. GPIO through
// libgpiod, the needle drive's PWM through sysfs, analog inputs through IIO or hwmon, the
// cartridge EEPROM through nvmem. Every read and write reports what failed (IoStatus).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "hal/board/board.hpp"
#include "hal/hal.hpp"
#include "hal/linux/analog_channel.hpp"
#include "hal/linux/gpio_lines.hpp"
#include "hal/linux/nvmem_eeprom.hpp"
#include "hal/linux/sysfs_pwm.hpp"

namespace dermad::hal::linux_hw {

class LinuxPen final : public Hal {
 public:
  // `root`: where sysfs is ("/" on the board; the unit tests' fake tree). GPIO chips are
  // opened as the board file names them.
  explicit LinuxPen(BoardSpec board, std::string root = "/");

  std::string name() const override { return "linux"; }
  Geometry geometry() const override { return board_.geometry; }
  bool configure(std::vector<std::string>& errors) override;
  // What `dermad --check` judges: every resource exists and can be had, and nothing is
  // requested, exported or written (a running dermad may hold them).
  bool probe(std::vector<std::string>& errors) const;
  bool activate(std::string& error) override;
  void deactivate() override;
  IoStatus read(int64_t now_ns, Inputs& in) override;
  IoStatus write(int64_t now_ns, const Outputs& out) override;
  const std::vector<std::string>& resources() const override { return resources_; }
  std::optional<CartridgeInfo> read_cartridge() override { return eeprom_.read(); }

  const BoardSpec& board() const { return board_; }
  // Resource indices after the GPIO lines'.
  static constexpr uint16_t kPwmResource = static_cast<uint16_t>(kOutputCount + kInputCount);
  static constexpr uint16_t analog_resource(AnalogSignal s) {
    return static_cast<uint16_t>(kPwmResource + 1 + static_cast<std::size_t>(s));
  }

 private:
  BoardSpec board_;
  std::string root_;
  std::vector<std::string> resources_;
  GpioLines gpio_;
  SysfsPwm pwm_;
  std::array<AnalogChannel, kAnalogCount> analog_;
  std::array<Analog, kAnalogCount> last_{};  // a slow channel's reading between its reads
  NvmemEeprom eeprom_;
};

}  // namespace dermad::hal::linux_hw
