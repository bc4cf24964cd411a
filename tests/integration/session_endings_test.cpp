// A session ended while its records could not be written (#10 finding 7): the operator has
// the summary, readers see it ended, and the records say "ended" once they take writes
// again, in the same run or at the next start; never "aborted" as if the pen had crashed.
//
// The records are made unwritable from outside, as a full disk would make them: the daemon's
// file size limit (RLIMIT_FSIZE, what prlimit(1) sets) lowered below the records' size.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "dermad/v1/log.grpc.pb.h"
#include "tests/integration/daemon_process.hpp"
#include "tests/integration/pen_client.hpp"

namespace dermad::test {
namespace {

// Below the size of any records file, above the size of the small files beside it (the
// witness, the endings): the database and its WAL refuse writes, those files do not.
constexpr rlim_t kSmallFilesOnly = 4096;

void limit_file_size(const DaemonProcess& d, rlim_t bytes) {
  const rlimit r{bytes, RLIM_INFINITY};
  ASSERT_EQ(::prlimit(d.pid(), RLIMIT_FSIZE, &r, nullptr), 0) << std::strerror(errno);
}

std::vector<v1::LogEvent> session_events(const DaemonProcess& d, const std::string& id) {
  auto logs = v1::LogService::NewStub(d.channel());
  grpc::ClientContext ctx;
  v1::ReadEventsRequest req;
  req.set_limit(100000);
  req.set_session_id(id);
  auto reader = logs->ReadEvents(&ctx, req);
  std::vector<v1::LogEvent> out;
  v1::LogEvent e;
  while (reader->Read(&e)) out.push_back(e);
  EXPECT_TRUE(reader->Finish().ok());
  return out;
}

int count_kind(const std::vector<v1::LogEvent>& events, const std::string& kind) {
  int n = 0;
  for (const auto& e : events) n += e.kind() == kind ? 1 : 0;
  return n;
}

v1::SessionSummary stored_session(const DaemonProcess& d, const std::string& id) {
  PenClient pen;
  pen.connect(d.channel());
  grpc::ClientContext ctx;
  v1::GetSessionRequest req;
  req.set_session_id(id);
  v1::SessionSummary s;
  EXPECT_TRUE(pen.treatment->GetSession(&ctx, req, &s).ok());
  return s;
}

// A session run for a moment, then ended while the records refuse writes. Its id.
std::string end_session_while_records_fail(DaemonProcess& daemon, const std::string& cartridge) {
  PenClient pen;
  pen.connect(daemon.channel());
  v1::StartSessionResponse started;
  pen.arm_session(cartridge, started);
  LinkHolder link(*pen.treatment, started.owner_token());
  EXPECT_TRUE(pen.press_until_running()) << daemon.log();
  std::this_thread::sleep_for(300ms);
  pen.trigger(false);

  limit_file_size(daemon, kSmallFilesOnly);
  // The session's summary is checkpointed once a second: that write fails first.
  EXPECT_TRUE(pen.wait_for(
      [](const v1::Status& s) { return PenClient::has_alarm(s, "RECORDS_FAILED"); }, 5s))
      << daemon.log();

  grpc::ClientContext ctx;
  v1::EndSessionRequest end;
  end.set_owner_token(started.owner_token());
  v1::SessionSummary summary;
  const grpc::Status st = pen.treatment->EndSession(&ctx, end, &summary);
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_GT(summary.strokes(), 0u);
  link.finish();

  // Readers see it ended though the records do not say so yet.
  EXPECT_EQ(stored_session(daemon, started.session_id()).state(), v1::SESSION_STATE_ENDED);
  EXPECT_EQ(count_kind(session_events(daemon, started.session_id()), "session_ended"), 0);
  return started.session_id();
}

TEST(SessionEndings, AnEndingTheRecordsRefusedIsRecordedOnceTheyTakeWritesAgain) {
  StateDir state;
  std::string id;
  {
    DaemonProcess daemon({"--state-dir", state.path()});
    ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
    id = end_session_while_records_fail(daemon, "C-END-1");

    limit_file_size(daemon, RLIM_INFINITY);  // space freed
    std::vector<v1::LogEvent> events;
    for (int i = 0; i < 100 && count_kind(events, "session_ended") == 0; ++i) {
      std::this_thread::sleep_for(50ms);
      events = session_events(daemon, id);
    }
    ASSERT_EQ(count_kind(events, "session_ended"), 1) << daemon.log();
    EXPECT_EQ(events.back().details().find("recorded_late"), std::string::npos);
    EXPECT_EQ(stored_session(daemon, id).state(), v1::SESSION_STATE_ENDED);
    EXPECT_NE(daemon.log().find("session " + id + " recorded as ended"), std::string::npos)
        << daemon.log();
    ASSERT_EQ(WEXITSTATUS(daemon.stop(SIGTERM)), 0) << daemon.log();
  }
  EXPECT_FALSE(std::filesystem::exists(state.path() + "/dermad.endings"));

  // The next start finds nothing open: no "crash" is recorded for it.
  DaemonProcess again({"--state-dir", state.path()});
  ASSERT_TRUE(again.wait_ready()) << again.log();
  const auto events = session_events(again, id);
  EXPECT_EQ(count_kind(events, "session_ended"), 1);
  EXPECT_EQ(count_kind(events, "session_aborted"), 0);
  const auto s = stored_session(again, id);
  EXPECT_EQ(s.state(), v1::SESSION_STATE_ENDED);
  EXPECT_EQ(s.end_reason(), "");
  EXPECT_GT(s.strokes(), 0u);
}

TEST(SessionEndings, AnEndingStillRefusedAtTheStopIsRecordedAtTheNextStart) {
  StateDir state;
  std::string id;
  {
    DaemonProcess daemon({"--state-dir", state.path()});
    ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
    id = end_session_while_records_fail(daemon, "C-END-2");
    ASSERT_EQ(WEXITSTATUS(daemon.stop(SIGTERM)), 0) << daemon.log();
    EXPECT_NE(daemon.log().find("session ending(s) could not be written; the next start"),
              std::string::npos)
        << daemon.log();
  }
  ASSERT_TRUE(std::filesystem::exists(state.path() + "/dermad.endings"));

  DaemonProcess again({"--state-dir", state.path()});
  ASSERT_TRUE(again.wait_ready()) << again.log();
  EXPECT_NE(again.log().find("session " + id + " ended in the last run: recorded now"),
            std::string::npos)
      << again.log();
  const auto events = session_events(again, id);
  ASSERT_EQ(count_kind(events, "session_ended"), 1);
  EXPECT_EQ(count_kind(events, "session_aborted"), 0);
  for (const auto& e : events) {
    if (e.kind() == "session_ended") {
      EXPECT_NE(e.details().find(R"("recorded_late":true)"), std::string::npos) << e.details();
    }
  }
  const auto s = stored_session(again, id);
  EXPECT_EQ(s.state(), v1::SESSION_STATE_ENDED);
  EXPECT_EQ(s.end_reason(), "");
  EXPECT_GT(s.strokes(), 0u);
  EXPECT_FALSE(std::filesystem::exists(state.path() + "/dermad.endings"));

  // And what was recorded late is chained like the rest.
  auto logs = v1::LogService::NewStub(again.channel());
  grpc::ClientContext ctx;
  v1::VerifyLogResponse verified;
  ASSERT_TRUE(logs->VerifyLog(&ctx, {}, &verified).ok());
  EXPECT_TRUE(verified.problems().empty()) << verified.problems(0);
}

}  // namespace
}  // namespace dermad::test
