#include "tests/bench/loop_timing_load.hpp"
#include "tools/dermactl/telemetry_subscription.hpp"

#include "dermad/v1/device.grpc.pb.h"

namespace dermad::bench {

ClientLoad::ClientLoad(std::string target, int subscribers, double rate_hz,
                       std::chrono::microseconds status_every, std::size_t record_capacity)
    : target_(std::move(target)), rate_hz_(rate_hz), status_every_(status_every) {
  for (int i = 0; i < subscribers; ++i) subscribers_.push_back(std::make_unique<Subscriber>());
  recorded_.reserve(record_capacity);
}

ClientLoad::~ClientLoad() {
  stop();
}

std::shared_ptr<grpc::Channel> ClientLoad::own_channel(int index) const {
  // Each client gets its own connection, as separate tablets and tools would: gRPC
  // shares a connection between channels with equal arguments, so make them differ.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("dermad.bench.client", index);
  return grpc::CreateCustomChannel(target_, grpc::InsecureChannelCredentials(), args);
}

void ClientLoad::start() {
  for (std::size_t i = 0; i < subscribers_.size(); ++i) {
    auto& s = *subscribers_[i];
    // The context exists before the thread so stop() can always cancel through it.
    s.ctx = std::make_unique<grpc::ClientContext>();
    s.thread = std::thread([this, &s, i] { subscribe(s, static_cast<int>(i)); });
  }
  status_thread_ = std::thread([this] { poll_status(); });
}

void ClientLoad::subscribe(Subscriber& s, int index) {
  const bool record = index == 0;
  auto channel = own_channel(index + 1);
  auto stub = v1::DeviceService::NewStub(channel);
  ctl::TelemetrySubscription reader(*stub, *s.ctx, rate_hz_);
  v1::TelemetrySample sample;
  while (reader.read(sample)) {
    if (record) recorded_.push_back({sample.tick(), sample.loop_late_us()});
    s.dropped.store(sample.dropped(), std::memory_order_relaxed);
    s.received.fetch_add(1, std::memory_order_relaxed);
  }
  const grpc::Status st = reader.finish();
  if (!stopping_.load()) {
    note_error("a telemetry stream ended early: " + std::to_string(st.error_code()) + " " +
               st.error_message());
  }
}

void ClientLoad::poll_status() {
  auto stub = v1::DeviceService::NewStub(own_channel(0));
  auto next = std::chrono::steady_clock::now();
  while (!stopping_.load()) {
    next += status_every_;
    std::this_thread::sleep_until(next);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    v1::Status st;
    const grpc::Status r = stub->GetStatus(&ctx, {}, &st);
    if (r.ok()) {
      status_ok_.fetch_add(1, std::memory_order_relaxed);
    } else {
      status_failed_.fetch_add(1, std::memory_order_relaxed);
      if (!stopping_.load()) note_error("GetStatus failed: " + r.error_message());
    }
    // Keep the 2 ms cadence through ordinary round trips, but after a stall longer than a
    // period start afresh rather than fire a burst of calls to catch up.
    const auto now = std::chrono::steady_clock::now();
    if (now - next > status_every_) next = now;
  }
}

bool ClientLoad::wait_streaming(std::chrono::milliseconds timeout) const {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < give_up) {
    bool all = true;
    for (const auto& s : subscribers_) all = all && s->received.load() > 0;
    if (all) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

LoadCounters ClientLoad::counters() const {
  LoadCounters c;
  for (const auto& s : subscribers_) {
    c.telemetry_received += s->received.load(std::memory_order_relaxed);
    c.telemetry_dropped += s->dropped.load(std::memory_order_relaxed);
  }
  c.status_rpcs = status_ok_.load(std::memory_order_relaxed);
  c.status_failures = status_failed_.load(std::memory_order_relaxed);
  return c;
}

void ClientLoad::stop() {
  stopping_.store(true);
  for (auto& s : subscribers_) {
    if (s->ctx) s->ctx->TryCancel();
  }
  for (auto& s : subscribers_) {
    if (s->thread.joinable()) s->thread.join();
  }
  if (status_thread_.joinable()) status_thread_.join();
}

void ClientLoad::note_error(const std::string& e) {
  std::lock_guard lock(error_mu_);
  if (error_.empty()) error_ = e;
}

std::string ClientLoad::error() const {
  std::lock_guard lock(error_mu_);
  return error_;
}

}  // namespace dermad::bench
