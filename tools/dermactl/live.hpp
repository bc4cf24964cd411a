// What the streaming commands (watch, session attach) share: Ctrl-C that ends a call
// cleanly, and a terminal view redrawn in place.
#pragma once

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <string>
#include <thread>

#include "tools/dermactl/render.hpp"

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

// Whether stdout is a terminal that this process is in the foreground of: a job put in the
// background (`dermactl session attach &`) must not draw over other commands' output.
inline bool foreground_terminal() {
  return ::isatty(STDOUT_FILENO) == 1 && ::tcgetpgrp(STDOUT_FILENO) == ::getpgrp();
}

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
  // Whether anything was drawn: a view moved to the background draws nothing more.
  bool drew() const { return drew_; }

 private:
  static constexpr int kMaxRedrawHz = 15;
  static constexpr auto kMinInterval =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::seconds(1)) /
      kMaxRedrawHz;

  void draw(std::chrono::steady_clock::time_point now) {
    last_draw_ = now;
    if (!foreground_terminal()) return;  // sent to the background (Ctrl-Z, bg) meanwhile
    drew_ = true;
    std::cout << "\x1b[H\x1b[2J"
              << fit_terminal(header_ + wall_clock() + "\n\n" + render_(latest_), columns(), true)
              << std::flush;
    pending_ = false;
  }
  // The terminal's width (80 when it does not say), so no line wraps and scrolls the view.
  static std::size_t columns() {
    winsize ws{};
    return ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20 ? ws.ws_col : 80;
  }
  // "2026-12-02 14:55:03 UTC": the device time in the figures is the loop's own clock.
  static std::string wall_clock() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char b[32];
    std::strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return b;
  }

  std::string header_;
  Render render_;
  Msg latest_;
  bool pending_ = false, drew_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace dermad::ctl
