// A thin RAII layer over SQLite: one owner of the connection, statements finalized on every
// path, errors returned as text (never thrown through the daemon).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>

namespace dermad::store {

class Db {
 public:
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Opens (creating if asked) the file; false with `error` set when it cannot.
  bool open(const std::string& path, bool create, std::string& error);
  // Opens an existing file for reading only (a check that must not change it).
  bool open_readonly(const std::string& path, std::string& error);
  // Runs SQL without results; false with `error` set on failure.
  bool exec(const std::string& sql, std::string& error);
  sqlite3* handle() { return db_; }
  std::string last_error() const { return db_ ? sqlite3_errmsg(db_) : "not open"; }

 private:
  bool open_with(const std::string& path, int flags, std::string& error);
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  Stmt(Db& db, const char* sql);
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s_); }

  bool ok() const { return s_ != nullptr; }
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, const std::string& v);
  Stmt& bind_null(int i);
  Stmt& bind_blob(int i, const std::string& bytes);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(s_); }
  // Ready to run again with new bindings (one prepared statement for a batch of rows).
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  int64_t int64(int col) { return sqlite3_column_int64(s_, col); }
  std::string text(int col);
  std::string blob(int col);
  bool is_null(int col) { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  sqlite3_stmt* handle() { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

}  // namespace dermad::store
