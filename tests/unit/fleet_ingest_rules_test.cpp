// What the ingest refuses before it touches a database, and who an upload is from.
#include <gtest/gtest.h>

#include "daemon/fleet/redact.hpp"
#include "daemon/store/event_log.hpp"
#include "tools/dermad-fleet/ingest_rules.hpp"

namespace dermad::fleet {
namespace {

v1::UploadRequest good(int n) {
  v1::UploadRequest r;
  r.set_prev_hash(store::kGenesisHash);
  std::string prev = store::kGenesisHash;
  for (int i = 1; i <= n; ++i) {
    store::Event s{i, 1000 + i, i, "state_changed", "info", "", R"({"to":"IDLE"})", ""};
    s.hash = store::chain_hash(prev, s);
    prev = s.hash;
    *r.add_events() = outgoing(s, "");
  }
  return r;
}

TEST(FleetIngestRules, AWellFormedBatchPassesAndEachMalformedPartIsNamedBySeq) {
  EXPECT_EQ(malformed(good(3)), "");
  EXPECT_EQ(malformed(v1::UploadRequest{}), "no events");
  EXPECT_EQ(malformed(good(1001)), "more than 1000 events in one batch");
  auto r = good(3);
  r.set_prev_hash("xyz");
  EXPECT_EQ(malformed(r), "prev_hash is not a hex SHA-256");
  r = good(3);
  r.mutable_events(1)->set_seq(7);
  EXPECT_EQ(malformed(r), "event seq 7: seqs must be consecutive");
  r = good(3);
  r.mutable_events(2)->set_details("[1,2]");
  EXPECT_EQ(malformed(r), "event seq 3: details are not a JSON object");
  r.mutable_events(2)->set_details(std::string("{\"a\":\"\0\"", 8));
  EXPECT_EQ(malformed(r), "event seq 3: details are not a JSON object");
  r = good(3);
  r.mutable_events(0)->set_severity("panic");
  EXPECT_EQ(malformed(r), "event seq 1: severity 'panic' is not info, warning or alarm");
  r = good(3);
  r.mutable_events(0)->set_kind("DROP TABLE events;");
  EXPECT_EQ(malformed(r), "event seq 1: kind 'DROP TABLE events;' is not an event kind");
  r = good(3);
  r.mutable_events(0)->set_details(std::string(70 * 1024, ' ') + "{}");
  EXPECT_EQ(malformed(r), "event seq 1: details over 64 KiB");
  r = good(3);
  r.mutable_events(0)->set_seq(0);
  r.mutable_events(1)->set_seq(1);
  r.mutable_events(2)->set_seq(2);
  EXPECT_EQ(malformed(r), "event seq 0: seqs start at 1");
  // A set-aside event carries only its place: no details needed.
  r = good(3);
  r.mutable_events(1)->set_details("");
  r.mutable_events(1)->set_kind("");
  r.mutable_events(1)->set_set_aside("refused: details are not a JSON object");
  EXPECT_EQ(malformed(r), "");
}

TEST(FleetIngestRules, ASessionSummaryMustEndInItsBatchAndBeAnObject) {
  auto r = good(3);
  auto* s = r.add_sessions();
  s->set_session_id("S-1");
  s->set_seq(2);
  s->set_state("ended");
  s->set_summary(R"({"format":1,"strokes":10})");
  EXPECT_EQ(malformed(r), "");
  s->set_seq(9);
  EXPECT_EQ(malformed(r), "session S-1: its ending is not in this batch");
  s->set_seq(2);
  s->set_state("active");
  EXPECT_EQ(malformed(r), "session S-1: state is not ended or aborted");
  s->set_state("aborted");
  s->set_summary("\"text\"");
  EXPECT_EQ(malformed(r), "session S-1: summary is not a JSON object");
}

TEST(FleetIngestRules, ThePlanSkipsWhatIsHeldAndStopsAtAGap) {
  const auto r = good(10);
  auto plan = plan_upload({}, r);
  ASSERT_EQ(plan.rows.size(), 10u);
  EXPECT_EQ(plan.head.committed_seq, 10);
  for (const auto& row : plan.rows) EXPECT_EQ(row.verified, Verified::kChain);
  plan = plan_upload({4, r.events(3).hash()}, r);
  ASSERT_EQ(plan.rows.size(), 6u);
  EXPECT_EQ(plan.rows[0].event->seq(), 5);
  EXPECT_EQ(plan.rows[0].verified, Verified::kChain);
  // Held up to 4, but as another event: what follows does not link.
  plan = plan_upload({4, std::string(64, 'a')}, r);
  EXPECT_EQ(plan.rows[0].verified, Verified::kBroken);
  EXPECT_EQ(plan.rows[1].verified, Verified::kChain);
  // A batch from seq 1 to a device the service holds nothing of past 0 is fine; one from
  // seq 5 to a device at 2 is a gap.
  v1::UploadRequest later;
  later.set_prev_hash(r.events(3).hash());
  for (int i = 4; i < 10; ++i) *later.add_events() = r.events(i);
  plan = plan_upload({2, r.events(1).hash()}, later);
  EXPECT_TRUE(plan.rows.empty());
  EXPECT_EQ(plan.head.committed_seq, 2);
}

TEST(FleetIngestRules, TheDeviceIsTheCertificatesCommonNameAndTheClinicItsOrganisation) {
  auto id = identity_from_subject("CN=pen-0042,O=Clinic Nord,C=DE");
  EXPECT_EQ(id.device, "pen-0042");
  EXPECT_EQ(id.clinic, "Clinic Nord");
  id = identity_from_subject("O=Dr. Weiss\\, Hautarzt,CN=pen-7");
  EXPECT_EQ(id.device, "pen-7");
  EXPECT_EQ(id.clinic, "Dr. Weiss, Hautarzt");
  id = identity_from_subject("O=No Name");
  EXPECT_EQ(id.device, "");
}

}  // namespace
}  // namespace dermad::fleet
