#include "daemon/api/telemetry_hub.hpp"

#include <chrono>
#include <cmath>

#include "daemon/api/convert.hpp"

namespace dermad::api {

void TelemetryStream::offer(const control::Snapshot& s, uint64_t lost_ticks) {
  Next n = Next::kNothing;
  {
    std::lock_guard lock(mu_);
    if (finishing_ || finished_) return;
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

    if (queue_.size() >= kQueueDepth) {
      queue_.pop_front();
      ++dropped_;
    }
    queue_.emplace_back();
    fill_sample(s, queue_.back());
    if (!writing_) n = next_locked();
  }
  act(n);
}

TelemetryStream::Next TelemetryStream::next_locked() {
  if (queue_.empty()) {
    writing_ = false;
    if (finishing_ && !finished_) {
      finished_ = true;
      return Next::kFinishStopping;
    }
    return Next::kNothing;
  }
  in_flight_ = std::move(queue_.front());
  queue_.pop_front();
  in_flight_.set_dropped(dropped_);
  writing_ = true;
  return Next::kWrite;
}

void TelemetryStream::act(Next n) {
  switch (n) {
    case Next::kNothing:
      return;
    case Next::kWrite:
      StartWrite(&in_flight_);
      return;
    case Next::kFinishStopping:
      // The same code as the link's: a tablet tells a shutdown from the end of a stream.
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "dermad is stopping"));
      return;
    case Next::kFinishCancelled:
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client gone"));
      return;
  }
}

void TelemetryStream::close() {
  Next n = Next::kNothing;
  {
    std::lock_guard lock(mu_);
    if (finishing_ || finished_) return;
    finishing_ = true;
    queue_.clear();
    if (!writing_) {
      finished_ = true;
      n = Next::kFinishStopping;
    }
  }
  act(n);
}

void TelemetryStream::OnWriteDone(bool ok) {
  Next n = Next::kNothing;
  {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) {
      // The client went away; OnCancel and OnDone follow.
      queue_.clear();
      finishing_ = true;
      if (!finished_) {
        finished_ = true;
        n = Next::kFinishCancelled;
      }
    } else {
      n = next_locked();
    }
  }
  act(n);
}

void TelemetryStream::OnCancel() {
  Next n = Next::kNothing;
  {
    std::lock_guard lock(mu_);
    queue_.clear();
    finishing_ = true;
    if (!finished_ && !writing_) {
      finished_ = true;
      n = Next::kFinishCancelled;
    }
  }
  act(n);
}

void TelemetryHub::start() {
  running_.store(true);
  thread_ = std::thread([this] { pump(); });
}

TelemetryHub::~TelemetryHub() {
  stop();
  for (auto* s : streams_) delete s;
}

void TelemetryHub::close_streams() {
  // Under the lock so the pump cannot reap a stream while it is being closed; close()
  // never waits on gRPC, and a reaction run inline only sets a flag.
  std::lock_guard lock(mu_);
  closed_ = true;
  reap_locked();
  for (auto* s : streams_) s->close();
}

void TelemetryHub::stop() {
  running_.store(false);
  if (thread_.joinable()) thread_.join();
}

TelemetryStream* TelemetryHub::open(double rate_hz, std::shared_ptr<void> ticket) {
  auto* s = new TelemetryStream(loop_hz_ / rate_hz, std::move(ticket));
  bool closed;
  {
    std::lock_guard lock(mu_);
    closed = closed_;
    streams_.insert(s);
  }
  if (closed) s->close();
  return s;
}

std::size_t TelemetryHub::streams() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (auto* s : streams_) n += s->done() ? 0 : 1;
  return n;
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
    {
      std::lock_guard lock(mu_);
      reap_locked();
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
