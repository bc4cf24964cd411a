// Speed calibration through the real daemon and dermactl (#14).
#include <gtest/gtest.h>

#include "tests/integration/calibration_fixture.hpp"

namespace dermad::test {
namespace {

// The #3 step bars, on the device's own clock: a service run's drive from standstill to
// 100 Hz, read from every tick's telemetry sample.
struct StepFigures {
  double settle_ms = -1.0;  // from the drive's start to within +-2 % for good
  double overshoot_pct = 0.0;
};

StepFigures measure_step(PenClient& pen) {
  grpc::ClientContext ctx;
  auto stream = pen.device->StreamTelemetry(&ctx);
  v1::StreamTelemetryRequest first;
  first.set_rate_hz(1000);
  first.set_window(1024);
  stream->Write(first);
  {
    grpc::ClientContext jctx;
    v1::JogRequest jog;
    jog.set_depth_um(200);
    jog.set_speed_hz(100);
    jog.set_duration_ms(800);
    v1::JogResponse resp;
    EXPECT_TRUE(pen.engineering->Jog(&jctx, jog, &resp).ok());
  }
  std::vector<std::pair<int64_t, double>> run;  // (t_ns, speed) while the drive is on
  v1::TelemetrySample s;
  bool started = false;
  for (int n = 0; n < 6000 && stream->Read(&s); ++n) {
    if (s.seq() % 64 == 0) {
      v1::StreamTelemetryRequest ack;
      ack.set_ack_seq(s.seq());
      stream->Write(ack);
    }
    if (s.motor_enabled() && s.speed_target_hz() > 0.0) {
      started = true;
      run.emplace_back(s.t_ns(), s.speed_hz());
    } else if (started) {
      break;
    }
  }
  ctx.TryCancel();
  while (stream->Read(&s)) {
  }
  stream->Finish();
  StepFigures f;
  if (run.size() < 300) return f;
  double peak = 0.0;
  int64_t last_outside = run.front().first;
  for (const auto& [t, hz] : run) {
    peak = std::max(peak, hz);
    if (std::abs(hz - 100.0) > 2.0) last_outside = t;
  }
  f.settle_ms = 1e-6 * static_cast<double>(last_outside - run.front().first);
  f.overshoot_pct = std::max(0.0, peak - 100.0);
  return f;
}

// The measure for speed: a motor whose constant drifted 15 % misses the #3 step bars
// under the built-in tuning; `calibrate speed` and a commit bring them back.
TEST_F(Calibration, ASpeedCalibrationTunesADriftedMotorAndTheStepBarsHoldAgain) {
  PenClient pen;
  pen.connect(daemon.channel());
  ASSERT_EQ(ctl({"sim", "errors", "--motor-k-drift", "0.15"}).exit_code, 0);
  const StepFigures before = measure_step(pen);
  ASSERT_TRUE(wait_state("IDLE"));
  const std::string page = daemon.state_dir() + "/speed.html";
  const CommandResult cal = ctl({"calibrate", "speed", "--report", page});
  ASSERT_EQ(cal.exit_code, 0) << cal.out << cal.err;
  EXPECT_NE(cal.out.find("staged: kp"), std::string::npos) << cal.out;
  const CommandResult show = ctl({"calibration", "show", "speed"}, true);
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const Json staged = *parse_json(show.out);
  // The sweep found the slower motor: its no-load speed 15 % down on the datasheet's.
  const auto nominal = history("speed");
  double datasheet_hz = 0.0;
  for (const auto& h : nominal) {
    if (h.at("kind") == "speed") {
      datasheet_hz = h.at("data").at("model").at("no_load_hz").get<double>();
    }
  }
  ASSERT_GT(datasheet_hz, 0.0);
  EXPECT_NEAR(staged.at("data").at("model").at("no_load_hz").get<double>(), datasheet_hz / 1.15,
              0.05 * datasheet_hz);
  ASSERT_EQ(ctl({"calibration", "commit", "speed"}).exit_code, 0);
  const StepFigures after = measure_step(pen);
  std::printf(
      "speed step 0 -> 100 Hz with the motor constant +15 %%: settle %.0f ms, overshoot "
      "%.2f %% before; %.0f ms, %.2f %% after calibrate speed\n",
      before.settle_ms, before.overshoot_pct, after.settle_ms, after.overshoot_pct);
  EXPECT_GE(after.settle_ms, 0.0);
  EXPECT_LE(after.settle_ms, 150.0);
  EXPECT_LE(after.overshoot_pct, 3.0);
  // The page: the sweep and the step, before and after.
  const CommandResult check = run_command({"/usr/bin/python3", "-c", kCheckReport, page});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out, "2 plots, 6 points\n");
}

}  // namespace
}  // namespace dermad::test
