// The plant's slow side, at 1 kHz: the drive's levels and PWM from sysfs, the ADC's counts, the
// test's commands from the FIFO, the bookkeeping of rates.
#include <algorithm>
#include <cmath>

#include "tests/hil/plant/board.hpp"
#include "tests/hil/plant/emulator.hpp"

namespace dermad::hil {

void Emulator::read_drive(int64_t now) {
  for (int i : {kDriveEnable, kBrake}) {
    int64_t v = 0;
    if (const int err = out_value_[i].read_int(v)) {
      io_error(out_value_[i].path(), err);
    } else {
      sysfs_level_[i] = v != 0;
    }
  }
  // pwm0 appears when the controller exports it and may go away again.
  if (!pwm_open_ && now >= pwm_retry_ns_) {
    pwm_retry_ns_ = now + 100 * kMs;
    const std::string ch = o_.pwmchip + "/pwm0/";
    std::string ignored;
    pwm_open_ = pwm_enable_.open(ch + "enable", O_RDONLY, ignored) &&
                pwm_period_.open(ch + "period", O_RDONLY, ignored) &&
                pwm_duty_.open(ch + "duty_cycle", O_RDONLY, ignored) &&
                pwm_polarity_.open(ch + "polarity", O_RDONLY, ignored);
  }
  if (pwm_open_) {
    // Duty and enable every millisecond; period and polarity, which a controller sets once,
    // every 10 (each read is a system call, ~5 us under emulation).
    int64_t en = 0, duty = 0, period = pwm_period_ns_;
    std::string_view pol = pwm_inversed_ ? "inversed" : "normal";
    const bool all = slow_count_ % 10 == 1 || pwm_period_ns_ == 0;
    if (pwm_enable_.read_int(en) || pwm_duty_.read_int(duty) ||
        (all && (pwm_period_.read_int(period) || pwm_polarity_.read_text(pol)))) {
      pwm_open_ = false;  // unexported
    } else {
      pwm_enable_on_ = en != 0;
      pwm_period_ns_ = period;
      pwm_duty_ns_ = duty;
      pwm_inversed_ = pol == "inversed";
    }
  }
  if (!pwm_open_) {
    for (auto* f : {&pwm_enable_, &pwm_period_, &pwm_duty_, &pwm_polarity_}) f->close();
    pwm_enable_on_ = pwm_inversed_ = false;
    pwm_period_ns_ = pwm_duty_ns_ = 0;
  }
  // The switch's on-time: duty_cycle is the active (high) time, the inactive one when the
  // polarity is inversed. A disabled PWM is taken as off (its pin's level is the driver's
  // choice; this one's is low).
  double duty = 0.0;
  if (pwm_enable_on_ && pwm_period_ns_ > 0) {
    duty = std::clamp(static_cast<double>(pwm_duty_ns_) / pwm_period_ns_, 0.0, 1.0);
    if (pwm_inversed_) duty = 1.0 - duty;
  }
  plant_->set_drive(sysfs_level_[kDriveEnable], duty, sysfs_level_[kBrake]);
}

void Emulator::write_adc(int64_t now) {
  const bool noise = o_.noise;
  const double sigma[5] = {cfg_.current_noise_ma, cfg_.position_noise_um, cfg_.force_noise_n,
                           cfg_.supply_noise_v, 0.0};
  // A low-side shunt cannot read the braking current (negative): it reads 0, as SimPen's.
  const double value[5] = {plant_->current_a() * 1000.0, plant_->position_um(), plant_->force_n(),
                           plant_->supply_v(), temp_c_};
  for (int i = 0; i < 5; ++i) {
    if (now < adc_due_ns_[i]) continue;
    adc_due_ns_[i] = std::max(adc_due_ns_[i] + kAdc[i].period_ms * kMs, now);
    const double v = value[i] + (noise ? sigma[i] * gauss_(rng_) : 0.0);
    // A 12-bit converter saturates at its rails; the driver refuses anything else.
    const int raw = static_cast<int>(std::clamp(std::round(v / kAdc[i].gain), 0.0, 4095.0));
    if (raw == adc_raw_[i]) continue;
    if (const int err = adc_[i].write_int(raw)) {
      io_error(adc_[i].path(), err);
      continue;
    }
    adc_raw_[i] = raw;
  }
}

void Emulator::slow(int64_t now) {
  ++slow_count_;
  read_drive(now);
  if (slow_count_ % 5 == 0) poll_control(now);  // a command may wait 5 ms: it is timed when done
  set_input(kHome, plant_->home_switch());
  write_adc(now);
  if (slow_count_ % 10 == 0) {
    // The trace is the plant's view of DIR, STEPPER_ENABLE and DRIVE_ENABLE's edges; sysfs
    // holds the levels. Two checks in a row that disagree mean lost trace events: the
    // levels are taken from sysfs (and counted). STEP is left out: it toggles too fast.
    for (int i : {kDriveEnable, kDir, kStepperEnable}) {
      int64_t v = sysfs_level_[i];
      if (i != kDriveEnable && out_value_[i].read_int(v) == 0) sysfs_level_[i] = v != 0;
      mismatch_[i] = sysfs_level_[i] != traced_[i] ? mismatch_[i] + 1 : 0;
      if (mismatch_[i] >= 2) {
        ++resyncs_;
        traced_[i] = sysfs_level_[i];
        if (i == kStepperEnable) plant_->set_stepper_enabled(now, traced_[i] == 0);
        mismatch_[i] = 0;
      }
    }
  }
  if (slow_count_ % 100 == 0) {
    // A program that requests an input with a bias flag sets gpio-sim's pull itself; a real
    // switch and its resistor would still win over a weak internal bias, so the plant's
    // levels are put back (and counted).
    for (auto& in : in_) {
      std::string_view pull;
      if (in.level < 0 || in.pull.read_text(pull) != 0) continue;
      if (pull != (in.level ? "pull-up" : "pull-down")) {
        ++inputs_reasserted_;
        if (const int err = in.pull.write_text(in.level ? "pull-up" : "pull-down")) {
          io_error(in.pull.path(), err);
        }
      }
    }
    trace_lost_ = trace_.lost();
    // Wake early for a Hall edge by about what waking up has lately cost (90% of wake-ups),
    // within the spin budget.
    if (recent_wake_.count() > 0) {
      lead_ns_ =
          std::min<int64_t>(int64_t{o_.spin_us} * 1000,
                            static_cast<int64_t>(recent_wake_.percentile_us(0.9) * 1000 + 5000));
    }
  }
  if (now - rate_since_ns_ >= 1000 * kMs) {
    rate_hz_ = static_cast<double>(rate_ticks_) * 1e9 / static_cast<double>(now - rate_since_ns_);
    const int64_t cpu = cpu_ns();
    cpu_pct_ =
        100.0 * static_cast<double>(cpu - cpu_used_ns_) / static_cast<double>(now - cpu_since_ns_);
    cpu_used_ns_ = cpu;
    rate_ticks_ = 0;
    rate_since_ns_ = cpu_since_ns_ = now;
    recent_wake_.reset();
  }
  if (want_snapshot_.load(std::memory_order_relaxed)) {
    fill_snapshot(now);
    cv_.notify_all();
  }
}

void Emulator::poll_control(int64_t now) {
  char buf[512];
  const ssize_t n = ::read(control_fd_, buf, sizeof buf);
  if (n <= 0) return;
  control_partial_.append(buf, static_cast<std::size_t>(n));
  std::size_t nl;
  while ((nl = control_partial_.find('\n')) != std::string::npos) {
    const std::string line = control_partial_.substr(0, nl);
    control_partial_.erase(0, nl + 1);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Command c;
    std::string error;
    if (parse_command(line, c, error)) {
      apply(c, now, line);
    } else {
      ++bad_commands_;
      note(now, "bad command: " + error);
    }
  }
  if (control_partial_.size() > 4096) control_partial_.clear();  // no newline in sight
}

void Emulator::apply(const Command& c, int64_t now, const std::string& line) {
  switch (c.kind) {
    case Command::kEstop:
      if (c.on && !estop_pressed_) {
        // The trace was drained this tick: traced_ is DRIVE_ENABLE's level now.
        estops_.push_back({mono_ns(), traced_[kDriveEnable] != 0, -1, -1});
        if (estops_.size() > 16) estops_.erase(estops_.begin());
      } else if (!c.on && estop_pressed_ && !estops_.empty()) {
        estops_.back().release_ns = mono_ns();
      }
      estop_pressed_ = c.on;
      set_input(kEstop, !c.on);  // normally closed: pressed opens it, the line reads low
      break;
    case Command::kTrigger:
      trigger_ = c.on;
      set_input(kTrigger, c.on);
      break;
    case Command::kPedal:
      pedal_ = c.on;
      set_input(kPedal, c.on);
      break;
    case Command::kCartridge:
      cartridge_ = c.on;
      set_input(kCartridge, c.on);
      break;
    case Command::kForce:
      plant_->set_force_n(std::max(0.0, c.value));
      break;
    case Command::kSupply:
      plant_->set_supply_v(std::max(0.0, c.value));
      break;
    case Command::kTemp:
      temp_c_ = c.value;
      break;
    case Command::kJam:
      plant_->set_jammed(c.on);
      break;
    case Command::kSlip:
      plant_->set_slip(std::clamp(c.value, 0.0, 1.0));
      break;
    case Command::kDrift:
      plant_->set_drift(c.value);
      break;
    case Command::kTach:
      tach_enabled_ = c.on;
      if (!c.on) set_input(kTach, false);  // a cut wire: the pull-down holds the line low
      break;
    case Command::kStatsReset:
      tick_late_.reset();
      wake_late_.reset();
      tach_late_.reset();
      break;
    case Command::kMark:
      break;
  }
  note(now, line);
}

}  // namespace dermad::hil
