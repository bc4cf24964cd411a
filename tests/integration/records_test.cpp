// The daemon's durable records: what a run leaves in the event log, chained and gapless.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <thread>

#include "daemon/store/event_log.hpp"
#include "dermad/v1/device.grpc.pb.h"
#include "dermad/v1/simulator.grpc.pb.h"
#include "tests/integration/daemon_process.hpp"

namespace dermad::test {
namespace {

TEST(Records, ARunLeavesItsEventsInTheLogInOrder) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  auto sim = v1::Simulator::NewStub(daemon.channel());
  auto device = v1::DeviceService::NewStub(daemon.channel());
  auto estop = [&sim](bool on) {
    grpc::ClientContext ctx;
    v1::SetSwitchRequest req;
    req.set_on(on);
    v1::SimAck ack;
    ASSERT_TRUE(sim->SetEstop(&ctx, req, &ack).ok());
  };
  estop(true);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  estop(false);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  grpc::ClientContext ctx;
  v1::AcknowledgeAlarmsResponse acked;
  ASSERT_TRUE(device->AcknowledgeAlarms(&ctx, {}, &acked).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int status = daemon.stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon.log();

  store::EventStore records;
  std::string err;
  ASSERT_TRUE(records.open(daemon.state_dir() + "/dermad.db", err)) << err;
  EXPECT_TRUE(records.verify().empty());
  const auto ev = records.read(0, 1000);
  ASSERT_GE(ev.size(), 8u);
  std::vector<std::string> kinds;
  for (std::size_t i = 0; i < ev.size(); ++i) {
    EXPECT_EQ(ev[i].seq, static_cast<int64_t>(i + 1));
    kinds.push_back(ev[i].kind + (ev[i].details.find("ESTOP") != std::string::npos ? ":ESTOP" : ""));
  }
  auto at = [&kinds](const std::string& k) {
    return std::find(kinds.begin(), kinds.end(), k) - kinds.begin();
  };
  EXPECT_EQ(kinds.front(), "daemon_started");
  EXPECT_EQ(kinds[1], "config_loaded");
  EXPECT_EQ(kinds.back(), "daemon_stopped");
  EXPECT_LT(at("alarm_raised:ESTOP"), at("alarm_acknowledged:ESTOP"));
  EXPECT_LT(at("alarm_acknowledged:ESTOP"), static_cast<long>(kinds.size()) - 1);
  EXPECT_NE(ev[1].details.find("sha256"), std::string::npos);
}

}  // namespace
}  // namespace dermad::test
