#include "hal/linux/linux_pen.hpp"

#include <cerrno>
#include <ctime>

namespace dermad::hal::linux_hw {

namespace {

std::string line_name(std::string_view signal, const LineSpec& l) {
  return std::string(signal) + " (gpio " + l.chip + ":" + std::to_string(l.offset) + ")";
}

int64_t mono_now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

LinuxPen::LinuxPen(BoardSpec board, std::string root)
    : board_(std::move(board)), root_(std::move(root)) {
  // In the order of the resource indices: outputs, inputs, the PWM, the analog channels.
  for (std::size_t s = 0; s < kOutputCount; ++s) {
    resources_.push_back(line_name(kOutputNames[s], board_.outputs[s]));
  }
  for (std::size_t s = 0; s < kInputCount; ++s) {
    resources_.push_back(line_name(kInputNames[s], board_.inputs[s]));
  }
  resources_.push_back("NEEDLE_DRIVE (pwm " + board_.drive.chip + ":" +
                       std::to_string(board_.drive.channel) + ")");
  for (std::size_t s = 0; s < kAnalogCount; ++s) {
    const auto& a = board_.analog[s];
    resources_.push_back(std::string(kAnalogNames[s]) +
                         (a.source == AnalogSpec::Source::kIio ? " (iio " : " (hwmon ") + a.device +
                         " " + a.channel + ")");
  }
}

bool LinuxPen::probe(std::vector<std::string>& errors) const {
  const std::size_t before = errors.size();
  GpioLines::probe(board_, errors);
  if (std::string e; !SysfsPwm::probe(root_, board_.drive, e)) {
    errors.push_back(board_.where(board_.drive.file_line) + ": NEEDLE_DRIVE: " + e);
  }
  for (std::size_t s = 0; s < kAnalogCount; ++s) {
    AnalogChannel ch;  // read-only: opens and reads its files
    if (std::string e; !ch.configure(root_, board_.analog[s], e)) {
      errors.push_back(board_.where(board_.analog[s].file_line) + ": " +
                       std::string(kAnalogNames[s]) + ": " + e);
    }
  }
  NvmemEeprom eeprom;
  if (std::string e; !eeprom.configure(root_, board_.eeprom, e)) {
    errors.push_back(board_.where(board_.eeprom_line) + ": cartridge EEPROM: " + e);
  }
  return errors.size() == before;
}

bool LinuxPen::configure(std::vector<std::string>& errors) {
  const std::size_t before = errors.size();
  gpio_.configure(board_, errors);
  if (std::string e; !pwm_.configure(root_, board_.drive, e)) {
    errors.push_back(board_.where(board_.drive.file_line) + ": NEEDLE_DRIVE: " + e);
  }
  for (std::size_t s = 0; s < kAnalogCount; ++s) {
    if (std::string e; !analog_[s].configure(root_, board_.analog[s], e)) {
      errors.push_back(board_.where(board_.analog[s].file_line) + ": " +
                       std::string(kAnalogNames[s]) + ": " + e);
    }
  }
  if (std::string e; !eeprom_.configure(root_, board_.eeprom, e)) {
    errors.push_back(board_.where(board_.eeprom_line) + ": cartridge EEPROM: " + e);
  }
  return errors.size() == before;
}

bool LinuxPen::activate(std::string& error) {
  // Outputs were requested at their inactive values; the drive's PWM goes to duty 0 and is
  // enabled only then, so nothing moves on the way.
  if (!gpio_.activate(mono_now_ns(), error)) return false;
  if (int e = pwm_.activate(); e != 0) {
    error = "NEEDLE_DRIVE: " + describe(pwm_.channel_folder(), e);
    return false;
  }
  return true;
}

void LinuxPen::deactivate() {
  pwm_.deactivate();
  gpio_.deactivate();
}

IoStatus LinuxPen::read(int64_t now_ns, Inputs& in) {
  IoStatus status;
  in.t_ns = now_ns;
  gpio_.read(now_ns, in, status);
  Analog* fields[kAnalogCount] = {&in.motor_current_ma, &in.position_um, &in.force_n, &in.supply_v,
                                  &in.temperature_c};
  for (std::size_t s = 0; s < kAnalogCount; ++s) {
    AnalogChannel& ch = analog_[s];
    if (ch.due(now_ns)) {
      ch.read_at(now_ns);
      double v = 0;
      if (int e = ch.read(v); e != 0) {
        last_[s] = {};
        status.fail(analog_resource(static_cast<AnalogSignal>(s)), e);
      } else {
        last_[s] = {v, true};
      }
    }
    *fields[s] = last_[s];
  }
  return status;
}

IoStatus LinuxPen::write(int64_t, const Outputs& out) {
  IoStatus status;
  // The enable line goes low before the PWM changes and comes up after it: the bridge never
  // sees a duty it was not given.
  if (!out.motor_enable) {
    gpio_.set(OutputSignal::kDriveEnable, false);
    gpio_.flush(status);
  }
  if (int e = pwm_.apply(out.motor_enable ? out.motor_duty : 0.0, true); e != 0) {
    status.fail(kPwmResource, e);
  }
  gpio_.set(OutputSignal::kDriveEnable, out.motor_enable && status.ok());
  gpio_.set(OutputSignal::kMotorBrake, out.motor_brake && !out.motor_enable);
  gpio_.set(OutputSignal::kStepperEnable, out.stepper_enable);
  const bool red = out.led == Led::kRed || out.led == Led::kAmber;
  const bool green = out.led == Led::kGreen || out.led == Led::kAmber;
  gpio_.set(OutputSignal::kLedRed, red);
  gpio_.set(OutputSignal::kLedGreen, green);
  gpio_.set(OutputSignal::kLedBlue, out.led == Led::kBlue);
  gpio_.set(OutputSignal::kBuzzer, out.buzzer);
  gpio_.set(OutputSignal::kWatchdogKick, out.watchdog);
  gpio_.flush(status);
  if (out.stepper_enable) gpio_.step(out.stepper_steps, status);
  return status;
}

}  // namespace dermad::hal::linux_hw
