// The recorder between the loop and the store, on virtual time: which events belong to a
// session, what the counters add up to, and what the loop is told when nothing can be
// written.
#include "daemon/event_recorder.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <boost/asio/io_context.hpp>

#include "daemon/store/details.hpp"
#include "daemon/store/store.hpp"
#include "tests/unit/sim_rig.hpp"
#include "tests/unit/store_fixture.hpp"

namespace dermad {
namespace {

class EventRecorderTest : public store::StoreTest {
 protected:
  void open(int64_t max_bytes = 0) {
    std::string err;
    ASSERT_TRUE(records.open(path_, err, max_bytes)) << err;
    ASSERT_TRUE(rig.boot_to_idle());
    recorder = std::make_unique<EventRecorder>(*rig.core, records, io);
  }
  void estop_cycle() {
    rig.pen.set_estop(true);
    rig.run_ticks(5);
    rig.pen.set_estop(false);
    rig.run_ticks(5);
    rig.acknowledge();
    rig.run_ticks(5);
  }

  test::SimRig rig;
  store::Store records;
  boost::asio::io_context io;
  std::unique_ptr<EventRecorder> recorder;
};

TEST_F(EventRecorderTest, LoopEventsBelongToTheSessionFromItsArmingUntilItEnds) {
  open();
  estop_cycle();  // before the session: nobody's
  const int64_t armed_at = rig.clock.now_ns();
  estop_cycle();  // during it
  recorder->session_begins("S1", armed_at);
  estop_cycle();
  recorder->session_ends();
  estop_cycle();  // after it
  recorder->stop();

  int before = 0, during = 0, after = 0;
  bool seen_end = false;
  for (const auto& e : records.read(0, 1000)) {
    if (e.kind != "alarm_raised") continue;
    if (e.session_id == "S1") {
      ++during;
      EXPECT_GE(e.mono_ns, armed_at);
      EXPECT_FALSE(seen_end);
    } else if (e.mono_ns < armed_at) {
      ++before;
    } else {
      ++after;
      seen_end = true;
    }
  }
  EXPECT_EQ(before, 1);
  EXPECT_EQ(during, 2);
  EXPECT_EQ(after, 1);
  // The alarm history keeps the session too, and each raise ended by its acknowledgement.
  const auto h = records.alarm_history(store::EventFilter::of_session("S1"));
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].code, "ESTOP");
  EXPECT_EQ(h[0].ended_by, "acknowledged");
  EXPECT_TRUE(records.verify().empty());
}

TEST_F(EventRecorderTest, AnAcknowledgementIsRecordedWithWhoSentIt) {
  open();
  recorder->start();
  rig.pen.set_estop(true);
  rig.run_ticks(5);
  rig.pen.set_estop(false);
  rig.run_ticks(5);
  // The rig numbers its commands from next_id: the acknowledgement below is that one.
  recorder->acknowledgement_from(rig.next_id, "unix uid 1000 pid 42 (clinician)");
  ASSERT_EQ(rig.acknowledge(), control::Verdict::kAccepted);
  // Nobody told: recorded as unknown, never as someone else.
  rig.pen.set_estop(true);
  rig.run_ticks(5);
  rig.pen.set_estop(false);
  rig.run_ticks(5);
  ASSERT_EQ(rig.acknowledge(), control::Verdict::kAccepted);
  recorder->stop();

  const auto h = records.alarm_history();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].ended_by, "acknowledged");
  EXPECT_EQ(h[0].acknowledged_by, "unix uid 1000 pid 42 (clinician)");
  EXPECT_EQ(h[1].acknowledged_by, "unknown");
  std::vector<std::string> by;
  for (const auto& e : records.read(0, 1000)) {
    if (e.kind == "alarm_acknowledged")
      by.push_back(store::Details::parse(e.details).at("by").get<std::string>());
  }
  EXPECT_EQ(by, (std::vector<std::string>{"unix uid 1000 pid 42 (clinician)", "unknown"}));
}

