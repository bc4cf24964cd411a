// Sensors calibration through the real daemon and dermactl (#14).
#include <gtest/gtest.h>

#include "tests/integration/calibration_fixture.hpp"

namespace dermad::test {
namespace {

// The mean of `key` over ten status readings: a single current reading has 4 mA of noise.
double status_mean(Calibration& t, const char* key) {
  double sum = 0.0;
  for (int i = 0; i < 10; ++i) sum += t.status().value(key, std::nan(""));
  return sum / 10.0;
}

TEST(SensorsCalibration, EachSensorsErrorIsTakenOutByTheCommitAndStaysOutAfterARestart) {
  StateDir state;
  struct Fixture : Calibration {
    explicit Fixture(const std::string& dir) : Calibration({"--state-dir", dir}) {}
    void TestBody() override {}
  };
  const std::vector<std::string> errors = {"sim",
                                           "errors",
                                           "--current-offset-ma",
                                           "80",
                                           "--force-offset-n",
                                           "0.6",
                                           "--temperature-offset-c",
                                           "3"};
  {
    Fixture t(state.path());
    ASSERT_TRUE(t.daemon.wait_ready()) << t.daemon.log();
    ASSERT_EQ(t.ctl(errors).exit_code, 0);
    const double true_c = parse_json(t.ctl({"sim", "gauge"}, true).out)->at("temperature_c");
    // Uncalibrated, each reads its error: a drive that is off draws 80 mA, an untouched tip
    // feels 0.6 N, the handpiece is 3 C warmer than it is.
    EXPECT_NEAR(status_mean(t, "motor_current_ma"), 80.0, 6.0);
    EXPECT_NEAR(status_mean(t, "force_n"), 0.6, 0.03);
    EXPECT_NEAR(status_mean(t, "temperature_c"), true_c + 3.0, 0.05);

    const std::string page = t.daemon.state_dir() + "/sensors.html";
    const CommandResult cal =
        t.ctl({"calibrate", "sensors", "--reference-c", std::to_string(true_c), "--report", page});
    ASSERT_EQ(cal.exit_code, 0) << cal.out << cal.err;
    EXPECT_NE(cal.out.find("staged: current zero +"), std::string::npos) << cal.out;
    EXPECT_NE(cal.out.find("calibration commit sensors"), std::string::npos) << cal.out;
    std::ifstream f(page);
    const std::string html(std::istreambuf_iterator<char>(f), {});
    EXPECT_NE(html.find("reference_c"), std::string::npos) << "the report's measurement";
    // Staged only: nothing changed yet.
    EXPECT_NEAR(status_mean(t, "force_n"), 0.6, 0.03);
    const Json staged = *parse_json(t.ctl({"calibration", "show", "sensors"}, true).out);
    EXPECT_NEAR(staged.at("data").at("offsets").at("current_ma").get<double>(), 80.0, 3.0);
    EXPECT_NEAR(staged.at("data").at("offsets").at("force_n").get<double>(), 0.6, 0.01);
    EXPECT_NEAR(staged.at("data").at("offsets").at("temperature_c").get<double>(), 3.0, 0.01);
    EXPECT_EQ(staged.at("data").at("measured").at("samples").get<int>(), 500);

    const CommandResult commit = t.ctl({"calibration", "commit", "sensors"});
    ASSERT_EQ(commit.exit_code, 0) << commit.err;
    EXPECT_NEAR(status_mean(t, "motor_current_ma"), 0.0, 6.0);
    EXPECT_NEAR(status_mean(t, "force_n"), 0.0, 0.03);
    EXPECT_NEAR(status_mean(t, "temperature_c"), true_c, 0.05);

    // Refused, each with its reason, and the committed one stays in force: an offset beyond
    // what may be taken out, a pressed tip, a reference out of the room's range, none.
    ASSERT_EQ(t.ctl({"sim", "errors", "--current-offset-ma", "260"}).exit_code, 0);
    ASSERT_EQ(t.ctl({"sim", "contact", "--force-n", "3"}).exit_code, 0);
    CommandResult r = t.ctl({"calibrate", "sensors", "--reference-c", std::to_string(true_c)});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("mA with the drive off: beyond the 150 mA"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("is something touching the tip"), std::string::npos) << r.out;
    r = t.ctl({"calibrate", "sensors", "--reference-c", "50"});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.err.find("outside 10..40 C"), std::string::npos) << r.err;
    r = run_wizard(t.argv({"calibrate", "sensors"}), [](int) { return std::string("q"); });
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("nothing measured"), std::string::npos) << r.err;
    EXPECT_EQ(t.ctl({"calibration", "show", "sensors"}).exit_code, 3) << "a refusal staged";
    ASSERT_EQ(t.ctl({"sim", "contact", "--force-n", "0"}).exit_code, 0);
    EXPECT_NEAR(status_mean(t, "force_n"), 0.0, 0.03) << "the committed tare went";
    const auto h = t.history("sensors");
    ASSERT_EQ(h.size(), 2u);
    EXPECT_NE(h[1].at("by").get<std::string>().find("(engineer)"), std::string::npos);
    EXPECT_TRUE(h[1].at("in_force").get<bool>());
  }
  // After a restart the offsets are the loop's from its first tick; the reference typed at
  // the prompt serves as well as the option.
  Fixture t(state.path());
  ASSERT_TRUE(t.daemon.wait_ready()) << t.daemon.log();
  ASSERT_EQ(t.ctl(errors).exit_code, 0);
  const double true_c = parse_json(t.ctl({"sim", "gauge"}, true).out)->at("temperature_c");
  const CommandResult typed =
      run_wizard(t.argv({"calibrate", "sensors"}), [&](int) { return std::to_string(true_c); });
  EXPECT_EQ(typed.exit_code, 0) << typed.out << typed.err;
  EXPECT_EQ(t.ctl({"calibration", "discard", "sensors"}).exit_code, 0);
  EXPECT_NEAR(status_mean(t, "force_n"), 0.0, 0.03);
  EXPECT_NEAR(status_mean(t, "temperature_c"), true_c, 0.05);
  EXPECT_EQ(t.history("sensors").size(), 2u) << "a second factory calibration";
}

