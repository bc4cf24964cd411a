// dermad as systemd sees it (#16), through the real daemon with a NOTIFY_SOCKET of the
// test's own: READY=1 only once the pen has homed, STATUS= lines that say what it does, the
// watchdog fed while the loop advances and not while it hangs, STOPPING=1 at SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "dermad/v1/simulator.grpc.pb.h"
#include "tests/integration/daemon_process.hpp"
#include "tests/integration/pen_client.hpp"

namespace dermad::test {
namespace {

using namespace std::chrono_literals;

// The service manager's end of $NOTIFY_SOCKET: every datagram dermad sends, in order.
class NotifySocket {
 public:
  NotifySocket() {
    char tmpl[] = "/tmp/dermad-notify-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/notify";
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ADD_FAILURE() << "bind " << path_ << ": " << std::strerror(errno);
    }
    timeval tv{0, 50'000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    reader_ = std::thread([this] {
      char buf[4096];
      while (!done_) {
        const ssize_t n = recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) continue;
        std::lock_guard lock(mu_);
        messages_.emplace_back(buf, static_cast<std::size_t>(n));
      }
    });
  }
  ~NotifySocket() {
    done_ = true;
    reader_.join();
    close(fd_);
    std::filesystem::remove_all(dir_);
  }
  const std::string& path() const { return path_; }
  std::vector<std::string> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  std::size_t size() {
    std::lock_guard lock(mu_);
    return messages_.size();
  }
  // Lines of the messages from index `from` on that are exactly `line`.
  int count(const std::string& line, std::size_t from = 0) {
    int n = 0;
    const auto all = messages();
    for (std::size_t i = from; i < all.size(); ++i) {
      if (("\n" + all[i]).find("\n" + line + "\n") != std::string::npos) ++n;
    }
    return n;
  }
  // Waits for a message holding `text`; its index, or -1.
  int wait_for(const std::string& text, std::chrono::seconds limit, std::size_t from = 0) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      const auto all = messages();
      for (std::size_t i = from; i < all.size(); ++i) {
        if (all[i].find(text) != std::string::npos) return static_cast<int>(i);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

 private:
  std::string dir_, path_;
  int fd_ = -1;
  std::atomic<bool> done_{false};
  std::mutex mu_;
  std::vector<std::string> messages_;
  std::thread reader_;
};

// Starts dermad as systemd would with `watchdog_usec` (none when 0).
std::unique_ptr<DaemonProcess> start_under(NotifySocket& sock, int watchdog_usec) {
  setenv("NOTIFY_SOCKET", sock.path().c_str(), 1);
  if (watchdog_usec > 0) setenv("WATCHDOG_USEC", std::to_string(watchdog_usec).c_str(), 1);
  auto d = std::make_unique<DaemonProcess>();
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  return d;
}

void set_fault(PenClient& pen, v1::SimFault f, bool on) {
  grpc::ClientContext ctx;
  v1::SetFaultRequest req;
  req.set_fault(f);
  req.set_on(on);
  v1::SimAck ack;
  const auto st = pen.sim->SetFault(&ctx, req, &ack);
  ASSERT_TRUE(st.ok()) << st.error_message();
}

TEST(SystemdNotify, ReadyAfterHomingStatusAsItChangesTheWatchdogOnlyWhileTheLoopRuns) {
  NotifySocket sock;
  auto d = start_under(sock, 400'000);  // a look every 100 ms
  ASSERT_TRUE(d->wait_ready()) << d->log();
  const int ready = sock.wait_for("READY=1", 20s);
  ASSERT_GE(ready, 0) << d->log();
  // Never ready while homing: the status that comes with READY (or before it) says so.
  const auto before = sock.messages();
  std::string status_at_ready;
  for (int i = 0; i <= ready; ++i) {
    const auto at = before[static_cast<std::size_t>(i)].find("STATUS=");
    if (at != std::string::npos) {
      const auto& m = before[static_cast<std::size_t>(i)];
      status_at_ready = m.substr(at + 7, m.find('\n', at) - at - 7);
    }
  }
  EXPECT_EQ(status_at_ready.rfind("idle", 0), 0u) << status_at_ready;
  EXPECT_EQ(sock.count("READY=1"), 1);

  // Fed while the loop runs.
  const std::size_t mark = sock.size();
  std::this_thread::sleep_for(1s);
  EXPECT_GE(sock.count("WATCHDOG=1", mark), 3);

  PenClient pen;
  pen.connect(d->channel());
  pen.estop(true);
  EXPECT_GE(sock.wait_for("STATUS=emergency stop", 10s, mark), 0);
  pen.estop(false);
  pen.acknowledge_all();
  EXPECT_GE(sock.wait_for("STATUS=idle", 10s, mark), 0);

  // The loop hangs (a driver that never returns): the ticks stop, and so do the pings.
  ASSERT_NO_FATAL_FAILURE(set_fault(pen, v1::SIM_FAULT_LOOP_HANG, true));
  uint64_t ticks = pen.status().loop().ticks();
  for (int i = 0; i < 50; ++i) {  // until two looks agree the loop stands still
    std::this_thread::sleep_for(100ms);
    const uint64_t now = pen.status().loop().ticks();
    if (now == ticks) break;
    ticks = now;
  }
  ASSERT_EQ(pen.status().loop().ticks(), ticks);
  std::this_thread::sleep_for(300ms);  // a ping decided just before the hang may be on its way
  const std::size_t hung = sock.size();
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(sock.count("WATCHDOG=1", hung), 0) << "the watchdog was fed while the loop hung";
  EXPECT_EQ(pen.status().loop().ticks(), ticks);
  EXPECT_NE(d->log().find("the control loop has not advanced for 1 s: systemd's watchdog is no "
                          "longer fed"),
            std::string::npos)
      << d->log();

  // Let go: the loop runs again, in its safe state with LOOP_OVERRUN, and is fed again.
  const std::size_t released = sock.size();
  ASSERT_NO_FATAL_FAILURE(set_fault(pen, v1::SIM_FAULT_LOOP_HANG, false));
  EXPECT_GE(sock.wait_for("WATCHDOG=1", 10s, released), 0);
  EXPECT_GE(sock.wait_for("LOOP_OVERRUN", 10s, released), 0) << d->log();
  EXPECT_TRUE(PenClient::has_alarm(pen.status(), "LOOP_OVERRUN"));

  const std::size_t stopping = sock.size();
  d->stop(SIGTERM);
  EXPECT_GE(sock.wait_for("STOPPING=1", 5s, stopping), 0);
}

TEST(SystemdNotify, WithoutAWatchdogNothingPingsButReadyAndStatusStillCome) {
  NotifySocket sock;
  auto d = start_under(sock, 0);
  ASSERT_TRUE(d->wait_ready()) << d->log();
  ASSERT_GE(sock.wait_for("READY=1", 20s), 0) << d->log();
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(sock.count("WATCHDOG=1"), 0);
  EXPECT_GE(sock.wait_for("STATUS=idle", 5s), 0);
}

}  // namespace
}  // namespace dermad::test
