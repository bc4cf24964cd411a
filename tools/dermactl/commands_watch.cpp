// watch: DeviceService.StreamTelemetry, as JSON lines, text lines or a live terminal view.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <limits>
#include <thread>

#include "tools/dermactl/commands.hpp"
#include "tools/dermactl/render.hpp"
#include "tools/dermactl/values.hpp"

namespace dermad::ctl {

namespace {

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void on_interrupt(int) {
  g_interrupted.store(true);
}

// A signal handler may not call into gRPC, so a small thread turns the flag it sets into
// TryCancel, which ends the blocked Read.
class CancelOnInterrupt {
 public:
  explicit CancelOnInterrupt(grpc::ClientContext& call) {
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
  ~CancelOnInterrupt() {
    thread_.request_stop();
    thread_.join();
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  CancelOnInterrupt(const CancelOnInterrupt&) = delete;
  CancelOnInterrupt& operator=(const CancelOnInterrupt&) = delete;

  bool interrupted() const { return g_interrupted.load(); }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
  std::jthread thread_;
};

// Redraws in place at most kMaxRedrawHz, always showing the newest sample: a terminal cannot
// usefully show 1000 frames a second, and drawing them would only make the client fall behind.
class LiveView {
 public:
  explicit LiveView(std::string header) : header_(std::move(header)) {}

  void show(const v1::TelemetrySample& s) {
    latest_ = s;
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
    std::cout << "\x1b[H\x1b[2J" << header_ << sample_text(latest_) << std::flush;
    last_draw_ = now;
    pending_ = false;
  }

  std::string header_;
  v1::TelemetrySample latest_;
  bool pending_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace

int run_watch(Context& ctx, const ParsedArgs& args) {
  const auto rate_text = args.value("rate");
  const double rate_hz = rate_text ? parse_rate_hz(*rate_text, ctx.path()) : 10.0;
  const auto count_text = args.value("count");
  const std::int64_t count = count_text ? parse_integer(*count_text, "--count", ctx.path(), 0,
                                                        std::numeric_limits<std::int64_t>::max())
                                        : 0;

  Client& client = ctx.client();
  if (auto st = client.connect(); !st.ok()) return ctx.fail(st);

  grpc::ClientContext call;
  v1::StreamTelemetryRequest req;
  req.set_rate_hz(rate_hz);
  auto reader = client.device().StreamTelemetry(&call, req);
  CancelOnInterrupt interrupt(call);

  const bool live = !ctx.json() && isatty(STDOUT_FILENO);
  char rate[32];
  std::snprintf(rate, sizeof rate, "%g", rate_hz);
  LiveView view("dermad at " + client.target() + ", " + rate + " Hz; Ctrl-C to stop\n\n");

  v1::TelemetrySample sample;
  std::int64_t received = 0;
  bool reached_count = false;
  while (reader->Read(&sample)) {
    if (ctx.json()) {
      ctx.print(sample_json(sample));
    } else if (live) {
      view.show(sample);
    } else {
      ctx.print(sample_line(sample));
    }
    if (count > 0 && ++received >= count) {
      reached_count = true;
      call.TryCancel();
      break;
    }
  }
  if (live) view.finish();
  // Finish is only valid once no more messages will arrive.
  while (reader->Read(&sample)) {
  }
  const grpc::Status st = reader->Finish();
  if (reached_count || interrupt.interrupted()) return kExitOk;
  if (!st.ok()) return ctx.fail(st);
  return kExitOk;
}

}  // namespace dermad::ctl
