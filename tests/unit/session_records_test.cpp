// Sessions, the cartridge registry, counters, alarm history and a full store.
#include <gtest/gtest.h>

#include "daemon/store/store.hpp"
#include "tests/unit/store_fixture.hpp"

namespace dermad::store {
namespace {

using SessionRecordsTest = StoreTest;

constexpr int64_t kT0 = 1'700'000'000'000'000'000;
constexpr int64_t kDay = 86'400'000'000'000;

SessionRow row(const std::string& id, const std::string& cartridge, int64_t started) {
  return {id, "", "op-1", "patient-7", "general", cartridge, started, 0, "", "summary-" + id};
}

Event ev(const std::string& kind, const std::string& session, int64_t wall,
         const std::string& details = "{}") {
  return {0, wall, wall - kT0, kind, "info", session, details, ""};
}

// A session's start as dermad records it: the event names the cartridge.
Event started(const std::string& session, const std::string& cartridge, int64_t wall) {
  return ev("session_started", session, wall, R"({"cartridge":")" + cartridge + "\"}");
}

TEST_F(SessionRecordsTest, ABegunSessionIsActiveItsCartridgeUsedAndCounted) {
  Store s;
  std::string err;
  ASSERT_TRUE(s.open(path_, err)) << err;
  EXPECT_FALSE(s.cartridge_used("C1"));
  ASSERT_TRUE(s.begin_session(row("S1", "C1", kT0), started("S1", "C1", kT0), err)) << err;
  const auto r = s.session("S1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, "active");
  EXPECT_EQ(r->operator_id, "op-1");
  EXPECT_EQ(r->patient_ref, "patient-7");
  EXPECT_EQ(r->summary, "summary-S1");
  EXPECT_TRUE(s.cartridge_used("C1"));
  EXPECT_EQ(s.counters()["sessions"], 1);
  const auto e = s.read(0, 10);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, "session_started");
  EXPECT_EQ(e[0].session_id, "S1");
}

TEST_F(SessionRecordsTest, CheckpointsAndTheEndKeepTheSummaryBytesExactly) {
  Store s;
  std::string err;
  ASSERT_TRUE(s.open(path_, err)) << err;
  ASSERT_TRUE(s.begin_session(row("S1", "C1", kT0), started("S1", "C1", kT0), err));
  const std::string binary("\x08\x00\x12\x03\xff\x00z", 7);  // a serialized proto has NULs
  ASSERT_TRUE(s.checkpoint_session("S1", binary, err)) << err;
  EXPECT_EQ(s.session("S1")->summary, binary);

  SessionRow end = row("S1", "C1", kT0);
  end.state = "ended";
  end.ended_wall_ns = kT0 + 5;
  end.summary = "";  // keeps the last checkpoint
  ASSERT_TRUE(s.finish_session(end, ev("session_ended", "S1", kT0 + 5), err)) << err;
  const auto r = s.session("S1");
  EXPECT_EQ(r->state, "ended");
  EXPECT_EQ(r->ended_wall_ns, kT0 + 5);
  EXPECT_EQ(r->summary, binary);
  // An ended session takes no more checkpoints.
  ASSERT_TRUE(s.checkpoint_session("S1", "late", err));
  EXPECT_EQ(s.session("S1")->summary, binary);
}

TEST_F(SessionRecordsTest, OpenSessionsAreAbortedAtTheirLastEventAndTheCartridgeStaysUsed) {
  std::string err;
  {
    Store s;
    ASSERT_TRUE(s.open(path_, err)) << err;
    ASSERT_TRUE(s.begin_session(row("S1", "C1", kT0), started("S1", "C1", kT0), err));
    std::vector<Event> during{ev("state_changed", "S1", kT0 + 100),
                              ev("alarm_raised", "S1", kT0 + 200)};
    ASSERT_TRUE(s.append(during, err));
  }  // the daemon dies here without ending S1
  Store s;
  ASSERT_TRUE(s.open(path_, err)) << err;
  const auto ids = s.abort_open_sessions("power cut", kT0 + 900, 900, err);
  ASSERT_EQ(ids, std::vector<std::string>{"S1"}) << err;
  const auto r = s.session("S1");
  EXPECT_EQ(r->state, "aborted");
  EXPECT_EQ(r->end_reason, "power cut");
  EXPECT_EQ(r->ended_wall_ns, kT0 + 200);
  EXPECT_TRUE(s.cartridge_used("C1"));
  const auto e = s.read(0, 10, EventFilter::of_session("S1"));
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e.back().kind, "session_aborted");
  EXPECT_EQ(e.back().details, R"({"reason":"power cut"})");
  EXPECT_TRUE(s.verify().empty());
  // Nothing is left open to abort twice.
  EXPECT_TRUE(s.abort_open_sessions("again", kT0 + 1000, 1000, err).empty());
}

