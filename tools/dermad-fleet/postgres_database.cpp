// PostgreSQL through libpq: a small pool of connections, one per concurrent upload, so many
// ingest threads (and many ingest instances) write at once; each device's row lock keeps
// its events in order.
#include <libpq-fe.h>

#include <functional>
#include <mutex>

#include "tools/dermad-fleet/connection.hpp"

namespace dermad::fleet {

namespace {

struct PgResult {
  PGresult* r;
  ~PgResult() { PQclear(r); }
};

std::string one_line(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class PgConnection : public Connection {
 public:
  explicit PgConnection(PGconn* c) : c_(c) {}

  bool run(const std::string& sql, const std::vector<std::string>& params, Table* out,
           std::string& error) override {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PgResult r{PQexecParams(c_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0)};
    const auto status = PQresultStatus(r.r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      error = one_line(PQresultErrorMessage(r.r));
      if (error.empty()) error = one_line(PQerrorMessage(c_));
      return false;
    }
    if (out) {
      out->columns.clear();
      out->rows.clear();
      const int cols = PQnfields(r.r);
      for (int c = 0; c < cols; ++c) out->columns.emplace_back(PQfname(r.r, c));
      for (int i = 0; i < PQntuples(r.r); ++i) {
        auto& row = out->rows.emplace_back();
        for (int c = 0; c < cols; ++c) row.emplace_back(PQgetvalue(r.r, i, c));
      }
    }
    return true;
  }

  bool script(const std::string& sql, std::string& error) override {
    PgResult r{PQexec(c_, sql.c_str())};
    if (PQresultStatus(r.r) != PGRES_COMMAND_OK && PQresultStatus(r.r) != PGRES_TUPLES_OK) {
      error = one_line(PQresultErrorMessage(r.r));
      return false;
    }
    return true;
  }

 private:
  PGconn* c_;
};

class PostgresDatabase : public SqlDatabase {
 public:
  explicit PostgresDatabase(std::string conninfo)
      : SqlDatabase(Dialect::kPostgres), conninfo_(std::move(conninfo)) {}
  ~PostgresDatabase() override {
    for (PGconn* c : idle_) PQfinish(c);
  }

  PGconn* connect(std::string& error) {
    PGconn* c = PQconnectdb(conninfo_.c_str());
    if (PQstatus(c) != CONNECTION_OK) {
      error = "PostgreSQL: " + one_line(PQerrorMessage(c));
      PQfinish(c);
      return nullptr;
    }
    // Errors and notices in one language whatever the server's locale; no chatter on stderr.
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
    return c;
  }

 protected:
  bool with_connection(const std::function<bool(Connection&)>& body, std::string& error) override {
    PGconn* c = nullptr;
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        c = idle_.back();
        idle_.pop_back();
      }
    }
    // A pooled connection the server has since closed (a restart) is replaced once.
    if (c && PQstatus(c) != CONNECTION_OK) {
      PQreset(c);
      if (PQstatus(c) != CONNECTION_OK) {
        PQfinish(c);
        c = nullptr;
      }
    }
    if (!c && !(c = connect(error))) return false;
    PgConnection conn(c);
    bool ok = body(conn);
    if (!ok && PQstatus(c) != CONNECTION_OK) {
      // Lost mid-way: the transaction did not commit; once more on a new connection.
      PQfinish(c);
      std::string again;
      if (!(c = connect(again))) return false;
      PgConnection retry(c);
      error.clear();
      ok = body(retry);
    }
    if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) == PQTRANS_IDLE) {
      std::lock_guard lock(mu_);
      if (idle_.size() < 16) {
        idle_.push_back(c);
        return ok;
      }
    }
    PQfinish(c);
    return ok;
  }

 private:
  std::string conninfo_;
  std::mutex mu_;
  std::vector<PGconn*> idle_;
};

}  // namespace

std::unique_ptr<Database> open_postgres(const std::string& conninfo, std::string& error) {
  auto db = std::make_unique<PostgresDatabase>(conninfo);
  PGconn* c = db->connect(error);
  if (!c) return nullptr;
  PQfinish(c);
  return db;
}

}  // namespace dermad::fleet
