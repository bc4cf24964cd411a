// A session from start to end through treatment::Sessions, with the loop, the records, the
// log and the clock as fakes the test steps by hand: every order of verdicts and failures a
// daemon can meet, without gRPC, threads or a disk.
#include "daemon/treatment/sessions.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <regex>

#include "daemon/treatment/session_summary.hpp"
#include "daemon/treatment/wall_time.hpp"

namespace dermad::treatment {
namespace {

using namespace std::chrono;

const std::string kShipped =
    std::string(DERMAD_SOURCE_DIR) + "/daemon/treatment/protocols.textproto";

// Commands wait here until the test gives the loop's verdict.
class FakeLoop final : public LoopPort {
 public:
  void submit(const control::Command& c, Done done) override {
    pending.push_back({c, std::move(done)});
  }
  DeviceView device() override { return view; }
  // The oldest waiting command gets `v`.
  control::Command decide(control::Verdict v, uint32_t detail = 0) {
    auto [c, done] = std::move(pending.front());
    pending.pop_front();
    done(v, detail);
    return c;
  }

  DeviceView view;
  std::deque<std::pair<control::Command, Done>> pending;
};

class FakeRecords final : public SessionStore {
 public:
  bool cartridge_used(const std::string& serial) override { return used.count(serial) > 0; }
  bool begin(const store::SessionRow& row, const store::Event& started,
             std::string& error) override {
    if (!begin_error.empty()) {
      error = begin_error;
      return false;
    }
    rows.push_back(row);
    events.push_back(started);
    used.insert(row.cartridge_serial);
    return true;
  }
  void checkpoint(const store::SessionRow& row) override { checkpoints.push_back(row); }
  void finish(const store::SessionRow& row, const store::Event& finished) override {
    for (auto& r : rows)
      if (r.id == row.id) r = row;
    events.push_back(finished);
  }
  std::optional<store::SessionRow> last() override {
    if (rows.empty()) return std::nullopt;
    return rows.back();
  }

  std::set<std::string> used;
  std::string begin_error;
  std::vector<store::SessionRow> rows, checkpoints;
  std::vector<store::Event> events;
};

class FakeJournal final : public store::Journal {
 public:
  void session_begins(const std::string& id, int64_t since) override {
    calls.push_back("begins " + id + " " + std::to_string(since));
  }
  void session_ends() override { calls.push_back("ends"); }
  void record(const std::string& kind, const std::string&, const std::string& details,
              const std::string& session) override {
    calls.push_back(kind + " " + session + " " + details);
  }
  std::string unwritable() const override { return unwritable_why; }

  std::vector<std::string> calls;
  std::string unwritable_why;
};

class FakeClock final : public SessionClock {
 public:
  system_clock::time_point wall() override { return at; }
  int64_t mono_ns() override { return mono; }
  Date today() override { return floor<days>(at); }

  system_clock::time_point at = sys_days{year{2026} / December / 2} + 13h + 35min;
  int64_t mono = 5'000'000'000;
};

struct Reply {
  bool called = false;
  Outcome outcome;
  SessionRecord record;
  Sessions::Reply fn() {
    return [this](const Outcome& o, const SessionRecord& r) {
      called = true;
      outcome = o;
      record = r;
    };
  }
};

class SessionsTest : public ::testing::Test {
 protected:
  SessionsTest() : protocols(*load_protocols(kShipped).set) {
    loop.view.state = control::State::kIdle;
    loop.view.cartridge =
        hal::CartridgeInfo{"C-7", hal::CartridgeType::kStandard, 36, "L9", "2027-06-30"};
  }

  static StartRequest good() {
    StartRequest r;
    r.protocol = "general";
    r.zone = "cheeks";
    r.depth_um = 1000;
    r.speed_hz = 100;
    r.answers.consultation_done = true;
    r.operator_id = "nurse-1";
    return r;
  }

  // A started session (armed, recorded); its owner token.
  std::string started() {
    Reply r;
    sessions.start(good(), r.fn());
    loop.decide(control::Verdict::kAccepted);
    EXPECT_TRUE(r.outcome.ok()) << r.outcome.text;
    return r.record.owner_token;
  }

