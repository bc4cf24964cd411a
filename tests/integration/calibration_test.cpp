// Calibration (#14) through the real daemon and dermactl. The simulated pen's errors stand
// for a real pen's; its gauge stands for the engineer's dial gauge.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_process.hpp"
#include "tests/integration/json_value.hpp"
#include "tests/integration/pen_client.hpp"

namespace dermad::test {
namespace {

using namespace std::chrono_literals;

// Checks a calibration report as a browser needs it: every inline SVG is well-formed XML;
// prints how many plots and how many measured points (marks in the first plot).
constexpr const char* kCheckReport = R"(
import re, sys, xml.etree.ElementTree as ET
html = open(sys.argv[1], encoding="utf-8").read()
svgs = re.findall(r"<svg .*?</svg>", html, re.S)
ns = "{http://www.w3.org/2000/svg}"
plots = [ET.fromstring(s) for s in svgs]
print("%d plots, %d points" % (len(plots), len(plots[0].findall(ns + "circle")) if plots else 0))
)";

// `dermactl ARGS` with a person at its prompts: whenever it asks for a gauge reading (on
// standard error), `answer` is told which prompt (1-based) and gives the line to type, or
// nullopt to type nothing and wait (the pen may end the calibration meanwhile).
CommandResult run_wizard(const std::vector<std::string>& args,
                         const std::function<std::optional<std::string>(int)>& answer) {
  int in[2], err[2];
  if (pipe(in) != 0 || pipe(err) != 0) return {};
  char out_tmpl[] = "/tmp/dermad-wizard-out-XXXXXX";
  const int out_fd = mkstemp(out_tmpl);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out_fd, 1);
    dup2(err[1], 2);
    close(in[1]);
    close(err[0]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in[0]);
  close(err[1]);
  CommandResult r;
  std::string pending;
  int prompts = 0;
  for (;;) {
    pollfd fd{err[0], POLLIN, 0};
    if (poll(&fd, 1, 30'000) <= 0) break;  // a wizard silent for 30 s is stuck: fail below
    char buf[256];
    const ssize_t n = read(err[0], buf, sizeof buf);
    if (n <= 0) break;
    r.err.append(buf, static_cast<std::size_t>(n));
    pending.append(buf, static_cast<std::size_t>(n));
    if (pending.find("(q to abort): ") == std::string::npos) continue;
    pending.clear();
    if (const auto line = answer(++prompts)) {
      const std::string typed = *line + "\n";
      if (write(in[1], typed.data(), typed.size()) < 0) break;
    }
  }
  close(in[1]);
  close(err[0]);
  // Its standard error is closed: it is exiting, or stuck with it closed for 5 s.
  int status = 0;
  bool exited = false;
  for (int i = 0; i < 500 && !exited; ++i) {
    exited = waitpid(pid, &status, WNOHANG) == pid;
    if (!exited) std::this_thread::sleep_for(10ms);
  }
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    r.err += "\n[the wizard hung and was killed]";
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream f(out_tmpl);
  r.out.assign(std::istreambuf_iterator<char>(f), {});
  unlink(out_tmpl);
  return r;
}

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

// The issue's measure for speed: a motor whose constant drifted 15 % misses the #3 step bars
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
