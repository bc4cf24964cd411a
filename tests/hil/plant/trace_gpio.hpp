// The kernel's gpio:gpio_value tracepoint, read from tracefs's trace_pipe: every value a
// program sets on a line, with the kernel's timestamp. It is how the plant sees STEP pulses of
// a few microseconds, which no poll of sim_gpioN/value could catch, and when exactly
// DRIVE_ENABLE fell.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/hil/plant/sysfs_file.hpp"

namespace dermad::hil {

struct GpioTraceEvent {
  int64_t t_ns = 0;   // CLOCK_MONOTONIC (trace_clock "mono"), microsecond resolution
  uint32_t gpio = 0;  // global line number
  bool value = false;
};

// One line of trace_pipe: "   task-123  [000] .....  12.345678: gpio_value: 1010 set 1".
enum class TraceLine { kEvent, kLost, kOther };
// kEvent fills `ev`; kLost ("CPU:0 [LOST 42 EVENTS]", the buffer overflowed) sets `lost`;
// kOther is anything else (a "get", a line of another event).
TraceLine parse_trace_line(std::string_view line, GpioTraceEvent& ev, uint64_t& lost);

class GpioTrace {
 public:
  // Checks the tracepoint is enabled, narrows its filter to sets of `gpios` (the lines the
  // plant needs: a daemon that writes all its outputs as one bulk traces every line on every
  // write), sizes the buffer for bursts (buffer_kb per CPU; 0 leaves it), selects the "mono"
  // clock so timestamps compare with CLOCK_MONOTONIC, empties the buffer (what came before
  // the plant's power-on is not its business) and opens trace_pipe without blocking.
  bool open(const std::string& tracefs, const std::vector<uint32_t>& gpios, int buffer_kb,
            std::string& error);

  // Appends the events the pipe holds now, oldest first, reading at most `max_reads` pages
  // so a flood cannot stall the caller. 0 or an errno.
  int drain(std::vector<GpioTraceEvent>& out, int max_reads = 32);

  // Events the kernel dropped: "[LOST n EVENTS]" in the pipe plus the per-CPU overrun counters
  // (reads files: call it from the slow path).
  uint64_t lost();
  uint64_t bad_lines() const { return bad_lines_; }

 private:
  void parse_line(std::string_view line, std::vector<GpioTraceEvent>& out);

  std::string tracefs_;
  SysfsFile pipe_;
  std::string partial_;  // a line split across two reads
  uint64_t lost_in_pipe_ = 0;
  uint64_t bad_lines_ = 0;
  std::vector<std::string> cpu_stats_;
};

}  // namespace dermad::hil