TEST_F(EventRecorderTest, CountersAddUpWhatTheLoopDid) {
  open();
  ASSERT_EQ(rig.jog(800, 100, 1000), control::Verdict::kAccepted);
  ASSERT_GT(rig.run_until(
                [](const control::Snapshot& s) {
                  return s.state == control::State::kIdle && s.speed_hz < 1.0;
                },
                5000),
            0);
  recorder->stop();
  const auto s = rig.latest();
  const auto c = records.counters();
  EXPECT_EQ(c.at("strokes"), static_cast<int64_t>(s.strokes));
  EXPECT_NEAR(static_cast<double>(c.at("strokes")), 100.0, 5.0);
  EXPECT_EQ(c.at("motor_run_ms"), s.motor_on_ms);
  EXPECT_NEAR(static_cast<double>(c.at("motor_run_ms")), 1000.0, 50.0);
  EXPECT_EQ(c.at("faults"), 0);
}

TEST_F(EventRecorderTest, AFaultIsCounted) {
  open();
  rig.pen.set_fault(hal::sim::SimFault::kOvertemp, true);
  ASSERT_GT(rig.run_until(
                [](const control::Snapshot& s) { return s.state == control::State::kFault; }, 5000),
            0);
  recorder->stop();
  EXPECT_EQ(records.counters().at("faults"), 1);
  EXPECT_TRUE(records.counters_problems().empty());  // one entry into FAULT, chained
}

TEST_F(EventRecorderTest, WhenTheDriveStopsItsCountersAreWrittenWithTheirTotalsChained) {
  open();
  ASSERT_EQ(rig.jog(800, 100, 500), control::Verdict::kAccepted);
  ASSERT_GT(rig.run_until(
                [](const control::Snapshot& s) {
                  return s.state == control::State::kIdle && s.speed_hz < 1.0;
                },
                5000),
            0);
  // Any drain after the stop (here the daemon's own record), not only the periodic one.
  recorder->record("config_loaded", "info", "{}", "");
  const auto c = records.counters();
  EXPECT_NEAR(static_cast<double>(c.at("strokes")), 50.0, 5.0);
  const auto events = records.read(0, 1000);
  const auto chained = std::find_if(events.rbegin(), events.rend(),
                                    [](const store::Event& e) { return e.kind == "counters"; });
  ASSERT_NE(chained, events.rend());
  EXPECT_NE(chained->details.find("\"strokes\":" + std::to_string(c.at("strokes"))),
            std::string::npos)
      << chained->details;
  EXPECT_TRUE(records.counters_problems().empty());
  // An idle pen adds no counters events.
  recorder->record("config_loaded", "info", "{}", "");
  recorder->stop();
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const store::Event& e) { return e.kind == "counters"; }),
            1);
  const auto later = records.read(0, 1000);
  EXPECT_EQ(std::count_if(later.begin(), later.end(),
                          [](const store::Event& e) { return e.kind == "counters"; }),
            1);
}

TEST_F(EventRecorderTest, WhenNothingCanBeWrittenTheLoopRaisesRecordsFailedAndRunsOn) {
  open(1024);  // below the new file's size: only its pages' free room is left
  EXPECT_EQ(recorder->unwritable(), "");
  int written = 0;
  for (; written < 1000 && recorder->unwritable().empty(); ++written) {
    recorder->record("daemon_started", "info", std::string(100, ' '), "");
  }
  ASSERT_LT(written, 1000);
  const std::string why = recorder->unwritable();
  EXPECT_NE(why.find("full"), std::string::npos) << why;
  rig.run_ticks(2);
  const auto s = rig.latest();
  EXPECT_TRUE(s.alarms.active & control::bit(control::AlarmCode::kRecordsFailed));
  EXPECT_EQ(s.state, control::State::kIdle) << "a medium alarm: the pen stays usable and safe";
  // Kept, not dropped: what could not be written waits for the store.
  const int64_t stored = records.last_seq();
  rig.run_ticks(10);
  recorder->record("another", "info", "{}", "");
  EXPECT_EQ(records.last_seq(), stored);
  EXPECT_FALSE(recorder->unwritable().empty());
}

