// The embedded database: one SQLite file, for a clinic that runs the ingest beside its pens.
// One connection behind a mutex: SQLite has one writer at a time anyway.
#include <cctype>
#include <functional>
#include <mutex>

#include "daemon/store/sqlite_db.hpp"
#include "tools/dermad-fleet/connection.hpp"

namespace dermad::fleet {

namespace {

// `$1` is PostgreSQL's parameter; SQLite's numbered one is `?1`.
std::string numbered_params(const std::string& sql) {
  std::string out = sql;
  for (std::size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '$' && std::isdigit(static_cast<unsigned char>(out[i + 1]))) out[i] = '?';
  }
  return out;
}

class SqliteConnection : public Connection {
 public:
  explicit SqliteConnection(store::Db& db) : db_(db) {}

  bool run(const std::string& sql, const std::vector<std::string>& params, Table* out,
           std::string& error) override {
    store::Stmt s(db_, numbered_params(sql).c_str());
    if (!s.ok()) {
      error = db_.last_error();
      return false;
    }
    for (std::size_t i = 0; i < params.size(); ++i) s.bind(static_cast<int>(i + 1), params[i]);
    if (out) {
      out->columns.clear();
      out->rows.clear();
      const int n = sqlite3_column_count(stmt_of(s));
      for (int c = 0; c < n; ++c) out->columns.emplace_back(sqlite3_column_name(stmt_of(s), c));
    }
    for (;;) {
      const int rc = s.step();
      if (rc == SQLITE_DONE) return true;
      if (rc != SQLITE_ROW) {
        error = db_.last_error();
        return false;
      }
      if (!out) continue;
      auto& row = out->rows.emplace_back();
      for (std::size_t c = 0; c < out->columns.size(); ++c) {
        row.push_back(s.text(static_cast<int>(c)));
      }
    }
  }

  bool script(const std::string& sql, std::string& error) override { return db_.exec(sql, error); }

 private:
  static sqlite3_stmt* stmt_of(store::Stmt& s) { return s.handle(); }
  store::Db& db_;
};

class SqliteDatabase : public SqlDatabase {
 public:
  SqliteDatabase() : SqlDatabase(Dialect::kSqlite) {}
  bool open(const std::string& path, std::string& error) {
    if (!db_.open(path, true, error)) return false;
    // Durable at every commit: an acknowledged batch is never lost to a power cut here.
    return db_.exec(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=10000",
        error);
  }

 protected:
  bool with_connection(const std::function<bool(Connection&)>& body, std::string&) override {
    std::lock_guard lock(mu_);
    SqliteConnection c(db_);
    return body(c);
  }

 private:
  std::mutex mu_;
  store::Db db_;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const std::string& path, std::string& error) {
  auto db = std::make_unique<SqliteDatabase>();
  if (!db->open(path, error)) {
    error = path + ": " + error;
    return nullptr;
  }
  return db;
}

}  // namespace dermad::fleet
