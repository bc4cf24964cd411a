// One connection to the fleet database, as the generic upload and queries use it: statements
// with `$1`-style parameters bound as text, and scripts of several statements.
#pragma once

#include <string>
#include <vector>

#include "tools/dermad-fleet/database.hpp"
#include "tools/dermad-fleet/schema.hpp"

namespace dermad::fleet {

class Connection {
 public:
  virtual ~Connection() = default;
  // `out` may be null for a statement without rows.
  virtual bool run(const std::string& sql, const std::vector<std::string>& params, Table* out,
                   std::string& error) = 0;
  virtual bool script(const std::string& sql, std::string& error) = 0;
};

// The upload, migrations and reads once, over whichever database lends the connection.
class SqlDatabase : public Database {
 public:
  explicit SqlDatabase(Dialect d) : dialect_(d) {}
  bool migrate(std::string& error) override;
  int schema_version() override;
  bool upload(const Identity& who, const v1::UploadRequest& req, int64_t now_ns, int64_t& committed,
              std::string& error) override;
  bool select(const std::string& sql, const std::vector<std::string>& params, Table& out,
              std::string& error) override;

 protected:
  // Runs `body` on a connection of this database's own, not used by another thread meanwhile.
  virtual bool with_connection(const std::function<bool(Connection&)>& body,
                               std::string& error) = 0;

 private:
  // `body` inside a write transaction that holds off other writers of what it reads.
  bool transaction(Connection& c, const std::function<bool()>& body, std::string& error);
  Dialect dialect_;
};

}  // namespace dermad::fleet
