#include "tools/dermad-fleet/database.hpp"

#include <functional>

#include "tools/dermad-fleet/connection.hpp"

namespace dermad::fleet {

std::unique_ptr<Database> open_database(const std::string& where, std::string& error) {
  const bool postgres = where.rfind("postgresql://", 0) == 0 ||
                        where.rfind("postgres://", 0) == 0 ||
                        where.find("dbname=") != std::string::npos;
  auto db = postgres ? open_postgres(where, error) : open_sqlite(where, error);
  if (db && !db->migrate(error)) return nullptr;
  return db;
}

bool SqlDatabase::transaction(Connection& c, const std::function<bool()>& body,
                              std::string& error) {
  if (!c.run(dialect_ == Dialect::kPostgres ? "BEGIN" : "BEGIN IMMEDIATE", {}, nullptr, error)) {
    return false;
  }
  if (body() && c.run("COMMIT", {}, nullptr, error)) return true;
  std::string ignored;
  c.run("ROLLBACK", {}, nullptr, ignored);
  return false;
}

bool SqlDatabase::migrate(std::string& error) {
  const auto steps = migrations(dialect_);
  return with_connection(
      [&](Connection& c) {
        return transaction(
            c,
            [&] {
              // Instances starting together: one migrates, the others wait and find it done.
              if (dialect_ == Dialect::kPostgres &&
                  !c.run("SELECT pg_advisory_xact_lock(72410315)", {}, nullptr, error)) {
                return false;
              }
              Table t;
              if (!c.script("CREATE TABLE IF NOT EXISTS fleet_schema(version BIGINT NOT NULL)",
                            error) ||
                  !c.run("SELECT max(version) FROM fleet_schema", {}, &t, error)) {
                return false;
              }
              std::size_t have =
                  t.rows.empty() || t.rows[0][0].empty() ? 0 : std::stoul(t.rows[0][0]);
              if (have > steps.size()) {
                error = "the fleet database has schema " + std::to_string(have) +
                        ", newer than this dermad-fleet knows (" + std::to_string(steps.size()) +
                        ")";
                return false;
              }
              for (; have < steps.size(); ++have) {
                if (!c.script(steps[have], error) ||
                    !c.run("INSERT INTO fleet_schema VALUES ($1)", {std::to_string(have + 1)},
                           nullptr, error)) {
                  error = "migration " + std::to_string(have + 1) + ": " + error;
                  return false;
                }
              }
              return true;
            },
            error);
      },
      error);
}

int SqlDatabase::schema_version() {
  Table t;
  std::string error;
  if (!select("SELECT max(version) FROM fleet_schema", {}, t, error) || t.rows.empty() ||
      t.rows[0][0].empty()) {
    return 0;
  }
  return std::stoi(t.rows[0][0]);
}

bool SqlDatabase::upload(const Identity& who, const v1::UploadRequest& req, int64_t now_ns,
                         int64_t& committed, std::string& error) {
  const std::string now = std::to_string(now_ns);
  const char* lock = dialect_ == Dialect::kPostgres ? " FOR UPDATE" : "";
  return with_connection(
      [&](Connection& c) {
        return transaction(
            c,
            [&] {
              Table head;
              if (!c.run("INSERT INTO devices VALUES ($1, $2, $3, $4, 0, '', 0, $5, $5) "
                         "ON CONFLICT (device) DO NOTHING",
                         {who.device, who.clinic, req.serial(), req.software(), now}, nullptr,
                         error) ||
                  !c.run(std::string("SELECT committed_seq, head_hash FROM devices "
                                     "WHERE device = $1") +
                             lock,
                         {who.device}, &head, error)) {
                return false;
              }
              if (head.rows.empty()) {
                error = "the device's row vanished";
                return false;
              }
              const DeviceHead was{std::stoll(head.rows[0][0]), head.rows[0][1]};
              const UploadPlan plan = plan_upload(was, req);
              int64_t broken = 0;
              for (const Row& r : plan.rows) {
                const auto& e = *r.event;
                broken += r.verified == Verified::kBroken;
                if (!c.run("INSERT INTO events VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                           "$11, $12, $13) ON CONFLICT (device, seq) DO NOTHING",
                           {who.device, std::to_string(e.seq()), std::to_string(e.wall_ns()),
                            std::to_string(e.mono_ns()), e.kind(), e.severity(), e.session_id(),
                            e.details(), e.hash(), verified_name(r.verified),
                            e.redacted() ? "1" : "0", e.set_aside(), now},
                           nullptr, error)) {
                  return false;
                }
              }
              committed = plan.head.committed_seq;
              // A summary is kept once the event that ended its session is held.
              for (const auto& s : req.sessions()) {
                if (s.seq() > committed) continue;
                if (!c.run("INSERT INTO session_summaries VALUES ($1, $2, $3, $4, $5, $6) "
                           "ON CONFLICT (device, session_id) DO UPDATE SET seq = $3, "
                           "state = $4, summary = $5, received_ns = $6",
                           {who.device, s.session_id(), std::to_string(s.seq()), s.state(),
                            s.summary(), now},
                           nullptr, error)) {
                  return false;
                }
              }
              return c.run(
                  "UPDATE devices SET committed_seq = $2, head_hash = $3, "
                  "broken_events = broken_events + $4, last_seen_ns = $5, clinic = $6, "
                  "serial = $7, software = $8 WHERE device = $1",
                  {who.device, std::to_string(plan.head.committed_seq), plan.head.head_hash,
                   std::to_string(broken), now, who.clinic, req.serial(), req.software()},
                  nullptr, error);
            },
            error);
      },
      error);
}

bool SqlDatabase::select(const std::string& sql, const std::vector<std::string>& params, Table& out,
                         std::string& error) {
  return with_connection([&](Connection& c) { return c.run(sql, params, &out, error); }, error);
}

}  // namespace dermad::fleet
