// Session endings that wait for the records: retried in order, written once, kept in a file
// across a stop byte for byte, and a damaged file refused with its line.
#include <gtest/gtest.h>

#include <fstream>

#include "daemon/store/pending_endings.hpp"
#include "tests/unit/store_fixture.hpp"

namespace dermad::store {
namespace {

using PendingEndingsTest = StoreTest;

constexpr int64_t kT0 = 1'700'000'000'000'000'000;

void begin(Store& s, const std::string& id) {
  std::string err;
  ASSERT_TRUE(s.begin_session(
      {id, "", "op", "p", "general", "C-" + id, kT0, 0, "", "sum"},
      {0, kT0, 1, "session_started", "info", id, R"({"cartridge":"C-)" + id + "\"}", ""}, err))
      << err;
}

std::pair<SessionRow, Event> ending(const std::string& id, const std::string& summary) {
  SessionRow row{id, "ended", "op", "p", "general", "C-" + id, kT0, kT0 + 9, "", summary};
  return {row, {0, kT0 + 9, 5, "session_ended", "info", id, R"({"strokes":12})", ""}};
}

TEST_F(PendingEndingsTest, WaitingEndingsAreWrittenInOrderOnceAndNotTwice) {
  Store s;
  std::string err;
  ASSERT_TRUE(s.open(path_, err)) << err;
  begin(s, "S1");
  begin(s, "S2");
  PendingEndings p;
  auto [r1, e1] = ending("S1", "one");
  auto [r2, e2] = ending("S2", "two");
  p.add(r1, e1);
  p.add(r2, e2);
  EXPECT_EQ(p.find("S2")->summary, "two");
  EXPECT_FALSE(p.find("S3"));
  EXPECT_EQ(p.ids(), (std::set<std::string>{"S1", "S2"}));
  // Open sessions being ended are not aborted as crashes.
  EXPECT_TRUE(s.abort_open_sessions("crash", kT0 + 20, 20, err, p.ids()).empty());

  EXPECT_EQ(p.retry(s), (std::vector<std::string>{"S1", "S2"}));
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(s.session("S1")->state, "ended");
  EXPECT_EQ(s.session("S2")->summary, "two");
  const auto events = s.read(0, 100);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[2].kind, "session_ended");
  EXPECT_EQ(events[2].session_id, "S1");

  // An ending retried after it went through records nothing more.
  p.add(r1, e1);
  EXPECT_EQ(p.retry(s), (std::vector<std::string>{"S1"}));
  EXPECT_EQ(s.read(0, 100).size(), 4u);
  EXPECT_TRUE(s.verify().empty());
}

TEST_F(PendingEndingsTest, WhatWaitsAtStopComesBackByteForByteAndSaysItIsLate) {
  const std::string file = (dir_ / "dermad.endings").string();
  const std::string binary("\x08\x00\x12\x03\xff\x00\n z", 9);  // NULs, a newline, a space
  {
    PendingEndings p;
    auto [row, ev] = ending("S1", binary);
    row.end_reason = "dermad was stopped (SIGTERM)\nduring it";
    row.state = "aborted";
    ev.kind = "session_aborted";
    ev.severity = "warning";
    ev.details = R"({"reason":"a \"quoted\" stop"})";
    p.add(row, ev);
    std::string err;
    ASSERT_TRUE(p.save(file, err)) << err;
  }
  PendingEndings back;
  std::string err;
  ASSERT_TRUE(back.load(file, 77, err)) << err;
  const auto row = back.find("S1");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->summary, binary);
  EXPECT_EQ(row->state, "aborted");
  EXPECT_EQ(row->end_reason, "dermad was stopped (SIGTERM)\nduring it");
  EXPECT_EQ(row->ended_wall_ns, kT0 + 9);

  Store s;
  ASSERT_TRUE(s.open(path_, err)) << err;
  begin(s, "S1");
  EXPECT_EQ(back.retry(s).size(), 1u);
  const auto events = s.read(0, 100);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, "session_aborted");
  EXPECT_EQ(events[1].severity, "warning");
  EXPECT_EQ(events[1].wall_ns, kT0 + 9);  // when it ended, not when it was written
  EXPECT_EQ(events[1].mono_ns, 77);       // this run's clock orders it among this run's events
  EXPECT_EQ(events[1].details, R"({"reason":"a \"quoted\" stop","recorded_late":true})");

  // Nothing left: the file goes.
  ASSERT_TRUE(back.save(file, err)) << err;
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_TRUE(back.load(file, 1, err));  // no file: nothing waits
  EXPECT_TRUE(back.empty());
}

TEST_F(PendingEndingsTest, ADamagedFileIsRefusedWithItsLineAndNothingTaken) {
  const std::string file = (dir_ / "dermad.endings").string();
  {
    PendingEndings p;
    auto [row, ev] = ending("S1", "x");
    p.add(row, ev);
    std::string err;
    ASSERT_TRUE(p.save(file, err)) << err;
  }
  std::string good;
  std::getline(std::ifstream(file), good);
  for (const std::string& bad :
       {std::string("dermad-ending 5331 656e646564 zz"), std::string("not an ending"),
        good.substr(0, good.size() - 3) + "7g}",
        // a state that is neither ended nor aborted ("active")
        std::string("dermad-ending 5331 616374697665 1 - 78 1 - - 7b7d"),
        // details that are not a JSON object: "{oops}", "[1]"
        std::string("dermad-ending 5331 656e646564 1 - 78 1 - - 7b6f6f70737d"),
        std::string("dermad-ending 5331 656e646564 1 - 78 1 - - 5b315d")}) {
    std::ofstream(file) << good << "\n" << bad << "\n";
    PendingEndings p;
    std::string err;
    EXPECT_FALSE(p.load(file, 1, err)) << bad;
    EXPECT_NE(err.find("line 2"), std::string::npos) << err;
    EXPECT_TRUE(p.empty());
  }
}

}  // namespace
}  // namespace dermad::store
