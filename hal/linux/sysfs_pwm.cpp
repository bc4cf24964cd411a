#include "hal/linux/sysfs_pwm.hpp"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include "hal/linux/sysfs_lookup.hpp"

namespace dermad::hal::linux_hw {

bool SysfsPwm::probe(const std::string& root, const PwmSpec& spec, std::string& error) {
  const std::string chip = find_pwmchip(root, spec.chip, error);
  if (chip.empty()) return false;
  const auto npwm = read_text_file(chip + "/npwm", error);
  if (!npwm) return false;
  if (spec.channel >= std::stoul("0" + *npwm)) {
    error = chip + " has " + *npwm + " channels, no channel " + std::to_string(spec.channel);
    return false;
  }
  return true;
}

bool SysfsPwm::configure(const std::string& root, const PwmSpec& spec, std::string& error) {
  if (!probe(root, spec, error)) return false;
  const std::string chip = find_pwmchip(root, spec.chip, error);
  folder_ = chip + "/pwm" + std::to_string(spec.channel);
  std::error_code ec;
  if (!std::filesystem::exists(folder_, ec)) {
    if (!write_text_file(chip + "/export", std::to_string(spec.channel), error)) {
      error = "cannot export PWM channel " + std::to_string(spec.channel) + ": " + error;
      return false;
    }
    // The kernel makes the folder at once; udev may still be giving its files to our group.
    for (int i = 0; i < 100 && !std::filesystem::exists(folder_ + "/enable", ec); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (!enable_.open(folder_ + "/enable", true, error) ||
      !duty_.open(folder_ + "/duty_cycle", true, error)) {
    return false;
  }
  // Disabled, then duty 0, then the period: the kernel refuses a period shorter than the duty.
  // Only what differs is written: a fresh channel (period 0) refuses some writes that would
  // change nothing.
  int64_t now = 0;
  if (int e = enable_.read_int(now); e != 0 || now != 0) {
    if (int w = enable_.write_int(0); w != 0) {
      error = describe(enable_.path(), w);
      return false;
    }
  }
  if (int e = duty_.read_int(now); e != 0 || now != 0) {
    if (int w = duty_.write_int(0); w != 0) {
      error = describe(duty_.path(), w);
      return false;
    }
  }
  if (!write_text_file(folder_ + "/period", std::to_string(spec.period_ns), error)) return false;
  // Not every chip has a polarity file (or lets it change); only an inverted output needs it.
  const std::string polarity = folder_ + "/polarity";
  if (spec.inverted || std::filesystem::exists(polarity, ec)) {
    if (!write_text_file(polarity, spec.inverted ? "inversed" : "normal", error)) return false;
  }
  period_ns_ = spec.period_ns;
  duty_ns_ = 0;
  enabled_ = 0;
  return true;
}

int SysfsPwm::activate() {
  if (int e = apply(0.0, false); e != 0) return e;
  return apply(0.0, true);
}

int SysfsPwm::apply(double duty, bool enable) {
  if (!(duty >= 0.0 && duty <= 1.0)) duty = 0.0;
  const auto ns = static_cast<int64_t>(std::llround(duty * static_cast<double>(period_ns_)));
  if (ns != duty_ns_) {
    if (int e = duty_.write_int(ns); e != 0) {
      duty_ns_ = -1;
      return e;
    }
    duty_ns_ = ns;
  }
  const int want = enable ? 1 : 0;
  if (want != enabled_) {
    if (int e = enable_.write_int(want); e != 0) {
      enabled_ = -1;
      return e;
    }
    enabled_ = want;
  }
  return 0;
}

int SysfsPwm::deactivate() {
  const int a = apply(0.0, true);
  const int b = apply(0.0, false);
  return a != 0 ? a : b;
}

}  // namespace dermad::hal::linux_hw
