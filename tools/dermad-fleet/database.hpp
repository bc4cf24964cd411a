// Where the fleet's records are kept: PostgreSQL for a fleet, an embedded SQLite file for one
// clinic. Both apply ingest_rules.hpp in one transaction per upload and hold the same tables
// and views (schema.cpp), so the queries and a dashboard read either.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tools/dermad-fleet/ingest_rules.hpp"

namespace dermad::fleet {

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // text as the database gives it; NULL is ""
};

class Database {
 public:
  virtual ~Database() = default;
  // Brings the schema to the newest. Safe for several instances starting at once.
  virtual bool migrate(std::string& error) = 0;
  virtual int schema_version() = 0;
  // One upload, in one transaction: the device registered on first sight, its new events,
  // its head. `committed` is where the device stands afterwards. Safe from many threads.
  virtual bool upload(const Identity& who, const v1::UploadRequest& req, int64_t now_ns,
                      int64_t& committed, std::string& error) = 0;
  // A read with `$1`, `$2`... bound to `params` as text.
  virtual bool select(const std::string& sql, const std::vector<std::string>& params, Table& out,
                      std::string& error) = 0;
};

// "postgresql://..." or "postgres://..." (or libpq's "host=... dbname=..."): PostgreSQL;
// anything else is the path of an SQLite file, made if missing. Opened and migrated.
std::unique_ptr<Database> open_database(const std::string& where, std::string& error);

std::unique_ptr<Database> open_sqlite(const std::string& path, std::string& error);
std::unique_ptr<Database> open_postgres(const std::string& conninfo, std::string& error);

}  // namespace dermad::fleet
