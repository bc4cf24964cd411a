// dermactl against the real `dermad --sim`, as a service engineer uses it.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/integration/daemon_process.hpp"
#include "tests/integration/json_value.hpp"

namespace dermad::test {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

class DermactlCli : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(daemon.wait_ready()) << daemon.log(); }

  CommandResult ctl(std::vector<std::string> args, bool json = false) {
    std::vector<std::string> argv = {DERMACTL_BIN, "--socket", daemon.socket_path()};
    if (json) argv.push_back("--json");
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  }
  Json status() {
    const CommandResult r = ctl({"status"}, true);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto j = parse_json(r.out);
    EXPECT_TRUE(j && j->is_object()) << r.out;
    return j ? *j : Json{};
  }

  DaemonProcess daemon;
};

TEST_F(DermactlCli, JsonStatusIsOneObjectWithTheDocumentedKeys) {
  const CommandResult r = ctl({"status"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(lines(r.out).size(), 1u) << r.out;
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j && j->is_object()) << r.out;
  EXPECT_EQ(j->at("state").get<std::string>(), "IDLE");
  EXPECT_TRUE(j->at("depth_um").is_number());
  EXPECT_TRUE(j->at("speed_hz").is_number());
  EXPECT_TRUE(j->at("alarms").is_array());
  for (const char* k : {"t_ns", "depth_target_um", "speed_target_hz", "motor_current_ma", "force_n",
                        "temperature_c", "supply_v", "loop_late_p50_us", "loop_late_p99_us",
                        "loop_late_max_us", "loop_overruns", "loop_ticks"}) {
    EXPECT_TRUE(j->contains(k) && j->at(k).is_number()) << k;
  }
  // People get a table with units instead.
  const CommandResult human = ctl({"status"});
  ASSERT_EQ(human.exit_code, 0);
  EXPECT_NE(human.out.find("IDLE"), std::string::npos);
  EXPECT_NE(human.out.find("um"), std::string::npos);
  EXPECT_NE(human.out.find("Hz"), std::string::npos);
}

TEST_F(DermactlCli, InfoSaysWhoThePenIsWhatItRunsAndWhereItsConfigurationIs) {
  const CommandResult r = ctl({"info"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ(j->at("serial").get<std::string>().rfind("SIM-", 0), 0u) << r.out;
  EXPECT_EQ(j->at("serial").get<std::string>().size(), 12u) << r.out;
  EXPECT_EQ(j->at("hardware_revision"), "sim");
  EXPECT_FALSE(j->at("build").get<std::string>().empty());
  EXPECT_GE(j->at("uptime_s").get<int64_t>(), 0);
  EXPECT_EQ(j->at("started_at").get<std::string>().size(), 20u) << r.out;  // ...T..:..:..Z
  EXPECT_EQ(j->at("state_dir"), daemon.state_dir());
  EXPECT_EQ(j->at("socket_path"), daemon.socket_path());
  EXPECT_EQ(j->at("board_path"), "");
  // The hash of the protocols file the daemon loaded, as anyone can check it.
  const std::string protocols = j->at("protocols_path").get<std::string>();
  EXPECT_EQ(protocols.front(), '/');
  const CommandResult sum = run_command({"/usr/bin/sha256sum", protocols});
  ASSERT_EQ(sum.exit_code, 0) << sum.err;
  EXPECT_EQ(j->at("protocols_sha256"), sum.out.substr(0, 64));
  const CommandResult human = ctl({"info"});
  for (const char* row : {"serial", "hardware revision", "build", "up since", "protocols sha256",
                          "records", "socket"}) {
    EXPECT_NE(human.out.find(row), std::string::npos) << row << "\n" << human.out;
  }
}

TEST_F(DermactlCli, JsonWatchPrintsOneObjectPerSample) {
  const CommandResult r = ctl({"watch", "--rate", "200", "--count", "400"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), 400u);
  double prev_t = 0;
  double prev_tick = -1, prev_dropped = 0;
  std::string prev_line;
  for (const auto& l : ls) {
    const auto j = parse_json(l);
    ASSERT_TRUE(j && j->is_object()) << l;
    for (const char* k : {"t_ns", "tick", "state", "depth_target_um", "depth_um", "speed_target_hz",
                          "speed_hz", "trigger", "estop", "alarms", "dropped"}) {
      ASSERT_TRUE(j->contains(k)) << k << " missing in " << l;
    }
    EXPECT_GT(j->at("t_ns").get<double>(), prev_t);
    prev_t = j->at("t_ns").get<double>();
    // 200 Hz of a 1 kHz loop is every fifth tick; a longer gap only where the stream owns
    // up to samples it dropped (a loaded machine), never silently.
    const double tick = j->at("tick").get<double>(), dropped = j->at("dropped").get<double>();
    if (prev_tick >= 0) {
      EXPECT_EQ(tick - prev_tick, 5 * (dropped - prev_dropped + 1))
          << "between " << prev_line << " and " << l;
    }
    prev_tick = tick;
    prev_dropped = dropped;
    prev_line = l;
  }
}

TEST_F(DermactlCli, JogThenEstopThenAcknowledge) {
  CommandResult r =
      ctl({"jog", "--detach", "--depth-um", "800", "--speed-hz", "100", "--duration-ms", "3000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Watch until the run is on target: 100 Hz +/-2 %, 800 um +/-20 um.
  r = ctl({"watch", "--rate", "100", "--count", "150"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  bool on_target = false;
  std::string last;
  for (const auto& l : lines(r.out)) {
    last = l;
    const auto j = parse_json(l);
    ASSERT_TRUE(j) << l;
    if (j->at("state").get<std::string>() == "SERVICE" &&
        std::abs(j->at("speed_hz").get<double>() - 100) <= 2 &&
        std::abs(j->at("depth_um").get<double>() - 800) <= 20) {
      on_target = true;
    }
  }
  EXPECT_TRUE(on_target) << "last sample: " << last;

  r = ctl({"sim", "estop", "on"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json st = status();
  EXPECT_EQ(st.at("state").get<std::string>(), "ESTOP");
  EXPECT_EQ(st.at("speed_target_hz").get<double>(), 0.0);
  ASSERT_FALSE(st.at("alarms").empty());
  const Json& alarm = st.at("alarms").at(0);
  EXPECT_EQ(alarm.at("code").get<std::string>(), "ESTOP");
  EXPECT_EQ(alarm.at("priority").get<std::string>(), "high");
  EXPECT_TRUE(alarm.at("since").is_number());
  EXPECT_FALSE(alarm.at("text").get<std::string>().empty());

  // A new jog is refused with its reason and exit code 3.
  r = ctl({"jog", "--depth-um", "800", "--speed-hz", "100", "--duration-ms", "1000"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("ESTOP"), std::string::npos) << r.err;

  ASSERT_EQ(ctl({"sim", "estop", "off"}).exit_code, 0);
  EXPECT_EQ(status().at("state").get<std::string>(), "ESTOP");  // released is not reset
  r = ctl({"alarms", "ack", "--all"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(status().at("state").get<std::string>(), "IDLE");
}

TEST_F(DermactlCli, BadUsageAndRefusalsHaveTheirExitCodes) {
  EXPECT_EQ(ctl({"jog", "--depth-um", "800"}).exit_code, 2);  // missing options
  EXPECT_EQ(ctl({"no-such-command"}).exit_code, 2);
  EXPECT_EQ(ctl({"watch", "--rate", "0"}).exit_code, 2);
  EXPECT_EQ(ctl({"sim", "cartridge", "insert", "--type", "diamond"}).exit_code, 2);
  const CommandResult r =
      ctl({"jog", "--depth-um", "5000", "--speed-hz", "100", "--duration-ms", "100"}, true);
  EXPECT_EQ(r.exit_code, 3);
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j && j->contains("error")) << r.out;
  EXPECT_EQ(j->at("error").at("code").get<std::string>(), "INVALID_ARGUMENT");
  EXPECT_NE(j->at("error").at("message").get<std::string>().find("depth_um 5000"),
            std::string::npos);
  const CommandResult help = ctl({"jog", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--depth-um"), std::string::npos);
}

// A dermactl started in the background, its stdout in a file, that a test can signal.
struct Background {
  pid_t pid = -1;
  std::string out_path;
  int wait_exit() {
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  std::string out() const {
    std::ifstream in(out_path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

Background start_background(const std::vector<std::string>& argv, const std::string& out_path) {
  Background b;
  b.out_path = out_path;
  b.pid = fork();
  if (b.pid == 0) {
    const int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  return b;
}

TEST_F(DermactlCli, JogFollowsTheRunToItsEndAndCtrlCStopsIt) {
  // To the end: exit 0 once the device is IDLE again.
  CommandResult r =
      ctl({"jog", "--depth-um", "600", "--speed-hz", "80", "--duration-ms", "300"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto out = lines(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out;
  EXPECT_TRUE(parse_json(out[0])->contains("started_t_ns"));
  EXPECT_EQ(parse_json(out[1])->at("jog"), "done") << r.out;
  EXPECT_EQ(status().at("state"), "IDLE");

  // Ctrl-C: the run stops long before its 10 s, the drive off and the needles going home.
  const std::vector<std::string> jog = {
      DERMACTL_BIN, "--socket", daemon.socket_path(), "--json", "jog", "--depth-um", "800",
      "--speed-hz", "100",      "--duration-ms",      "10000"};
  Background b = start_background(jog, daemon.state_dir() + "/jog.out");
  bool driving = false;
  for (int i = 0; i < 100 && !driving; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    driving = status().at("motor_enabled").get<bool>();
  }
  ASSERT_TRUE(driving);
  ASSERT_EQ(kill(b.pid, SIGINT), 0);
  EXPECT_EQ(b.wait_exit(), 0) << b.out();
  const Json st = status();
  EXPECT_EQ(st.at("state"), "IDLE") << dump(st);
  EXPECT_FALSE(st.at("motor_enabled").get<bool>());
  out = lines(b.out());
  ASSERT_EQ(out.size(), 2u) << b.out();
  EXPECT_EQ(parse_json(out[1])->at("jog"), "stopped") << b.out();
  // Over long before its 10 s, on the device's own clock.
  EXPECT_LT(st.at("t_ns").get<int64_t>() - parse_json(out[0])->at("started_t_ns").get<int64_t>(),
            9'000'000'000)
      << b.out();

  // Ended by the e-stop: exit 1, and it says so.
  Background c = start_background(jog, daemon.state_dir() + "/jog2.out");
  driving = false;
  for (int i = 0; i < 100 && !driving; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    driving = status().at("motor_enabled").get<bool>();
  }
  ASSERT_TRUE(driving);
  ASSERT_EQ(ctl({"sim", "estop", "on"}).exit_code, 0);
  EXPECT_EQ(c.wait_exit(), 1) << c.out();
  out = lines(c.out());
  ASSERT_EQ(out.size(), 2u) << c.out();
  const auto end = parse_json(out[1]);
  EXPECT_EQ(end->at("jog"), "ended");
  EXPECT_EQ(end->at("state"), "ESTOP");
  EXPECT_EQ(end->at("alarms").at(0), "ESTOP");
  ASSERT_EQ(ctl({"sim", "estop", "off"}).exit_code, 0);
  ASSERT_EQ(ctl({"alarms", "ack", "--all"}).exit_code, 0);
}

// #13: what a service engineer with only --help reaches for first.
TEST_F(DermactlCli, HelpVersionSuggestionsAndTheSocketFromTheEnvironment) {
  CommandResult r = run_command({DERMACTL_BIN, "--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, std::string("dermactl ") + DERMAD_VERSION + "\n");
  r = run_command({DERMACTL_BIN, "help", "session", "start"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, run_command({DERMACTL_BIN, "session", "start", "--help"}).out);
  EXPECT_NE(r.out.find("--protocol"), std::string::npos) << r.out;
  r = run_command({DERMACTL_BIN, "help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("DERMACTL_SOCKET"), std::string::npos) << r.out;

  // Mistyped words: exit 2 and the nearest right one, or no guess when none is near.
  const std::vector<std::pair<std::vector<std::string>, std::string>> typos = {
      {{"staus"}, "unknown command 'staus'; did you mean 'status'?"},
      {{"help", "selftets"}, "unknown command 'selftets'; did you mean 'selftest'?"},
      {{"sim", "fualt", "overtemp"}, "unknown command 'sim fualt'; did you mean 'sim fault'?"},
      {{"session", "attch"}, "unknown command 'session attch'; did you mean 'session attach'?"},
      {{"status", "--jsn"}, "unknown option --jsn for 'status'; did you mean '--json'?"},
      {{"--sockt", "x", "status"}, "unknown option --sockt; did you mean '--socket'?"},
      {{"logs", "--limt", "5"}, "unknown option --limt for 'logs'; did you mean '--limit'?"},
      {{"frobnicate"}, "unknown command 'frobnicate'\n"},
      {{"sim", "fault", "overtmp", "on"}, "unknown fault 'overtmp'; did you mean 'overtemp'?"},
  };
  for (const auto& [args, want] : typos) {
    std::vector<std::string> argv = {DERMACTL_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    r = run_command(argv);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_NE(r.err.find(want), std::string::npos) << r.err;
  }

  // Under --json a local mistake is JSON on stdout as well, like dermad's refusals.
  r = run_command({DERMACTL_BIN, "--json", "staus"});
  EXPECT_EQ(r.exit_code, 2);
  const auto err = parse_json(r.out);
  ASSERT_TRUE(err && err->contains("error")) << r.out;
  EXPECT_EQ(err->at("error").at("code").get<std::string>(), "USAGE");
  EXPECT_EQ(err->at("error").at("message").get<std::string>(),
            "unknown command 'staus'; did you mean 'status'?");

  // DERMACTL_SOCKET instead of --socket; --socket still wins over it.
  r = run_command({"/usr/bin/env", "DERMACTL_SOCKET=" + daemon.socket_path(), DERMACTL_BIN,
                   "--json", "status"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"state\""), std::string::npos) << r.out;
  r = run_command({"/usr/bin/env", "DERMACTL_SOCKET=" + daemon.socket_path(), DERMACTL_BIN,
                   "--socket", daemon.state_dir() + "/nothing.sock", "status"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
}

// Alarm codes as people type them.
TEST_F(DermactlCli, AlarmCodesAreAcknowledgedWhateverTheirCase) {
  ASSERT_EQ(ctl({"sim", "estop", "on"}).exit_code, 0);
  ASSERT_EQ(ctl({"sim", "estop", "off"}).exit_code, 0);
  const CommandResult r = ctl({"alarms", "ack", "estop"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  ASSERT_EQ(j->at("cleared").size(), 1u) << r.out;
  EXPECT_EQ(j->at("cleared").at(0).get<std::string>(), "ESTOP");
  EXPECT_EQ(ctl({"alarms", "ack", "no-such-alarm"}).exit_code, 3);
}

TEST_F(DermactlCli, SimulatorCommandsReachThePen) {
  ASSERT_EQ(ctl({"sim", "cartridge", "insert", "--serial", "C-42", "--type", "nano", "--needles",
                 "36", "--expires", "2030-01-31"})
                .exit_code,
            0);
  ASSERT_EQ(ctl({"sim", "trigger", "on"}).exit_code, 0);
  ASSERT_EQ(ctl({"sim", "pedal", "on"}).exit_code, 0);
  ASSERT_EQ(ctl({"sim", "contact", "--force-n", "3.5"}).exit_code, 0);
  Json st = status();
  EXPECT_TRUE(st.at("cartridge_present").get<bool>());
  // Read once from its EEPROM when it went in; the answer came after that.
  EXPECT_EQ(st.at("cartridge").at("serial").get<std::string>(), "C-42");
  EXPECT_EQ(st.at("cartridge").at("type").get<std::string>(), "nano");
  EXPECT_EQ(st.at("cartridge").at("needles").get<double>(), 36);
  EXPECT_TRUE(st.at("cartridge").at("valid").get<bool>());
  EXPECT_EQ(st.at("backend").get<std::string>(), "sim");
  EXPECT_TRUE(st.at("trigger").get<bool>());
  EXPECT_TRUE(st.at("pedal").get<bool>());
  EXPECT_NEAR(st.at("force_n").get<double>(), 3.5, 0.1);
  ASSERT_EQ(ctl({"sim", "cartridge", "insert", "--serial", "C-43", "--bad-checksum"}).exit_code, 0);
  st = status();
  EXPECT_FALSE(st.at("cartridge").at("valid").get<bool>()) << "a swap is read as a new insertion";
  EXPECT_EQ(st.at("cartridge").at("problem").get<std::string>().rfind("CRC mismatch (stored ", 0),
            0u)
      << st.at("cartridge").at("problem").get<std::string>();
  const CommandResult text = ctl({"status"}, false);
  EXPECT_NE(text.out.find("INVALID: CRC mismatch"), std::string::npos) << text.out;
  // What a real EEPROM cannot hold is refused, not cut short.
  const CommandResult long_serial =
      ctl({"sim", "cartridge", "insert", "--serial", "A-SERIAL-OF-17-CH"});
  EXPECT_NE(long_serial.exit_code, 0);
  EXPECT_NE((long_serial.out + long_serial.err).find("must be 1 to 16 printable ASCII"),
            std::string::npos)
      << long_serial.out << long_serial.err;
  ASSERT_EQ(ctl({"sim", "cartridge", "remove"}).exit_code, 0);
  ASSERT_EQ(ctl({"sim", "trigger", "off"}).exit_code, 0);
  st = status();
  EXPECT_FALSE(st.at("cartridge_present").get<bool>());
  EXPECT_TRUE(st.at("cartridge").is_null());
  EXPECT_FALSE(st.at("trigger").get<bool>());
}

TEST_F(DermactlCli, ProtocolsListTheFourTreatments) {
  const CommandResult r = ctl({"protocols"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j && j->contains("protocols")) << r.out;
  std::vector<std::string> ids;
  for (const auto& p : j->at("protocols")) ids.push_back(p.at("id").get<std::string>());
  EXPECT_EQ(ids, (std::vector<std::string>{"general", "tox-facial", "gold-nano", "prp"}));
  const auto& gold = j->at("protocols").at(2);
  EXPECT_EQ(gold.at("cartridge_types").at(0).get<std::string>(), "gold-nano");
}

TEST_F(DermactlCli, ScreeningFindsWhatBlocksAndWhatNeedsAcknowledging) {
  const std::string answers = "/tmp/dermad-answers-" + std::to_string(getpid()) + ".json";
  {
    std::ofstream f(answers);
    f << R"({"pregnant": true, "consultation_done": false, "sun_exposure_last": null})";
  }
  CommandResult r = ctl({"screen", "--answers", answers}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_TRUE(j->at("blocked").get<bool>());
  const auto& f = j->at("findings");
  ASSERT_EQ(f.size(), 2u) << r.out;
  EXPECT_EQ(f[0].at("rule").get<std::string>(), "pregnancy");
  EXPECT_EQ(f[0].at("severity").get<std::string>(), "block");
  EXPECT_EQ(f[1].at("rule").get<std::string>(), "consultation");
  EXPECT_EQ(f[1].at("severity").get<std::string>(), "acknowledge");
  {
    std::ofstream f2(answers);
    f2 << R"({"pregnant": true, "hungry": true})";
  }
  r = ctl({"screen", "--answers", answers});
  EXPECT_EQ(r.exit_code, 2);  // unknown answer, no near one
  EXPECT_NE(r.err.find("unknown answer 'hungry'\n"), std::string::npos) << r.err;
  {
    std::ofstream f2(answers);
    f2 << R"({"pregnat": true})";
  }
  r = ctl({"screen", "--answers", answers});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown answer 'pregnat'; did you mean 'pregnant'?"), std::string::npos)
      << r.err;
  r = ctl({"screen", "--answers", answers + ".missing"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(".missing: No such file or directory"), std::string::npos) << r.err;
  {
    std::ofstream f3(answers);
    f3 << R"({"isotretinoin_last_dose": "2999-01-01"})";
  }
  r = ctl({"screen", "--answers", answers});
  EXPECT_EQ(r.exit_code, 3);  // the daemon refuses a date in the future
  EXPECT_NE(r.err.find("isotretinoin_last_dose"), std::string::npos) << r.err;
  std::remove(answers.c_str());
}

// #10 finding 11: which of two answers counts is never a guess, and a hostile file cannot
// crash dermactl or keep it busy.
TEST_F(DermactlCli, AnswersWithADuplicateKeyOrDeepNestingAreRefusedAtOnce) {
  const std::string answers = "/tmp/dermad-answers-dup-" + std::to_string(getpid()) + ".json";
  std::ofstream(answers) << R"({"consultation_done": true, "pregnant": true, "pregnant": false})";
  CommandResult r = ctl({"screen", "--answers", answers});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find("the key \"pregnant\" is given twice"), std::string::npos) << r.err;
  ASSERT_EQ(ctl({"sim", "cartridge", "insert", "--serial", "DUP-1"}).exit_code, 0);
  r = ctl({"session", "start", "--protocol", "general", "--zone", "cheeks", "--depth-um", "1000",
           "--speed-hz", "100", "--answers", answers, "--operator", "dr-a"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(status().at("state").get<std::string>(), "IDLE");

  std::ofstream(answers) << std::string(40000, '[') + std::string(40000, ']');
  r = ctl({"screen", "--answers", answers});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nested deeper than 64 levels"), std::string::npos) << r.err;
  std::remove(answers.c_str());
}

}  // namespace
}  // namespace dermad::test

namespace dermad::test {
namespace {

// A mistyped name the device knows (protocol, zone, alarm code, kind of event) is refused
// with the name it most likely meant, for every client: the guess comes from dermad.
TEST_F(DermactlCli, MistypedNamesTheDeviceKnowsAreAnsweredWithAGuess) {
  ASSERT_EQ(ctl({"sim", "cartridge", "insert", "--serial", "GUESS-1"}).exit_code, 0);
  const std::string answers = "/tmp/dermad-answers-guess-" + std::to_string(getpid()) + ".json";
  std::ofstream(answers) << R"({"consultation_done": true})";
  const auto start = [&](const std::string& protocol, const std::string& zone) {
    return ctl({"session", "start", "--protocol", protocol, "--zone", zone, "--depth-um", "1000",
                "--speed-hz", "100", "--answers", answers, "--operator", "dr-a"});
  };
  CommandResult r = start("genral", "cheeks");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("unknown protocol 'genral', did you mean 'general'? (protocols: general"),
            std::string::npos)
      << r.err;
  r = start("general", "cheks");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("zone 'cheks' is not part of protocol general, did you mean 'cheeks'?"),
            std::string::npos)
      << r.err;
  r = ctl({"alarms", "ack", "motr-stall"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("'MOTR_STALL', did you mean 'MOTOR_STALL'?"), std::string::npos) << r.err;
  r = ctl({"alarms", "history", "--code", "estp"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("'ESTP' is not an alarm code, did you mean 'ESTOP'?"), std::string::npos)
      << r.err;
  // A kind of event nobody records is a typo, not an empty log.
  r = ctl({"logs", "--kind", "alarm_raisd"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("'alarm_raisd' is not a kind of event, did you mean 'alarm_raised'?"),
            std::string::npos)
      << r.err;
  r = ctl({"logs", "--kind", "foo"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err.find("did you mean"), std::string::npos) << r.err;  // no wild guess
  r = ctl({"sim", "cartridge", "insert", "--type", "nanoo"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean 'nano'?"), std::string::npos) << r.err;
  EXPECT_EQ(status().at("state").get<std::string>(), "IDLE");
  std::remove(answers.c_str());
}

// A service run moves the needles: the records say who ran which.
TEST_F(DermactlCli, AServiceRunIsRecordedWithWhoRanIt) {
  ASSERT_EQ(
      ctl({"jog", "--depth-um", "800", "--speed-hz", "100", "--duration-ms", "200", "--detach"})
          .exit_code,
      0);
  CommandResult r;
  for (int i = 0; i < 50; ++i) {
    r = ctl({"logs", "--kind", "jog"}, true);
    if (!r.out.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse_json(r.out.substr(0, r.out.find('\n')));
  ASSERT_TRUE(j) << r.out;
  const auto& d = j->at("details");
  EXPECT_EQ(d.at("depth_um").get<int>(), 800);
  EXPECT_EQ(d.at("speed_hz").get<double>(), 100.0);
  EXPECT_EQ(d.at("duration_ms").get<int>(), 200);
  EXPECT_EQ(
      d.at("by").get<std::string>().rfind("unix uid " + std::to_string(getuid()) + " pid ", 0), 0u);
  // And how it ended, once it has.
  for (int i = 0; i < 100; ++i) {
    r = ctl({"logs", "--kind", "routine_ended"}, true);
    if (!r.out.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto ended = parse_json(r.out.substr(0, r.out.find('\n')));
  ASSERT_TRUE(ended) << r.out;
  EXPECT_EQ(ended->at("details").at("routine").get<std::string>(), "service_run");
  EXPECT_EQ(ended->at("details").at("how").get<std::string>(), "done");
  // Refused runs move nothing and are not service runs on the record.
  EXPECT_NE(
      ctl({"jog", "--depth-um", "5000", "--speed-hz", "100", "--duration-ms", "200"}).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  r = ctl({"logs", "--kind", "jog"}, true);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

}  // namespace
}  // namespace dermad::test
