#include "daemon/api/telemetry_hub.hpp"

#include <chrono>
#include <cmath>

#include "daemon/api/convert.hpp"

namespace dermad::api {

using grpc::Status;
using grpc::StatusCode;

TelemetryStream::TelemetryStream(double loop_hz, std::shared_ptr<void> ticket,
                                 const std::vector<std::string>& resources)
    : loop_hz_(loop_hz), ticket_(std::move(ticket)), resources_(resources) {
  StartRead(&in_);  // the first request: rate and window
}

void TelemetryStream::finish(Status st) {
  queue_.clear();
  if (auto now = out_.finish(std::move(st))) Finish(std::move(*now));
}

void TelemetryStream::request(const v1::StreamTelemetryRequest& r) {
  if (!configured_) {
    const double rate = r.rate_hz() == 0.0 ? 50.0 : r.rate_hz();
    const uint32_t window = r.window() == 0 ? kDefaultWindow : r.window();
    std::string bad;
    if (!(rate >= 1.0 && rate <= loop_hz_)) {
      bad = "rate_hz " + std::to_string(r.rate_hz()) + " outside 1.." +
            std::to_string(static_cast<int>(loop_hz_)) + " Hz";
    }
    if (window > kMaxWindow) {
      bad += (bad.empty() ? "" : "; ") + std::string("window ") + std::to_string(window) +
             " outside 1.." + std::to_string(kMaxWindow) + " samples";
    }
    if (!bad.empty()) return finish(Status(StatusCode::INVALID_ARGUMENT, bad));
    ticks_per_sample_ = loop_hz_ / rate;
    window_ = window;
    configured_ = true;
    return;
  }
  if (r.ack_seq() > sent_) {
    return finish(Status(StatusCode::INVALID_ARGUMENT,
                         "ack_seq " + std::to_string(r.ack_seq()) +
                             " was never sent on this stream (newest: " + std::to_string(sent_) +
                             ")"));
  }
  if (r.ack_seq() > acked_) acked_ = r.ack_seq();
}

void TelemetryStream::service(bool closing) {
  const int w = write_.exchange(kNone);
  if (w != kNone) {
    if (auto now = out_.written()) return Finish(std::move(*now));
    if (w == kFailed) finish(Status(StatusCode::CANCELLED, "client gone"));
  }
  if (out_.finishing()) return;
  if (closing) return finish(Status(StatusCode::UNAVAILABLE, "dermad is stopping"));
  if (cancelled_.load()) return finish(Status(StatusCode::CANCELLED, "client gone"));
  const int r = read_.exchange(kNone);
  if (r == kFailed) {
    // The client closed its side: it can acknowledge nothing more.
    return finish(Status::OK);
  }
  if (r == kOk) {
    request(in_);
    if (out_.finishing()) return;
    StartRead(&in_);
  }
  try_send();
}

void TelemetryStream::offer(const control::Snapshot& s, uint64_t lost_ticks) {
  if (!configured_ || out_.finishing()) return;
  const auto tick = static_cast<double>(s.tick);
  if (next_tick_ < 0) next_tick_ = tick;
  // Samples that fell due during ticks the pump lost are lost to this client too.
  if (lost_ticks > 0 && tick > next_tick_) {
    const auto missed = static_cast<uint64_t>((tick - next_tick_) / ticks_per_sample_);
    dropped_ += missed;
    next_tick_ += static_cast<double>(missed) * ticks_per_sample_;
  }
  if (tick + 1e-9 < next_tick_) return;
  next_tick_ += ticks_per_sample_;
  if (next_tick_ <= tick) next_tick_ = tick + ticks_per_sample_;

  if (queue_.size() >= window_) {
    queue_.pop_front();
    ++dropped_;
  }
  queue_.emplace_back();
  fill_sample(s, queue_.back(), resources_);
  try_send();
}

void TelemetryStream::try_send() {
  if (!out_.free() || queue_.empty() || sent_ - acked_ >= window_) return;
  v1::TelemetrySample& out = out_.take();
  out = std::move(queue_.front());
  queue_.pop_front();
  out.set_seq(++sent_);
  out.set_dropped(dropped_);
  StartWrite(&out);
}

void TelemetryHub::start() {
  running_.store(true);
  thread_ = std::thread([this] { pump(); });
}

TelemetryHub::~TelemetryHub() {
  stop();
  for (auto* s : streams_) delete s;
}

void TelemetryHub::stop() {
  running_.store(false);
  if (thread_.joinable()) thread_.join();
}

TelemetryStream* TelemetryHub::open(std::shared_ptr<void> ticket) {
  auto* s = new TelemetryStream(loop_hz_, std::move(ticket), resources_);
  std::lock_guard lock(mu_);
  streams_.insert(s);
  return s;
}

void TelemetryHub::reap_locked() {
  for (auto it = streams_.begin(); it != streams_.end();) {
    if ((*it)->done()) {
      delete *it;
      it = streams_.erase(it);
    } else {
      ++it;
    }
  }
}

void TelemetryHub::pump() {
  // Start at the newest snapshot: a new daemon has no history worth replaying.
  uint64_t cursor = ring_.head();
  control::Snapshot snap;
  while (running_.load(std::memory_order_relaxed)) {
    uint64_t lost = 0;
    bool idle;
    const bool closing = closed_.load();
    {
      std::lock_guard lock(mu_);
      reap_locked();
      for (auto* s : streams_) s->service(closing);
      idle = streams_.empty();
    }
    if (idle) {
      // Nobody listening: skip ahead instead of reading every snapshot.
      cursor = ring_.head();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    while (ring_.next(cursor, snap, lost)) {
      std::lock_guard lock(mu_);
      for (auto* s : streams_) s->offer(snap, lost);
      lost = 0;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
}

}  // namespace dermad::api
