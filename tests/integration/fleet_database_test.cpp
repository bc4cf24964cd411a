// The fleet's databases as the ingest uses them, PostgreSQL (a real server) and the embedded
// SQLite file alike: each upload written once, in order per device, gaps never written, the
// chain's links checked, racing uploads of one device, a server that dies mid-way.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "daemon/fleet/redact.hpp"
#include "daemon/store/event_log.hpp"
#include "tests/integration/postgres_server.hpp"
#include "tools/dermad-fleet/database.hpp"

namespace dermad::fleet {
namespace {

// A pen's chain of `n` events as its store would have made it.
std::vector<v1::Event> chain(int n, const std::string& salt = "") {
  std::vector<v1::Event> out;
  std::string prev = store::kGenesisHash;
  for (int i = 1; i <= n; ++i) {
    store::Event s{
        i, 1'790'000'000'000'000'000 + i * 1'000'000'000LL, i * 1000LL, "", "info", "", "", ""};
    if (i % 10 == 0) {
      s.kind = "alarm_raised";
      s.severity = "alarm";
      s.details = R"({"code":"MOTOR_STALL"})";
    } else if (i % 10 == 5) {
      s.kind = "counters";
      s.details = R"({"strokes":)" + std::to_string(i * 100) + R"(,"motor_run_ms":)" +
                  std::to_string(i * 10) + R"(,"sessions":1,"faults":)" + std::to_string(i / 10) +
                  "}";
    } else {
      s.kind = "state_changed";
      s.details = R"({"to":"IDLE","salt":")" + salt + "\"}";
    }
    s.hash = store::chain_hash(prev, s);
    prev = s.hash;
    out.push_back(fleet::outgoing(s, ""));  // as the pen sends it
  }
  return out;
}

// Events [from, to] of `c` as one request.
v1::UploadRequest batch(const std::vector<v1::Event>& c, int from, int to) {
  v1::UploadRequest r;
  r.set_prev_hash(from == 1 ? store::kGenesisHash : c[from - 2].hash());
  for (int i = from; i <= to; ++i) *r.add_events() = c[i - 1];
  r.set_serial("SIM-1");
  r.set_software("test");
  return r;
}

enum class Kind { kSqlite, kPostgres };

class FleetDatabase : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    std::string error;
    if (GetParam() == Kind::kPostgres) {
      ASSERT_TRUE(pg_.start(error)) << error;
      url_ = pg_.create_database("fleet", error);
      ASSERT_FALSE(url_.empty()) << error;
    } else {
      dir_ = std::filesystem::temp_directory_path() /
             ("dermad-fleet-db-" + std::to_string(::getpid()));
      std::filesystem::create_directories(dir_);
      url_ = (dir_ / "fleet.sqlite").string();
    }
    db_ = open_database(url_, error);
    ASSERT_TRUE(db_) << error;
  }
  void TearDown() override {
    db_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  int64_t upload(const v1::UploadRequest& r, const Identity& who = {"pen-1", "Clinic A"}) {
    int64_t committed = -1;
    std::string error;
    EXPECT_TRUE(db_->upload(who, r, 1, committed, error)) << error;
    return committed;
  }
  Table rows(const std::string& sql, std::vector<std::string> params = {}) {
    Table t;
    std::string error;
    EXPECT_TRUE(db_->select(sql, params, t, error)) << error;
    return t;
  }
  std::string one(const std::string& sql, std::vector<std::string> params = {}) {
    const Table t = rows(sql, std::move(params));
    return t.rows.empty() ? "(no row)" : t.rows[0][0];
  }

  test::PostgresServer pg_;
  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

TEST_P(FleetDatabase, ABatchIsWrittenOnceAndAResentOrOverlappingOneAddsOnlyWhatIsNew) {
  const auto c = chain(30);
  EXPECT_EQ(upload(batch(c, 1, 10)), 10);
  EXPECT_EQ(upload(batch(c, 1, 10)), 10);  // resent after a lost reply
  EXPECT_EQ(upload(batch(c, 5, 20)), 20);  // overlapping
  EXPECT_EQ(upload(batch(c, 21, 30)), 30);
  EXPECT_EQ(one("SELECT count(*) FROM events WHERE device = $1", {"pen-1"}), "30");
  EXPECT_EQ(one("SELECT count(DISTINCT seq) FROM events"), "30");
  EXPECT_EQ(one("SELECT count(*) FROM events WHERE verified = 'chain'"), "30");
  // The hashes are the pen's, in order.
  const Table t = rows("SELECT seq, hash FROM events ORDER BY seq");
  for (int i = 0; i < 30; ++i) EXPECT_EQ(t.rows[i][1], c[i].hash()) << "seq " << i + 1;
}

TEST_P(FleetDatabase, ABatchPastAGapIsNotWrittenAndTheReplySaysWhereToResumeFrom) {
  const auto c = chain(30);
  EXPECT_EQ(upload(batch(c, 1, 10)), 10);
  EXPECT_EQ(upload(batch(c, 15, 30)), 10);
  EXPECT_EQ(one("SELECT max(seq) FROM events"), "10");
  EXPECT_EQ(upload(batch(c, 11, 30)), 30);
}

TEST_P(FleetDatabase, AnEditedEventIsKeptAndMarkedBrokenAndARedactedOneLinked) {
  auto c = chain(12);
  c[3].set_details(R"({"to":"IDLE","salt":"edited"})");  // seq 4 changed after hashing
  c[6].set_details(R"({"patient":"hmac-sha256:ab"})");
  c[6].set_redacted(true);
  EXPECT_EQ(upload(batch(c, 1, 12)), 12);
  EXPECT_EQ(one("SELECT verified FROM events WHERE seq = 4"), "broken");
  EXPECT_EQ(one("SELECT verified FROM events WHERE seq = 7"), "linked");
  EXPECT_EQ(one("SELECT verified FROM events WHERE seq = 8"), "chain");
  EXPECT_EQ(one("SELECT broken_events FROM fleet_devices WHERE device = 'pen-1'"), "1");
  // A batch that claims to link to something else than what the service holds.
  const auto other = chain(20, "another pen's history");
  EXPECT_EQ(upload(batch(other, 13, 20)), 20);
  EXPECT_EQ(one("SELECT verified FROM events WHERE seq = 13"), "broken");
  EXPECT_EQ(one("SELECT verified FROM events WHERE seq = 14"), "chain");
}

TEST_P(FleetDatabase, EachDeviceHasItsOwnSequenceAndClinic) {
  const auto a = chain(20, "a"), b = chain(20, "b");
  EXPECT_EQ(upload(batch(a, 1, 20), {"pen-a", "Clinic A"}), 20);
  EXPECT_EQ(upload(batch(b, 1, 5), {"pen-b", "Clinic B"}), 5);
  EXPECT_EQ(one("SELECT count(*) FROM events WHERE device = 'pen-b'"), "5");
  EXPECT_EQ(one("SELECT clinic FROM fleet_devices WHERE device = 'pen-b'"), "Clinic B");
  EXPECT_EQ(one("SELECT strokes FROM fleet_counters WHERE device = 'pen-a'"), "1500");
  EXPECT_EQ(
      one("SELECT count(*) FROM fleet_alarms WHERE device = 'pen-a' AND code = 'MOTOR_STALL'"),
      "2");
  EXPECT_EQ(one("SELECT sum(raised) FROM fleet_faults_per_day WHERE device = 'pen-a'"), "2");
}

TEST_P(FleetDatabase, UploadsOfOneDeviceRacingFromManyThreadsWriteEachEventOnceInOrder) {
  const auto c = chain(400);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      // Each sends the whole chain in batches of its own size, resuming where told.
      std::string open_error;
      auto mine = open_database(url_, open_error);
      if (!mine) {
        ++failures;
        return;
      }
      int64_t committed = 0;
      const int size = 7 + 13 * t;
      while (committed < 400) {
        const int from = static_cast<int>(committed) + 1;
        std::string error;
        if (!mine->upload({"pen-race", ""}, batch(c, from, std::min(400, from + size - 1)), 1,
                          committed, error)) {
          ++failures;
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(one("SELECT count(*) FROM events WHERE device = 'pen-race'"), "400");
  EXPECT_EQ(one("SELECT count(*) FROM events WHERE device = 'pen-race' AND verified = 'chain'"),
            "400");
  EXPECT_EQ(one("SELECT committed_seq FROM devices WHERE device = 'pen-race'"), "400");
}

INSTANTIATE_TEST_SUITE_P(Backends, FleetDatabase, ::testing::Values(Kind::kSqlite, Kind::kPostgres),
                         [](const auto& info) {
                           return info.param == Kind::kSqlite ? "Sqlite" : "Postgres";
                         });

TEST(FleetPostgres, AnUploadDuringAServerRestartFailsAndTheNextOneWritesAfterIt) {
  test::PostgresServer pg;
  std::string error;
  ASSERT_TRUE(pg.start(error)) << error;
  const std::string url = pg.create_database("fleet", error);
  ASSERT_FALSE(url.empty()) << error;
  auto db = open_database(url, error);
  ASSERT_TRUE(db) << error;
  const auto c = chain(30);
  int64_t committed = 0;
  ASSERT_TRUE(db->upload({"pen-1", ""}, batch(c, 1, 10), 1, committed, error)) << error;
  ASSERT_TRUE(pg.stop_now());
  EXPECT_FALSE(db->upload({"pen-1", ""}, batch(c, 11, 20), 1, committed, error));
  EXPECT_NE(error, "");
  ASSERT_TRUE(pg.restart(error)) << error;
  ASSERT_TRUE(db->upload({"pen-1", ""}, batch(c, 11, 30), 1, committed, error)) << error;
  EXPECT_EQ(committed, 30);
  Table t;
  ASSERT_TRUE(db->select("SELECT count(*) FROM events", {}, t, error)) << error;
  EXPECT_EQ(t.rows[0][0], "30");
}

TEST(FleetPostgres, InstancesStartingTogetherMigrateOnce) {
  test::PostgresServer pg;
  std::string error;
  ASSERT_TRUE(pg.start(error)) << error;
  const std::string url = pg.create_database("fleet", error);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      std::string e;
      if (open_database(url, e)) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 4);
  auto db = open_database(url, error);
  ASSERT_TRUE(db) << error;
  Table t;
  ASSERT_TRUE(db->select("SELECT count(*) FROM fleet_schema", {}, t, error)) << error;
  EXPECT_EQ(t.rows[0][0], "1");
}

}  // namespace
}  // namespace dermad::fleet
