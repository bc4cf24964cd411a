// The TCP link with TLS, as the tablet and a service laptop use it: the real daemon with a
// server certificate and a client CA, and dermactl with and without the right credentials.
// The certificates are made for each run with the openssl command.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/daemon_process.hpp"

namespace dermad::test {
namespace {

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/dermad-tls-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::ofstream(dir_ + "/san.cnf") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    const std::string ec = "ec_paramgen_curve:prime256v1";
    auto ossl = [](std::vector<std::string> args) {
      args.insert(args.begin(), "openssl");
      const auto r = run_command({"/usr/bin/env", "sh", "-c", join(args) + " 2>&1"});
      ASSERT_EQ(r.exit_code, 0) << join(args) << "\n" << r.out;
    };
    ossl({"req", "-x509", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout", at("ca.key"),
          "-out", at("ca.pem"), "-days", "2", "-subj", "/CN=dermad-test-ca"});
    ossl({"req", "-x509", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout", at("other.key"),
          "-out", at("other-ca.pem"), "-days", "2", "-subj", "/CN=someone-else"});
    // A client's role is a URI SAN of its certificate (docs/API.md); "client" has none.
    for (const std::string role : {"clinician", "engineer"}) {
      std::ofstream(dir_ + "/" + role + ".cnf")
          << "subjectAltName=URI:urn:dermad:role:" << role << "\n";
    }
    for (const std::string who : {"server", "client", "clinician", "engineer"}) {
      ossl({"req", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout", at(who + ".key"), "-out",
            at(who + ".csr"), "-subj", who == "server" ? "/CN=localhost" : "/CN=" + who + "-1"});
      ossl({"x509", "-req", "-in", at(who + ".csr"), "-CA", at("ca.pem"), "-CAkey", at("ca.key"),
            "-CAcreateserial", "-out", at(who + ".pem"), "-days", "2",
            who == "server"   ? "-extfile " + at("san.cnf")
            : who == "client" ? ""
                              : "-extfile " + at(who + ".cnf")});
    }
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  static std::string at(const std::string& file) { return dir_ + "/" + file; }
  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& a : v) s += (s.empty() ? "" : " ") + a;
    return s;
  }

  // The port dermad got for --listen 127.0.0.1:0, from its start line.
  static std::string port_of(const DaemonProcess& d, const std::string& scheme = "tls:") {
    const std::string log = d.log();
    const std::string prefix = scheme + "127.0.0.1:";
    const auto at = log.find(prefix);
    if (at == std::string::npos) return "";
    const auto from = at + prefix.size();
    return log.substr(from, log.find_first_not_of("0123456789", from) - from);
  }
  CommandResult ctl(const std::string& port, std::vector<std::string> tls,
                    std::vector<std::string> command = {"info"}) {
    std::vector<std::string> argv = {DERMACTL_BIN, "--target", "127.0.0.1:" + port};
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), command.begin(), command.end());
    return run_command(argv);
  }
  static std::vector<std::string> as(const std::string& who) {
    return {"--tls-ca",  at("ca.pem"),     "--tls-cert",        at(who + ".pem"),
            "--tls-key", at(who + ".key"), "--tls-server-name", "localhost"};
  }

  static std::string dir_;
};
std::string Tls::dir_;

TEST_F(Tls, OnlyAClientWithACertificateFromTheClinicCaGetsIn) {
  DaemonProcess daemon({"--listen", "127.0.0.1:0", "--tls-cert", at("server.pem"), "--tls-key",
                        at("server.key"), "--tls-client-ca", at("ca.pem")});
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  const std::string port = port_of(daemon);
  ASSERT_FALSE(port.empty()) << daemon.log();

  const std::vector<std::string> good = {"--tls-ca",          at("ca.pem"), "--tls-cert",
                                         at("client.pem"),    "--tls-key",  at("client.key"),
                                         "--tls-server-name", "localhost"};
  auto r = ctl(port, good);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("backend"), std::string::npos) << r.out;

  // No client certificate, plaintext, or a server checked against the wrong CA: no link.
  r = ctl(port, {"--tls-ca", at("ca.pem"), "--tls-server-name", "localhost"});
  EXPECT_EQ(r.exit_code, 4) << r.out;
  EXPECT_NE(r.err.find("TLS settings"), std::string::npos) << r.err;
  EXPECT_EQ(ctl(port, {}).exit_code, 4);
  r = ctl(port, {"--tls-ca", at("other-ca.pem"), "--tls-cert", at("client.pem"), "--tls-key",
                 at("client.key"), "--tls-server-name", "localhost"});
  EXPECT_EQ(r.exit_code, 4) << r.out;
}

TEST_F(Tls, TheClientCertificateNamesTheRoleAndWithoutOneACallerOnlyWatches) {
  DaemonProcess daemon({"--listen", "127.0.0.1:0", "--tls-cert", at("server.pem"), "--tls-key",
                        at("server.key"), "--tls-client-ca", at("ca.pem")});
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  const std::string port = port_of(daemon);
  ASSERT_FALSE(port.empty()) << daemon.log();
  const std::vector<std::string> ack = {"alarms", "ack", "--all"};
  const std::vector<std::string> jog = {"jog", "--depth-um",    "500", "--speed-hz",
                                        "50",  "--duration-ms", "100"};

  auto r = ctl(port, as("client"), {"status"});
  EXPECT_EQ(r.exit_code, 0) << r.err;  // a viewer watches
  r = ctl(port, as("client"), ack);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.err.find("needs the clinician role"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tls CN=client-1"), std::string::npos) << r.err;

  EXPECT_EQ(ctl(port, as("clinician"), ack).exit_code, 0);
  r = ctl(port, as("clinician"), jog);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.err.find("needs the engineer role"), std::string::npos) << r.err;

  r = ctl(port, as("engineer"), jog);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(Tls, TcpWithoutTlsIsRefusedUnlessAskedForByNameAndBadSettingsAreNamed) {
  auto r = run_command({DERMAD_BIN, "--sim", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--listen needs --tls-cert and --tls-key"), std::string::npos) << r.err;
  r = run_command({DERMAD_BIN, "--sim", "--listen", "127.0.0.1:0", "--tls-cert", at("server.pem")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("both --tls-cert and --tls-key"), std::string::npos) << r.err;
  {
    DaemonProcess bench({"--listen", "127.0.0.1:0", "--insecure-listen"});
    ASSERT_TRUE(bench.wait_ready()) << bench.log();
    EXPECT_NE(bench.log().find("anyone who reaches it can watch the pen"), std::string::npos);
    const std::string port = port_of(bench, "INSECURE tcp:");
    ASSERT_FALSE(port.empty()) << bench.log();
    EXPECT_EQ(ctl(port, {}).exit_code, 0);
  }
  r = run_command({DERMACTL_BIN, "--tls-ca", at("ca.pem"), "status"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--tls-ca is for --target"), std::string::npos) << r.err;
  r = run_command({DERMACTL_BIN, "--target", "127.0.0.1:1", "--tls-ca", at("nope.pem"), "status"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot read PEM from --tls-ca"), std::string::npos) << r.err;
}

TEST_F(Tls, AnUnreadableKeyStopsTheStartWithItsName) {
  DaemonProcess daemon(
      {"--listen", "127.0.0.1:0", "--tls-cert", at("server.pem"), "--tls-key", at("missing.key")});
  const int status = daemon.stop(0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << daemon.log();
  EXPECT_NE(daemon.log().find("cannot read PEM from " + at("missing.key")), std::string::npos)
      << daemon.log();
}

}  // namespace
}  // namespace dermad::test
