#include "tests/integration/fleet_processes.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace dermad::test {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::atomic<int> servers{0};

}  // namespace

Certificates::Certificates() {
  char tmpl[] = "/tmp/dermad-fleet-certs-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  std::ofstream(dir_ + "/san.cnf") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  // EC keys: a thousand pens' certificates in seconds, not minutes.
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  openssl("req -x509" + ec + " -keyout " + at("ca.key") + " -out " + at("ca.pem") +
          " -days 2 -subj /CN=fleet-test-ca");
  openssl("req -x509" + ec + " -keyout " + at("rogue-ca.key") + " -out " + at("rogue-ca.pem") +
          " -days 2 -subj /CN=someone-else");
  sign("server", "/CN=localhost", "ca", true);
  std::ofstream(at("clinic.key")) << "0123456789abcdef0123456789abcdef\n";
}

Certificates::~Certificates() {
  std::filesystem::remove_all(dir_);
}

void Certificates::pen(const std::string& name, const std::string& clinic, const std::string& ca) {
  sign(name, "/CN=" + name + "/O=" + clinic, ca, false);
}

std::string Certificates::fleet_file(const std::string& name, int port, int batch,
                                     const std::string& extra) const {
  const std::string path = at(name + ".fleet.textproto");
  std::ofstream f(path);
  f << "endpoint: \"127.0.0.1:" << port << "\"\n"
    << "ca_file: \"" << at("ca.pem") << "\"\n"
    << "cert_file: \"" << at(name + ".pem") << "\"\n"
    << "key_file: \"" << at(name + ".key") << "\"\n"
    << "clinic_key_file: \"" << at("clinic.key") << "\"\n"
    << "server_name: \"localhost\"\n";
  if (batch > 0) f << "batch_events: " << batch << "\n";
  f << extra;
  return path;
}

void Certificates::openssl(const std::string& args) {
  if (std::system(("openssl " + args + " > /dev/null 2>&1").c_str()) != 0) {
    throw std::runtime_error("openssl " + args + " failed");
  }
}

void Certificates::sign(const std::string& who, const std::string& subject, const std::string& ca,
                        bool server) {
  openssl("req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
          at(who + ".key") + " -out " + at(who + ".csr") + " -subj \"" + subject + "\"");
  openssl("x509 -req -in " + at(who + ".csr") + " -CA " + at(ca + ".pem") + " -CAkey " +
          at(ca + ".key") + " -CAcreateserial -out " + at(who + ".pem") + " -days 2" +
          (server ? " -extfile " + at("san.cnf") : ""));
}

FleetServer::FleetServer(const Certificates& certs, const std::string& database) {
  log_ = certs.at("fleet-" + std::to_string(++servers) + ".log");
  pid_ = fork();
  if (pid_ == 0) {
    const int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    close_range(3, ~0U, 0);
    execl(DERMAD_FLEET_BIN, DERMAD_FLEET_BIN, "serve", "--listen", "127.0.0.1:0", "--tls-cert",
          certs.at("server.pem").c_str(), "--tls-key", certs.at("server.key").c_str(),
          "--client-ca", certs.at("ca.pem").c_str(), "--database", database.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 500 && port_ == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::string out = slurp(log_);
    if (const auto at = out.find("serving on port "); at != std::string::npos) {
      port_ = std::stoi(out.substr(at + 16));
    }
  }
}

std::string FleetServer::log() const {
  return slurp(log_);
}

int FleetServer::stop(int sig) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

}  // namespace dermad::test
