#include "tools/dermactl/live.hpp"

#include <atomic>

namespace dermad::ctl {

namespace {

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void on_interrupt(int) {
  g_interrupted.store(true);
}

}  // namespace

InterruptFlag::InterruptFlag() {
  g_interrupted.store(false);
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

InterruptFlag::~InterruptFlag() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

bool InterruptFlag::interrupted() const {
  return g_interrupted.load();
}

// A signal handler may not call into gRPC, so a small thread turns the flag it sets into
// TryCancel.
CancelOnInterrupt::CancelOnInterrupt(grpc::ClientContext& call) {
  thread_ = std::jthread([this, &call](std::stop_token stop) {
    while (!stop.stop_requested()) {
      if (flag_.interrupted()) {
        call.TryCancel();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
}

CancelOnInterrupt::~CancelOnInterrupt() {
  thread_.request_stop();
  thread_.join();
}

}  // namespace dermad::ctl