// The sensors calibration is short: the e-stop, an abort and a vanished client each meet it
// through one channel, at its first message, and each leaves the pen safe with nothing staged.
TEST_F(Calibration, ASensorsCalibrationEndsSafelyOnTheEstopAnAbortOrAVanishedClient) {
  PenClient pen;
  pen.connect(daemon.channel());
  v1::CalibrateSensorsRequest req;
  req.set_reference_c(24.0);
  const auto first_message = [&](grpc::ClientContext& ctx) {
    auto stream = pen.engineering->CalibrateSensors(&ctx, req);
    v1::CalibrationProgress p;
    EXPECT_TRUE(stream->Read(&p));
    EXPECT_EQ(p.phase(), "measuring");
    return stream;
  };
  const auto drained = [](auto& stream, v1::CalibrationProgress& last) {
    v1::CalibrationProgress p;
    while (stream->Read(&p)) last = p;
    return stream->Finish();
  };
  {
    grpc::ClientContext ctx;
    auto stream = first_message(ctx);
    grpc::ClientContext e;
    v1::SetSwitchRequest on;
    on.set_on(true);
    v1::SimAck ack;
    ASSERT_TRUE(pen.sim->SetEstop(&e, on, &ack).ok());
    v1::CalibrationProgress last;
    const grpc::Status st = drained(stream, last);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::ABORTED) << st.error_message();
    EXPECT_NE(st.error_message().find("interrupted by the e-stop"), std::string::npos)
        << st.error_message();
    EXPECT_EQ(last.phase(), "interrupted");
    EXPECT_EQ(status().value("state", ""), "ESTOP");
    EXPECT_FALSE(status().at("motor_enabled").get<bool>());
    ASSERT_EQ(ctl({"sim", "estop", "off"}).exit_code, 0);
    ASSERT_EQ(ctl({"alarms", "ack", "--all"}).exit_code, 0);
    ASSERT_TRUE(wait_state("IDLE"));
  }
  {
    grpc::ClientContext ctx;
    auto stream = first_message(ctx);
    grpc::ClientContext a;
    v1::AbortCalibrationResponse done;
    ASSERT_TRUE(pen.engineering->AbortCalibration(&a, {}, &done).ok());
    v1::CalibrationProgress last;
    EXPECT_EQ(drained(stream, last).error_code(), grpc::StatusCode::ABORTED);
    EXPECT_EQ(last.phase(), "aborted");
    EXPECT_TRUE(wait_state("IDLE"));
  }
  {
    auto ctx = std::make_unique<grpc::ClientContext>();
    auto stream = first_message(*ctx);
    ctx->TryCancel();
    stream.reset();
    ctx.reset();
    // Longer than a whole calibration: had it run on, it would have staged by now.
    std::this_thread::sleep_for(1500ms);
    EXPECT_TRUE(wait_state("IDLE"));
  }
  EXPECT_EQ(ctl({"calibration", "show", "sensors"}).exit_code, 3) << "something was staged";
  ASSERT_EQ(history("sensors").size(), 1u);
  const CommandResult logs = ctl({"logs", "--kind", "calibration_ended"}, true);
  for (const char* outcome : {"\"interrupted\"", "\"aborted\"", "client went away"}) {
    EXPECT_NE(logs.out.find(outcome), std::string::npos) << logs.out;
  }
}

}  // namespace
}  // namespace dermad::test
