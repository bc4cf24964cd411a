#include "tests/integration/postgres_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace dermad::test {

namespace {

// A loopback port free at the moment of asking.
int free_port() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t n = sizeof a;
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &n);
  close(s);
  return ntohs(a.sin_port);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

PostgresServer::~PostgresServer() {
  stop_now();
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

bool PostgresServer::run_as_owner(const std::string& command, std::string& error) {
  const std::string as = geteuid() == 0 ? "runuser -u nobody -- " : "";
  const std::string line = as + command + " >> " + dir_ + "/commands.log 2>&1";
  if (std::system(line.c_str()) == 0) return true;
  error = "'" + command + "' failed: " + slurp(dir_ + "/commands.log") + slurp(dir_ + "/log");
  return false;
}

bool PostgresServer::start(std::string& error) {
  char tmpl[] = "/tmp/dermad-pg.XXXXXX";
  if (!mkdtemp(tmpl)) {
    error = "mkdtemp failed";
    return false;
  }
  dir_ = tmpl;
  if (geteuid() == 0 && std::system(("chown nobody " + dir_).c_str()) != 0) {
    error = "chown nobody failed";
    return false;
  }
  port_ = free_port();
  return run_as_owner(std::string(DERMAD_PG_BINDIR) + "/initdb -D " + dir_ +
                          "/data -U fleet --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync",
                      error) &&
         pg_start(error);
}

bool PostgresServer::pg_start(std::string& error) {
  // Durable as in production (fsync stays on): a test that kills it must find what it
  // committed. The socket folder is ours, not /run/postgresql.
  running_ =
      run_as_owner(std::string(DERMAD_PG_BINDIR) + "/pg_ctl -D " + dir_ + "/data -l " + dir_ +
                       "/log -w -t 60 start -o \"-p " + std::to_string(port_) + " -k " + dir_ +
                       " -c listen_addresses=127.0.0.1 -c max_connections=200\"",
                   error);
  return running_;
}

bool PostgresServer::stop_now() {
  if (!running_) return true;
  std::string error;
  running_ = !run_as_owner(
      std::string(DERMAD_PG_BINDIR) + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop", error);
  return !running_;
}

bool PostgresServer::restart(std::string& error) {
  return pg_start(error);
}

std::string PostgresServer::create_database(const std::string& name, std::string& error) {
  if (!run_as_owner(std::string(DERMAD_PG_BINDIR) + "/createdb -h 127.0.0.1 -p " +
                        std::to_string(port_) + " -U fleet " + name,
                    error)) {
    return "";
  }
  return "postgresql://fleet@127.0.0.1:" + std::to_string(port_) + "/" + name;
}

}  // namespace dermad::test
