// The fleet's side for tests and benchmarks: certificates made with the openssl command (a CA,
// the ingest's for localhost, one per pen with its CN and clinic), and `dermad-fleet serve`
// as a process of its own.
#pragma once

#include <sys/types.h>

#include <string>

namespace dermad::test {

class Certificates {
 public:
  Certificates();  // throws std::runtime_error when openssl fails
  ~Certificates();
  Certificates(const Certificates&) = delete;
  Certificates& operator=(const Certificates&) = delete;

  std::string at(const std::string& name) const { return dir_ + "/" + name; }
  // The pen's certificate and key (at(name + ".pem"), at(name + ".key")), signed by `ca`
  // ("ca", or "rogue-ca" which the ingest does not trust).
  void pen(const std::string& name, const std::string& clinic, const std::string& ca = "ca");
  // A fleet file for `name` that reaches the ingest at `port`; `extra` is appended as it is.
  std::string fleet_file(const std::string& name, int port, int batch = 0,
                         const std::string& extra = "") const;

 private:
  void openssl(const std::string& args);
  void sign(const std::string& who, const std::string& subject, const std::string& ca, bool server);
  std::string dir_;
};

// One `dermad-fleet serve` on a loopback port of its own, until stopped.
class FleetServer {
 public:
  FleetServer(const Certificates& certs, const std::string& database);
  ~FleetServer() { stop(9); }
  FleetServer(const FleetServer&) = delete;
  FleetServer& operator=(const FleetServer&) = delete;

  int port() const { return port_; }  // 0 when it did not start
  std::string log() const;
  pid_t pid() const { return pid_; }
  int stop(int sig);  // waits for it; the status as waitpid gives it

 private:
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace dermad::test
