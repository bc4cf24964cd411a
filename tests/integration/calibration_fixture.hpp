// The calibration tests' fixture: a simulated pen with dermactl at hand, and a person at the
// wizard's prompts (run_wizard). Calibration (#14) through the real daemon and dermactl; the
// simulated pen's errors stand for a real pen's, its gauge for the engineer's dial gauge.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_process.hpp"
#include "tests/integration/json_value.hpp"
#include "tests/integration/pen_client.hpp"

namespace dermad::test {

// A python check that every inline SVG of a calibration report is well-formed XML; prints
// how many plots and how many measured points (marks in the first plot).
extern const char* const kCheckReport;

// `dermactl ARGS` with a person at its prompts: whenever it asks for a gauge reading (on
// standard error), `answer` is told which prompt (1-based) and gives the line to type, or
// nullopt to type nothing and wait (the pen may end the calibration meanwhile).
CommandResult run_wizard(const std::vector<std::string>& args,
                         const std::function<std::optional<std::string>(int)>& answer);

using namespace std::chrono_literals;

class Calibration : public ::testing::Test {
 public:  // also for the restart test, which runs two daemons on one state directory
  explicit Calibration(std::vector<std::string> daemon_args = {}) : daemon(daemon_args) {}
  void SetUp() override { ASSERT_TRUE(daemon.wait_ready()) << daemon.log(); }
  // A failure says what the pen did: its newest events name the alarm that stopped a run.
  void TearDown() override {
    if (!HasFailure()) return;
    std::cerr << "dermad's newest events:\n"
              << ctl({"logs", "-n", "40"}).out << "its status:\n"
              << ctl({"status"}, true).out;
  }

  std::vector<std::string> argv(std::vector<std::string> args, bool json = false) {
    std::vector<std::string> a = {DERMACTL_BIN, "--socket", daemon.socket_path()};
    if (json) a.push_back("--json");
    a.insert(a.end(), args.begin(), args.end());
    return a;
  }
  // The gauge, read as the engineer would at each prompt.
  std::string gauge_text() {
    const auto g = parse_json(ctl({"sim", "gauge"}, true).out);
    return g ? std::to_string(g->at("protrusion_um").get<double>()) : "?";
  }
  // `calibrate depth`, each reading the gauge's.
  CommandResult calibrate_with_gauge(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"calibrate", "depth"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_wizard(argv(args), [this](int) { return gauge_text(); });
  }
  std::string write_file(const std::string& name, const std::string& text) {
    const std::string path = daemon.state_dir() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  // The committed calibrations, oldest first, as `calibration history --json` lists them.
  // (Of one kind, depth by default; "" for every kind.)
  std::vector<Json> history(const std::string& kind = "depth") {
    std::vector<std::string> args = {"calibration", "history"};
    if (!kind.empty()) args.insert(args.end(), {"--kind", kind});
    const CommandResult r = ctl(args, true);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<Json> out;
    std::istringstream lines(r.out);
    for (std::string l; std::getline(lines, l);) {
      if (auto j = parse_json(l)) out.push_back(*j);
    }
    return out;
  }
  bool wait_state(const std::string& state) {
    for (int i = 0; i < 500; ++i) {
      if (status().value("state", "") == state) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  CommandResult ctl(std::vector<std::string> args, bool json = false) {
    return run_command(argv(std::move(args), json));
  }
  Json status() {
    const auto j = parse_json(ctl({"status"}, true).out);
    return j ? *j : Json{};
  }

  // The needles' true protrusion (the gauge) once a service run holds them at `depth_um` as
  // the position sensor sees it; NaN if the run never got there.
  double gauge_at(int depth_um) {
    const CommandResult jog = ctl({"jog", "--depth-um", std::to_string(depth_um), "--speed-hz",
                                   "60", "--duration-ms", "1500", "--detach"});
    // Refused: say what the pen recorded, for a failure seen only now and then (a SENSOR_FAULT
    // under ASan, about 1 run in 9, cause not yet known).
    EXPECT_EQ(jog.exit_code, 0) << jog.err
                                << (jog.exit_code == 0
                                        ? std::string()
                                        : "dermad's newest events:\n" +
                                              ctl({"logs", "-n", "40"}).out + ctl({"alarms"}).out);
    if (jog.exit_code != 0) return std::nan("");
    double gauge = std::nan("");
    for (int i = 0; i < 200; ++i) {
      const Json s = status();
      // The drive runs only once the depth is reached and settled.
      if (s.value("state", "") == "SERVICE" && s.value("speed_target_hz", 0.0) > 0.0) {
        std::this_thread::sleep_for(100ms);
        gauge = parse_json(ctl({"sim", "gauge"}, true).out)->at("protrusion_um").get<double>();
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
    for (int i = 0; i < 300 && status().value("state", "") != "IDLE"; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    return gauge;
  }

  // The worst |true - commanded| over `depths`.
  double worst_depth_error(std::vector<int> depths = {200, 500, 1000, 1500, 2000}) {
    double worst = 0.0;
    for (const int depth : depths) {
      const double g = gauge_at(depth);
      EXPECT_FALSE(std::isnan(g)) << "the run to " << depth << " um never drove";
      worst = std::max(worst, std::abs(g - depth));
    }
    return worst;
  }

  DaemonProcess daemon;
};

}  // namespace dermad::test
