// #10 finding 10: SIGTERM ends within a bound whatever clients do. Clients that stopped
// reading a log follow stream and a telemetry stream (SIGSTOP, their buffers full) must not
// hold the daemon; the log names the streams it ended, and the records say it stopped.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "dermad/v1/log.grpc.pb.h"
#include "tests/integration/daemon_process.hpp"
#include "tests/integration/pen_client.hpp"

namespace dermad::test {
namespace {

pid_t spawn(std::vector<std::string> argv) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  return pid;
}

TEST(Shutdown, StoppedClientsDoNotHoldSigtermAndTheLogNamesTheStreamsItEnded) {
  std::string state;
  {
    DaemonProcess daemon;
    ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
    state = daemon.state_dir();
    PenClient pen;
    pen.connect(daemon.channel());
    const pid_t follower =
        spawn({DERMACTL_BIN, "--socket", daemon.socket_path(), "logs", "--follow"});
    const pid_t watcher = spawn(
        {DERMACTL_BIN, "--socket", daemon.socket_path(), "--json", "watch", "--rate", "1000"});
    std::this_thread::sleep_for(500ms);
    kill(follower, SIGSTOP);
    kill(watcher, SIGSTOP);
    // A backlog the stopped follower cannot take: hundreds of records.
    for (int i = 0; i < 300; ++i) {
      pen.estop(i % 2 == 0);
    }
    std::this_thread::sleep_for(1s);

    const auto t0 = std::chrono::steady_clock::now();
    const int status = daemon.stop(SIGTERM);
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon.log();
    // 2 s for calls to end, 4 s at most before the rest are cut; the margin is the VM's.
    EXPECT_LT(took, std::chrono::seconds(8)) << daemon.log();
    const std::string log = daemon.log();
    EXPECT_NE(log.find("open stream(s): "), std::string::npos) << log;
    EXPECT_NE(log.find("LogService.ReadEvents from unix uid 0 pid " + std::to_string(follower)),
              std::string::npos)
        << log;
    EXPECT_NE(
        log.find("DeviceService.StreamTelemetry from unix uid 0 pid " + std::to_string(watcher)),
        std::string::npos)
        << log;
    EXPECT_NE(log.find("INFO: stopped"), std::string::npos) << log;
    for (const pid_t p : {follower, watcher}) {
      kill(p, SIGKILL);
      kill(p, SIGCONT);
      waitpid(p, nullptr, 0);
    }
    // The records end with the daemon's own stop, written after the streams went.
    DaemonProcess again({"--state-dir", state});
    ASSERT_TRUE(again.wait_ready()) << again.log();
    const auto r = run_command({DERMACTL_BIN, "--socket", again.socket_path(), "--json", "logs",
                                "--after", "0", "--limit", "100000"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto stopped = r.out.find("\"daemon_stopped\"");
    EXPECT_NE(stopped, std::string::npos);
    EXPECT_NE(r.out.find("\"daemon_started\"", stopped), std::string::npos);
  }
}

}  // namespace
}  // namespace dermad::test
