// Migrations: a database as the first dermad (schema 1) left it, events and all, is brought
// to the current schema without losing or breaking anything.
#include <gtest/gtest.h>

#include "daemon/store/store.hpp"
#include "tests/unit/store_fixture.hpp"

namespace dermad::store {
namespace {

using StoreMigrationTest = StoreTest;

// Schema 1 exactly as it shipped; frozen here on purpose, it must not follow schema.cpp.
const char* const kSchema1 = R"(
  CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE events(seq INTEGER PRIMARY KEY, wall_ns INTEGER NOT NULL,
    mono_ns INTEGER NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL,
    session_id TEXT, details TEXT NOT NULL, hash TEXT NOT NULL);
  CREATE TABLE sessions(id TEXT PRIMARY KEY, state TEXT NOT NULL, owner TEXT,
    patient_ref TEXT, protocol TEXT, started_wall_ns INTEGER, ended_wall_ns INTEGER,
    summary BLOB);
  CREATE TABLE cartridges(serial TEXT PRIMARY KEY, first_seen_wall_ns INTEGER NOT NULL,
    sessions INTEGER NOT NULL DEFAULT 0, used INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE alarm_history(id INTEGER PRIMARY KEY, code TEXT NOT NULL,
    raised_wall_ns INTEGER NOT NULL, acknowledged_wall_ns INTEGER, session_id TEXT);
  CREATE TABLE calibration(id INTEGER PRIMARY KEY, kind TEXT NOT NULL,
    wall_ns INTEGER NOT NULL, data TEXT NOT NULL);
  CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT INTO meta VALUES ('head_seq', '0'), ('head_hash', '');
  PRAGMA user_version=1;)";

// Two chained events written the way schema 1's dermad wrote them.
std::string schema1_with_events() {
  Event a{1,  1'700'000'000'000'000'000, 10, "daemon_started", "info",
          "", R"({"version":"0.1"})",    ""};
  a.hash = chain_hash(kGenesisHash, a);
  Event b{2, 1'700'000'000'100'000'000, 20, "state_changed", "info", "", R"({"to":"IDLE"})", ""};
  b.hash = chain_hash(a.hash, b);
  Event i{3,
          1'700'000'000'150'000'000,
          25,
          "cartridge_inserted",
          "info",
          "",
          R"({"serial":"CART-OLD","type":"nano","needles":36,"lot":"L7","checksum_ok":true})",
          ""};
  i.hash = chain_hash(b.hash, i);
  Event c{4,
          1'700'000'000'200'000'000,
          30,
          "session_started",
          "info",
          "",
          R"({"protocol":"general","cartridge":"CART-OLD"})",
          ""};
  c.hash = chain_hash(i.hash, c);
  std::string sql = kSchema1;
  for (const Event* e : {&a, &b, &i, &c}) {
    sql += "INSERT INTO events VALUES(" + std::to_string(e->seq) + "," +
           std::to_string(e->wall_ns) + "," + std::to_string(e->mono_ns) + ",'" + e->kind + "','" +
           e->severity + "',NULL,'" + e->details + "','" + e->hash + "');";
  }
  sql += "UPDATE meta SET value='4' WHERE key='head_seq';";
  sql += "UPDATE meta SET value='" + c.hash + "' WHERE key='head_hash';";
  sql += "INSERT INTO cartridges VALUES('CART-OLD', 1700000000000000000, 1, 1);";
  sql +=
      "INSERT INTO alarm_history VALUES(1, 'ESTOP', 1700000000000000000, "
      "1700000001000000000, NULL), (2, 'SUPPLY_LOW', 1700000002000000000, NULL, NULL);";
  return sql;
}

TEST_F(StoreMigrationTest, AnEmptyFileIsCreatedAtTheCurrentSchema) {
  Store s;
  std::string err;
  ASSERT_TRUE(s.open(path_, err)) << err;
  EXPECT_EQ(s.schema_version(), kSchemaVersion);
  const auto c = s.counters();
  for (const char* name : {"strokes", "motor_run_ms", "sessions", "faults"}) {
    ASSERT_EQ(c.count(name), 1u) << name;
    EXPECT_EQ(c.at(name), 0) << name;
  }
}

TEST_F(StoreMigrationTest, SchemaOneIsMigratedWithItsEventsChainAndCartridges) {
  tamper(schema1_with_events());
  Store s;
  std::string err;
  ASSERT_TRUE(s.open(path_, err)) << err;
  EXPECT_EQ(s.schema_version(), kSchemaVersion);
  EXPECT_TRUE(s.verify().empty());
  // Its events, then the counters it had, chained as the baseline they are checked against.
  const auto events = s.read(0, 10);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[4].kind, "counters");
  EXPECT_TRUE(s.counters_problems().empty());
  EXPECT_TRUE(s.cartridge_used("CART-OLD"));
  EXPECT_EQ(s.counters().count("motor_run_ms"), 1u);
  // Schema 5 fills in what the registry's cartridges are from their chained insertion.
  const auto old = s.cartridge("CART-OLD");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->type, "nano");
  EXPECT_EQ(old->needles, 36);
  EXPECT_EQ(old->lot, "L7");
  // Schema 6: an acknowledgement from before dermad kept who sent it says so.
  const auto alarms = s.alarm_history();
  ASSERT_EQ(alarms.size(), 2u);
  EXPECT_EQ(alarms[0].acknowledged_by, "unknown");
  EXPECT_EQ(alarms[1].acknowledged_by, "");
  EXPECT_EQ(old->sessions, 1);

