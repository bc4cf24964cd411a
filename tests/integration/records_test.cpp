// The daemon's durable records: what a run leaves in the event log, chained and gapless.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "daemon/store/store.hpp"
#include "dermad/v1/device.grpc.pb.h"
#include "dermad/v1/log.grpc.pb.h"
#include "dermad/v1/simulator.grpc.pb.h"
#include "tests/integration/daemon_process.hpp"
#include "tests/integration/json_value.hpp"

namespace dermad::test {
namespace {

// dermactl with `args`, against `daemon`'s socket.
CommandResult dermactl(const DaemonProcess& daemon, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {DERMACTL_BIN, "--socket", daemon.socket_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

TEST(Records, ARunLeavesItsEventsInTheLogInOrder) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  auto sim = v1::Simulator::NewStub(daemon.channel());
  auto device = v1::DeviceService::NewStub(daemon.channel());
  auto estop = [&sim](bool on) {
    grpc::ClientContext ctx;
    v1::SetSwitchRequest req;
    req.set_on(on);
    v1::SimAck ack;
    ASSERT_TRUE(sim->SetEstop(&ctx, req, &ack).ok());
  };
  estop(true);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  estop(false);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  grpc::ClientContext ctx;
  v1::AcknowledgeAlarmsResponse acked;
  ASSERT_TRUE(device->AcknowledgeAlarms(&ctx, {}, &acked).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int status = daemon.stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon.log();

  store::Store records;
  std::string err;
  ASSERT_TRUE(records.open(daemon.state_dir() + "/dermad.db", err)) << err;
  EXPECT_TRUE(records.verify().empty());
  const auto ev = records.read(0, 1000);
  ASSERT_GE(ev.size(), 8u);
  std::vector<std::string> kinds;
  for (std::size_t i = 0; i < ev.size(); ++i) {
    EXPECT_EQ(ev[i].seq, static_cast<int64_t>(i + 1));
    kinds.push_back(ev[i].kind +
                    (ev[i].details.find("ESTOP") != std::string::npos ? ":ESTOP" : ""));
  }
  auto at = [&kinds](const std::string& k) {
    return std::find(kinds.begin(), kinds.end(), k) - kinds.begin();
  };
  EXPECT_EQ(kinds.front(), "daemon_started");
  EXPECT_EQ(kinds[1], "config_loaded");
  EXPECT_EQ(kinds.back(), "daemon_stopped");
  EXPECT_LT(at("alarm_raised:ESTOP"), at("alarm_acknowledged:ESTOP"));
  EXPECT_LT(at("alarm_acknowledged:ESTOP"), static_cast<long>(kinds.size()) - 1);
  EXPECT_NE(ev[1].details.find("sha256"), std::string::npos);
}

}  // namespace
}  // namespace dermad::test

namespace dermad::test {
namespace {

TEST(Records, DermactlReadsTheLogAndFindsAnEditedRow) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  auto ctl = [&daemon](std::vector<std::string> args) { return dermactl(daemon, args); };
  ASSERT_EQ(ctl({"sim", "estop", "on"}).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // drained every 50 ms
  CommandResult r = ctl({"--json", "logs", "--after", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  int64_t expect = 1;
  for (std::string l; std::getline(lines, l); ++expect) {
    const auto j = parse_json(l);
    ASSERT_TRUE(j && j->is_object()) << l;
    EXPECT_EQ(j->at("seq").get<double>(), static_cast<double>(expect)) << l;
  }
  EXPECT_GE(expect, 6);  // started, config, BOOT->HOMING->IDLE, ESTOP state and alarm

  // The e-stop is in the alarm history, still active until it is released and acknowledged.
  r = ctl({"--json", "alarms", "history"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto a = parse_json(r.out.substr(0, r.out.find('\n')));
  ASSERT_TRUE(a) << r.out;
  EXPECT_EQ(a->at("code").get<std::string>(), "ESTOP");
  EXPECT_EQ(a->at("priority").get<std::string>(), "high");
  EXPECT_EQ(a->at("ended_by").get<std::string>(), "");
  ASSERT_EQ(ctl({"sim", "estop", "off"}).exit_code, 0);
  ASSERT_EQ(ctl({"alarms", "ack", "--all"}).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  r = ctl({"alarms", "history"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("RAISED", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("acknowledged"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Emergency stop pressed"), std::string::npos) << r.out;
  // Who acknowledged it: this test's own user, through dermactl's process.
  const std::string me = "unix uid " + std::to_string(getuid()) + " pid ";
  EXPECT_NE(r.out.find(me), std::string::npos) << r.out;
  r = ctl({"--json", "alarms", "history", "--code", "estop"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  a = parse_json(r.out.substr(0, r.out.find('\n')));
  ASSERT_TRUE(a) << r.out;
  EXPECT_EQ(a->at("ended_by").get<std::string>(), "acknowledged");
  const std::string by = a->at("acknowledged_by").get<std::string>();
  EXPECT_EQ(by.rfind(me, 0), 0u) << by;
  EXPECT_NE(by.find("(engineer)"), std::string::npos) << by;
  // The chained event says the same.
  r = ctl({"--json", "logs", "--kind", "alarm_acknowledged"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  a = parse_json(r.out.substr(0, r.out.find('\n')));
  ASSERT_TRUE(a) << r.out;
  EXPECT_EQ(a->at("details").at("by").get<std::string>(), by);
  EXPECT_EQ(ctl({"alarms", "history", "--limit", "5000"}).exit_code, 2);

  EXPECT_EQ(ctl({"logs", "--verify"}).exit_code, 0);
  const CommandResult edit =
      run_command({"/usr/bin/sqlite3", daemon.state_dir() + "/dermad.db",
                   "UPDATE events SET details='{\"to\":\"IDLE\"}' WHERE seq=3"});
  ASSERT_EQ(edit.exit_code, 0) << edit.err;
  r = ctl({"logs", "--verify"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("event 3 does not match its hash"), std::string::npos) << r.out;
}

TEST(Records, AServiceEngineerFiltersTheLogByKindSeverityTimeAndCount) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  auto ctl = [&daemon](std::vector<std::string> args) { return dermactl(daemon, args); };
  // Lines of --json logs with these options, parsed.
  auto events = [&ctl](std::vector<std::string> options) {
    options.insert(options.begin(), {"--json", "logs"});
    const CommandResult r = ctl(options);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<Json> out;
    std::istringstream lines(r.out);
    for (std::string l; std::getline(lines, l);) {
      auto j = parse_json(l);
      EXPECT_TRUE(j) << l;
      if (j) out.push_back(*j);
    }
    return out;
  };
  ASSERT_EQ(ctl({"sim", "estop", "on"}).exit_code, 0);
  ASSERT_EQ(ctl({"sim", "estop", "off"}).exit_code, 0);
  ASSERT_EQ(ctl({"alarms", "ack", "--all"}).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // drained every 50 ms
  const auto all = events({});
  ASSERT_GE(all.size(), 8u);

  const auto raised = events({"--kind", "alarm_raised"});
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].at("kind"), "alarm_raised");
  EXPECT_EQ(raised[0].at("details").at("code"), "ESTOP");  // an object, not a string

  const auto two_kinds = events({"--kind", "alarm_raised", "--kind", "alarm_acknowledged"});
  EXPECT_EQ(two_kinds.size(), 2u);

  const auto severe = events({"--severity", "alarm"});
  ASSERT_FALSE(severe.empty());
  for (const auto& e : severe) EXPECT_EQ(e.at("severity"), "alarm") << dump(e);
  EXPECT_LT(severe.size(), all.size());

  const auto newest = events({"-n", "2"});
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0].at("seq"), all[all.size() - 2].at("seq"));
  EXPECT_EQ(newest[1].at("seq"), all.back().at("seq"));
  const auto newest_alarm = events({"--last", "1", "--severity", "warning"});
  ASSERT_EQ(newest_alarm.size(), 1u);
  EXPECT_EQ(newest_alarm[0].at("seq"), severe.back().at("seq"));

  EXPECT_EQ(events({"--since", "1h"}).size(), all.size());
  EXPECT_TRUE(events({"--until", "2020-01-01"}).empty());
  EXPECT_TRUE(events({"--since", "2200-01-01"}).empty());

  CommandResult r = ctl({"logs", "--severity", "loud"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--severity must be info, warning or alarm, got 'loud'"), std::string::npos)
      << r.err;
  r = ctl({"logs", "--since", "yesterday"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--since needs a time"), std::string::npos) << r.err;

  // The alarm history takes the same filters, codes as people type them.
  r = ctl({"--json", "alarms", "history", "--code", "estop"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_EQ(parse_json(r.out)->at("ended_by"), "acknowledged");
  r = ctl({"alarms", "history", "--code", "motor-stall"});
  EXPECT_EQ(r.out, "no alarms recorded\n");
  r = ctl({"alarms", "history", "-n", "1", "--since", "1h"});
  EXPECT_NE(r.out.find("ESTOP"), std::string::npos) << r.out;
  EXPECT_EQ(ctl({"alarms", "history", "--until", "2020-01-01"}).out, "no alarms recorded\n");
  r = ctl({"alarms", "history", "--last", "5", "--limit", "5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--last and --limit are the same option"), std::string::npos) << r.err;

  // The daemon holds the same line for a client that is not dermactl.
  auto log = v1::LogService::NewStub(daemon.channel());
  {
    grpc::ClientContext cc;
    v1::ListAlarmsRequest lr;
    lr.add_codes("ESTOP");
    lr.add_codes("LOUD_NOISE");
    v1::ListAlarmsResponse resp;
    const grpc::Status ls = log->ListAlarms(&cc, lr, &resp);
    EXPECT_EQ(ls.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(ls.error_message(), "'LOUD_NOISE' is not an alarm code");
  }
  const auto refused = [&log](const v1::ReadEventsRequest& req) {
    grpc::ClientContext cc;
    auto reader = log->ReadEvents(&cc, req);
    v1::LogEvent e;
    while (reader->Read(&e)) {
    }
    return reader->Finish();
  };
  v1::ReadEventsRequest req;
  req.set_min_severity("loud");
  grpc::Status st = refused(req);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "min_severity 'loud' is not info, warning or alarm");
  req.Clear();
  req.set_since_wall_ns(2'000);
  req.set_until_wall_ns(1'000);
  st = refused(req);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "until_wall_ns is not after since_wall_ns");
}

TEST(Records, DermadCheckSaysWhetherItWouldStartWithoutChangingAnything) {
  char tmpl[] = "/tmp/dermad-check-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  auto check = [&dir](const std::string& protocols) {
    return run_command(
        {DERMAD_BIN, "--sim", "--check", "--protocols", protocols, "--state-dir", dir + "/state"});
  };
  auto r = check(DERMAD_PROTOCOLS);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("does not exist yet"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/state")) << "a check creates nothing";

  {
    DaemonProcess daemon({"--state-dir", dir + "/state"});
    ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  }
  r = check(DERMAD_PROTOCOLS);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("schema " + std::to_string(store::kSchemaVersion) + ", "), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("configuration OK"), std::string::npos) << r.err;

  {
    std::ofstream bad(dir + "/bad.textproto");
    bad << "protocols { id: \"general\" speed_max_hz: 900 }\n";
  }
  r = check(dir + "/bad.textproto");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.textproto"), std::string::npos) << r.err;

  const std::string db = dir + "/state/dermad.db";
  std::filesystem::remove(db + "-wal");
  std::filesystem::remove(db + "-shm");
  {
    std::ofstream garbage(db, std::ios::binary | std::ios::trunc);
    garbage << std::string(8192, 'x');
  }
  r = check(DERMAD_PROTOCOLS);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("dermad.db"), std::string::npos) << r.err;
  EXPECT_EQ(std::filesystem::file_size(db), 8192u) << "the damaged file is left as it was";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dermad::test
