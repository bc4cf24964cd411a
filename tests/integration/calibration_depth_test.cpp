// Depth calibration, and what every calibration shares (the pen's errors, refusals, the
// e-stop, due dates, races), through the real daemon and dermactl (#14).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/integration/calibration_fixture.hpp"

namespace dermad::test {
namespace {

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

// The issue's measure of done: a pen whose position sensor reads 3 % + 40 um high puts the
// needles over 40 um off; after a depth calibration answered from the gauge and committed,
// within 10 um at every depth, and so again after dermad restarts.
TEST(DepthCalibration, AnErringPenIsMadeTrueAndStaysSoAfterARestart) {
  StateDir state;
  {
    struct Fixture : Calibration {
      explicit Fixture(const std::string& dir) : Calibration({"--state-dir", dir}) {}
      void TestBody() override {}
    } t(state.path());
    ASSERT_TRUE(t.daemon.wait_ready()) << t.daemon.log();
    ASSERT_EQ(t.ctl({"sim", "errors", "--position-scale", "1.03", "--position-offset-um", "40"})
                  .exit_code,
              0);
    EXPECT_GT(t.worst_depth_error({1000, 1800}), 40.0);

    const std::string staged_page = t.daemon.state_dir() + "/staged.html";
    const CommandResult cal = t.calibrate_with_gauge({"--report", staged_page});
    ASSERT_EQ(cal.exit_code, 0) << cal.out << cal.err;
    EXPECT_NE(cal.out.find("point 6/6"), std::string::npos) << cal.out;
    EXPECT_NE(cal.out.find("staged: linear"), std::string::npos) << cal.out;
    EXPECT_NE(cal.out.find("calibration commit depth"), std::string::npos) << cal.out;

    // Staged, it found the sensor's error; and it has changed nothing yet.
    const CommandResult show = t.ctl({"calibration", "show", "depth"}, true);
    ASSERT_EQ(show.exit_code, 0) << show.err;
    const Json staged = *parse_json(show.out);
    EXPECT_NEAR(staged.at("data").at("fit").at("sensor_scale").get<double>(), 1.03, 0.01);
    EXPECT_NEAR(staged.at("data").at("fit").at("sensor_offset_um").get<double>(), 40.0, 8.0);
    EXPECT_LE(staged.at("data").at("fit").at("worst_residual_um").get<double>(), 20.0);
    EXPECT_EQ(staged.at("data").at("points").size(), 6u);
    EXPECT_GT(std::abs(t.gauge_at(1000) - 1000.0), 25.0) << "a staged calibration is in force";

    const std::string committed_page = t.daemon.state_dir() + "/committed.html";
    const CommandResult commit =
        t.ctl({"calibration", "commit", "depth", "--report", committed_page});
    ASSERT_EQ(commit.exit_code, 0) << commit.err;
    // The pages a person opens: two well-formed SVG plots with a mark per point, and who.
    for (const auto& [page, who] :
         {std::pair{staged_page, "run by, not committed"}, {committed_page, "committed by"}}) {
      const CommandResult check = run_command({"/usr/bin/python3", "-c", kCheckReport, page});
      EXPECT_EQ(check.exit_code, 0) << page << ": " << check.err;
      EXPECT_EQ(check.out, "2 plots, 6 points\n") << page;
      std::ifstream f(page);
      const std::string html(std::istreambuf_iterator<char>(f), {});
      EXPECT_NE(html.find(who), std::string::npos) << page;
      EXPECT_NE(html.find("(engineer)"), std::string::npos) << page;
      EXPECT_EQ(html.find("<script"), std::string::npos) << page;
      EXPECT_EQ(html.find("http://www.w3.org/2000/svg\""), html.find("http")) << "a link out";
    }
    // And it opens in a browser: headless Chromium draws it (offline: it fetches nothing).
    const std::string png = t.daemon.state_dir() + "/committed.png";
    const CommandResult shot =
        run_command({"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                     "--window-size=900,1500", "--screenshot=" + png, "file://" + committed_page});
    EXPECT_EQ(shot.exit_code, 0) << shot.err;
    std::ifstream png_file(png, std::ios::binary);
    const std::string image(std::istreambuf_iterator<char>(png_file), {});
    EXPECT_EQ(image.substr(0, 4), "\x89PNG") << "no screenshot";
    EXPECT_GT(image.size(), 20'000u) << "a blank page";
    EXPECT_NE(commit.out.find("committed and in force"), std::string::npos) << commit.out;
    EXPECT_EQ(t.ctl({"calibration", "show"}).exit_code, 3) << "still staged after the commit";
    EXPECT_LE(t.worst_depth_error({200, 500, 1000, 1500, 2000}), 10.0);

    const auto h = t.history();
    ASSERT_EQ(h.size(), 2u);
    EXPECT_NE(h[0].at("by").get<std::string>().find("factory"), std::string::npos);
    EXPECT_FALSE(h[0].at("in_force").get<bool>());
    EXPECT_NE(h[1].at("by").get<std::string>().find("(engineer)"), std::string::npos);
    EXPECT_TRUE(h[1].at("in_force").get<bool>());
    EXPECT_FALSE(h[1].at("past_due").get<bool>());
    // The chain holds it too, whole.
    const CommandResult logs = t.ctl({"logs", "--kind", "calibration_committed"}, true);
    EXPECT_NE(logs.out.find("\"sensor_scale\""), std::string::npos) << logs.out;
  }
  // The same pen after a restart: the calibration is in force from the first tick.
  struct Fixture : Calibration {
    explicit Fixture(const std::string& dir) : Calibration({"--state-dir", dir}) {}
    void TestBody() override {}
  } t(state.path());
  ASSERT_TRUE(t.daemon.wait_ready()) << t.daemon.log();
  ASSERT_EQ(
      t.ctl({"sim", "errors", "--position-scale", "1.03", "--position-offset-um", "40"}).exit_code,
      0);
  EXPECT_LE(t.worst_depth_error({500, 1500}), 10.0);
  EXPECT_EQ(t.history().size(), 2u) << "a second factory calibration";
}

TEST_F(Calibration, ReadingsFromAFileAndEveryRefusalLeaveTheCalibrationInForce) {
  const std::string nominal =
      write_file("nominal.txt", "# gauge, um\n0\n250\n500\n\n1000\n1500\n2000\n");
  CommandResult r = ctl({"calibrate", "depth", "--readings", nominal});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(ctl({"calibration", "show"}).exit_code, 0);
  r = ctl({"calibration", "discard", "depth"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = ctl({"calibration", "show", "depth"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("no depth calibration is staged"), std::string::npos) << r.err;

  // A point 40 um off the others: measured again, not fitted.
  r = ctl({"calibrate", "depth", "--readings",
           write_file("outlier.txt", "0\n250\n500\n1040\n1500\n2000\n")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("refused"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("measure that point again"), std::string::npos) << r.out;
  EXPECT_EQ(ctl({"calibration", "show"}).exit_code, 3) << "a refused fit was staged";

  // A reading no gauge gives, and too few readings: aborted at that point, the needles home.
  r = ctl({"calibrate", "depth", "--readings", write_file("misread.txt", "0\n250\n5000\n")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("gauge_um 5000 outside -50..2600 um"), std::string::npos) << r.err;
  EXPECT_TRUE(wait_state("IDLE"));
  r = ctl({"calibrate", "depth", "--readings", write_file("short.txt", "0\n250\n")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--readings has 2 readings, the calibration asks for 6"), std::string::npos)
      << r.err;
  EXPECT_TRUE(wait_state("IDLE"));
  EXPECT_EQ(status().value("depth_target_um", -1), 0);

  // Points the pen cannot take, refused before anything moves.
  r = ctl({"calibrate", "depth", "--points", "0,500,250", "--readings", nominal});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("not ascending (500 then 250)"), std::string::npos) << r.err;
  r = ctl({"calibrate", "depth", "--points", "0,500,9000", "--readings", nominal});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("9000 outside 0..2000 um"), std::string::npos) << r.err;
  r = ctl({"calibration", "show", "dept"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("did you mean 'depth'"), std::string::npos) << r.err;

  // The factory's calibration is still the one in force; every attempt is in the records.
  const auto h = history();
  ASSERT_EQ(h.size(), 1u);
  EXPECT_TRUE(h[0].at("in_force").get<bool>());
  const CommandResult logs = ctl({"logs", "--kind", "calibration_ended"}, true);
  std::vector<std::string> outcomes;
  std::istringstream lines(logs.out);
  for (std::string l; std::getline(lines, l);) {
    outcomes.push_back(parse_json(l)->at("details").at("outcome").get<std::string>());
  }
  EXPECT_EQ(outcomes, (std::vector<std::string>{"staged", "refused", "aborted", "aborted"}));
  EXPECT_NE(ctl({"logs", "--kind", "calibration_discarded"}).out.find("engineer"),
            std::string::npos);
}

TEST_F(Calibration, TheEstopMidCalibrationLeavesThePenSafeAndTheOldCalibration) {
  ASSERT_EQ(ctl({"sim", "errors", "--position-offset-um", "40"}).exit_code, 0);
  // At the second point the e-stop is pressed instead of a reading: the wizard learns it
  // without anything typed.
  const CommandResult r = run_wizard(argv({"calibrate", "depth"}), [this](int prompt) {
    if (prompt == 1) return std::optional<std::string>(gauge_text());
    EXPECT_EQ(ctl({"sim", "estop", "on"}).exit_code, 0);
    return std::optional<std::string>();
  });
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("interrupted by the e-stop"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("[the wizard hung"), std::string::npos) << r.err;
  const Json s = status();
  EXPECT_EQ(s.value("state", ""), "ESTOP");
  EXPECT_FALSE(s.at("motor_enabled").get<bool>());
  EXPECT_EQ(s.value("depth_target_um", -1), 0) << "the needles were not sent home";
  EXPECT_EQ(ctl({"calibration", "show"}).exit_code, 3);
  ASSERT_EQ(history().size(), 1u);

  // Out of the e-stop, an engineer who types q aborts; the same calibration stays.
  ASSERT_EQ(ctl({"sim", "estop", "off"}).exit_code, 0);
  ASSERT_EQ(ctl({"alarms", "ack", "--all"}).exit_code, 0);
  ASSERT_TRUE(wait_state("IDLE"));
  const CommandResult q = run_wizard(argv({"calibrate", "depth"}), [this](int prompt) {
    return std::optional<std::string>(prompt < 3 ? gauge_text() : "q");
  });
  EXPECT_EQ(q.exit_code, 1) << q.out << q.err;
  EXPECT_NE(q.out.find("aborted"), std::string::npos) << q.out;
  EXPECT_TRUE(wait_state("IDLE"));
  EXPECT_EQ(history().size(), 1u);
  EXPECT_GT(std::abs(gauge_at(1000) - 1000.0), 25.0) << "the old calibration is not in force";
}

// The due date: past it, no session until the pen is calibrated and committed again.
class CalibrationDue : public Calibration {
 protected:
  CalibrationDue() : Calibration({"--calibration-interval", "10s"}) {}
};

TEST_F(CalibrationDue, APastDueCalibrationRefusesSessionsNamingEachKindUntilItsCommit) {
  const std::string answers = write_file("answers.json", R"({"consultation_done": true})");
  const std::vector<std::string> start = {
      "session", "start",      "--protocol", "general",   "--zone", "cheeks",     "--depth-um",
      "1000",    "--speed-hz", "100",        "--answers", answers,  "--operator", "dr-c"};
  setenv("DERMACTL_SESSION_FILE", (daemon.state_dir() + "/session.json").c_str(), 1);
  ASSERT_EQ(ctl({"sim", "cartridge", "insert", "--serial", "CAL-1"}).exit_code, 0);
  // The factory's depth, speed and sensors calibrations, valid for ten seconds.
  ASSERT_EQ(history("").size(), 3u);
  const auto past_due = [this] {
    for (const auto& h : history("")) {
      if (!h.at("past_due").get<bool>()) return false;
    }
    return true;
  };
  // Asked every half second: each asking is a dermactl process, heavy under a sanitizer.
  for (int i = 0; i < 30 && !past_due(); ++i) std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(past_due());
  CommandResult r = ctl(start);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("CALIBRATION_DUE: the depth calibration was due at"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("the speed calibration was due at"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the sensors calibration was due at"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(dermactl calibrate depth, speed, sensors)"), std::string::npos) << r.err;
  EXPECT_NE(ctl({"calibration", "history"}).out.find("PAST DUE"), std::string::npos);

  // Depth and sensors calibrated and committed: only speed is due now.
  r = ctl({"calibrate", "depth", "--readings",
           write_file("nominal.txt", "0\n250\n500\n1000\n1500\n2000\n")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_EQ(ctl({"calibration", "commit", "depth"}).exit_code, 0);
  r = ctl({"calibrate", "sensors", "--reference-c", "24"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_EQ(ctl({"calibration", "commit", "sensors"}).exit_code, 0);
  r = ctl(start);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err.find("depth calibration was due"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("sensors calibration was due"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("CALIBRATION_DUE: the speed calibration was due at"), std::string::npos)
      << r.err;
  unsetenv("DERMACTL_SESSION_FILE");
}

// As a tablet or tool in another process might: a second calibration, a jog, readings for the
// wrong point or no number at all, while one runs; then the client goes away mid-point.
TEST_F(Calibration, RacesAndHostileReadingsAreRefusedAndAVanishedClientEndsItSafely) {
  PenClient pen;
  pen.connect(daemon.channel());
  auto first = std::make_unique<grpc::ClientContext>();
  auto stream = pen.engineering->CalibrateDepth(first.get(), v1::CalibrateDepthRequest{});
  v1::CalibrationProgress p;
  do {
    ASSERT_TRUE(stream->Read(&p)) << "the calibration ended before its first reading";
  } while (p.phase() != "reading");
  EXPECT_EQ(p.point(), 1u);

  {
    grpc::ClientContext ctx;
    auto second = pen.engineering->CalibrateDepth(&ctx, v1::CalibrateDepthRequest{});
    v1::CalibrationProgress m;
    EXPECT_FALSE(second->Read(&m));
    const grpc::Status st = second->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_NE(st.error_message().find("SERVICE"), std::string::npos) << st.error_message();
  }
  {
    grpc::ClientContext ctx;
    v1::JogRequest jog;
    jog.set_depth_um(500);
    jog.set_speed_hz(60);
    jog.set_duration_ms(500);
    v1::JogResponse resp;
    EXPECT_EQ(pen.engineering->Jog(&ctx, jog, &resp).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  const auto submit = [&](uint32_t point, double um) {
    grpc::ClientContext ctx;
    v1::SubmitGaugeReadingRequest req;
    req.set_point(point);
    req.set_gauge_um(um);
    v1::SubmitGaugeReadingResponse resp;
    return pen.engineering->SubmitGaugeReading(&ctx, req, &resp);
  };
  grpc::Status st = submit(2, 250.0);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("not the one asked for (point 1)"), std::string::npos)
      << st.error_message();
  for (const double bad : {std::nan(""), HUGE_VAL, -1e300, 1e9}) {
    EXPECT_EQ(submit(1, bad).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
  }
  ASSERT_TRUE(submit(1, 0.0).ok());
  EXPECT_EQ(submit(1, 0.0).error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << "a reading taken twice";

  // The client goes away while the pen moves: the calibration ends, the needles go home.
  first->TryCancel();
  while (stream->Read(&p)) {
  }
  stream->Finish();
  first.reset();
  EXPECT_TRUE(wait_state("IDLE"));
  EXPECT_EQ(status().value("depth_target_um", -1), 0);
  const CommandResult logs = ctl({"logs", "--kind", "calibration_ended"}, true);
  EXPECT_NE(logs.out.find("the engineer's client went away"), std::string::npos) << logs.out;
  // And the next calibration may start.
  grpc::ClientContext ctx;
  auto again = pen.engineering->CalibrateDepth(&ctx, v1::CalibrateDepthRequest{});
  EXPECT_TRUE(again->Read(&p)) << "the run that went away still holds the calibration";
  ctx.TryCancel();
  while (again->Read(&p)) {
  }
  again->Finish();
  EXPECT_TRUE(wait_state("IDLE"));
}

}  // namespace
}  // namespace dermad::test
