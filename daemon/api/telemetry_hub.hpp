// Telemetry fan-out. One pump thread reads each loop snapshot once from the ring and
// offers it to every stream; each stream decimates to its rate, keeps a bounded queue that
// drops its oldest samples (counted), and has at most one write in flight. Nothing here
// can slow the control loop: the loop only ever writes the ring. gRPC calls (StartWrite,
// Finish) are made with no lock held, and OnDone only flags the stream: the pump reaps it,
// so no reaction, even one run inline, can deadlock or free a stream in use.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "daemon/control/control_core.hpp"
#include "dermad/v1/device.grpc.pb.h"

namespace dermad::api {

class TelemetryHub;

class TelemetryStream final : public grpc::ServerWriteReactor<v1::TelemetrySample> {
 public:
  static constexpr std::size_t kQueueDepth = 256;

  // `ticket` holds the caller's stream allowance until the stream is gone.
  TelemetryStream(double ticks_per_sample, std::shared_ptr<void> ticket)
      : ticks_per_sample_(ticks_per_sample), ticket_(std::move(ticket)) {}

  // Pump thread: the snapshot of tick `s.tick`; `lost_ticks` the ticks the pump missed.
  void offer(const control::Snapshot& s, uint64_t lost_ticks);
  // Ends the stream UNAVAILABLE ("dermad is stopping") once the write in flight is done.
  void close();

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override { done_.store(true); }
  bool done() const { return done_.load(); }

 private:
  enum class Next { kNothing, kWrite, kFinishStopping, kFinishCancelled };
  Next next_locked();
  void act(Next n);

  const double ticks_per_sample_;
  const std::shared_ptr<void> ticket_;
  double next_tick_ = -1.0;
  std::mutex mu_;
  std::deque<v1::TelemetrySample> queue_;
  v1::TelemetrySample in_flight_;
  bool writing_ = false;
  bool finishing_ = false;
  bool finished_ = false;
  uint64_t dropped_ = 0;
  std::atomic<bool> done_{false};
};

class TelemetryHub {
 public:
  explicit TelemetryHub(const control::TelemetryRing& ring, double loop_hz)
      : ring_(ring), loop_hz_(loop_hz) {}
  // Streams must be done (server shut down) before the hub goes.
  ~TelemetryHub();

  void start();
  // Ends every stream UNAVAILABLE and refuses new ones (daemon shutdown).
  void close_streams();
  void stop();

  // A new stream at `rate_hz` (already validated), reaped by the pump once done.
  TelemetryStream* open(double rate_hz, std::shared_ptr<void> ticket = nullptr);
  double loop_hz() const { return loop_hz_; }
  std::size_t streams() const;

 private:
  void pump();
  void reap_locked();

  const control::TelemetryRing& ring_;
  const double loop_hz_;
  mutable std::mutex mu_;
  std::set<TelemetryStream*> streams_;
  std::atomic<bool> running_{false};
  bool closed_ = false;
  std::thread thread_;
};

}  // namespace dermad::api
