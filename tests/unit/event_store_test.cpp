// The durable event log: migrations, gapless sequence numbers, the hash chain, damage.
#include "daemon/store/store.hpp"
#include "tests/unit/store_fixture.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace dermad::store {
namespace {

using EventStoreTest = StoreTest;

TEST_F(EventStoreTest, AFreshDatabaseIsMigratedToTheCurrentSchemaInWalMode) {
  Store s;
  std::string err;
  ASSERT_TRUE(s.open(path_, err)) << err;
  EXPECT_EQ(s.schema_version(), kSchemaVersion);
  EXPECT_EQ(s.last_seq(), 0);
  EXPECT_TRUE(s.verify().empty());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(EventStoreTest, SequenceNumbersHaveNoGapsAndSurviveAReopen) {
  {
    Store s;
    std::string err;
    ASSERT_TRUE(s.open(path_, err)) << err;
    auto a = events(3);
    ASSERT_TRUE(s.append(a, err)) << err;
    EXPECT_EQ(a[2].seq, 3);
    auto b = events(2, "alarm_raised");
    ASSERT_TRUE(s.append(b, err)) << err;
    EXPECT_EQ(b[1].seq, 5);
    const auto after3 = s.read(3, 10);
    ASSERT_EQ(after3.size(), 2u);
    EXPECT_EQ(after3[0].seq, 4);
    EXPECT_EQ(after3[0].kind, "alarm_raised");
  }
  Store again;
  std::string err;
  ASSERT_TRUE(again.open(path_, err)) << err;
  EXPECT_EQ(again.last_seq(), 5);
  auto c = events(1);
  ASSERT_TRUE(again.append(c, err)) << err;
  EXPECT_EQ(c[0].seq, 6);
  EXPECT_TRUE(again.verify().empty());
  EXPECT_EQ(again.read(0, 100).size(), 6u);
}

TEST_F(EventStoreTest, TheChainFindsAnEditedADeletedAndATruncatedRow) {
  std::string err;
  {
    Store s;
    ASSERT_TRUE(s.open(path_, err)) << err;
    auto e = events(10);
    ASSERT_TRUE(s.append(e, err)) << err;
    ASSERT_TRUE(s.verify().empty());
  }
  tamper("UPDATE events SET details='{\"to\":\"RUNNING\"}' WHERE seq=4");
  {
    Store s;
    ASSERT_TRUE(s.open(path_, err)) << err;
    const auto p = s.verify();
    ASSERT_FALSE(p.empty());
    EXPECT_EQ(p[0], "event 4 does not match its hash");
  }
  tamper("DELETE FROM events WHERE seq=7");
  {
    Store s;
    ASSERT_TRUE(s.open(path_, err)) << err;
    const auto p = s.verify();
    EXPECT_NE(std::find(p.begin(), p.end(), "events 7..7 are missing"), p.end());
  }
  tamper("DELETE FROM events WHERE seq=10");
  {
    Store s;
    ASSERT_TRUE(s.open(path_, err)) << err;
    const auto p = s.verify();
    ASSERT_FALSE(p.empty());
    EXPECT_NE(p.back().find("the last events are missing"), std::string::npos) << p.back();
  }
}

TEST_F(EventStoreTest, ADamagedFileIsReportedAndLeftAlone) {
  {
    std::ofstream f(path_, std::ios::binary);
    f << std::string(8192, 'x');
  }
  Store s;
  std::string err;
  EXPECT_FALSE(s.open(path_, err));
  EXPECT_FALSE(err.empty());
  EXPECT_EQ(std::filesystem::file_size(path_), 8192u);
}

TEST_F(EventStoreTest, ANewerSchemaIsRefused) {
  {
    Store s;
    std::string err;
    ASSERT_TRUE(s.open(path_, err)) << err;
  }
  tamper("PRAGMA user_version=99");
  Store s;
  std::string err;
  EXPECT_FALSE(s.open(path_, err));
  EXPECT_NE(err.find("newer than this dermad"), std::string::npos) << err;
}

TEST_F(EventStoreTest, AFilterPicksKindsSeveritiesTimesAndTheNewestN) {
  Store s;
  std::string err;
  ASSERT_TRUE(s.open(path_, err)) << err;
  // seq 1..6: wall times 1000, 2000, ... 6000 ns; severities and kinds mixed.
  std::vector<Event> v;
  const std::pair<const char*, const char*> rows[] = {
      {"state_changed", "info"},  {"alarm_raised", "alarm"}, {"call_refused", "warning"},
      {"state_changed", "alarm"}, {"alarm_cleared", "info"}, {"alarm_raised", "alarm"}};
  int64_t t = 0;
  for (const auto& [kind, severity] : rows) {
    v.push_back({0, t += 1000, t, kind, severity, "", "{}", ""});
  }
  ASSERT_TRUE(s.append(v, err)) << err;
  const auto seqs = [](const std::vector<Event>& es) {
    std::vector<int64_t> out;
    for (const auto& e : es) out.push_back(e.seq);
    return out;
  };
  EventFilter f;
  f.kinds = {"alarm_raised", "alarm_cleared"};
  EXPECT_EQ(seqs(s.read(0, 100, f)), (std::vector<int64_t>{2, 5, 6}));
  f = {};
  f.min_severity = "warning";
  EXPECT_EQ(seqs(s.read(0, 100, f)), (std::vector<int64_t>{2, 3, 4, 6}));
  f.min_severity = "alarm";
  EXPECT_EQ(seqs(s.read(0, 100, f)), (std::vector<int64_t>{2, 4, 6}));
  f.min_severity = "nonsense";  // nothing, never everything
  EXPECT_TRUE(s.read(0, 100, f).empty());
  f = {};
  f.since_wall_ns = 2000;
  f.until_wall_ns = 5000;  // at or after, and before
  EXPECT_EQ(seqs(s.read(0, 100, f)), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(seqs(s.read(2, 100, f)), (std::vector<int64_t>{3, 4}));  // with the cursor

  f = {};
  f.min_severity = "alarm";
  EXPECT_EQ(s.seq_before_newest(f, 2), 2);  // read on from 2: events 4 and 6
  EXPECT_EQ(seqs(s.read(s.seq_before_newest(f, 2), 100, f)), (std::vector<int64_t>{4, 6}));
  EXPECT_EQ(s.seq_before_newest(f, 3), 0);  // no more than there are
  EXPECT_EQ(s.seq_before_newest(f, 50), 0);
  EXPECT_EQ(s.seq_before_newest({}, 1), 5);  // the newest event alone
}

TEST(ChainHash, IsTheDocumentedTextHashedSoOthersCanCheckIt) {
  // docs/RECORDS.md: PREV|SEQ|WALL_NS|MONO_NS|LEN:KIND|LEN:SEVERITY|LEN:SESSION_ID|LEN:DETAILS
  const Event e{7, 1700000000123456789, 42, "alarm_raised", "alarm", "", R"({"code":"ESTOP"})", ""};
  const std::string text = kGenesisHash + "|7|1700000000123456789|42|12:alarm_raised|5:alarm|0:|" +
                           "16:" + R"({"code":"ESTOP"})";
  EXPECT_EQ(chain_hash(kGenesisHash, e), sha256_hex(text));
  // A known SHA-256, so sha256_hex itself is the standard one.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace dermad::store
