// The client load of loop_timing_bench: telemetry subscribers reading as fast as they
// can, and a steady stream of GetStatus calls, like busy tablets and service tools.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dermad::bench {

struct LoadCounters {
  uint64_t telemetry_received = 0;  // samples, all subscribers together
  uint64_t telemetry_dropped = 0;   // sum of each stream's latest `dropped`
  uint64_t status_rpcs = 0;         // GetStatus calls answered OK
  uint64_t status_failures = 0;
};

// One telemetry sample as the recording subscriber saw it.
struct TickLateness {
  uint64_t tick = 0;
  uint32_t late_us = 0;
};

class ClientLoad {
 public:
  // `record_capacity`: samples subscriber 0 keeps memory for up front, so recording
  // does not reallocate mid-run.
  ClientLoad(std::string target, int subscribers, double rate_hz,
             std::chrono::microseconds status_every, std::size_t record_capacity);
  ~ClientLoad();
  ClientLoad(const ClientLoad&) = delete;
  ClientLoad& operator=(const ClientLoad&) = delete;

  void start();
  // True once every subscriber has received a sample; waits up to `timeout`.
  bool wait_streaming(std::chrono::milliseconds timeout) const;
  LoadCounters counters() const;
  // Cancels every call and joins the threads. Idempotent.
  void stop();
  // Subscriber 0's samples in arrival order; read only after stop().
  const std::vector<TickLateness>& recorded() const { return recorded_; }
  // The first unexpected failure of a stream or call, empty when none.
  std::string error() const;

 private:
  struct Subscriber {
    std::unique_ptr<grpc::ClientContext> ctx;
    std::thread thread;
    std::atomic<uint64_t> received{0};
    std::atomic<uint64_t> dropped{0};
  };
  std::shared_ptr<grpc::Channel> own_channel(int index) const;
  void subscribe(Subscriber& s, int index);  // subscriber 0 records
  void poll_status();
  void note_error(const std::string& e);

  const std::string target_;
  const double rate_hz_;
  const std::chrono::microseconds status_every_;
  std::vector<std::unique_ptr<Subscriber>> subscribers_;
  std::vector<TickLateness> recorded_;
  std::thread status_thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> status_ok_{0};
  std::atomic<uint64_t> status_failed_{0};
  mutable std::mutex error_mu_;
  std::string error_;
};

}  // namespace dermad::bench
