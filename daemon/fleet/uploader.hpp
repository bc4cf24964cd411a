// The fleet uploader: on a thread of its own (never the control thread), it sends the log
// from the fleet's cursor in batches, and moves the cursor, kept in the records, only as far
// as the fleet says it has committed. Retryable failures wait (Backoff); an event the fleet
// refuses is set aside and sent as its place alone, so nothing loops and nothing is silently
// lost; the bandwidth is capped.
#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "daemon/fleet/backoff.hpp"
#include "daemon/fleet/fleet_settings.hpp"
#include "daemon/store/store.hpp"
#include "dermad/fleet/v1/ingest.grpc.pb.h"
#include "dermad/v1/fleet.pb.h"

namespace dermad::fleet {

class Uploader {
 public:
  Uploader(store::Store& records, FleetSettings settings, std::string serial, std::string software);
  ~Uploader();
  Uploader(const Uploader&) = delete;
  Uploader& operator=(const Uploader&) = delete;

  void start();
  // Ends an upload in flight (its RPC cancelled) and the thread.
  void stop();
  // New events were stored: send them without waiting for the next look.
  void wake();
  dermad::v1::FleetStatus status();

 private:
  void run();
  // One upload from the cursor. True when it went through (more may follow at once).
  bool upload_once(std::string& error, grpc::StatusCode& code);
  void failed(const std::string& error, grpc::StatusCode code);
  // Prunes what the fleet has acknowledged and the retention lets go (Store::prune), when
  // it is due.
  void prune();
  // Waits until `until_ns` on the system clock, or a wake() or stop(). False on stop.
  bool wait_until(int64_t until_ns, bool wake_early);

  store::Store& records_;
  const FleetSettings settings_;
  const std::string serial_, software_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
  Backoff backoff_;
  int batch_ = 0;  // events in the next batch: halved to find an event the fleet refuses
  int64_t next_prune_ns_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false, woken_ = false;
  std::shared_ptr<grpc::ClientContext> in_flight_;  // under mu_, cancelled by stop()
  dermad::v1::FleetStatus status_;                  // under mu_
  std::thread thread_;
};

}  // namespace dermad::fleet