  ProtocolSet protocols;
  FakeLoop loop;
  FakeRecords records;
  FakeJournal journal;
  FakeClock clock;
  Sessions sessions{protocols, loop, records, journal, clock, 41};
};

TEST_F(SessionsTest, AStartIsRecordedOnlyOnceTheLoopHasArmed) {
  Reply r;
  sessions.start(good(), r.fn());
  ASSERT_EQ(loop.pending.size(), 1u);
  const control::Command& arm = loop.pending.front().first;
  EXPECT_EQ(arm.kind, control::CommandKind::kArm);
  EXPECT_EQ(arm.depth_um, 1000);
  EXPECT_EQ(arm.depth_max_um, 1500);  // the cheeks' limit travels with the command
  EXPECT_FALSE(r.called);
  EXPECT_TRUE(records.rows.empty());
  EXPECT_FALSE(sessions.current());

  const int64_t asked_at = clock.mono;
  clock.at += 2s;  // the verdict comes later: the start time is the arming's
  clock.mono += 2'000'000'000;
  loop.decide(control::Verdict::kAccepted);

  ASSERT_TRUE(r.called);
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.text;
  EXPECT_EQ(r.record.id, "S20261202-133500-42");  // named when asked, numbered on from 41
  EXPECT_TRUE(std::regex_match(r.record.owner_token, std::regex("[0-9a-f]{32}")));
  ASSERT_EQ(records.rows.size(), 1u);
  EXPECT_EQ(records.rows[0].state, "active");
  EXPECT_EQ(records.rows[0].operator_id, "nurse-1");
  EXPECT_EQ(records.rows[0].started_wall_ns, to_wall_ns(clock.at));
  EXPECT_EQ(records.events[0].kind, "session_started");
  EXPECT_EQ(records.events[0].mono_ns, clock.mono);
  EXPECT_TRUE(parse_summary(records.rows[0].summary).has_value());
  // The log counts the loop's events from the request on as the session's.
  ASSERT_FALSE(journal.calls.empty());
  EXPECT_EQ(journal.calls[0], "begins " + r.record.id + " " + std::to_string(asked_at));
  ASSERT_TRUE(sessions.current());
  EXPECT_EQ(sessions.current()->id, r.record.id);
}

TEST_F(SessionsTest, EveryReasonARefusedStartHasIsGivenAndTheLoopIsNotAsked) {
  loop.view.state = control::State::kFault;
  loop.view.active_alarms = control::bit(control::AlarmCode::kMotorStall);
  StartRequest req = good();
  req.depth_um = 1900;
  Reply r;
  sessions.start(req, r.fn());
  ASSERT_TRUE(r.called);
  EXPECT_EQ(r.outcome.code, Outcome::kInvalid);  // a bad value first, whatever the state
  EXPECT_NE(r.outcome.text.find("depth_um 1900"), std::string::npos) << r.outcome.text;
  EXPECT_NE(r.outcome.text.find("MOTOR_STALL"), std::string::npos) << r.outcome.text;
  EXPECT_TRUE(loop.pending.empty());
  EXPECT_TRUE(records.rows.empty());

  // Only wrong moments: a precondition.
  Reply again;
  sessions.start(good(), again.fn());
  EXPECT_EQ(again.outcome.code, Outcome::kPrecondition);
}

TEST_F(SessionsTest, AUsedCartridgeIsRefusedFromTheRecords) {
  records.used.insert("C-7");
  Reply r;
  sessions.start(good(), r.fn());
  EXPECT_EQ(r.outcome.code, Outcome::kPrecondition);
  EXPECT_NE(r.outcome.text.find("C-7"), std::string::npos) << r.outcome.text;
}

TEST_F(SessionsTest, UnwritableRecordsRefuseAStart) {
  journal.unwritable_why = "disk full";
  Reply r;
  sessions.start(good(), r.fn());
  EXPECT_EQ(r.outcome.code, Outcome::kPrecondition);
  EXPECT_NE(r.outcome.text.find("disk full"), std::string::npos) << r.outcome.text;
  EXPECT_TRUE(loop.pending.empty());
}

TEST_F(SessionsTest, TwoClientsRacingToStartArmOnlyOnce) {
  Reply first, second;
  sessions.start(good(), first.fn());
  sessions.start(good(), second.fn());
  ASSERT_TRUE(second.called);
  EXPECT_EQ(second.outcome.code, Outcome::kPrecondition);
  EXPECT_NE(second.outcome.text.find("another client is starting"), std::string::npos);
  EXPECT_EQ(loop.pending.size(), 1u);
  loop.decide(control::Verdict::kAccepted);
  EXPECT_TRUE(first.outcome.ok());

  Reply third;
  sessions.start(good(), third.fn());
  EXPECT_EQ(third.outcome.code, Outcome::kPrecondition);
  EXPECT_NE(third.outcome.text.find("a session is active already"), std::string::npos);
}

TEST_F(SessionsTest, ALoopThatRefusesArmingLeavesNoSessionAndFreesTheNextStart) {
  Reply r;
  sessions.start(good(), r.fn());
  loop.decide(control::Verdict::kRefusedAlarms, 0);
  EXPECT_EQ(r.outcome.code, Outcome::kLoop);
  EXPECT_EQ(r.outcome.verdict, control::Verdict::kRefusedAlarms);
  EXPECT_EQ(r.outcome.doing, "arming");
  EXPECT_TRUE(records.rows.empty());
  EXPECT_TRUE(journal.calls.empty());
  EXPECT_FALSE(sessions.current());

  Reply next;
  sessions.start(good(), next.fn());
  EXPECT_EQ(loop.pending.size(), 1u) << next.outcome.text;
}

TEST_F(SessionsTest, ASessionTheRecordsRefuseIsDisarmedAndNeverRuns) {
  records.begin_error = "database or disk is full";
  Reply r;
  sessions.start(good(), r.fn());
  loop.decide(control::Verdict::kAccepted);
  EXPECT_EQ(r.outcome.code, Outcome::kPrecondition);
  EXPECT_NE(r.outcome.text.find("could not be recorded (database or disk is full)"),
            std::string::npos);
  ASSERT_EQ(loop.pending.size(), 1u);
  EXPECT_EQ(loop.pending.front().first.kind, control::CommandKind::kDisarm);
  EXPECT_FALSE(sessions.current());
  ASSERT_EQ(journal.calls.size(), 2u);
  EXPECT_EQ(journal.calls[1], "ends");
}

TEST_F(SessionsTest, OnlyTheOwnerChangesResumesOrEndsTheSession) {
  Reply none;
  sessions.update("x", "", 1200, 0, {}, none.fn());
  EXPECT_EQ(none.outcome.code, Outcome::kPrecondition);
  EXPECT_EQ(none.outcome.text, "no active session (none yet)");

  const std::string token = started();
  for (auto call : {+[](Sessions&s, Sessions::Reply f) { s.update("", "", 1200, 0, {}, f); },
                    +[](Sessions&s, Sessions::Reply f) { s.resume("wrong", f); },
                    +[](Sessions&s, Sessions::Reply f) { s.end("wrong", f); }}) {
    Reply r;
    call(sessions, r.fn());
    EXPECT_EQ(r.outcome.code, Outcome::kPermission);
    EXPECT_NE(r.outcome.text.find("only the client that started the session"), std::string::npos);
  }
  EXPECT_TRUE(loop.pending.empty());
  EXPECT_TRUE(sessions.current());
}

TEST_F(SessionsTest, AnUpdateIsHeldToTheStartsRulesAndLoggedOnceTheLoopTakesIt) {
  const std::string token = started();
  Reply bad;
  sessions.update(token, "periorbital", 1600, 0, {{"hyaluronic", ""}}, bad.fn());
  EXPECT_EQ(bad.outcome.code, Outcome::kInvalid);
  EXPECT_NE(bad.outcome.text.find("outside 200..300 um for periorbital"), std::string::npos)
      << bad.outcome.text;
  EXPECT_TRUE(loop.pending.empty());

  Reply ok;
  sessions.update(token, "forehead", 0, 0, {}, ok.fn());  // the zone's default depth
  ASSERT_EQ(loop.pending.size(), 1u);
  EXPECT_EQ(loop.pending.front().first.kind, control::CommandKind::kUpdate);
  EXPECT_EQ(sessions.current()->zone, "cheeks");  // not before the loop's verdict
  loop.decide(control::Verdict::kAccepted);
  ASSERT_TRUE(ok.outcome.ok()) << ok.outcome.text;
  EXPECT_EQ(ok.record.zone, "forehead");
  EXPECT_EQ(sessions.current()->zone, "forehead");
  EXPECT_EQ(journal.calls.back().rfind("session_updated " + ok.record.id, 0), 0u)
      << journal.calls.back();
}

TEST_F(SessionsTest, ResumeNeedsTheSessionsOwnCartridge) {
  const std::string token = started();
  loop.view.cartridge->serial = "C-8";
  Reply r;
  sessions.resume(token, r.fn());
  EXPECT_EQ(r.outcome.code, Outcome::kPrecondition);
  EXPECT_NE(r.outcome.text.find("cartridge C-8 is not the session's (C-7)"), std::string::npos)
      << r.outcome.text;
  EXPECT_TRUE(loop.pending.empty());

  loop.view.cartridge->serial = "C-7";
  Reply back;
  sessions.resume(token, back.fn());
  loop.decide(control::Verdict::kAccepted);
  EXPECT_TRUE(back.outcome.ok()) << back.outcome.text;
  EXPECT_EQ(journal.calls.back().rfind("session_resumed", 0), 0u);
}

TEST_F(SessionsTest, AnEndedSessionIsRecordedAndASecondEndSaysWhenItEnded) {
  const std::string token = started();
  clock.at += 10min;
  Reply r;
  sessions.end(token, r.fn());
  EXPECT_TRUE(sessions.current());  // until the loop has disarmed
  EXPECT_EQ(loop.decide(control::Verdict::kAccepted).kind, control::CommandKind::kDisarm);
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.text;
  EXPECT_FALSE(r.record.active);
  EXPECT_FALSE(sessions.current());
  EXPECT_EQ(records.rows[0].state, "ended");
  EXPECT_EQ(records.rows[0].ended_wall_ns, to_wall_ns(clock.at));
  EXPECT_EQ(records.events.back().kind, "session_ended");
  EXPECT_EQ(journal.calls.back(), "ends");

  Reply twice;
  sessions.end(token, twice.fn());
  EXPECT_EQ(twice.outcome.code, Outcome::kPrecondition);
  EXPECT_EQ(twice.outcome.text, "no active session: the last one, " + r.record.id +
                                    ", was ended at 2026-12-02T13:45:00Z");
}

TEST_F(SessionsTest, TheLoopNotAnsweringAnEndLeavesTheSessionActive) {
  const std::string token = started();
  Reply r;
  sessions.end(token, r.fn());
  loop.decide(control::Verdict::kPending);
  EXPECT_EQ(r.outcome.code, Outcome::kLoop);
  EXPECT_EQ(r.outcome.doing, "ending the session");
  EXPECT_TRUE(sessions.current());
  EXPECT_EQ(records.rows[0].state, "active");
}

TEST_F(SessionsTest, StoppingAbortsTheActiveSessionWithItsReason) {
  started();
  sessions.abort_active("dermad is stopping (SIGTERM)");
  EXPECT_FALSE(sessions.current());
  EXPECT_EQ(records.rows[0].state, "aborted");
  EXPECT_EQ(records.rows[0].end_reason, "dermad is stopping (SIGTERM)");
  EXPECT_EQ(records.events.back().kind, "session_aborted");
  EXPECT_EQ(records.events.back().severity, "warning");
  Reply r;
  sessions.end("any", r.fn());
  EXPECT_NE(r.outcome.text.find("was aborted at 2026-12-02T13:35:00Z (dermad is stopping"),
            std::string::npos)
      << r.outcome.text;
}

TEST_F(SessionsTest, ATreatmentThatRecordsMaterialsEndsAnywayAndSaysWhichAreMissing) {
  StartRequest tox = good();
  tox.protocol = "tox-facial";
  tox.zone = "forehead";
  tox.depth_um = 250;
  Reply r;
  sessions.start(tox, r.fn());
  loop.decide(control::Verdict::kAccepted);
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.text;
  Reply end;
  sessions.end(r.record.owner_token, end.fn());
  loop.decide(control::Verdict::kAccepted);
  ASSERT_TRUE(end.outcome.ok()) << end.outcome.text;  // never refused: it disarms the pen
  EXPECT_EQ(end.record.materials_missing,
            (std::vector<std::string>{"botox", "hyaluronic-acid", "prp"}));
  EXPECT_NE(records.events.back().details.find(R"("materials_missing":["botox")"),
            std::string::npos)
      << records.events.back().details;
  const auto stored = parse_summary(records.rows.back().summary);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->materials_missing.size(), 3u);

