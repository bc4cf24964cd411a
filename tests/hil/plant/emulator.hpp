// The plant's I/O and timing: reads what the controller drives (gpio-sim's output values,
// the sysfs PWM, STEP pulses from the gpio_value trace), runs PenPlant on CLOCK_MONOTONIC and
// drives what the controller reads (gpio-sim pulls, the IIO ADC's raw values). One real-time
// loop thread does all the I/O; a second thread writes the report file, so the loop never
// waits on the 9p share it lives on.
#pragma once

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/hil/plant/commands.hpp"
#include "tests/hil/plant/histogram.hpp"
#include "tests/hil/plant/pen_plant.hpp"
#include "tests/hil/plant/report.hpp"
#include "tests/hil/plant/sysfs_file.hpp"
#include "tests/hil/plant/trace_gpio.hpp"

namespace dermad::hil {

struct Options {
  // Resources (defaults from the VM's HIL_* environment).
  std::string gpio_sim, pwmchip, iio, tracefs = "/sys/kernel/tracing";
  int64_t gpio_base = -1;
  // Outputs of the plant.
  std::string report, control = "/run/hil-plant.ctl", edge_log;
  int report_ms = 100;
  // Timing.
  double rate_hz = 1000;  // README.md: what faster costs under emulation
  int rt_prio = 90;       // SCHED_FIFO above dermad's control thread (80): electronics never wait
  int spin_us = 300;
  int trace_buffer_kb = 4096;
  // The stepper driver's minimum times (hal/boards/qemu-hil.textproto), checked on STEP.
  int64_t min_pulse_ns = 2000, dir_setup_ns = 1000;
  // The world at power-on.
  uint64_t seed = 1;
  bool noise = true, estop_pressed = false, cartridge = false;
  double force_n = 0, supply_v = 12.0, temp_c = 24.0;
  std::optional<double> position_um;  // the lead screw's start (SimConfig's default: 700)
};

class Emulator {
 public:
  explicit Emulator(Options o);
  ~Emulator();
  // Opens every resource and sets the inputs' power-on state; false with "PATH: reason".
  bool init(std::string& error);
  // Runs until `stop` becomes non-zero; the exit code.
  int run(const volatile std::sig_atomic_t& stop);

 private:
  // A gpio-sim input the plant drives by its simulated pull; written only on change.
  struct InputLine {
    SysfsFile pull;
    int level = -1;
  };

  void tick(int64_t now);
  void slow(int64_t now);
  void on_trace(const GpioTraceEvent& ev);
  void read_drive(int64_t now);
  void write_adc(int64_t now);
  void poll_control(int64_t now);
  void apply(const Command& c, int64_t now, const std::string& line);
  void set_input(int offset, bool high);
  void write_tach(const TachChange& c);
  void fill_snapshot(int64_t now);
  void note(int64_t now, std::string what);
  void io_error(const std::string& path, int err);
  void report_thread();
  void print_log(const std::vector<LogEntry>& log, uint64_t first);

  Options o_;
  hal::sim::SimConfig cfg_;
  std::optional<PenPlant> plant_;
  int64_t start_ns_ = 0;

  // Kernel resources.
  SysfsFile out_value_[5];  // sim_gpio0..4/value
  InputLine in_[6];         // sim_gpio10..15/pull
  SysfsFile pwm_enable_, pwm_period_, pwm_duty_, pwm_polarity_;
  bool pwm_open_ = false;
  int64_t pwm_retry_ns_ = 0;
  SysfsFile adc_[5];
  int adc_raw_[5] = {-1, -1, -1, -1, -1};
  int64_t adc_due_ns_[5] = {0, 0, 0, 0, 0};
  GpioTrace trace_;
  std::vector<GpioTraceEvent> events_;
  int control_fd_ = -1;
  std::string control_partial_;
  std::FILE* edge_log_ = nullptr;

  // What the controller drives, as the plant last saw it.
  int traced_[5] = {0, 0, 0, 0, 1};  // levels from the trace, physical
  int sysfs_level_[5] = {0, 0, 0, 0, 1};
  int mismatch_[5] = {0, 0, 0, 0, 0};
  bool pwm_enable_on_ = false, pwm_inversed_ = false;
  int64_t pwm_period_ns_ = 0, pwm_duty_ns_ = 0;
  int64_t dir_change_ns_ = 0, step_rise_ns_ = 0, step_fall_ns_ = 0;
  int64_t drive_rise_ns_ = -1, drive_fall_ns_ = -1;

  // The world set by the test.
  bool estop_pressed_ = false, trigger_ = false, pedal_ = false, cartridge_ = false;
  bool tach_enabled_ = true;
  double temp_c_ = 24.0;
  std::mt19937_64 rng_;
  std::normal_distribution<double> gauss_{0.0, 1.0};

  // The loop's timing.
  std::deque<TachChange> tach_q_;
  int64_t period_ns_ = 0, horizon_ns_ = 0, lead_ns_ = 0, last_rise_ns_ = 0;
  int64_t next_slow_ns_ = 0, slow_count_ = 0;
  Histogram tick_late_, wake_late_, recent_wake_, tach_late_;
  uint64_t iterations_ = 0, ticks_ = 0, overruns_ = 0, rate_ticks_ = 0;
  int64_t rate_since_ns_ = 0, cpu_since_ns_ = 0, cpu_used_ns_ = 0;
  double rate_hz_ = 0, cpu_pct_ = 0;
  int rt_prio_ = 0;

  // Counters.
  uint64_t step_edges_ = 0, steps_deeper_ = 0, steps_shallower_ = 0, steps_disabled_ = 0;
  uint64_t dir_violations_ = 0, short_pulses_ = 0, tach_rises_ = 0, tach_falls_ = 0;
  uint64_t trace_events_ = 0, trace_lost_ = 0, resyncs_ = 0, bad_commands_ = 0, io_errors_ = 0;
  uint64_t inputs_reasserted_ = 0;
  std::vector<EstopRecord> estops_;
  std::vector<LogEntry> log_;
  uint64_t log_seq_ = 0;                            // entries ever logged
  std::vector<std::pair<int64_t, int64_t>> edges_;  // (ideal, written) since the last snapshot

  // Shared with the report thread.
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> want_snapshot_{false}, done_{false};
  Snapshot snap_;
  uint64_t snap_log_seq_ = 0;
  uint64_t printed_ = 0;  // log entries printed (report thread, then run() after it ends)
  std::vector<std::pair<int64_t, int64_t>> snap_edges_;
  std::thread reporter_;
};

}  // namespace dermad::hil