// #10 finding 6: the single-use rule reads the chained events, so editing the cartridges
// table's flag does not re-allow a cartridge; and a start that does not name its cartridge in
// its event is not recorded.
TEST_F(SessionRecordsTest, TheSingleUseRuleReadsTheChainNotAFlagBesideIt) {
  {
    Store s;
    std::string err;
    ASSERT_TRUE(s.open(path_, err)) << err;
    ASSERT_TRUE(s.begin_session(row("S1", "C1", kT0), started("S1", "C1", kT0), err)) << err;
    EXPECT_FALSE(s.begin_session(row("S2", "C2", kT0), ev("session_started", "S2", kT0), err));
    EXPECT_NE(err.find("does not name its cartridge C2"), std::string::npos) << err;
    EXPECT_FALSE(s.session("S2"));
  }
  tamper("UPDATE cartridges SET used = 0, sessions = 0;");
  Store s;
  std::string err;
  ASSERT_TRUE(s.open(path_, err)) << err;
  EXPECT_FALSE(s.cartridge("C1")->used);  // the flag says so ...
  EXPECT_TRUE(s.cartridge_used("C1"));    // ... the chain does not
  EXPECT_TRUE(s.verify().empty());
  EXPECT_FALSE(s.cartridge_used("C2"));
}

TEST_F(SessionRecordsTest, ListingGivesTheNewestSinceADayOldestFirst) {
  Store s;
  std::string err;
  ASSERT_TRUE(s.open(path_, err)) << err;
  for (int i = 0; i < 5; ++i) {
    const std::string id = "S" + std::to_string(i);
    ASSERT_TRUE(s.begin_session(row(id, "C" + std::to_string(i), kT0 + i * kDay),
                                started(id, "C" + std::to_string(i), kT0 + i * kDay), err));
  }
  auto all = s.sessions(0, 100);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all.front().id, "S0");
  EXPECT_EQ(all.back().id, "S4");
  auto since = s.sessions(kT0 + 2 * kDay, 100);
  ASSERT_EQ(since.size(), 3u);
  EXPECT_EQ(since.front().id, "S2");
  auto newest = s.sessions(0, 2);
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0].id, "S3");
  EXPECT_EQ(newest[1].id, "S4");
  EXPECT_EQ(s.last_session()->id, "S4");
  EXPECT_FALSE(s.session("nope"));
}

