// Treatment sessions through the real daemon over gRPC, as the tablet app runs them.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "dermad/v1/device.grpc.pb.h"
#include "dermad/v1/log.grpc.pb.h"
#include "dermad/v1/simulator.grpc.pb.h"
#include "dermad/v1/treatment.grpc.pb.h"
#include "tests/integration/daemon_process.hpp"
#include "tests/integration/pen_client.hpp"

namespace dermad::test {
namespace {

class Sessions : public ::testing::Test, public PenClient {
 protected:
  void SetUp() override {
    ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
    connect(daemon.channel());
  }

  // The device's alarms so far, for a failure's message.
  std::string alarm_history() {
    auto log = v1::LogService::NewStub(daemon.channel());
    grpc::ClientContext ctx;
    v1::ListAlarmsRequest req;
    v1::ListAlarmsResponse resp;
    log->ListAlarms(&ctx, req, &resp);
    return "alarms: " + resp.ShortDebugString();
  }

  DaemonProcess daemon;
};

TEST_F(Sessions, AFullSessionEndsWithASummaryWhoseStrokesMatchSpeedTimesRunTime) {
  insert_cartridge("C-100");
  v1::StartSessionResponse started;
  ASSERT_TRUE(start(good_request(), started).ok());
  EXPECT_EQ(started.session().state(), v1::STATE_ARMED);
  EXPECT_FALSE(started.owner_token().empty());
  ASSERT_TRUE(
      wait_for([](const v1::Status& s) { return std::abs(s.depth_um() - 1000) <= 10; }, 5s));

  LinkHolder link(*treatment, started.owner_token());
  ASSERT_TRUE(press_until_running());
  std::this_thread::sleep_for(3s);

  // Zone change while running: the depth goes to chin's default, inside chin's limits.
  grpc::ClientContext uctx;
  v1::UpdateSessionRequest up;
  up.set_owner_token(started.owner_token());
  up.set_zone("chin");
  v1::SessionInfo info;
  const grpc::Status updated = treatment->UpdateSession(&uctx, up, &info);
  ASSERT_TRUE(updated.ok()) << updated.error_message() << "; " << status().ShortDebugString();
  EXPECT_EQ(info.zone(), "chin");
  EXPECT_EQ(info.depth_um(), 800);
  // A new depth holds the needles until it is reached and the trigger pressed again.
  ASSERT_TRUE(press_until_running());
  std::this_thread::sleep_for(2s);
  trigger(false);
  ASSERT_TRUE(wait_for([](const v1::Status& s) { return s.state() == v1::STATE_ARMED; }, 5s));

  grpc::ClientContext ectx;
  v1::EndSessionRequest end;
  end.set_owner_token(started.owner_token());
  v1::SessionSummary sum;
  ASSERT_TRUE(treatment->EndSession(&ectx, end, &sum).ok());
  link.stop();
  {
    // Ended twice: refused, saying how and when the session ended (#13).
    grpc::ClientContext again;
    v1::SessionSummary none;
    const grpc::Status st = treatment->EndSession(&again, end, &none);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(st.error_message(), "no active session: the last one, " + started.session_id() +
                                      ", was ended at " + sum.ended_at());
  }
  EXPECT_GT(link.messages(), 30);
  EXPECT_EQ(sum.session_id(), started.session_id());
  EXPECT_FALSE(sum.active());
  EXPECT_FALSE(sum.ended_at().empty());
  ASSERT_EQ(sum.zones_size(), 2);
  // (On a failure, the summary and the device's alarms say what stopped the needles.)
  EXPECT_GT(sum.run_s(), 4.5) << sum.ShortDebugString() << "\n" << alarm_history();
  const double expected = 100.0 * sum.run_s();
  EXPECT_NEAR(static_cast<double>(sum.strokes()), expected, 0.02 * expected)
      << sum.ShortDebugString() << "\n"
      << alarm_history();
  EXPECT_EQ(sum.microchannels(), sum.strokes() * 36);
  EXPECT_EQ(sum.cartridge_serial(), "C-100");
  EXPECT_EQ(sum.aftercare_size(), 6);
  EXPECT_EQ(sum.operator_id(), "dr-a");
  EXPECT_LT(sum.speed_worst_dev_hz(), 3.0);
  EXPECT_TRUE(wait_for([](const v1::Status& s) { return s.state() == v1::STATE_IDLE; }, 5s));

  // The cartridge is spent: a new session with it is refused.
  v1::StartSessionResponse again;
  const grpc::Status st = start(good_request(), again);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.error_message().find("already used"), std::string::npos) << st.error_message();
  // Anyone may read the summary back.
  grpc::ClientContext gctx;
  v1::GetSessionRequest get;
  v1::SessionSummary back;
  ASSERT_TRUE(treatment->GetSession(&gctx, get, &back).ok());
  EXPECT_EQ(back.strokes(), sum.strokes());
}

TEST_F(Sessions, RefusalsNameEveryReason) {
  insert_cartridge("C-200");
  v1::StartSessionRequest r = good_request();
  r.mutable_answers()->set_pregnant(true);
  v1::StartSessionResponse out;
  grpc::Status st = start(r, out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.error_message().find("pregnancy"), std::string::npos);

  r = good_request();
  r.set_zone("periorbital");
  r.set_depth_um(1600);
  r.set_speed_hz(400);
  st = start(r, out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("depth_um 1600 outside 200..300"), std::string::npos);
  EXPECT_NE(st.error_message().find("; speed_hz 400"), std::string::npos) << st.error_message();
  EXPECT_EQ(status().state(), v1::STATE_IDLE);
}

TEST_F(Sessions, OnlyTheOwnerChangesItAndALostLinkStopsTheNeedles) {
  insert_cartridge("C-300");
  v1::StartSessionResponse started;
  ASSERT_TRUE(start(good_request(), started).ok());
  grpc::ClientContext uctx;
  v1::UpdateSessionRequest up;
  up.set_owner_token("not-the-owner");
  up.set_depth_um(900);
  v1::SessionInfo info;
  EXPECT_EQ(treatment->UpdateSession(&uctx, up, &info).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Only the owner may hold the link.
  EXPECT_EQ(link_refusal("not-the-owner").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Without the owner's link the trigger does nothing.
  trigger(true);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(status().state(), v1::STATE_ARMED);
  {
    LinkHolder link(*treatment, started.owner_token());
    ASSERT_TRUE(press_until_running());
    link.stop();  // the tablet goes away
    ASSERT_TRUE(wait_for([](const v1::Status& s) { return has_alarm(s, "LINK_LOST"); }, 5s))
        << status().ShortDebugString();
    const v1::Status s = status();
    EXPECT_EQ(s.state(), v1::STATE_ARMED);
    EXPECT_FALSE(s.motor_enabled());
  }
  // The owner comes back: the alarm clears, but the trigger held through the loss does not
  // restart the needles (finding 2 of #9); a new press does.
  LinkHolder again(*treatment, started.owner_token());
  ASSERT_TRUE(wait_for([](const v1::Status& s) { return !has_alarm(s, "LINK_LOST"); }, 5s));
  for (int i = 0; i < 50; ++i) {
    const v1::Status s = status();
    ASSERT_EQ(s.state(), v1::STATE_ARMED);
    ASSERT_FALSE(s.motor_enabled());
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(press_until_running());
  trigger(false);
}

TEST_F(Sessions, AfterAnEstopTheOwnerResumesTheSameSessionWithItsOwnCartridge) {
  insert_cartridge("C-400");
  v1::StartSessionResponse started;
  ASSERT_TRUE(start(good_request(), started).ok());
  LinkHolder link(*treatment, started.owner_token());
  ASSERT_TRUE(press_until_running());
  std::this_thread::sleep_for(500ms);
  estop(true);
  ASSERT_TRUE(wait_for([](const v1::Status& s) { return s.state() == v1::STATE_ESTOP; }, 5s));
  trigger(false);

  v1::SessionInfo info;
  auto st = resume(started.owner_token(), info);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.error_message().find("the device is ESTOP"), std::string::npos)
      << st.error_message();
  EXPECT_NE(st.error_message().find("unresolved alarms: ESTOP"), std::string::npos)
      << st.error_message();
  EXPECT_EQ(resume("not-the-owner", info).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  estop(false);
  acknowledge_all();
  ASSERT_TRUE(wait_for([](const v1::Status& s) { return s.state() == v1::STATE_IDLE; }, 5s));
  insert_cartridge("C-OTHER");
  st = resume(started.owner_token(), info);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(st.error_message().find("cartridge C-OTHER is not the session's (C-400)"),
            std::string::npos)
      << st.error_message();

  insert_cartridge("C-400");
  st = resume(started.owner_token(), info);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(info.state(), v1::STATE_ARMED);
  EXPECT_EQ(info.depth_um(), 1000);
  ASSERT_TRUE(press_until_running());
  std::this_thread::sleep_for(500ms);
  trigger(false);

  grpc::ClientContext ectx;
  v1::EndSessionRequest end;
  end.set_owner_token(started.owner_token());
  v1::SessionSummary sum;
  ASSERT_TRUE(treatment->EndSession(&ectx, end, &sum).ok());
  EXPECT_NE(std::find(sum.alarms().begin(), sum.alarms().end(), "ESTOP"), sum.alarms().end());
  EXPECT_GT(sum.run_s(), 0.8) << "both runs count";
  EXPECT_EQ(sum.cartridge_serial(), "C-400");
}

// Found by requests_fuzz (UBSan: signed overflow): a `since` day before 1970 overflowed its
// nanoseconds; one before 0274 wrapped into the future and hid every session.
TEST_F(Sessions, ListingSinceADayLongBefore1970ListsEverySession) {
  v1::StartSessionResponse started;
  ASSERT_NO_FATAL_FAILURE(arm_session("C-OLD-DAY", started));
  for (const char* day : {"0274-01-01", "1357-01-01", "0001-01-01", "1969-12-31"}) {
    grpc::ClientContext ctx;
    v1::ListSessionsRequest req;
    req.set_since(day);
    v1::ListSessionsResponse resp;
    const grpc::Status st = treatment->ListSessions(&ctx, req, &resp);
    ASSERT_TRUE(st.ok()) << day << ": " << st.error_message();
    ASSERT_EQ(resp.sessions_size(), 1) << day;
    EXPECT_EQ(resp.sessions(0).session_id(), started.session_id()) << day;
  }
}

}  // namespace
}  // namespace dermad::test
