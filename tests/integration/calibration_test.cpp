// Calibration (#14) through the real daemon and dermactl. The simulated pen's errors stand
// for a real pen's; its gauge stands for the engineer's dial gauge.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_process.hpp"
#include "tests/integration/json_value.hpp"

namespace dermad::test {
namespace {

using namespace std::chrono_literals;

class Calibration : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(daemon.wait_ready()) << daemon.log(); }

  CommandResult ctl(std::vector<std::string> args, bool json = false) {
    std::vector<std::string> a = {DERMACTL_BIN, "--socket", daemon.socket_path()};
    if (json) a.push_back("--json");
    a.insert(a.end(), args.begin(), args.end());
    return run_command(a);
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
    EXPECT_EQ(jog.exit_code, 0) << jog.err;
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

TEST_F(Calibration, TheNominalPenIsTrueAndAPensErrorsAreSeenOnTheGauge) {
  EXPECT_LE(worst_depth_error(), 10.0);
  const CommandResult set =
      ctl({"sim", "errors", "--position-scale", "1.03", "--position-offset-um", "40"}, true);
  ASSERT_EQ(set.exit_code, 0) << set.err;
  const auto e = parse_json(set.out);
  ASSERT_TRUE(e) << set.out;
  EXPECT_EQ(e->at("position_scale").get<double>(), 1.03);
  EXPECT_EQ(e->at("position_offset_um").get<double>(), 40.0);
  EXPECT_EQ(e->at("protrusion_offset_um").get<double>(), 0.0);
  // Uncalibrated, the needles go where the sensor's error takes them: > 40 um off somewhere.
  // (Not to 2000 um: before the depth controller's check corrects the stop, the sensor reads
  // it 3 % + 40 um deep, past the over-depth limit, and the pen rightly faults.)
  EXPECT_GT(worst_depth_error({200, 500, 1000, 1500, 1800}), 40.0);
  EXPECT_EQ(status().at("alarms").size(), 0u) << "an error within the sensor's range is no fault";
}

TEST_F(Calibration, SimErrorsOutOfRangeAreRefusedWholeAndChangeNothing) {
  CommandResult r = ctl({"sim", "errors", "--position-scale", "1.5", "--motor-k-drift", "0.9",
                         "--position-offset-um", "10"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("position_scale 1.5"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("motor_k_drift 0.9"), std::string::npos) << r.err;
  r = ctl({"sim", "errors"}, true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_json(r.out)->at("position_offset_um").get<double>(), 0.0) << r.out;
  EXPECT_EQ(ctl({"sim", "errors", "--position-scale", "abc"}).exit_code, 2);
}

}  // namespace
}  // namespace dermad::test