  // With one recorded (and its lot), nothing is missing; a protocol without materials never is.
  records.used.clear();
  tox.materials = {{"botox", "LOT-7"}};
  Reply again;
  sessions.start(tox, again.fn());
  loop.decide(control::Verdict::kAccepted);
  ASSERT_TRUE(again.outcome.ok()) << again.outcome.text;
  sessions.end(again.record.owner_token, end.fn());
  loop.decide(control::Verdict::kAccepted);
  EXPECT_TRUE(end.record.materials_missing.empty());
  records.used.clear();
  const std::string token = started();
  sessions.end(token, end.fn());
  loop.decide(control::Verdict::kAccepted);
  EXPECT_TRUE(end.record.materials_missing.empty());
}

TEST_F(SessionsTest, ACheckpointWritesTheRunningSummary) {
  sessions.checkpoint();
  EXPECT_TRUE(records.checkpoints.empty());
  started();
  sessions.checkpoint();
  ASSERT_EQ(records.checkpoints.size(), 1u);
  EXPECT_EQ(records.checkpoints[0].state, "active");
}

TEST(SessionSummary, RoundTripsThroughTheRecordsFormat) {
  SessionSummary s;
  s.run_s = 12.5;
  s.run_s_by_zone = {{"cheeks", 10.0}, {"forehead", 2.5}};
  s.strokes = 1250;
  s.needles = 36;
  s.depth_mean_um = 998.2;
  s.alarms = {"LINK_LOST"};
  s.findings = {{"retinoid_or_acid", Severity::kAcknowledge, "Retinoid \"used\" 2 days ago"}};
  s.acknowledged = {"retinoid_or_acid"};
  s.materials = {{"botox", "LOT-1"}};
  s.aftercare = {"No makeup for 24 hours."};
  const auto back = parse_summary(summary_text(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->run_s_by_zone, s.run_s_by_zone);
  EXPECT_EQ(back->strokes, 1250u);
  EXPECT_EQ(back->microchannels(), 45000u);
  EXPECT_EQ(back->findings[0].reason, s.findings[0].reason);
  EXPECT_EQ(back->findings[0].severity, Severity::kAcknowledge);
  EXPECT_EQ(back->materials[0].lot, "LOT-1");
  EXPECT_EQ(back->aftercare, s.aftercare);
  EXPECT_EQ(summary_text(*back), summary_text(s));
}

TEST(SessionSummary, WhatIsNotTheRecordsFormatIsSaidSoAndADamagedOneReadsAsFarAsItIsSound) {
  EXPECT_FALSE(parse_summary(""));
  EXPECT_FALSE(parse_summary("\x0a\x05hello"));  // an earlier dermad's protobuf bytes
  EXPECT_FALSE(parse_summary("[1,2]"));
  EXPECT_FALSE(parse_summary(R"({"format":2})"));
  const auto s = parse_summary(
      R"({"format":1,"strokes":"many","run_s":3.5,"alarms":[7,"ESTOP"],"materials":[1]})");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->strokes, 0u);
  EXPECT_EQ(s->run_s, 3.5);
  EXPECT_EQ(s->alarms, std::vector<std::string>{"ESTOP"});
  EXPECT_TRUE(s->materials.empty());
}

}  // namespace
}  // namespace dermad::treatment
