// What a pen says of its fleet upload and its records (LogService), for the fleet tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "dermad/v1/log.grpc.pb.h"
#include "tests/integration/daemon_process.hpp"

namespace dermad::test {

inline v1::FleetStatus fleet_status(DaemonProcess& pen) {
  auto stub = v1::LogService::NewStub(pen.channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::FleetStatus st;
  EXPECT_TRUE(stub->GetFleetStatus(&ctx, {}, &st).ok());
  return st;
}

// Waits for `pred` on the pen's fleet status, for up to `limit`.
inline bool wait_fleet(DaemonProcess& pen, const std::function<bool(const v1::FleetStatus&)>& pred,
                       std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred(fleet_status(pen))) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// Waits until the fleet has acknowledged everything the pen holds.
inline bool wait_caught_up(DaemonProcess& pen, std::chrono::seconds limit) {
  return wait_fleet(
      pen, [](const v1::FleetStatus& s) { return s.head_seq() > 0 && s.backlog() == 0; }, limit);
}

}  // namespace dermad::test
