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

// A signal handler may not call into gRPC, so a small thread turns the flag it sets into
// TryCancel.
CancelOnInterrupt::CancelOnInterrupt(grpc::ClientContext& call) {
  g_interrupted.store(false);
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
  thread_ = std::jthread([&call](std::stop_token stop) {
    while (!stop.stop_requested()) {
      if (g_interrupted.load()) {
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
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

bool CancelOnInterrupt::interrupted() const {
  return g_interrupted.load();
}

}  // namespace dermad::ctl
