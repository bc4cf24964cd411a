// Telemetry fan-out. One pump thread reads each loop snapshot once from the ring and offers
// it to every stream; each stream decimates to its rate and is paced by its client's
// acknowledgements: at most `window` samples unacknowledged, the newest `window` waiting
// (older ones dropped and counted). Nothing here can slow the control loop: the loop only
// ever writes the ring.
//
// gRPC's reactions only note what happened (atomics); the pump thread acts on them and makes
// every StartRead, StartWrite and Finish itself. So a reaction that gRPC runs inline inside
// StartWrite cannot deadlock or re-enter, and nothing is started after Finish.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "daemon/api/write_slot.hpp"
#include "daemon/control/control_core.hpp"
#include "dermad/v1/device.grpc.pb.h"

namespace dermad::api {

class TelemetryStream final
    : public grpc::ServerBidiReactor<v1::StreamTelemetryRequest, v1::TelemetrySample> {
 public:
  static constexpr uint32_t kDefaultWindow = 64;
  static constexpr uint32_t kMaxWindow = 1024;

  // `ticket` holds the caller's stream allowance until the stream is gone.
  // `resources`: the hub's, which outlives its streams.
  TelemetryStream(double loop_hz, std::shared_ptr<void> ticket,
                  const std::vector<std::string>& resources);

  void OnReadDone(bool ok) override { read_.store(ok ? kOk : kFailed); }
  void OnWriteDone(bool ok) override { write_.store(ok ? kOk : kFailed); }
  void OnCancel() override { cancelled_.store(true); }
  void OnDone() override { done_.store(true); }
  bool done() const { return done_.load(); }

  // Pump thread only: act on what gRPC reported (`closing`: dermad is stopping).
  void service(bool closing);
  // Pump thread only: the snapshot of tick `s.tick`; `lost_ticks` the ticks the pump missed.
  void offer(const control::Snapshot& s, uint64_t lost_ticks);

 private:
  enum : int { kNone = 0, kOk = 1, kFailed = 2 };
  void request(const v1::StreamTelemetryRequest& r);
  void try_send();
  void finish(grpc::Status st);

  const double loop_hz_;
  const std::shared_ptr<void> ticket_;
  const std::vector<std::string>& resources_;
  std::atomic<int> read_{kNone}, write_{kNone};
  std::atomic<bool> cancelled_{false}, done_{false};

  // The pump's own, from here on.
  v1::StreamTelemetryRequest in_;
  WriteSlot<v1::TelemetrySample> out_;
  std::deque<v1::TelemetrySample> queue_;
  bool configured_ = false;  // the first request set the rate and window
  double ticks_per_sample_ = 1.0;
  uint32_t window_ = kDefaultWindow;
  double next_tick_ = -1.0;
  uint64_t sent_ = 0, acked_ = 0, dropped_ = 0;
};

class TelemetryHub {
 public:
  // `resources`: the HAL's, for HARDWARE_FAULT's text.
  TelemetryHub(const control::TelemetryRing& ring, double loop_hz,
               std::vector<std::string> resources = {})
      : ring_(ring), loop_hz_(loop_hz), resources_(std::move(resources)) {}
  // Streams must be done (server shut down) before the hub goes.
  ~TelemetryHub();

  void start();
  // Ends every stream UNAVAILABLE and refuses new ones (daemon shutdown).
  void close_streams() { closed_.store(true); }
  void stop();

  // A new stream, reaped by the pump once done.
  TelemetryStream* open(std::shared_ptr<void> ticket = nullptr);
  double loop_hz() const { return loop_hz_; }

 private:
  void pump();
  void reap_locked();

  const control::TelemetryRing& ring_;
  const double loop_hz_;
  const std::vector<std::string> resources_;
  mutable std::mutex mu_;
  std::set<TelemetryStream*> streams_;
  std::atomic<bool> running_{false};
  std::atomic<bool> closed_{false};
  std::thread thread_;
};

}  // namespace dermad::api
