// dermad's log in the journal (#16), through the real daemon: `--log journal` sends each line
// and each recorded event through sd_journal_send with PRIORITY and dermad's fields, so that
// `journalctl -u dermad DERMAD_ALARM=ESTOP` finds them. No journald runs on these machines:
// dermad runs in a mount namespace of its own where /run/systemd/journal is the test's folder,
// whose socket receives what journald would (its native protocol, parsed here).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "daemon/log.hpp"
#include "tests/integration/daemon_process.hpp"
#include "tests/integration/pen_client.hpp"

namespace dermad::test {
namespace {

using namespace std::chrono_literals;
using Entry = std::map<std::string, std::string>;

// journald's native protocol: KEY=VALUE lines, or for a value with a newline KEY, a newline,
// its length as a little-endian 64-bit number, the value and a newline.
Entry parse_entry(const std::string& d) {
  Entry e;
  std::size_t i = 0;
  while (i < d.size()) {
    const auto nl = d.find('\n', i);
    const auto eq = d.find('=', i);
    if (eq != std::string::npos && (nl == std::string::npos || eq < nl)) {
      e[d.substr(i, eq - i)] = d.substr(eq + 1, (nl == std::string::npos ? d.size() : nl) - eq - 1);
      i = nl == std::string::npos ? d.size() : nl + 1;
    } else {
      const std::string key = d.substr(i, nl - i);
      uint64_t len = 0;
      std::memcpy(&len, d.data() + nl + 1, 8);
      e[key] = d.substr(nl + 9, len);
      i = nl + 9 + len + 1;
    }
  }
  return e;
}

class FakeJournal {
 public:
  FakeJournal() {
    char tmpl[] = "/tmp/dermad-journal-XXXXXX";
    dir_ = mkdtemp(tmpl);
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string path = dir_ + "/socket";
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ADD_FAILURE() << "bind " << path << ": " << std::strerror(errno);
    }
    chmod(path.c_str(), 0666);
    timeval tv{0, 50'000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    reader_ = std::thread([this] {
      std::string buf(1 << 16, '\0');
      while (!done_) {
        const ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
        if (n <= 0) continue;
        std::lock_guard lock(mu_);
        entries_.push_back(parse_entry(buf.substr(0, static_cast<std::size_t>(n))));
      }
    });
  }
  ~FakeJournal() {
    done_ = true;
    reader_.join();
    close(fd_);
    std::filesystem::remove_all(dir_);
  }
  // dermad's command line prefix: its own mount namespace, the journal's folder ours.
  std::vector<std::string> wrapper() const {
    return {"/usr/bin/unshare",
            "--mount",
            "--propagation",
            "private",
            "/bin/sh",
            "-c",
            "mkdir -p /run/systemd/journal && mount --bind " + dir_ +
                " /run/systemd/journal && exec \"$@\"",
            "sh"};
  }
  std::vector<Entry> entries() {
    std::lock_guard lock(mu_);
    return entries_;
  }
  // The first entry whose fields include all of `want`, waiting up to `limit`.
  std::optional<Entry> wait_for(const Entry& want, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      for (const auto& e : entries()) {
        bool all = true;
        for (const auto& [k, v] : want) {
          const auto it = e.find(k);
          all = all && it != e.end() && it->second == v;
        }
        if (all) return e;
      }
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }

 private:
  std::string dir_;
  int fd_ = -1;
  std::atomic<bool> done_{false};
  std::mutex mu_;
  std::vector<Entry> entries_;
  std::thread reader_;
};

bool can_unshare() {
  return std::system("/usr/bin/unshare --mount /bin/true 2>/dev/null") == 0;
}

