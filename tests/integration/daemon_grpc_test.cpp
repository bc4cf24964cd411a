// The real `dermad --sim`, driven over gRPC the way the tablet app drives it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <thread>

#include "dermad/v1/device.grpc.pb.h"
#include "dermad/v1/engineering.grpc.pb.h"
#include "dermad/v1/simulator.grpc.pb.h"
#include "tests/integration/daemon_process.hpp"
#include "tools/dermactl/telemetry_subscription.hpp"

namespace dermad::test {
namespace {

class DaemonGrpc : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
    device = v1::DeviceService::NewStub(daemon.channel());
    engineering = v1::EngineeringService::NewStub(daemon.channel());
    sim = v1::Simulator::NewStub(daemon.channel());
  }

  v1::Status status() {
    grpc::ClientContext ctx;
    v1::Status st;
    EXPECT_TRUE(device->GetStatus(&ctx, {}, &st).ok());
    return st;
  }
  grpc::Status jog(int depth, double speed, uint32_t ms) {
    grpc::ClientContext ctx;
    v1::JogRequest req;
    req.set_depth_um(depth);
    req.set_speed_hz(speed);
    req.set_duration_ms(ms);
    v1::JogResponse resp;
    return engineering->Jog(&ctx, req, &resp);
  }
  void set_estop(bool on) {
    grpc::ClientContext ctx;
    v1::SetSwitchRequest req;
    req.set_on(on);
    v1::SimAck ack;
    ASSERT_TRUE(sim->SetEstop(&ctx, req, &ack).ok());
  }

  DaemonProcess daemon;
  std::unique_ptr<v1::DeviceService::Stub> device;
  std::unique_ptr<v1::EngineeringService::Stub> engineering;
  std::unique_ptr<v1::Simulator::Stub> sim;
};

TEST_F(DaemonGrpc, StatusAndDeviceInfo) {
  const v1::Status st = status();
  EXPECT_EQ(st.state(), v1::STATE_IDLE);
  EXPECT_TRUE(st.homed());
  EXPECT_FALSE(st.motor_enabled());
  EXPECT_GT(st.loop().ticks(), 0u);
  EXPECT_EQ(st.loop().period_us(), 1000u);
  EXPECT_GT(st.supply_v(), 10.0);
  grpc::ClientContext ctx;
  v1::DeviceInfo info;
  ASSERT_TRUE(device->GetDeviceInfo(&ctx, {}, &info).ok());
  EXPECT_EQ(info.backend(), "sim");
  EXPECT_EQ(info.depth_max_um(), 2000);
  EXPECT_EQ(info.speed_max_hz(), 150.0);
}

TEST_F(DaemonGrpc, OneSecondOfTelemetryAt500Hz) {
  const uint64_t missed_before = status().loop().missed_periods();
  grpc::ClientContext ctx;
  ctl::TelemetrySubscription reader(*device, ctx, 500);
  v1::TelemetrySample s;
  std::vector<v1::TelemetrySample> got;
  while (got.size() < 500 && reader.read(s)) got.push_back(s);
  ctx.TryCancel();
  ASSERT_EQ(got.size(), 500u);
  for (std::size_t i = 1; i < got.size(); ++i) {
    ASSERT_GT(got[i].t_ns(), got[i - 1].t_ns());
    // Every other loop tick, or a gap the stream owns up to in `dropped`.
    const uint64_t gap = got[i].tick() - got[i - 1].tick();
    const uint64_t dropped = got[i].dropped() - got[i - 1].dropped();
    EXPECT_EQ(gap, 2 * (dropped + 1)) << "at sample " << i;
  }
  // 499 intervals of 2 ticks (more only where samples were dropped, counted above), and a
  // tick is 1 ms of device time, plus the whole periods the loop skipped after a stall (a
  // hypervisor spike: counted, never replayed), give or take the lateness at either end.
  const uint64_t ticks = got.back().tick() - got.front().tick();
  EXPECT_EQ(ticks, 998u + 2 * (got.back().dropped() - got.front().dropped()));
  const double span_ms = static_cast<double>(got.back().t_ns() - got.front().t_ns()) / 1e6;
  const auto skipped = static_cast<double>(status().loop().missed_periods() - missed_before);
  EXPECT_GE(span_ms, static_cast<double>(ticks) - 50.0);
  EXPECT_LE(span_ms, static_cast<double>(ticks) + skipped + 50.0) << skipped << " skipped";
}