TEST_F(SessionRecordsTest, CountersAddUpAndAlarmHistoryPairsRaiseWithItsEnd) {
  Store s;
  std::string err;
  ASSERT_TRUE(s.open(path_, err)) << err;
  Effects fx;
  fx.counter_deltas = {{"strokes", 1200}, {"motor_run_ms", 10'000}, {"faults", 1}};
  fx.alarms = {
      {"ESTOP", AlarmTransition::kRaised, kT0 + 1, "S1", ""},
      {"SUPPLY_LOW", AlarmTransition::kRaised, kT0 + 2, "", ""},
      {"SUPPLY_LOW", AlarmTransition::kCleared, kT0 + 3, "", ""},
      {"ESTOP", AlarmTransition::kAcknowledged, kT0 + 4, "", "tls CN=tablet-3 (clinician)"}};
  std::vector<Event> none;
  ASSERT_TRUE(s.append(none, fx, err)) << err;
  fx.alarms.clear();
  ASSERT_TRUE(s.append(none, fx, err)) << err;
  const auto c = s.counters();
  EXPECT_EQ(c.at("strokes"), 2400);
  EXPECT_EQ(c.at("motor_run_ms"), 20'000);
  EXPECT_EQ(c.at("faults"), 2);
  const auto h = s.alarm_history();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].code, "ESTOP");
  EXPECT_EQ(h[0].ended_by, "acknowledged");
  EXPECT_EQ(h[0].ended_wall_ns, kT0 + 4);
  EXPECT_EQ(h[0].acknowledged_by, "tls CN=tablet-3 (clinician)");
  EXPECT_EQ(h[1].ended_by, "cleared");
  EXPECT_EQ(h[1].acknowledged_by, "");
  EXPECT_EQ(s.alarm_history(EventFilter::of_session("S1")).size(), 1u);
  EventFilter f;
  f.kinds = {"SUPPLY_LOW"};
  ASSERT_EQ(s.alarm_history(f).size(), 1u);
  EXPECT_EQ(s.alarm_history(f)[0].code, "SUPPLY_LOW");
  f = {};
  f.since_wall_ns = h[1].raised_wall_ns;  // raised at or after
  EXPECT_EQ(s.alarm_history(f).size(), h[0].raised_wall_ns >= f.since_wall_ns ? 2u : 1u);
  f.since_wall_ns = 0;
  f.until_wall_ns = h[1].raised_wall_ns;  // raised before
  EXPECT_EQ(s.alarm_history(f).size(), h[0].raised_wall_ns < f.until_wall_ns ? 1u : 0u);
  EXPECT_EQ(s.alarm_history({}, 1).size(), 1u);  // the newest alone
  EXPECT_EQ(s.alarm_history({}, 1)[0].code, h[1].code);
}

// #10 finding 6: the counters table is checked against the chain, so an edit beside it shows.
TEST_F(SessionRecordsTest, CountersAreCheckedAgainstTheChainedEvents) {
  {
    Store s;
    std::string err;
    ASSERT_TRUE(s.open(path_, err)) << err;
    EXPECT_TRUE(s.counters_problems().empty());  // a new device: all 0, nothing chained
    ASSERT_TRUE(s.begin_session(row("S1", "C1", kT0), started("S1", "C1", kT0), err)) << err;
    std::vector<Event> fault{
        ev("state_changed", "S1", kT0 + 1, R"({"from":"RUNNING","to":"FAULT"})")};
    Effects fx;
    fx.counter_deltas = {{"faults", 1}, {"strokes", 420}, {"motor_run_ms", 4200}};
    fx.wall_ns = kT0 + 2;
    ASSERT_TRUE(s.append(fault, fx, err)) << err;
    const auto events = s.read(0, 10);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[2].kind, "counters");
    EXPECT_EQ(events[2].details, R"({"strokes":420,"motor_run_ms":4200,"sessions":1,"faults":1})");
    // Sessions after the baseline are counted from their events.
    ASSERT_TRUE(s.begin_session(row("S2", "C2", kT0 + 3), started("S2", "C2", kT0 + 3), err));
    EXPECT_TRUE(s.counters_problems().empty());
  }
  tamper("UPDATE counters SET value = 0 WHERE name = 'sessions'");
  tamper("UPDATE counters SET value = 1 WHERE name = 'strokes'");
  Store s;
  std::string err;
  ASSERT_TRUE(s.open(path_, err)) << err;
  const auto problems = s.counters_problems();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0], "counter sessions is 0 but the chained events say 2");
  EXPECT_EQ(problems[1], "counter strokes is 1 but the chained events say 420");
  // An engineer who has looked makes the counters as they are the new baseline.
  ASSERT_TRUE(s.chain_counters(kT0 + 9, 9, err)) << err;
  EXPECT_TRUE(s.counters_problems().empty());
  EXPECT_TRUE(s.verify().empty());
}

TEST_F(SessionRecordsTest, AFullStoreRefusesWritesWithAReasonAndKeepsWhatItHad) {
  Store s;
  std::string err;
  ASSERT_TRUE(s.open(path_, err, 64 * 1024)) << err;  // a few pages above the schema
  EXPECT_TRUE(s.healthy());
  int64_t written = 0;
  bool full = false;
  for (int i = 0; i < 1000 && !full; ++i) {
    std::vector<Event> batch(20, ev("state_changed", "", kT0 + i));
    for (auto& e : batch) e.details = std::string(200, 'x');
    if (s.append(batch, err)) {
      written += 20;
    } else {
      full = true;
    }
  }
  ASSERT_TRUE(full) << "64 KiB never filled";
  EXPECT_FALSE(s.healthy());
  EXPECT_NE(err.find("full"), std::string::npos) << err;
  EXPECT_EQ(s.last_write_error(), err);
  // Nothing half-written: the log is whole and ends where the last good batch did.
  EXPECT_EQ(s.last_seq(), written);
  EXPECT_TRUE(s.verify().empty());
  // Small rows still fit in the last pages' free space until those are gone too.
  for (int i = 0; i < 1000; ++i) {
    std::vector<Event> one{ev("state_changed", "", kT0)};
    if (!s.append(one, err)) break;
  }
  EXPECT_FALSE(s.begin_session(row("S1", "C1", kT0), started("S1", "C1", kT0), err));
  EXPECT_FALSE(s.healthy());
  EXPECT_FALSE(s.session("S1"));
  EXPECT_FALSE(s.cartridge_used("C1"));
}

}  // namespace
}  // namespace dermad::store
