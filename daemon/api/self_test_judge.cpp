#include "daemon/api/self_test_judge.hpp"

#include <cmath>
#include <cstdio>

#include "daemon/api/convert.hpp"

namespace dermad::api {

namespace {

constexpr int32_t kDepthTolUm = 10;
constexpr double kReachFrac = 0.02, kSteadyFrac = 0.03;
constexpr int64_t kReachNs = 1'000'000'000;
constexpr int64_t kSettleNs = 200'000'000;  // after reaching, before judging steadiness

std::string f1(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

}  // namespace

std::string self_test_refusal(const control::Snapshot& s) {
  std::string why;
  auto add = [&why](const std::string& w) { why += (why.empty() ? "" : "; ") + w; };
  if (s.state != control::State::kIdle) {
    add("the device is " + std::string(control::to_string(s.state)) +
        ", the self-test starts from IDLE");
  }
  if (!s.homed) add("the depth actuator is not homed");
  if (s.alarms.active != 0) add("unresolved alarms: " + control::alarm_codes(s.alarms.active));
  if (s.cartridge_present) add("remove the cartridge: the self-test runs the needle drive");
  return why;
}

StepResult check_sensors(const control::Snapshot& s, const hal::Geometry& g) {
  StepResult r{"sensors", true, "", {}};
  auto fail = [&r](const std::string& w) {
    r.passed = false;
    r.detail += (r.detail.empty() ? "" : "; ") + w;
  };
  const double lo = 0.8 * g.supply_nominal_v, hi = 1.2 * g.supply_nominal_v;
  if (s.supply_v < lo || s.supply_v > hi) {
    fail("supply " + f1(s.supply_v) + " V outside " + f1(lo) + ".." + f1(hi) + " V");
  }
  if (s.temperature_c < 10.0 || s.temperature_c > 45.0) {
    fail("handpiece " + f1(s.temperature_c) + " C outside 10..45 C");
  }
  if (!s.home_switch) fail("home switch open with the needles at home");
  if (std::abs(s.depth_um) > 20) {
    fail("position sensor reads " + std::to_string(s.depth_um) + " um at home");
  }
  r.figures = {{"supply_v", s.supply_v, "V", true, lo, hi},
               {"temperature_c", s.temperature_c, "C", true, 10.0, 45.0},
               {"position_at_home_um", static_cast<double>(s.depth_um), "um", true, -20.0, 20.0},
               {"home_switch_closed", s.home_switch ? 1.0 : 0.0, "", true, 1.0, 1.0}};
  if (r.passed) {
    r.detail = "supply " + f1(s.supply_v) + " V, handpiece " + f1(s.temperature_c) +
               " C, home switch closed, position " + std::to_string(s.depth_um) + " um";
  }
  return r;
}

DriveJudge::DriveJudge(int32_t depth_um, double speed_hz)
    : depth_um_(depth_um), speed_hz_(speed_hz) {}

void DriveJudge::observe(const control::Snapshot& s) {
  in_service_ = s.state == control::State::kService;
  if (in_service_) seen_service_ = true;
  if (!seen_service_) return;
  alarms_ |= s.alarms.active;
  current_max_ma_ = std::max(current_max_ma_, s.motor_current_ma);
  if (!s.motor_enabled) return;
  if (drive_start_ns_ < 0) drive_start_ns_ = s.t_ns;
  depth_err_max_ = std::max(depth_err_max_, std::abs(s.depth_um - depth_um_));
  const double err = std::abs(s.speed_hz - speed_hz_) / speed_hz_;
  if (reached_ns_ < 0) {
    if (err <= kReachFrac) reached_ns_ = s.t_ns;
    return;
  }
  if (s.t_ns - reached_ns_ < kSettleNs) return;
  // The drive's last tick before the run ends slows with the brake: judged while on target.
  if (s.speed_target_hz <= 0.0) return;
  steady_err_max_ = std::max(steady_err_max_, err);
  ++steady_ticks_;
}

StepResult DriveJudge::result() const {
  StepResult r;
  r.name = "drive " + std::to_string(depth_um_) + " um at " + f1(speed_hz_) + " Hz";
  std::string bad;
  auto fail = [&bad](const std::string& w) { bad += (bad.empty() ? "" : "; ") + w; };
  if (!seen_service_) fail("the run never started");
  if (alarms_ != 0) fail("alarms: " + control::alarm_codes(alarms_));
  if (drive_start_ns_ < 0) fail("the drive never ran");
  if (depth_err_max_ > kDepthTolUm) {
    fail("depth off by up to " + std::to_string(depth_err_max_) + " um while running");
  }
  const double reach_ms = reached_ns_ < 0 ? -1.0 : (reached_ns_ - drive_start_ns_) * 1e-6;
  if (drive_start_ns_ >= 0 && (reached_ns_ < 0 || reached_ns_ - drive_start_ns_ > kReachNs)) {
    fail(reached_ns_ < 0 ? "the speed never came within 2 % of its target"
                         : "the speed took " + f1(reach_ms) + " ms to come within 2 %");
  }
  if (steady_ticks_ > 0 && steady_err_max_ > kSteadyFrac) {
    fail("the speed strayed " + f1(steady_err_max_ * 100) + " % from its target");
  }
  r.detail = "depth error max " + std::to_string(depth_err_max_) + " um, speed within 2 % in " +
             (reach_ms < 0 ? std::string("-") : f1(reach_ms) + " ms") + ", then within " +
             f1(steady_err_max_ * 100) + " %, current max " + f1(current_max_ma_) + " mA";
  r.figures = {
      {"depth_error_max_um", static_cast<double>(depth_err_max_), "um", true, 0.0,
       double{kDepthTolUm}},
      {"speed_reach_ms", reach_ms, "ms", true, 0.0, kReachNs * 1e-6},
      {"speed_steady_error_max_pct", steady_err_max_ * 100, "%", true, 0.0, kSteadyFrac * 100},
      {"motor_current_max_ma", current_max_ma_, "mA", false, 0.0, 0.0}};
  r.passed = bad.empty();
  if (!r.passed) r.detail = bad + " (" + r.detail + ")";
  return r;
}

}  // namespace dermad::api
