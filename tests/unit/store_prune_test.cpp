// Pruning what the fleet holds (#15): only acknowledged events older than the retention go,
// what the pen still needs of them stays (the counters baseline, the single-use rule), and
// the chain, the witness and the start's checks hold across it and across a reopen.
#include <gtest/gtest.h>

#include "daemon/store/store.hpp"
#include "daemon/store/witness.hpp"
#include "tests/unit/store_fixture.hpp"

namespace dermad::store {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000'000'000;
constexpr int64_t kDay = 86'400'000'000'000;

class StorePruneTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    std::string err;
    ASSERT_TRUE(s.open(path_, err)) << err;
  }

  Event ev(const std::string& kind, const std::string& session, int64_t wall,
           const std::string& details = "{}") {
    return {0, wall, wall - kT0, kind, "info", session, details, ""};
  }

  // A session as dermad records it: its start naming the cartridge, strokes (which chain a
  // `counters` event), its end. Five events, on day `day`.
  void session(const std::string& id, const std::string& cartridge, int day) {
    const int64_t t = kT0 + day * kDay;
    std::string err;
    SessionRow row{id, "", "op-1", "patient-7", "general", cartridge, t, 0, "", "summary"};
    ASSERT_TRUE(s.begin_session(
        row, ev("session_started", id, t, R"({"cartridge":")" + cartridge + "\"}"), err))
        << err;
    std::vector<Event> run{ev("state_changed", id, t + 1, R"({"to":"RUNNING"})")};
    Effects fx;
    fx.counter_deltas = {{"strokes", 600}, {"motor_run_ms", 6000}};
    fx.wall_ns = t + 2;
    fx.mono_ns = 2;
    ASSERT_TRUE(s.append(run, fx, err)) << err;
    std::vector<Event> idle{ev("state_changed", id, t + 3, R"({"to":"IDLE"})")};
    ASSERT_TRUE(s.append(idle, err)) << err;
    row.state = "ended";
    row.ended_wall_ns = t + 4;
    ASSERT_TRUE(s.finish_session(row, ev("session_ended", id, t + 4), err)) << err;
  }

  // The `records_pruned` event is dated at the cut-off, so a later cut-off prunes it too.
  Store::Pruned prune(int64_t up_to, int64_t before, int chunk = 1000) {
    Store::Pruned p;
    std::string err;
    EXPECT_TRUE(s.prune(up_to, before, chunk, before, 7, p, err)) << err;
    return p;
  }

  Store s;
};

TEST_F(StorePruneTest, OnlyWhatTheFleetAcknowledgedAndTheRetentionLetsGoIsPruned) {
  session("S1", "C1", 0);   // events 1..5
  session("S2", "C2", 10);  // events 6..10
  // The fleet has up to 3: no further, however old the rest.
  auto p = prune(3, kT0 + 100 * kDay);
  EXPECT_EQ(p.events, 3);
  EXPECT_EQ(p.through_seq, 3);
  EXPECT_EQ(s.read(0, 1).front().seq, 4);
  // The fleet has everything, but only what is older than day 10 may go: S1's events.
  p = prune(s.last_seq(), kT0 + 10 * kDay);
  EXPECT_EQ(p.events, 2);
  EXPECT_EQ(s.pruned_anchor().seq, 5);
  // Nothing more is due: nothing is written, and the records stay healthy.
  const int64_t head = s.last_seq();
  p = prune(s.last_seq(), kT0 + 10 * kDay);
  EXPECT_EQ(p.events, 0);
  EXPECT_EQ(s.last_seq(), head);
  EXPECT_TRUE(s.healthy());
}

TEST_F(StorePruneTest, TheChainVerifiesFromTheAnchorAndSoDoesAReopenedStore) {
  session("S1", "C1", 0);
  session("S2", "C2", 1);
  const std::string hash4 = s.read(3, 1).front().hash;
  const auto p = prune(4, kT0 + 100 * kDay);
  ASSERT_EQ(p.through_seq, 4);
  EXPECT_EQ(s.hash_at(4), hash4);  // the uploader's link into its next batch
  EXPECT_FALSE(s.hash_at(3).has_value());
  EXPECT_EQ(s.hash_at(5), s.read(4, 1).front().hash);
  EXPECT_TRUE(s.verify().empty());
  EXPECT_TRUE(s.pruning_problems().empty());
  // The pruning is itself chained: what, through where, and the cartridges it keeps.
  EventFilter f;
  f.kinds = {"records_pruned"};
  const auto pruned = s.read(0, 10, f);
  ASSERT_EQ(pruned.size(), 1u);
  EXPECT_NE(pruned[0].details.find(R"("through_seq":4)"), std::string::npos) << pruned[0].details;
  EXPECT_NE(pruned[0].details.find(hash4), std::string::npos);
  EXPECT_NE(pruned[0].details.find(R"("cartridges":1)"), std::string::npos);

  Store again;
  std::string err;
  ASSERT_TRUE(again.open(path_, err)) << err;
  EXPECT_EQ(again.pruned_anchor().seq, 4);
  EXPECT_TRUE(again.verify().empty());
  EXPECT_TRUE(again.counters_problems().empty());
  EXPECT_TRUE(again.pruning_problems().empty());
  std::string report;
  EXPECT_TRUE(check_records(path_, (dir_ / "witness").string(), report)) << report;
}