TEST_F(DaemonGrpc, JogReachesItsTargetsAndEstopCutsTheDrive) {
  ASSERT_TRUE(jog(800, 100.0, 3000).ok());
  EXPECT_EQ(jog(800, 100.0, 3000).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  grpc::ClientContext ctx;
  ctl::TelemetrySubscription reader(*device, ctx, 1000);
  v1::TelemetrySample s;
  bool on_target = false;
  // Within 2.5 s of device time the run must be at 100 Hz +/-2 % and 800 um +/-20 um.
  int64_t first_t = -1;
  while (reader.read(s)) {
    if (first_t < 0) first_t = s.t_ns();
    if (s.state() == v1::STATE_SERVICE && std::abs(s.speed_hz() - 100.0) <= 2.0 &&
        std::abs(s.depth_um() - 800) <= 20) {
      on_target = true;
      break;
    }
    if (s.t_ns() - first_t > 2'500'000'000) break;
  }
  ASSERT_TRUE(on_target) << "speed " << s.speed_hz() << " depth " << s.depth_um();

  set_estop(true);
  // The first sample that sees the button pressed already has the drive off.
  bool seen = false;
  while (reader.read(s)) {
    if (s.inputs().estop()) {
      seen = true;
      EXPECT_EQ(s.state(), v1::STATE_ESTOP);
      EXPECT_FALSE(s.motor_enabled());
      EXPECT_EQ(s.speed_target_hz(), 0.0);
      ASSERT_GE(s.alarms_size(), 1);
      EXPECT_EQ(s.alarms(0).code(), "ESTOP");
      EXPECT_EQ(s.alarms(0).priority(), v1::ALARM_PRIORITY_HIGH);
      break;
    }
  }
  ctx.TryCancel();
  ASSERT_TRUE(seen);

  // Released and acknowledged: IDLE again, and the interrupted run does not resume.
  set_estop(false);
  grpc::ClientContext ack_ctx;
  v1::AcknowledgeAlarmsRequest ack;
  v1::AcknowledgeAlarmsResponse acked;
  ASSERT_TRUE(device->AcknowledgeAlarms(&ack_ctx, ack, &acked).ok());
  ASSERT_EQ(acked.cleared_size(), 1);
  EXPECT_EQ(acked.cleared(0), "ESTOP");
  const v1::Status st = status();
  EXPECT_EQ(st.state(), v1::STATE_IDLE);
  EXPECT_FALSE(st.motor_enabled());
  EXPECT_EQ(st.alarms_size(), 0);
}

// #9 finding 4: a client that stops reading for seconds must not then be fed seconds-old
// samples. With a window of 64 it reads at most the 64 already on their way, then the 64
// newest that waited, then live ones; everything in between is counted in `dropped`.
TEST_F(DaemonGrpc, ASlowClientGetsFreshSamplesAfterAPauseAndTheDropsAreCounted) {
  const uint64_t ticks_before = status().loop().ticks();
  grpc::ClientContext ctx;
  ctl::TelemetrySubscription reader(*device, ctx, 1000, 64);
  v1::TelemetrySample s, prev;
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(reader.read(prev));
  const uint64_t paused_at = prev.tick(), dropped_at_pause = prev.dropped();
  // Not reading for 5 s: at 1 kHz, far more than the transport buffers hold.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const uint64_t resumed_at = status().loop().ticks();
  int stale = 0;
  uint64_t read = 0;
  while (read < 400 && reader.read(s)) {
    ++read;
    // Every gap in the ticks is owned up to in `dropped`.
    ASSERT_EQ(s.tick() - prev.tick(), s.dropped() - prev.dropped() + 1) << "after " << read;
    prev = s;
    if (s.tick() + 200 < resumed_at) ++stale;
  }
  ctx.TryCancel();
  // Only the window that was on its way when the client paused is older than 200 ticks.
  EXPECT_LE(stale, 64);
  EXPECT_GT(s.tick(), resumed_at);
  // In ticks, not seconds: the pause spanned far more ticks than any buffer holds (5 s are
  // ~5000; a host stall may take some, never most), and what was not sent is counted (each
  // gap above is owned up to in `dropped`).
  const uint64_t paused = resumed_at - paused_at;
  ASSERT_GT(paused, 1000u) << "the loop hardly ran during a 5 s pause";
  EXPECT_GT(s.dropped() - dropped_at_pause, paused - 400);
  // The loop kept going whatever the client did: no overrun latched, still IDLE.
  const auto after = status();
  EXPECT_GT(after.loop().ticks(), ticks_before + paused);
  EXPECT_EQ(after.state(), v1::STATE_IDLE);
}

TEST_F(DaemonGrpc, RefusalsSayWhy) {
  const grpc::Status bad = jog(2500, 200.0, 3000);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad.error_message().find("depth_um 2500 outside 200..2000 um"), std::string::npos)
      << bad.error_message();
  EXPECT_NE(bad.error_message().find("speed_hz 200 outside 50..150 Hz"), std::string::npos)
      << bad.error_message();

  grpc::ClientContext ctx;
  ctl::TelemetrySubscription reader(*device, ctx, 5000);
  v1::TelemetrySample s;
  EXPECT_FALSE(reader.read(s));
  EXPECT_EQ(reader.finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  set_estop(true);
  grpc::ClientContext ack_ctx;
  v1::AcknowledgeAlarmsRequest ack;
  ack.add_codes("NO_SUCH_ALARM");
  v1::AcknowledgeAlarmsResponse acked;
  EXPECT_EQ(device->AcknowledgeAlarms(&ack_ctx, ack, &acked).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  const grpc::Status refused = jog(800, 100.0, 1000);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(refused.error_message().find("ESTOP"), std::string::npos) << refused.error_message();
}

TEST_F(DaemonGrpc, SigtermDuringAJogStopsTheDriveClosesStreamsAndExitsZero) {
  ASSERT_TRUE(jog(1000, 120.0, 8000).ok());
  grpc::ClientContext ctx;
  ctl::TelemetrySubscription reader(*device, ctx, 100);
  v1::TelemetrySample s;
  while (reader.read(s) && !s.motor_enabled()) {
  }
  ASSERT_TRUE(s.motor_enabled());
  const int status = daemon.stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status)) << daemon.log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << daemon.log();
  // The stream ended with the daemon, cleanly or as the server went.
  while (reader.read(s)) {
  }
  EXPECT_FALSE(s.motor_enabled());
  EXPECT_NE(daemon.log().find("drive off, needles retracting"), std::string::npos);
}

TEST(DaemonStart, RefusesABadProtocolsFileNamingTheLine) {
  const std::string bad = "/tmp/dermad-bad-protocols-" + std::to_string(getpid()) + ".textproto";
  {
    std::ofstream f(bad);
    f << "protocols {\n  id: \"general\"\n  cartridge_types: [CARTRIDGE_TYPE_STANDARD]\n"
         "  zones { zone: \"periorbital\" depth_min_um: 200 depth_max_um: 900 "
         "depth_default_um: 250 }\n  speed_min_hz: 50 speed_max_hz: 150 speed_default_hz: 100\n}\n";
  }
  DaemonProcess d({"--protocols", bad});
  const int status = d.stop(0);  // no signal: wait for it to give up by itself
  std::remove(bad.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(d.log().find(bad + ":4: depth_max_um"), std::string::npos) << d.log();
  EXPECT_NE(d.log().find("refusing to start"), std::string::npos) << d.log();
}

}  // namespace
}  // namespace dermad::test
