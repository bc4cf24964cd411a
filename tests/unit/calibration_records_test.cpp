// Committed calibrations in the records (#14): each kept with who and when it is due, the
// newest of a kind found, the history in order, and every commit in the chain.
#include <gtest/gtest.h>

#include "daemon/store/details.hpp"
#include "tests/unit/store_fixture.hpp"

namespace dermad::store {
namespace {

class CalibrationRecordsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    std::string err;
    ASSERT_TRUE(s.open(path_, err)) << err;
  }
  CalibrationRecord commit(const std::string& kind, int64_t at, const std::string& data) {
    CalibrationRecord c{0, kind, at, "unix uid 0 pid 7 (engineer)", at + kYear, data};
    std::string err;
    EXPECT_TRUE(s.commit_calibration(c, 1000, err)) << err;
    return c;
  }
  static constexpr int64_t kT0 = 1'800'000'000'000'000'000, kYear = 31'536'000'000'000'000;
  Store s;
};

TEST_F(CalibrationRecordsTest, TheNewestOfAKindIsInForceAndTheHistoryKeepsEveryCommit) {
  EXPECT_FALSE(s.latest_calibration("depth"));
  const auto first = commit("depth", kT0, R"({"gain":0.97,"offset_um":-38.8})");
  commit("speed", kT0 + 1, R"({"kp":0.03})");
  const auto second = commit("depth", kT0 + 2, R"({"gain":1.0,"offset_um":0.5})");
  EXPECT_GT(second.id, first.id);
  const auto now = s.latest_calibration("depth");
  ASSERT_TRUE(now);
  EXPECT_EQ(now->id, second.id);
  EXPECT_EQ(now->data, R"({"gain":1.0,"offset_um":0.5})");
  EXPECT_EQ(now->by, "unix uid 0 pid 7 (engineer)");
  EXPECT_EQ(now->due_wall_ns, kT0 + 2 + kYear);
  const auto depth = s.calibrations("depth", 10);
  ASSERT_EQ(depth.size(), 2u);
  EXPECT_EQ(depth[0].id, first.id);  // oldest first
  EXPECT_EQ(s.calibrations("", 10).size(), 3u);
  EXPECT_EQ(s.calibrations("", 1).size(), 1u);
  EXPECT_EQ(s.calibrations("", 1)[0].id, second.id);  // the newest one
}

TEST_F(CalibrationRecordsTest, EachCommitIsChainedWithWhatItSet) {
  const auto c = commit("depth", kT0, R"({"gain":0.97})");
  EXPECT_TRUE(s.verify().empty());
  const auto ev = s.read(0, 10);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, "calibration_committed");
  const auto d = Details::parse(ev[0].details);
  EXPECT_EQ(d.at("id").get<int64_t>(), c.id);
  EXPECT_EQ(d.at("kind"), "depth");
  EXPECT_EQ(d.at("by"), "unix uid 0 pid 7 (engineer)");
  EXPECT_EQ(d.at("data").at("gain").get<double>(), 0.97);
}

TEST_F(CalibrationRecordsTest, WhatIsNotAnObjectOrHasNoOneAnswerableIsRefused) {
  CalibrationRecord c{0, "depth", kT0, "engineer", kT0, "[1,2]"};
  std::string err;
  EXPECT_FALSE(s.commit_calibration(c, 0, err));
  EXPECT_NE(err.find("JSON object"), std::string::npos) << err;
  c.data = "{}";
  c.by = "";
  EXPECT_FALSE(s.commit_calibration(c, 0, err));
  EXPECT_NE(err.find("who commits it"), std::string::npos) << err;
  EXPECT_TRUE(s.calibrations("", 10).empty());
  EXPECT_EQ(s.last_seq(), 0);
}

}  // namespace
}  // namespace dermad::store