TEST_F(EventRecorderTest, WhenTheStoreTakesWritesAgainNothingThatWaitedIsLost) {
  open(1024);
  while (recorder->unwritable().empty()) recorder->record("filler", "info", "{}", "");
  const int64_t before = records.last_seq();
  // Meanwhile the pen goes on: an e-stop, and records of the daemon's own.
  rig.run_ticks(2);
  estop_cycle();
  recorder->record("while_full", "info", R"({"n":1})", "");
  EXPECT_EQ(records.last_seq(), before);

  // Room again (a service engineer freed space): the next drain writes what waited.
  std::string err;
  ASSERT_TRUE(records.set_max_bytes(0, err)) << err;
  recorder->record("after", "info", "{}", "");
  EXPECT_EQ(recorder->unwritable(), "");
  rig.run_ticks(2);
  recorder->stop();
  EXPECT_FALSE(rig.latest().alarms.active & control::bit(control::AlarmCode::kRecordsFailed));

  std::vector<std::string> kinds;
  for (const auto& e : records.read(before, 1000)) {
    kinds.push_back(e.kind + (e.details.find("ESTOP") != std::string::npos            ? ":ESTOP"
                              : e.details.find("RECORDS_FAILED") != std::string::npos ? ":RF"
                                                                                      : ""));
  }
  auto has = [&kinds](const std::string& k) {
    return std::find(kinds.begin(), kinds.end(), k) != kinds.end();
  };
  EXPECT_TRUE(has("filler")) << "the one that failed first is written too";
  EXPECT_TRUE(has("alarm_raised:RF"));
  EXPECT_TRUE(has("alarm_raised:ESTOP"));
  EXPECT_TRUE(has("alarm_acknowledged:ESTOP"));
  EXPECT_TRUE(has("while_full"));
  EXPECT_TRUE(has("after"));
  EXPECT_TRUE(has("alarm_cleared:RF"));
  EXPECT_FALSE(has("events_lost"));
  EXPECT_LT(std::find(kinds.begin(), kinds.end(), "while_full"),
            std::find(kinds.begin(), kinds.end(), "after"));
  EXPECT_TRUE(records.verify().empty());
}

TEST_F(EventRecorderTest, BeyondWhatItCanKeepTheLossIsCountedAndRecorded) {
  open(1024);
  recorder = std::make_unique<EventRecorder>(*rig.core, records, io, 8);  // room for 8
  while (recorder->unwritable().empty()) recorder->record("filler", "info", "{}", "");
  const int64_t before = records.last_seq();
  for (int i = 0; i < 20; ++i) recorder->record("while_full", "info", "{}", "");

  std::string err;
  ASSERT_TRUE(records.set_max_bytes(0, err)) << err;
  recorder->stop();
  int kept = 0;
  std::string lost;
  for (const auto& e : records.read(before, 1000)) {
    if (e.kind == "while_full") ++kept;
    if (e.kind == "events_lost") lost = e.details;
  }
  // Eight waited (the filler that failed first among them); every other one is counted.
  EXPECT_GT(kept, 0);
  EXPECT_LT(kept, 8);
  EXPECT_NE(lost.find(R"({"count":)" + std::to_string(20 - kept) + ","), std::string::npos)
      << lost << ", kept " << kept;
  EXPECT_TRUE(records.verify().empty());
}

TEST_F(EventRecorderTest, AnInsertedCartridgeIsRecordedWithItsIdentityAndRegistered) {
  open();
  recorder->read_cartridges_with([this] { return rig.pen.read_cartridge(); });
  rig.pen.insert_cartridge({"C-77", hal::CartridgeType::kGoldNano, 36, "L9", "2030-01-01"});
  rig.run_ticks(3);
  rig.pen.remove_cartridge();
  rig.run_ticks(3);
  recorder->stop();  // drained after the removal: the EEPROM is gone by then
  std::string inserted;
  for (const auto& e : records.read(0, 100)) {
    if (e.kind == "cartridge_inserted") inserted = e.details;
  }
  EXPECT_EQ(inserted, R"({"serial":null})") << "read after it was pulled: unknown, not invented";

  rig.pen.insert_cartridge({"C-77", hal::CartridgeType::kGoldNano, 36, "L9", "2030-01-01"});
  rig.run_ticks(3);
  recorder->stop();
  for (const auto& e : records.read(0, 100)) {
    if (e.kind == "cartridge_inserted") inserted = e.details;
  }
  EXPECT_EQ(inserted, R"({"serial":"C-77","type":"gold-nano","needles":36,"lot":"L9",)"
                      R"("expires":"2030-01-01","checksum_ok":true})");
  const auto c = records.cartridge("C-77");
  ASSERT_TRUE(c);
  EXPECT_GT(c->first_seen_wall_ns, 0);
  EXPECT_FALSE(c->used) << "seen is not used: only a session uses it";
  EXPECT_EQ(c->sessions, 0);
}

}  // namespace
}  // namespace dermad
