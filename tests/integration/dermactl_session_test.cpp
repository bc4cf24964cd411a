// A treatment session as a person runs it with dermactl against the real daemon.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <functional>

#include <fcntl.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "daemon/store/event_log.hpp"
#include "tests/integration/daemon_process.hpp"
#include "tests/integration/json_value.hpp"
#include "tools/dermactl/values.hpp"

namespace dermad::test {
namespace {

using namespace std::chrono_literals;

class DermactlSession : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
    dir_ = "/tmp/dermactl-session-" + std::to_string(getpid());
    std::filesystem::create_directories(dir_);
    setenv("DERMACTL_SESSION_FILE", (dir_ + "/session.json").c_str(), 1);
    answers_ = dir_ + "/answers.json";
    write(answers_, R"({"consultation_done": true})");
    pregnant_ = dir_ + "/pregnant.json";
    write(pregnant_, R"({"consultation_done": true, "pregnant": true})");
  }
  void TearDown() override {
    unsetenv("DERMACTL_SESSION_FILE");
    std::filesystem::remove_all(dir_);
  }
  static void write(const std::string& path, const std::string& text) {
    std::ofstream f(path);
    f << text;
  }
  std::vector<std::string> argv(std::vector<std::string> args, bool json) {
    std::vector<std::string> a = {DERMACTL_BIN, "--socket", daemon.socket_path()};
    if (json) a.push_back("--json");
    a.insert(a.end(), args.begin(), args.end());
    return a;
  }
  CommandResult ctl(std::vector<std::string> args, bool json = false) {
    return run_command(argv(std::move(args), json));
  }
  std::vector<std::string> start_args(const std::string& zone, const std::string& depth,
                                      const std::string& answers) {
    return {"session",   "start",      "--protocol", "general",    "--zone",
            zone,        "--depth-um", depth,        "--speed-hz", "100",
            "--answers", answers,      "--operator", "dr-b"};
  }
  Json status() {
    auto j = parse_json(ctl({"status"}, true).out);
    return j ? *j : Json{};
  }
  bool wait_state(const std::string& state) {
    for (int i = 0; i < 500; ++i) {
      if (status().at("state").get<std::string>() == state) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  // As a clinician does when the needles do not start (a press counts once the depth is
  // reached and the link is held): release, press again, up to 10 times.
  bool press_until_running() {
    for (int i = 0; i < 10; ++i) {
      ctl({"sim", "trigger", "off"});
      ctl({"sim", "trigger", "on"});
      for (int j = 0; j < 30; ++j) {
        if (status().at("state").get<std::string>() == "RUNNING") return true;
        std::this_thread::sleep_for(10ms);
      }
    }
    return false;
  }

  DaemonProcess daemon;
  std::string dir_, answers_, pregnant_;
};

TEST_F(DermactlSession, RefusalsComeWithTheirRulesAndRanges) {
  ASSERT_EQ(ctl({"sim", "cartridge", "insert", "--serial", "D-1"}).exit_code, 0);
  CommandResult r = ctl(start_args("cheeks", "1000", pregnant_), true);
  EXPECT_EQ(r.exit_code, 3);
  auto j = parse_json(r.out);
  ASSERT_TRUE(j && j->contains("error")) << r.out;
  EXPECT_EQ(j->at("error").at("code").get<std::string>(), "FAILED_PRECONDITION");
  bool pregnancy = false;
  for (const auto& reason : j->at("error").at("reasons")) {
    pregnancy |= reason.get<std::string>().find("pregnancy") != std::string::npos;
  }
  EXPECT_TRUE(pregnancy) << r.out;

  r = ctl(start_args("periorbital", "1600", answers_), true);
  EXPECT_EQ(r.exit_code, 3);
  j = parse_json(r.out);
  ASSERT_TRUE(j && j->contains("error")) << r.out;
  EXPECT_EQ(j->at("error").at("code").get<std::string>(), "INVALID_ARGUMENT");
  EXPECT_NE(j->at("error").at("message").get<std::string>().find("1600 outside 200..300"),
            std::string::npos);
  EXPECT_EQ(status().at("state").get<std::string>(), "IDLE");

  // What is wrong and what is allowed, in one reason; and how to acknowledge a rule with
  // dermactl's own option (#13).
  write(dir_ + "/anticoagulant.json",
        R"({"consultation_done": true, "anticoagulant_last_dose": ")" +
            ctl::format_date(ctl::today()) + "\"}");
  r = ctl({"session", "start", "--protocol", "gold-nano", "--zone", "cheeks", "--depth-um", "250",
           "--speed-hz", "80", "--answers", dir_ + "/anticoagulant.json", "--operator", "dr-b"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("  - cartridge type standard is not allowed by gold-nano (allowed: "
                       "gold-nano)\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("(acknowledge it with --ack anticoagulants)"), std::string::npos) << r.err;
  EXPECT_EQ(status().at("state").get<std::string>(), "IDLE");
}

// A protocol that records materials: ended without them, the session still ends (ending
// disarms the pen) and its record says which were expected; with one, it is in the record
// with its lot (#13).
TEST_F(DermactlSession, AToxFacialEndedWithoutItsMaterialsSaysWhichWereExpected) {
  const auto tox = [&](const std::string& serial, std::vector<std::string> extra) {
    EXPECT_EQ(ctl({"sim", "cartridge", "insert", "--serial", serial}).exit_code, 0);
    for (int i = 0; i < 100 && !status().at("cartridge_present").get<bool>(); ++i) {
      std::this_thread::sleep_for(10ms);
    }
    std::vector<std::string> args{"session",   "start",      "--protocol", "tox-facial", "--zone",
                                  "cheeks",    "--depth-um", "600",        "--speed-hz", "90",
                                  "--answers", answers_,     "--operator", "dr-b"};
    args.insert(args.end(), extra.begin(), extra.end());
    const CommandResult r = ctl(args, true);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const CommandResult end = ctl({"session", "end"}, true);
    EXPECT_EQ(end.exit_code, 0) << end.err;
    EXPECT_TRUE(wait_state("IDLE"));
    EXPECT_EQ(ctl({"sim", "cartridge", "remove"}).exit_code, 0);
    return parse_json(end.out).value_or(Json{});
  };
  Json without = tox("T-1", {});
  ASSERT_TRUE(without.contains("materials_missing")) << dump(without);
  EXPECT_EQ(without.at("materials_missing"), Json({"botox", "hyaluronic-acid", "prp"}));
  const CommandResult shown = ctl({"session", "show"});
  EXPECT_NE(shown.out.find("MATERIALS MISSING"), std::string::npos) << shown.out;
  Json with = tox("T-2", {"--material", "botox:LOT-77"});
  EXPECT_EQ(with.at("materials_missing").size(), 0u) << dump(with);
  EXPECT_NE(dump(with.at("materials")).find("LOT-77"), std::string::npos) << dump(with);
}

TEST_F(DermactlSession, AFullSessionEndsWithItsSummary) {
  ASSERT_EQ(ctl({"sim", "cartridge", "insert", "--serial", "D-2", "--needles", "36"}).exit_code, 0);
  for (int i = 0; i < 100 && !status().at("cartridge_present").get<bool>(); ++i) {
    std::this_thread::sleep_for(10ms);  // seen at the loop's next tick
  }
  CommandResult r = ctl(start_args("cheeks", "1000", answers_), true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto started = parse_json(r.out);
  ASSERT_TRUE(started && started->contains("session_id")) << r.out;
  EXPECT_EQ(started->at("state").get<std::string>(), "ARMED");
  // The status names the session, says nobody holds its link yet, and that the cartridge
  // is spent now (#13).
  {
    const Json st = status();
    ASSERT_TRUE(st.at("session").is_object()) << dump(st);
    EXPECT_EQ(st.at("session").at("session_id"), started->at("session_id"));
    EXPECT_EQ(st.at("session").at("zone"), "cheeks");
    EXPECT_EQ(st.at("session").at("owner_linked"), false);
    EXPECT_EQ(st.at("cartridge").at("used"), true);
    const CommandResult text = ctl({"status"});
    EXPECT_NE(text.out.find("owner NOT linked"), std::string::npos) << text.out;
    // session show says the session is ARMED, as the pen is (#13).
    const CommandResult show = ctl({"session", "show"});
    EXPECT_NE(show.out.find(started->at("session_id").get<std::string>() + " (ARMED"),
              std::string::npos)
        << show.out;
  }

  // The owner's link: `session attach` held open in the background.
  const auto attach = argv({"session", "attach"}, true);
  const pid_t pid = fork();
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    std::vector<char*> a;
    for (const auto& s : attach) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  ASSERT_TRUE(press_until_running());
  EXPECT_EQ(status().at("session").at("owner_linked"), true);  // attach reads the link
  {
    const CommandResult show = ctl({"session", "show"}, true);
    EXPECT_EQ(parse_json(show.out)->at("pen_state"), "RUNNING") << show.out;
  }
  std::this_thread::sleep_for(2s);
  r = ctl({"session", "update", "--zone", "chin"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(press_until_running());  // the new zone's depth, then a new press
  std::this_thread::sleep_for(1s);
  ASSERT_EQ(ctl({"sim", "trigger", "off"}).exit_code, 0);
  ASSERT_TRUE(wait_state("ARMED"));

  r = ctl({"session", "end"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The ended session ends the link, and `attach` with it, by itself (a Ctrl-C sent now could
  // land while it is already exiting, with the default action back: killed, not exited).
  int st = 0;
  bool exited = false;
  for (int i = 0; i < 1000 && !exited; ++i) {
    exited = waitpid(pid, &st, WNOHANG) == pid;
    if (!exited) std::this_thread::sleep_for(10ms);
  }
  if (!exited) {
    kill(pid, SIGINT);
    waitpid(pid, &st, 0);
  }
  EXPECT_TRUE(exited) << "session attach still held the link 10 s after the session ended";
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "status " << st;

  const auto sum = parse_json(r.out);
  ASSERT_TRUE(sum) << r.out;
  for (const char* k : {"strokes", "microchannels", "zones", "aftercare", "run_s"}) {
    ASSERT_TRUE(sum->contains(k)) << k << " in " << r.out;
  }
  const double strokes = sum->at("strokes").get<double>();
  EXPECT_NEAR(strokes, 100.0 * sum->at("run_s").get<double>(), 0.02 * strokes + 1);
  EXPECT_EQ(sum->at("microchannels").get<double>(), strokes * 36);
  EXPECT_EQ(sum->at("zones").size(), 2u);
  EXPECT_EQ(sum->at("aftercare").size(), 6u);
  EXPECT_EQ(sum->at("operator_id").get<std::string>(), "dr-b");
  EXPECT_TRUE(wait_state("IDLE"));
  // The session file is gone: there is nothing left to end.
  // ... and it says how the last one ended (#13).
  r = ctl({"session", "end"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no session started from this machine; the last one, " +
                       started->at("session_id").get<std::string>() + ", was ended at 20"),
            std::string::npos)
      << r.err;
  r = ctl({"session", "show"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ((*parse_json(r.out)).at("strokes").get<double>(), strokes);
  EXPECT_FALSE((*parse_json(r.out)).contains("pen_state")) << r.out;
  r = ctl({"session", "show"});
  EXPECT_NE(r.out.find(started->at("session_id").get<std::string>() + " (ended)"),
            std::string::npos)
      << r.out;

  // The session is in the record, start to end.
  r = ctl({"logs", "--session", started->at("session_id").get<std::string>()}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> kinds;
  std::istringstream lines(r.out);
  for (std::string l; std::getline(lines, l);)
    kinds.push_back((*parse_json(l)).at("kind").get<std::string>());
  // Its own records and, tagged with it, what the loop did meanwhile (armed, ran, disarmed).
  std::vector<std::string> own;
  for (const auto& k : kinds) {
    if (k.rfind("session_", 0) == 0) own.push_back(k);
  }
  EXPECT_EQ(own, (std::vector<std::string>{"session_started", "session_updated", "session_ended"}));
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "state_changed"), kinds.end());
  EXPECT_EQ(std::find(kinds.begin(), kinds.end(), "cartridge_inserted"), kinds.end())
      << "the cartridge went in before the session";
  r = ctl({"logs"}, true);
  EXPECT_NE(r.out.find("cartridge_inserted"), std::string::npos);

  // The registry: what the cartridge is, and that it is spent (#13).
  r = ctl({"cartridges", "--serial", "D-2"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto cart = parse_json(r.out);
  ASSERT_TRUE(cart) << r.out;
  EXPECT_EQ(cart->at("type"), "standard");
  EXPECT_EQ(cart->at("needles"), 36);
  EXPECT_EQ(cart->at("sessions"), 1);
  EXPECT_EQ(cart->at("used"), true);
  r = ctl({"cartridges"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("SERIAL", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("D-2"), std::string::npos) << r.out;
  r = ctl({"cartridges", "--serial", "NEVER-SEEN"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("no cartridge NEVER-SEEN was ever seen"), std::string::npos) << r.err;
}

// `dermactl session attach` on a terminal (a pty here): a live view in the foreground;
// started in the background of it (a process group that is not the terminal's foreground,
// as `cmd &` in a shell makes), nothing drawn over other commands' output, and one line when
// the session ends.
std::string attach_on_terminal(const std::vector<std::string>& attach, bool background,
                               const std::function<void()>& meanwhile) {
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    // forkpty's child leads the terminal's foreground group; a background job is another.
    pid_t job = background ? fork() : 0;
    if (job > 0) {
      int st = 0;
      waitpid(job, &st, 0);
      _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
    }
    if (background) setpgid(0, 0);
    std::vector<char*> a;
    for (const auto& s : attach) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  std::string out;
  const auto read_for = [&](std::chrono::milliseconds d) {
    const auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{master, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      const ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0) return false;  // the terminal's last process is gone
      out.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  };
  read_for(1500ms);
  meanwhile();
  while (read_for(200ms)) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) break;
  }
  read_for(200ms);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  close(master);
  return out;
}

// The live view through the real daemon: a high alarm named in bold red, every line within the
// terminal's 80 columns (#13).
TEST_F(DermactlSession, TheLiveViewNamesAHighAlarmInRedAndFitsItsTerminal) {
  ASSERT_EQ(ctl({"sim", "estop", "on"}).exit_code, 0);
  ASSERT_TRUE(wait_state("ESTOP"));
  const std::string out =
      attach_on_terminal(argv({"watch", "--rate", "10", "--count", "5"}, false), false, [] {});
  EXPECT_NE(out.find("\x1b[1;31mHIGH"), std::string::npos) << out;
  EXPECT_NE(out.find("ESTOP"), std::string::npos) << out;
  std::istringstream lines(out);
  for (std::string l; std::getline(lines, l);) {
    // What a person sees: without the escape sequences and the carriage return, in characters.
    const std::string seen = std::regex_replace(l, std::regex("\x1b\\[[0-9;]*[A-Za-z]|\r"), "");
    std::size_t chars = 0;
    for (const unsigned char c : seen) chars += (c & 0xC0) != 0x80;
    EXPECT_LE(chars, 80u) << seen;
  }
  ASSERT_EQ(ctl({"sim", "estop", "off"}).exit_code, 0);
  EXPECT_EQ(ctl({"alarms", "ack", "--all"}).exit_code, 0);
}

TEST_F(DermactlSession, AttachDrawsInTheForegroundOfATerminalAndKeepsQuietInTheBackground) {
  ASSERT_EQ(ctl({"sim", "cartridge", "insert", "--serial", "D-3"}).exit_code, 0);
  for (int i = 0; i < 100 && !status().at("cartridge_present").get<bool>(); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(ctl(start_args("cheeks", "1000", answers_)).exit_code, 0);
  // Foreground: the view redraws in place, with the wall time.
  std::string out =
      attach_on_terminal(argv({"session", "attach", "--count", "20"}, false), false, [] {});
  EXPECT_NE(out.find("\x1b[H\x1b[2J"), std::string::npos) << out;
  EXPECT_NE(out.find(" UTC"), std::string::npos) << out;

  // Background: nothing drawn while it holds the link; the session's end said once.
  out = attach_on_terminal(argv({"session", "attach"}, false), true, [this] {
    EXPECT_EQ(status().at("session").at("owner_linked"), true);
    EXPECT_EQ(ctl({"session", "end"}).exit_code, 0);
  });
  EXPECT_EQ(out.find("\x1b["), std::string::npos) << out;
  EXPECT_NE(out.find("ended; the link is let go"), std::string::npos) << out;
  EXPECT_EQ(out.find("ARMED"), std::string::npos) << out;  // no per-state lines either
}

}  // namespace
}  // namespace dermad::test

namespace dermad::test {
namespace {

// `dermactl report` as a service engineer attaches it to a ticket after a day's work.
TEST_F(DermactlSession, AReportForATicketHoldsTheRecordsButNoPatientReference) {
  ASSERT_EQ(ctl({"sim", "cartridge", "insert", "--serial", "D-9"}).exit_code, 0);
  for (int i = 0; i < 100 && !status().at("cartridge_present").get<bool>(); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  auto start = start_args("cheeks", "1000", answers_);
  start.insert(start.end(), {"--patient", "P-4711-SECRET"});
  ASSERT_EQ(ctl(start).exit_code, 0);
  ASSERT_EQ(ctl({"session", "end"}).exit_code, 0);
  ASSERT_EQ(ctl({"sim", "estop", "on"}).exit_code, 0);
  ASSERT_TRUE(wait_state("ESTOP"));
  ASSERT_EQ(ctl({"sim", "estop", "off"}).exit_code, 0);
  ASSERT_EQ(ctl({"alarms", "ack", "--all"}).exit_code, 0);
  std::this_thread::sleep_for(200ms);  // the records are drained every 50 ms

  const std::string file = dir_ + "/ticket.html";
  CommandResult r = ctl({"report", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("report written to " + file), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("9 of 9 sections"), std::string::npos) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
  std::ifstream in(file);
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto serial = parse_json(ctl({"info"}, true).out)->at("serial").get<std::string>();
  EXPECT_NE(page.find("<tr><th>serial</th><td>" + serial + "</td></tr>"), std::string::npos);
  EXPECT_NE(page.find("session_started"), std::string::npos);
  EXPECT_NE(page.find("(withheld)"), std::string::npos);
  EXPECT_EQ(page.find("P-4711-SECRET"), std::string::npos) << "a patient reference left the pen";
  EXPECT_NE(page.find("<tr class=\"alarm\"><td>ESTOP</td>"), std::string::npos);
  EXPECT_NE(page.find("unix uid " + std::to_string(getuid()) + " pid "), std::string::npos);
  EXPECT_NE(page.find("<tr><th>intact</th><td>yes</td></tr>"), std::string::npos);
  EXPECT_EQ(page.find("not available"), std::string::npos);
  EXPECT_EQ(std::filesystem::status(file).permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                std::filesystem::perms::group_read | std::filesystem::perms::others_read);

  r = ctl({"report", file}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ(j->at("report").get<std::string>(), file);
  EXPECT_EQ(j->at("records_intact").get<bool>(), true);
  EXPECT_TRUE(j->at("missing").empty());

  // A place that cannot take the file says why, and the last report stays whole.
  r = ctl({"report", dir_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(dir_ + " is a directory"), std::string::npos) << r.err;
  r = ctl({"report", dir_ + "/no-such-folder/ticket.html"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
  std::ifstream again(file);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>())
                .rfind("<!DOCTYPE html>", 0),
            0u);
  r = ctl({"report", "-"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(ctl({"report"}).exit_code, 2);
  EXPECT_EQ(ctl({"report", file, "--events", "-1"}).exit_code, 2);

  // Every kind this day recorded is one a reader may filter by (ReadEvents refuses others).
  r = ctl({"logs"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  int seen = 0;
  for (std::string line; std::getline(lines, line); ++seen) {
    const std::string kind = parse_json(line)->at("kind").get<std::string>();
    EXPECT_NE(std::find(std::begin(store::kEventKinds), std::end(store::kEventKinds), kind),
              std::end(store::kEventKinds))
        << kind << " is recorded but not in store::kEventKinds";
  }
  EXPECT_GT(seen, 10);
}

}  // namespace
}  // namespace dermad::test
