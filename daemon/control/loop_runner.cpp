#include "daemon/control/loop_runner.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <future>

namespace dermad::control {

LoopRunner::LoopRunner(Clock& clock, ControlCore& core, int64_t period_ns)
    : clock_(clock), core_(core), period_ns_(period_ns) {
  figures_.period_us = static_cast<uint32_t>(period_ns / 1000);
}

void LoopRunner::run_one() {
  if (next_ns_ < 0) next_ns_ = clock_.now_ns() + period_ns_;
  clock_.sleep_until(next_ns_);
  const int64_t now = clock_.now_ns();
  const int64_t late = now - next_ns_;
  hist_.record(late);
  ++figures_.ticks;
  if (late > period_ns_ / 2) ++figures_.overruns;
  // Percentiles cost a histogram scan: refresh them ten times a second, not every tick.
  if (figures_.ticks % 100 == 1) {
    figures_.late_p50_us = hist_.percentile_us(0.50);
    figures_.late_p99_us = hist_.percentile_us(0.99);
  }
  figures_.late_max_us = hist_.max_us();

  core_.tick(now, late, figures_);

  next_ns_ += period_ns_;
  if (now >= next_ns_) {
    const int64_t missed = (now - next_ns_) / period_ns_ + 1;
    figures_.missed_periods += static_cast<uint64_t>(missed);
    next_ns_ += missed * period_ns_;
  }
}

RealtimeResult make_current_thread_realtime(int priority) {
  RealtimeResult r{true, ""};
  // MCL_CURRENT only: everything the loop touches (its stack, the core, the ring, the HAL,
  // the code) exists before the loop starts, and it never allocates. MCL_FUTURE would also
  // pin every gRPC thread's 8 MiB stack: ~100 MB resident for nothing.
  if (mlockall(MCL_CURRENT) != 0) {
    r.granted = false;
    r.note += std::string("mlockall refused (") + std::strerror(errno) + "); ";
  }
  sched_param sp{};
  sp.sched_priority = priority;
  const int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
  if (err != 0) {
    r.granted = false;
    r.note += std::string("SCHED_FIFO refused (") + std::strerror(err) + ")";
  }
  return r;
}

RealtimeResult LoopRunner::start(int rt_priority) {
  std::promise<RealtimeResult> rt;
  auto result = rt.get_future();
  running_.store(true);
  thread_ = std::thread([this, rt_priority, &rt] {
    rt.set_value(make_current_thread_realtime(rt_priority));
    while (running_.load(std::memory_order_relaxed)) run_one();
  });
  return result.get();
}

void LoopRunner::stop() {
  running_.store(false);
  if (thread_.joinable()) thread_.join();
}

}  // namespace dermad::control