  // The new columns and the chain work on the migrated file.
  SessionRow r{"S1", "", "op", "pt", "general", "CART-NEW", 1'700'000'001'000'000'000, 0, "", ""};
  ASSERT_TRUE(s.begin_session(r,
                              {0, r.started_wall_ns, 30, "session_started", "info", "S1",
                               R"({"cartridge":"CART-NEW"})", ""},
                              err))
      << err;
  EXPECT_EQ(s.last_seq(), 6);
  EXPECT_EQ(s.session("S1")->cartridge_serial, "CART-NEW");
  EXPECT_EQ(s.cartridge("CART-NEW")->type, "");  // registered by its session: not read yet
  // Its insertion, recorded later, says what it is; the registry keeps its first sight.
  std::vector<Event> seen{{0, 1'700'000'002'000'000'000, 40, "cartridge_inserted", "info", "",
                           R"({"serial":"CART-NEW"})", ""}};
  Effects fx;
  fx.cartridges_seen.push_back({"CART-NEW", 1'700'000'002'000'000'000, "gold-nano", "G1", 12});
  ASSERT_TRUE(s.append(seen, fx, err)) << err;
  const auto listed = s.cartridges(10);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].serial, "CART-OLD");  // oldest first
  EXPECT_EQ(listed[1].type, "gold-nano");
  EXPECT_EQ(listed[1].needles, 12);
  EXPECT_EQ(listed[1].first_seen_wall_ns, 1'700'000'001'000'000'000);
  EXPECT_TRUE(listed[1].used);
  EXPECT_TRUE(s.verify().empty());
  EXPECT_TRUE(s.counters_problems().empty());  // the new session counted from the baseline
  // Schema 7: a migrated file takes calibration commits.
  CalibrationRecord c{0, "depth", 1800000000000000000, "engineer", 1900000000000000000, "{}"};
  ASSERT_TRUE(s.commit_calibration(c, 0, err)) << err;
  EXPECT_EQ(s.latest_calibration("depth")->by, "engineer");
  EXPECT_TRUE(s.verify().empty());
}

TEST_F(StoreMigrationTest, AMigrationThatFailsLeavesTheFileAtItsSchema) {
  // A table schema 2 would add an index to is missing its column: the migration cannot run.
  tamper(std::string(kSchema1) + "DROP TABLE sessions; CREATE TABLE sessions(id TEXT);");
  {
    Store s;
    std::string err;
    EXPECT_FALSE(s.open(path_, err));
    EXPECT_NE(err.find("migration to schema 2 failed"), std::string::npos) << err;
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 1);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace
}  // namespace dermad::store
