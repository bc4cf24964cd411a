// The truth report: the loop fills a snapshot when the report thread asks, the report thread
// writes it out.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "tests/hil/plant/board.hpp"
#include "tests/hil/plant/emulator.hpp"

namespace dermad::hil {

// The log's new lines on stdout, for the console of the test; `first` is log[0]'s number.
void Emulator::print_log(const std::vector<LogEntry>& log, uint64_t first) {
  for (std::size_t i = 0; i < log.size(); ++i) {
    if (first + i < printed_) continue;
    std::printf("hil_plant: %.6f %s\n", static_cast<double>(log[i].t_ns) * 1e-9,
                log[i].what.c_str());
  }
  printed_ = std::max(printed_, first + log.size());
  std::fflush(stdout);
}

void Emulator::fill_snapshot(int64_t now) {
  std::lock_guard lock(mu_);
  Snapshot& s = snap_;
  const PenPlant& p = *plant_;
  s.t_ns = now;
  s.start_ns = start_ns_;
  s.speed_hz = p.speed_hz();
  s.revolutions = p.revolutions();
  s.position_um = p.position_um();
  s.current_a = p.current_a();
  s.supply_v = p.supply_v();
  s.force_n = p.force_n();
  s.temp_c = temp_c_;
  s.home_closed = p.home_switch();
  s.lost_steps = p.lost_steps();
  s.step_edges = step_edges_;
  s.steps_deeper = steps_deeper_;
  s.steps_shallower = steps_shallower_;
  s.steps_disabled = steps_disabled_;
  s.dir_setup_violations = dir_violations_;
  s.short_pulses = short_pulses_;
  s.tach_enabled = tach_enabled_;
  s.tach_level = in_[0].level == 1;  // in_[0]: TACH, line 10
  s.tach_rises = tach_rises_;
  s.tach_falls = tach_falls_;
  s.tach_late = LatencySummary::of(tach_late_);
  s.drive_enable = sysfs_level_[kDriveEnable];
  s.brake = sysfs_level_[kBrake];
  s.dir = traced_[kDir];
  s.stepper_enable_phys = traced_[kStepperEnable];
  s.duty = p.duty();
  s.pwm_exported = pwm_open_;
  s.pwm_enable = pwm_enable_on_;
  s.pwm_inversed = pwm_inversed_;
  s.pwm_period_ns = pwm_period_ns_;
  s.pwm_duty_ns = pwm_duty_ns_;
  s.drive_rise_ns = drive_rise_ns_;
  s.drive_fall_ns = drive_fall_ns_;
  s.estop_pressed = estop_pressed_;
  s.trigger = trigger_;
  s.pedal = pedal_;
  s.cartridge = cartridge_;
  for (int i = 0; i < 5; ++i) s.adc_raw[i] = adc_raw_[i];
  s.estops = estops_;
  s.rate_hz = rate_hz_;
  s.period_us = static_cast<double>(period_ns_) / 1e3;
  s.wake_lead_us = static_cast<double>(lead_ns_) / 1e3;
  s.cpu_pct = cpu_pct_;
  s.iterations = iterations_;
  s.ticks = ticks_;
  s.overruns = overruns_;
  s.rt_prio = rt_prio_;
  s.tick_late = LatencySummary::of(tick_late_);
  s.wake_late = LatencySummary::of(wake_late_);
  s.trace_events = trace_events_;
  s.trace_lost = trace_lost_;
  s.trace_bad_lines = trace_.bad_lines();
  s.trace_resyncs = resyncs_;
  s.bad_commands = bad_commands_;
  s.io_errors = io_errors_;
  s.inputs_reasserted = inputs_reasserted_;
  s.log = log_;
  snap_log_seq_ = log_seq_;
  snap_edges_.insert(snap_edges_.end(), edges_.begin(), edges_.end());
  edges_.clear();
  want_snapshot_.store(false, std::memory_order_relaxed);
}

// Every report_ms: asks the loop for a snapshot, then formats and writes it (and the edge
// log, and the commands' log lines to stdout) without holding up the loop.
void Emulator::report_thread() {
  std::vector<std::pair<int64_t, int64_t>> edges;
  uint64_t log_first = 0;
  while (!done_) {
    Snapshot s;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(o_.report_ms), [this] { return done_.load(); });
      if (done_) break;
      want_snapshot_ = true;
      if (!cv_.wait_for(lock, std::chrono::seconds(1),
                        [this] { return !want_snapshot_ || done_.load(); }) ||
          done_) {
        continue;
      }
      s = snap_;
      edges.swap(snap_edges_);
      log_first = snap_log_seq_ - s.log.size();  // the sequence number of log[0]
    }
    print_log(s.log, log_first);
    std::fflush(stdout);
    std::string error;
    if (!write_atomically(o_.report, to_json(s), error)) {
      std::cerr << "hil_plant: " << error << "\n";
    }
    if (edge_log_) {
      for (const auto& [ideal, written] : edges) {
        std::fprintf(edge_log_, "%lld %lld\n", static_cast<long long>(ideal),
                     static_cast<long long>(written));
      }
      std::fflush(edge_log_);  // a reader matching edges needs them by the next report
      edges.clear();
    }
  }
}

}  // namespace dermad::hil