TEST(Journal, EachLineAndEachRecordedEventGoesToTheJournalWithDermadsFields) {
  ASSERT_TRUE(can_unshare())
      << "the test needs a mount namespace of its own (unshare --mount, as root)";
  FakeJournal journal;
  DaemonProcess d({"--log", "journal"}, journal.wrapper());
  ASSERT_TRUE(d.wait_ready()) << d.log();
  // dermad's own lines: its start, at INFO, with no event field.
  bool listening = false;
  for (const auto& e : journal.entries()) {
    if (e.count("MESSAGE") && e.at("MESSAGE").find("listening on unix:") != std::string::npos) {
      listening = true;
      EXPECT_EQ(e.at("PRIORITY"), "6");
      EXPECT_EQ(e.at("SYSLOG_IDENTIFIER"), "dermad");
      EXPECT_EQ(e.count("DERMAD_EVENT"), 0u);
    }
  }
  EXPECT_TRUE(listening) << d.log();

  PenClient pen;
  pen.connect(d.channel());
  pen.estop(true);
  // The alarm, findable by its code; an alarm's severity is the journal's ERROR.
  const auto raised = journal.wait_for(
      {{"DERMAD_EVENT", "alarm_raised"}, {"DERMAD_ALARM", "ESTOP"}, {"PRIORITY", "3"}}, 10s);
  ASSERT_TRUE(raised) << d.log();
  EXPECT_NE(raised->at("MESSAGE").find("alarm_raised: {\"code\":\"ESTOP\""), std::string::npos)
      << raised->at("MESSAGE");
  EXPECT_TRUE(journal.wait_for({{"DERMAD_EVENT", "state_changed"}}, 10s));
  pen.estop(false);
  pen.acknowledge_all();
  EXPECT_TRUE(journal.wait_for(
      {{"DERMAD_EVENT", "alarm_acknowledged"}, {"DERMAD_ALARM", "ESTOP"}, {"PRIORITY", "6"}}, 10s));

  // A session's events carry its id.
  v1::StartSessionResponse started_session;
  ASSERT_NO_FATAL_FAILURE(pen.arm_session("CART-JOURNAL-1", started_session));
  const auto session = journal.wait_for(
      {{"DERMAD_EVENT", "session_started"}, {"DERMAD_SESSION", started_session.session_id()}}, 10s);
  ASSERT_TRUE(session) << d.log();
  EXPECT_EQ(session->count("DERMAD_ALARM"), 0u);  // only where it applies

  EXPECT_TRUE(journal.wait_for({{"DERMAD_EVENT", "daemon_started"}}, 5s));
  d.stop(SIGTERM);
  EXPECT_TRUE(journal.wait_for({{"DERMAD_EVENT", "daemon_stopped"}}, 5s));
  // Nothing of it on stderr: the journal has it all.
  EXPECT_EQ(d.log().find("dermad INFO"), std::string::npos) << d.log();
}

TEST(Journal, OnATerminalTheLinesArePlainAndNothingGoesToTheJournal) {
  ASSERT_TRUE(can_unshare())
      << "the test needs a mount namespace of its own (unshare --mount, as root)";
  FakeJournal journal;
  DaemonProcess d({"--log", "console"}, journal.wrapper());
  ASSERT_TRUE(d.wait_ready()) << d.log();
  PenClient pen;
  pen.connect(d.channel());
  pen.estop(true);
  std::this_thread::sleep_for(300ms);
  d.stop(SIGTERM);
  EXPECT_TRUE(journal.entries().empty());
  EXPECT_NE(d.log().find("dermad INFO: dermad "), std::string::npos) << d.log();
  EXPECT_EQ(d.log().find("alarm_raised"), std::string::npos);  // events stay in the records
}

// systemd tells its services where their stderr goes ($JOURNAL_STREAM, device:inode); auto
// logs to the journal only when stderr is still that stream.
TEST(Journal, AutoFollowsJournalStreamOnlyWhenItIsStderr) {
  struct stat st {};
  ASSERT_EQ(fstat(2, &st), 0);
  setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)).c_str(),
         1);
  set_log_target(LogTarget::kAuto);
  EXPECT_TRUE(logging_to_journal());
  setenv("JOURNAL_STREAM",
         (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1)).c_str(), 1);
  set_log_target(LogTarget::kAuto);
  EXPECT_FALSE(logging_to_journal());
  unsetenv("JOURNAL_STREAM");
  set_log_target(LogTarget::kAuto);
  EXPECT_FALSE(logging_to_journal());
  set_log_target(LogTarget::kJournal);
  EXPECT_TRUE(logging_to_journal());
  set_log_target(LogTarget::kConsole);
  EXPECT_FALSE(logging_to_journal());
}

}  // namespace
}  // namespace dermad::test
