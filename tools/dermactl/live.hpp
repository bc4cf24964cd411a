// What the streaming commands (watch, session attach) share: Ctrl-C that ends a call
// cleanly, and a terminal view redrawn in place.
#pragma once

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

namespace dermad::ctl {

// While alive, SIGINT and SIGTERM set a flag instead of killing the process, so a command
// can end what it started (a jog's run) before it exits.
class InterruptFlag {
 public:
  InterruptFlag();
  ~InterruptFlag();
  InterruptFlag(const InterruptFlag&) = delete;
  InterruptFlag& operator=(const InterruptFlag&) = delete;

  bool interrupted() const;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// While alive, SIGINT and SIGTERM cancel `call` (ending its blocked Read) instead of killing
// the process, so the command can finish the call and exit 0.
class CancelOnInterrupt {
 public:
  explicit CancelOnInterrupt(grpc::ClientContext& call);
  ~CancelOnInterrupt();
  CancelOnInterrupt(const CancelOnInterrupt&) = delete;
  CancelOnInterrupt& operator=(const CancelOnInterrupt&) = delete;

  bool interrupted() const { return flag_.interrupted(); }

 private:
  InterruptFlag flag_;
  std::jthread thread_;
};

// Redraws in place at most kMaxRedrawHz, always showing the newest message: a terminal cannot
// usefully show 1000 frames a second, and drawing them would only make the client fall behind.
template <class Msg>
class LiveView {
 public:
  using Render = std::string (*)(const Msg&);
  LiveView(std::string header, Render render) : header_(std::move(header)), render_(render) {}

  void show(const Msg& m) {
    latest_ = m;
    pending_ = true;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ >= kMinInterval) draw(now);
  }
  void finish() {
    if (pending_) draw(std::chrono::steady_clock::now());
  }

 private:
  static constexpr int kMaxRedrawHz = 15;
  static constexpr auto kMinInterval =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::seconds(1)) /
      kMaxRedrawHz;

  void draw(std::chrono::steady_clock::time_point now) {
    std::cout << "\x1b[H\x1b[2J" << header_ << render_(latest_) << std::flush;
    last_draw_ = now;
    pending_ = false;
  }

  std::string header_;
  Render render_;
  Msg latest_;
  bool pending_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace dermad::ctl