TEST_F(StorePruneTest, APrunedSessionsCartridgeStaysUsedAndItsRowGoesWithItsLastEvent) {
  session("S1", "C1", 0);
  session("S2", "C2", 10);
  prune(s.last_seq(), kT0 + 5 * kDay);
  EXPECT_FALSE(s.session("S1").has_value());
  EXPECT_TRUE(s.session("S2").has_value());
  EXPECT_TRUE(s.cartridge_used("C1"));  // from pruned_cartridges
  EXPECT_TRUE(s.cartridge_used("C2"));  // from its session_started event
  EXPECT_FALSE(s.cartridge_used("C3"));
  // A session whose start is pruned but whose end is not keeps its row.
  session("S3", "C3", 20);
  prune(s.last_seq(), kT0 + 20 * kDay + 2);
  EXPECT_TRUE(s.session("S3").has_value());
  EXPECT_TRUE(s.cartridge_used("C3"));
}

TEST_F(StorePruneTest, TheNewestCountersBaselineIsNeverPruned) {
  session("S1", "C1", 0);  // its `counters` event is 3
  std::vector<Event> later = events(3);
  for (auto& e : later) e.wall_ns = kT0 + 1 * kDay;
  std::string err;
  ASSERT_TRUE(s.append(later, err)) << err;
  const auto p = prune(s.last_seq(), kT0 + 100 * kDay);
  EXPECT_EQ(p.through_seq, 2);
  EventFilter f;
  f.kinds = {"counters"};
  EXPECT_EQ(s.read(0, 10, f).size(), 1u);
  EXPECT_TRUE(s.counters_problems().empty());
  EXPECT_EQ(s.counters()["strokes"], 600);
  // Without any baseline nothing is pruned: every session start counts from the log's start.
  Store fresh;
  ASSERT_TRUE(fresh.open((dir_ / "fresh.db").string(), err)) << err;
  auto plain = events(5);
  ASSERT_TRUE(fresh.append(plain, err)) << err;
  Store::Pruned none;
  ASSERT_TRUE(fresh.prune(5, kT0 + 100 * kDay, 1000, kT0, 0, none, err)) << err;
  EXPECT_EQ(none.events, 0);
}

TEST_F(StorePruneTest, PruningGoesInChunksEachItsOwnChainedStep) {
  session("S1", "C1", 0);
  session("S2", "C2", 1);  // its counters event is 8
  EXPECT_EQ(prune(100, kT0 + 100 * kDay, 3).through_seq, 3);
  EXPECT_EQ(prune(100, kT0 + 100 * kDay, 3).through_seq, 6);
  EXPECT_EQ(prune(100, kT0 + 100 * kDay, 3).through_seq, 7);
  EXPECT_TRUE(s.verify().empty());
  EXPECT_TRUE(s.pruning_problems().empty());
}

TEST_F(StorePruneTest, AnEditedAnchorOrSingleUseRecordIsFound) {
  session("S1", "C1", 0);
  session("S2", "C2", 1);
  prune(5, kT0 + 100 * kDay);
  ASSERT_TRUE(s.pruning_problems().empty());
  // Someone frees a used cartridge for another session.
  tamper("DELETE FROM pruned_cartridges WHERE serial = 'C1'");
  EXPECT_FALSE(s.cartridge_used("C1"));
  auto problems = s.pruning_problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("single-use record was edited"), std::string::npos) << problems[0];
  tamper("INSERT INTO pruned_cartridges VALUES ('C9', 1)");
  problems = s.pruning_problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("other ones"), std::string::npos) << problems[0];
  tamper("DELETE FROM pruned_cartridges WHERE serial = 'C9'");
  tamper("INSERT INTO pruned_cartridges VALUES ('C1', 1)");
  EXPECT_TRUE(s.pruning_problems().empty());
  // Someone moves the anchor, hiding that events were deleted.
  tamper(
      "DELETE FROM events WHERE seq = 6; UPDATE meta SET value = '6' "
      "WHERE key = 'pruned_through_seq'");
  problems = s.pruning_problems();
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].find("were pruned, but the records begin after 6"), std::string::npos)
      << problems[0];
  EXPECT_FALSE(s.verify().empty());
  std::string report;
  EXPECT_FALSE(check_records(path_, (dir_ / "witness").string(), report));
  EXPECT_NE(report.find("records_pruned"), std::string::npos) << report;
}

TEST_F(StorePruneTest, AWitnessOfAnEventPrunedSinceIsNoAlarmButAWrongAnchorIs) {
  session("S1", "C1", 0);
  session("S2", "C2", 1);
  const Witness before{3, s.read(2, 1).front().hash, 0};
  const Witness at_anchor{5, s.read(4, 1).front().hash, 0};
  prune(5, kT0 + 100 * kDay);
  EXPECT_EQ(witness_problem(s, before), "");
  EXPECT_EQ(witness_problem(s, at_anchor), "");
  const Witness wrong{5, std::string(64, 'a'), 0};
  EXPECT_NE(witness_problem(s, wrong).find("hash differs"), std::string::npos);
  // An engineer's acceptance from before the prune: the chain is verified from the anchor.
  EXPECT_TRUE(s.verify(2).empty());
}

TEST_F(StorePruneTest, AnAcceptedEditBecomesTheNewBaseline) {
  session("S1", "C1", 0);
  session("S2", "C2", 1);
  prune(5, kT0 + 100 * kDay);
  tamper("DELETE FROM pruned_cartridges");
  ASSERT_FALSE(s.pruning_problems().empty());
  std::string err;
  ASSERT_TRUE(s.chain_pruned(kT0 + 2 * kDay, 9, err)) << err;
  EXPECT_TRUE(s.pruning_problems().empty());
  EXPECT_TRUE(s.verify().empty());
}

}  // namespace
}  // namespace dermad::store
