// Runs ControlCore at a fixed period on absolute deadlines and keeps the loop's own timing
// figures. A late wake-up is handled honestly: the controllers get the real elapsed time,
// and whole periods that were missed are skipped and counted, never replayed in a burst.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "daemon/control/clock.hpp"
#include "daemon/control/control_core.hpp"
#include "daemon/control/lateness.hpp"

namespace dermad::control {

struct RealtimeResult {
  bool granted = false;
  std::string note;  // what was refused, for the daemon to log as a warning
};

class LoopRunner {
 public:
  LoopRunner(Clock& clock, ControlCore& core, int64_t period_ns);
  ~LoopRunner() { stop(); }

  // Waits for the next deadline and runs one tick. Used by the thread and by tests.
  void run_one();

  // Starts the control thread; asks for SCHED_FIFO at `rt_priority` and mlockall.
  RealtimeResult start(int rt_priority);
  void stop();

  const LoopFigures& figures() const { return figures_; }
  const LatenessHistogram& histogram() const { return hist_; }

 private:
  Clock& clock_;
  ControlCore& core_;
  int64_t period_ns_;
  int64_t next_ns_ = -1;
  LatenessHistogram hist_;
  LoopFigures figures_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

// Locks memory and raises the calling thread to SCHED_FIFO; reports what was refused.
RealtimeResult make_current_thread_realtime(int priority);

}  // namespace dermad::control
