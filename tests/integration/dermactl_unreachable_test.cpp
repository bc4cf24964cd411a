// dermactl when dermad is not there, or goes away under it: a clear line, exit 4, and JSON
// under --json for its own errors too (#13).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "tests/integration/daemon_process.hpp"
#include "tests/integration/json_value.hpp"

namespace dermad::test {
namespace {

TEST(DermactlUnreachable, ExitsFourWithAClearMessage) {
  const CommandResult r =
      run_command({DERMACTL_BIN, "--socket", "/tmp/dermad-no-such.sock", "status"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("cannot reach dermad"), std::string::npos) << r.err;
  // Told at once that there is no socket, not after waiting out the connect deadline.
  EXPECT_NE(r.err.find("no socket at /tmp/dermad-no-such.sock (is dermad running?)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("no connection within"), std::string::npos) << r.err;
  // Under --json, unreachable is JSON too; so is a file dermactl itself cannot read, with the
  // system's reason (#13).
  CommandResult j =
      run_command({DERMACTL_BIN, "--json", "--socket", "/tmp/dermad-no-such.sock", "status"});
  EXPECT_EQ(j.exit_code, 4);
  auto e = parse_json(j.out);
  ASSERT_TRUE(e && e->contains("error")) << j.out;
  EXPECT_EQ(e->at("error").at("code").get<std::string>(), "UNAVAILABLE");
  j = run_command({DERMACTL_BIN, "--json", "--socket", "/tmp/dermad-no-such.sock", "screen",
                   "--answers", "/tmp/dermad-no-such-answers.json"});
  EXPECT_EQ(j.exit_code, 2) << j.out << j.err;
  e = parse_json(j.out);
  ASSERT_TRUE(e && e->contains("error")) << j.out;
  EXPECT_NE(e->at("error").at("message").get<std::string>().find("No such file or directory"),
            std::string::npos)
      << j.out;
}

// `watch` while dermad goes away: a clear line and a non-zero exit, not a frozen screen (#13).
TEST(DermactlGone, WatchEndsWithAClearLineAndExitFourWhenDermadStops) {
  for (const int sig : {SIGTERM, SIGKILL}) {
    DaemonProcess daemon;
    ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
    const std::string err_path = daemon.state_dir() + "/watch.err";
    const pid_t pid = fork();
    if (pid == 0) {
      const int out = ::open("/dev/null", O_WRONLY);
      const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(out, 1);
      dup2(err, 2);
      execl(DERMACTL_BIN, DERMACTL_BIN, "--socket", daemon.socket_path().c_str(), "--json", "watch",
            "--rate", "50", static_cast<char*>(nullptr));
      _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));  // watching
    daemon.stop(sig);
    int st = 0;
    bool exited = false;
    for (int i = 0; i < 1000 && !exited; ++i) {
      exited = waitpid(pid, &st, WNOHANG) == pid;
      if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!exited) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
    }
    ASSERT_TRUE(exited) << "watch still running 10 s after dermad went (signal " << sig << ")";
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 4) << "status " << st;
    std::ifstream in(err_path);
    const std::string err((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(err.find("dermactl: cannot reach dermad at unix:" + daemon.socket_path()),
              std::string::npos)
        << err;
  }
}

}  // namespace
}  // namespace dermad::test
