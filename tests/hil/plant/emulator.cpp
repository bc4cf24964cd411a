#include "tests/hil/plant/emulator.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>

#include "tests/hil/plant/board.hpp"

namespace dermad::hil {

namespace {

constexpr int64_t kRiseGapNs = 200'000;  // between two tach rises, at least (run())

}  // namespace

Emulator::Emulator(Options o) : o_(std::move(o)), rng_(o_.seed) {
  if (o_.position_um) cfg_.screw.initial_um = *o_.position_um;
}

Emulator::~Emulator() {
  if (control_fd_ >= 0) ::close(control_fd_);
  if (edge_log_) std::fclose(edge_log_);
}

bool Emulator::init(std::string& error) {
  const std::string sim = o_.gpio_sim;
  for (int i = 0; i < 5; ++i) {
    if (!out_value_[i].open(sim + "/sim_gpio" + std::to_string(i) + "/value", O_RDONLY, error)) {
      return false;
    }
  }
  for (int i = 0; i < 6; ++i) {
    if (!in_[i].pull.open(sim + "/sim_gpio" + std::to_string(10 + i) + "/pull", O_RDWR, error)) {
      return false;
    }
  }
  std::string text;
  if (!read_file(o_.pwmchip + "/npwm", text, error)) return false;
  if (!read_file(o_.iio + "/name", text, error)) return false;
  if (text != "dermad-adc-sim") {
    error = o_.iio + "/name reads '" + text + "', not dermad-adc-sim";
    return false;
  }
  for (int i = 0; i < 5; ++i) {
    if (!adc_[i].open(o_.iio + "/in_voltage" + std::to_string(i) + "_raw", O_WRONLY, error)) {
      return false;
    }
  }
  const auto base = static_cast<uint32_t>(o_.gpio_base);
  if (!trace_.open(o_.tracefs,
                   {base + kDriveEnable, base + kStep, base + kDir, base + kStepperEnable},
                   o_.trace_buffer_kb, error)) {
    return false;
  }
  // The control FIFO: opened read-write so it never reports end-of-file between writers.
  struct stat st {};
  if (::stat(o_.control.c_str(), &st) == 0) {
    if (!S_ISFIFO(st.st_mode)) {
      error = o_.control + ": exists and is not a FIFO";
      return false;
    }
  } else if (::mkfifo(o_.control.c_str(), 0666) != 0) {
    error = o_.control + ": " + std::strerror(errno);
    return false;
  }
  control_fd_ = ::open(o_.control.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (control_fd_ < 0) {
    error = o_.control + ": " + std::strerror(errno);
    return false;
  }
  if (!o_.edge_log.empty()) {
    edge_log_ = std::fopen(o_.edge_log.c_str(), "w");
    if (!edge_log_) {
      error = o_.edge_log + ": " + std::strerror(errno);
      return false;
    }
    std::fputs("# tach rising edges: ideal_ns written_ns (CLOCK_MONOTONIC)\n", edge_log_);
  }
  if (!write_atomically(o_.report, "{}\n", error)) return false;

  // Power-on: the outputs as they are now (the trace was emptied, later sets follow).
  start_ns_ = mono_ns();
  plant_.emplace(cfg_, start_ns_);
  for (int i = 0; i < 5; ++i) {
    int64_t v = 0;
    if (const int err = out_value_[i].read_int(v)) {
      error = out_value_[i].path() + ": " + std::strerror(err);
      return false;
    }
    traced_[i] = sysfs_level_[i] = v != 0;
  }
  plant_->set_stepper_enabled(start_ns_, traced_[kStepperEnable] == 0);
  plant_->set_force_n(o_.force_n);
  plant_->set_supply_v(o_.supply_v);
  temp_c_ = o_.temp_c;
  estop_pressed_ = o_.estop_pressed;
  cartridge_ = o_.cartridge;
  set_input(kTach, false);
  set_input(kTrigger, false);
  set_input(kPedal, false);
  set_input(kEstop, !estop_pressed_);
  set_input(kHome, plant_->home_switch());
  set_input(kCartridge, cartridge_);
  if (io_errors_) {
    error = "could not set the inputs' power-on levels (see above)";
    return false;
  }
  write_adc(start_ns_);
  note(start_ns_, "power on");
  return true;
}

void Emulator::io_error(const std::string& path, int err) {
  if (++io_errors_ <= 10) std::cerr << "hil_plant: " << path << ": " << std::strerror(err) << "\n";
}

void Emulator::note(int64_t now, std::string what) {
  log_.push_back({now, std::move(what)});
  if (log_.size() > 64) log_.erase(log_.begin());
  ++log_seq_;
}

void Emulator::set_input(int offset, bool high) {
  InputLine& in = in_[offset - kTach];
  if (in.level == static_cast<int>(high)) return;
  if (const int err = in.pull.write_text(high ? "pull-up" : "pull-down")) {
    io_error(in.pull.path(), err);
    return;
  }
  in.level = high;
}

int Emulator::run(const volatile std::sig_atomic_t& stop) {
  // The report thread first: it inherits the default policy before the loop raises its own,
  // and SIGTERM/SIGINT stay with this thread.
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  reporter_ = std::thread([this] { report_thread(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);

  if (o_.rt_prio > 0) {
    sched_param sp{};
    sp.sched_priority = o_.rt_prio;
    if (const int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp)) {
      std::cerr << "hil_plant: warning: SCHED_FIFO " << o_.rt_prio << " refused ("
                << std::strerror(err) << "); the plant's timing will suffer\n";
    } else {
      rt_prio_ = o_.rt_prio;
    }
    mlockall(MCL_CURRENT | MCL_FUTURE);
  }
  prctl(PR_SET_TIMERSLACK, 1UL);  // a normal thread's 50 us slack would delay every wake-up

  period_ns_ = static_cast<int64_t>(1e9 / o_.rate_hz);
  const int64_t spin_ns = int64_t{o_.spin_us} * 1000;
  lead_ns_ = spin_ns / 2;
  // The physics runs this far ahead, so a Hall edge is known before the loop must wake for it.
  horizon_ns_ = period_ns_ + spin_ns;
  int64_t now = mono_ns();
  int64_t next_tick = now;
  next_slow_ns_ = rate_since_ns_ = cpu_since_ns_ = now;
  cpu_used_ns_ = cpu_ns();

  while (!stop) {
    now = mono_ns();
    // Hall transitions due now. A rising edge within the wake-up lead is waited for by
    // spinning: the loop woke early for it, so it is written when it happens, not a wake-up
    // latency late. Nobody times falling edges (dermad counts rising ones): they are written
    // at the first wake-up after they are due, never worth one of their own (~70 us of CPU
    // each under emulation).
    while (!tach_q_.empty() &&
           tach_q_.front().t_ns <= now + (tach_q_.front().high ? lead_ns_ : 0)) {
      const TachChange c = tach_q_.front();
      tach_q_.pop_front();
      if (c.high) {
        // Catching up after a stall, rises would follow each other at once; the kernel's edge
        // handler, a threaded IRQ at SCHED_FIFO 50 below this loop, would not run between
        // them and would report one edge for several (measured). Sleeping lets it run.
        if (mono_ns() < last_rise_ns_ + kRiseGapNs) sleep_until(last_rise_ns_ + kRiseGapNs);
        while (mono_ns() < c.t_ns) {
        }
      }
      write_tach(c);
      now = mono_ns();
    }
    if (now >= next_tick) {
      tick(now);
      ++ticks_;
      ++rate_ticks_;
      next_tick += period_ns_;
      if (next_tick <= now) {  // a whole period lost: start again from now
        ++overruns_;
        next_tick = now + period_ns_;
      }
    }
    ++iterations_;
    int64_t wake = next_tick;
    for (std::size_t i = 0; i < tach_q_.size() && i < 2; ++i) {  // the next rise: 1st or 2nd
      if (tach_q_[i].high) {
        wake = std::min(wake, tach_q_[i].t_ns - lead_ns_);
        break;
      }
    }
    if (wake > mono_ns()) {
      sleep_until(wake);
      const int64_t late = mono_ns() - wake;
      wake_late_.add(late);
      recent_wake_.add(late);
      if (wake == next_tick) tick_late_.add(late);
    }
  }

  now = mono_ns();
  done_ = true;
  cv_.notify_all();
  reporter_.join();
  fill_snapshot(now);
  print_log(snap_.log, snap_log_seq_ - snap_.log.size());
  std::string error;
  if (!write_atomically(o_.report, to_json(snap_), error))
    std::cerr << "hil_plant: " << error << "\n";
  if (edge_log_) {
    for (const auto& [ideal, written] : snap_edges_) {
      std::fprintf(edge_log_, "%lld %lld\n", static_cast<long long>(ideal),
                   static_cast<long long>(written));
    }
    std::fflush(edge_log_);
  }
  const auto tl = LatencySummary::of(tach_late_);
  std::cout << "hil_plant: stopped after " << (now - start_ns_) / kMs << " ms: " << ticks_
            << " ticks (" << rate_hz_ << " Hz last second), " << tach_rises_
            << " tach edges late p50 " << tl.p50_us << " p99 " << tl.p99_us << " max " << tl.max_us
            << " us, " << step_edges_ << " steps, position " << plant_->position_um() << " um, cpu "
            << cpu_pct_ << "%\n";
  return 0;
}

void Emulator::tick(int64_t now) {
  events_.clear();
  if (const int err = trace_.drain(events_)) io_error(o_.tracefs + "/trace_pipe", err);
  for (const auto& ev : events_) on_trace(ev);
  if (now >= next_slow_ns_) {
    slow(now);
    next_slow_ns_ += kMs;
    if (next_slow_ns_ <= now) next_slow_ns_ = now + kMs;
  }
  plant_->screw_to(now);
  plant_->motor_to(now + horizon_ns_, tach_q_);
}

void Emulator::on_trace(const GpioTraceEvent& ev) {
  const int64_t off = static_cast<int64_t>(ev.gpio) - o_.gpio_base;
  if (off < 0 || off > kStepperEnable) return;
  ++trace_events_;
  const int prev = traced_[off];
  const int v = ev.value;
  traced_[off] = v;
  switch (off) {
    case kStep:
      if (v && !prev) {
        // A rising edge moves the screw one step, the way DIR and STEPPER_ENABLE were set
        // before it in the trace (sets are traced in the order the kernel applied them).
        ++step_edges_;
        const bool enabled = traced_[kStepperEnable] == 0;
        const int dir = traced_[kDir] ? 1 : -1;
        plant_->step_pulse(ev.t_ns, dir, enabled);
        if (!enabled) {
          ++steps_disabled_;
        } else if (dir > 0) {
          ++steps_deeper_;
        } else {
          ++steps_shallower_;
        }
        // Timestamps have 1 us resolution: these counts are approximate near the limits.
        if (ev.t_ns - dir_change_ns_ < o_.dir_setup_ns) ++dir_violations_;
        if (step_fall_ns_ && ev.t_ns - step_fall_ns_ < o_.min_pulse_ns) ++short_pulses_;
        step_rise_ns_ = ev.t_ns;
      } else if (!v && prev) {
        if (ev.t_ns - step_rise_ns_ < o_.min_pulse_ns) ++short_pulses_;
        step_fall_ns_ = ev.t_ns;
      }
      break;
    case kDir:
      if (v != prev) dir_change_ns_ = ev.t_ns;
      break;
    case kStepperEnable:
      if (v != prev) plant_->set_stepper_enabled(ev.t_ns, v == 0);
      break;
    case kDriveEnable:
      if (v && !prev) drive_rise_ns_ = ev.t_ns;
      if (!v && prev) {
        drive_fall_ns_ = ev.t_ns;
        for (auto& e : estops_) {
          // The trace's microseconds are truncated: allow the fall in the press's microsecond.
          if (e.drive_was_on && e.drive_fall_ns < 0 && ev.t_ns >= e.press_ns - 1000) {
            e.drive_fall_ns = ev.t_ns;
          }
        }
      }
      break;
    default:
      break;
  }
}

void Emulator::write_tach(const TachChange& c) {
  if (c.high) {
    ++tach_rises_;
  } else {
    ++tach_falls_;
  }
  if (!tach_enabled_) return;
  const int64_t t = mono_ns();
  set_input(kTach, c.high);
  if (c.high) {
    last_rise_ns_ = t;
    tach_late_.add(t - c.t_ns);
    if (edge_log_ && edges_.size() < 100000) edges_.emplace_back(c.t_ns, t);
  }
}

}  // namespace dermad::hil
