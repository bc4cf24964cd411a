// A real PostgreSQL server for a test: a fresh cluster in a temporary folder on a loopback
// port, stopped and removed after. PostgreSQL refuses to run as root, so as root (CI) the
// cluster belongs to `nobody` and its commands run through runuser.
#pragma once

#include <string>

namespace dermad::test {

class PostgresServer {
 public:
  PostgresServer() = default;
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // initdb, then start; false with what went wrong.
  bool start(std::string& error);
  // Stops it fast (as a crash or a power cut would: "immediate") or starts it again on the
  // same port and data.
  bool stop_now();
  bool restart(std::string& error);
  // A new database of that name; its libpq URL.
  std::string create_database(const std::string& name, std::string& error);
  int port() const { return port_; }

 private:
  bool run_as_owner(const std::string& command, std::string& error);
  bool pg_start(std::string& error);
  std::string dir_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace dermad::test
