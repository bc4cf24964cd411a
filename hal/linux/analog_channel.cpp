#include "hal/linux/analog_channel.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "hal/linux/sysfs_lookup.hpp"

namespace dermad::hal::linux_hw {

namespace {

// An IIO attribute is per channel ("in_voltage0_scale") or shared by the channel type
// ("in_voltage_scale"); absent means the identity.
bool iio_number(const std::string& folder, const std::string& channel, const char* attr,
                double fallback, double& out, std::string& error) {
  std::string type = channel;
  while (!type.empty() && type.back() >= '0' && type.back() <= '9') type.pop_back();
  for (const std::string& name : {channel + "_" + attr, type + "_" + attr}) {
    const std::string path = folder + "/" + name;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    const auto text = read_text_file(path, error);
    if (!text) return false;
    char* end = nullptr;
    out = std::strtod(text->c_str(), &end);
    if (end == text->c_str() || *end != '\0' || !std::isfinite(out)) {
      error = path + ": '" + *text + "' is not a number";
      return false;
    }
    return true;
  }
  out = fallback;
  return true;
}

}  // namespace

bool AnalogChannel::configure(const std::string& root, const AnalogSpec& spec, std::string& error) {
  gain_ = spec.gain;
  bias_ = spec.bias;
  period_ns_ = int64_t{spec.period_ms} * 1'000'000;
  next_ns_ = 0;
  if (spec.source == AnalogSpec::Source::kIio) {
    const std::string dev = find_iio_device(root, spec.device, error);
    if (dev.empty()) return false;
    if (!value_.open(dev + "/" + spec.channel + "_raw", false, error)) return false;
    if (!iio_number(dev, spec.channel, "scale", 1.0, scale_, error) ||
        !iio_number(dev, spec.channel, "offset", 0.0, offset_, error)) {
      return false;
    }
  } else {
    const std::string dev = find_hwmon(root, spec.device, error);
    if (dev.empty()) return false;
    if (!value_.open(dev + "/" + spec.channel + "_input", false, error)) return false;
    scale_ = 1e-3;  // hwmon reports milli-degrees, milli-volts, milli-amperes
    offset_ = 0.0;
  }
  // One read now, so a channel that opens but cannot be read is refused at start.
  double v = 0;
  if (int e = read(v); e != 0) {
    error = describe(value_.path(), e);
    return false;
  }
  return true;
}

int AnalogChannel::read(double& value) const {
  int64_t raw = 0;
  if (int e = value_.read_int(raw); e != 0) return e;
  value = (static_cast<double>(raw) + offset_) * scale_ * gain_ + bias_;
  return 0;
}

}  // namespace dermad::hal::linux_hw
