// Issue #10 findings 1 to 3 through the real daemon: a protocols file cannot defeat a safety
// rule. Windows that wrap or loosen a screening rule, and numbers that are not numbers, stop
// the start (and `--check`) naming their line; a gold-nano cartridge added to another
// protocol is still held to its needles' 300 um.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/integration/daemon_process.hpp"
#include "tests/integration/pen_client.hpp"

namespace dermad::test {
namespace {

std::string shipped() {
  std::ifstream f(DERMAD_PROTOCOLS);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string write_temp(const std::string& text) {
  char path[] = "/tmp/dermad-protocols-XXXXXX";
  const int fd = mkstemp(path);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

TEST(ProtocolsConfig, AWrappingOrLooserScreeningWindowStopsTheStartNamingItsLine) {
  std::string text = shipped();
  const auto at = text.find("  isotretinoin_days: 365\n");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 24, "  isotretinoin_days: 4294967295\n");
  const auto hours = text.find("  retinoid_acid_hours: 48\n");
  ASSERT_NE(hours, std::string::npos);
  text.replace(hours, 26, "  retinoid_acid_hours: 24\n");
  const int iso_line = static_cast<int>(std::count(text.begin(), text.begin() + at, '\n')) + 1;
  const int hours_line = static_cast<int>(std::count(text.begin(), text.begin() + hours, '\n')) + 1;
  const std::string file = write_temp(text);
  for (const bool check : {true, false}) {
    std::vector<std::string> argv = {DERMAD_BIN,    "--sim",
                                     "--protocols", file,
                                     "--socket",    "/tmp/dermad-protocols-test.sock",
                                     "--state-dir", "/tmp/dermad-protocols-test-state"};
    if (check) argv.push_back("--check");
    const auto r = run_command(argv);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    const std::string log = r.out + r.err;
    EXPECT_NE(log.find(file + ":" + std::to_string(iso_line) +
                       ": isotretinoin_days: 4294967295 days is more than 3650"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find(file + ":" + std::to_string(hours_line) +
                       ": retinoid_acid_hours: 24 hours is weaker than the device's floor of 48"),
              std::string::npos)
        << log;
  }
  std::remove(file.c_str());
}

// #13: --check says "would start" only when the start would get its folders.
TEST(DaemonCheck, AStateDirectoryOrSocketFolderThatCannotBeMadeIsRefused) {
  const auto check = [](std::vector<std::string> extra) {
    std::vector<std::string> argv = {DERMAD_BIN, "--sim", "--check", "--protocols",
                                     DERMAD_PROTOCOLS};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_command(argv);
  };
  char tmpl[] = "/tmp/dermad-check-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string sock = dir + "/run/dermad.sock";

  auto r = check({"--state-dir", "/proc/dermad-nope", "--socket", sock});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the state directory /proc/dermad-nope cannot be used: /proc: "),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("would start"), std::string::npos) << r.err;

  r = check({"--state-dir", dir + "/state", "--socket", "/proc/dermad-nope/d.sock"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the socket /proc/dermad-nope/d.sock cannot be made: /proc: "),
            std::string::npos)
      << r.err;

  std::ofstream(dir + "/file") << "x";
  r = check({"--state-dir", dir + "/file", "--socket", sock});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is not a directory"), std::string::npos) << r.err;
  r = check({"--state-dir", dir + "/file/under", "--socket", sock});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(dir + "/file is not a folder"), std::string::npos) << r.err;

  // Folders that do not exist yet but can be made: fine, and --check made none of them.
  r = check({"--state-dir", dir + "/a/b/state", "--socket", sock});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("configuration OK: dermad would start"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/a"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/run"));
  std::filesystem::remove_all(dir);
}

TEST(ProtocolsConfig, NotANumberIsRefusedAtItsLine) {
  std::string text = shipped();
  const auto at = text.find("speed_max_hz: 150");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 17, "speed_max_hz: nan");
  const int line = static_cast<int>(std::count(text.begin(), text.begin() + at, '\n')) + 1;
  const std::string file = write_temp(text);
  const auto r = run_command({DERMAD_BIN, "--sim", "--check", "--protocols", file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE((r.out + r.err).find(file + ":" + std::to_string(line) + ": speed_min_hz/speed_max_hz"),
            std::string::npos)
      << r.out << r.err;
  std::remove(file.c_str());
}

TEST(ProtocolsConfig, AGoldNanoCartridgeAddedToPrpStillStopsAt300um) {
  std::string text = shipped();
  const std::regex prp_types(R"((id: "prp"[\s\S]*?cartridge_types: \[)CARTRIDGE_TYPE_STANDARD\])");
  text = std::regex_replace(text, prp_types, "$1CARTRIDGE_TYPE_STANDARD, CARTRIDGE_TYPE_GOLD_NANO]",
                            std::regex_constants::format_first_only);
  ASSERT_NE(text, shipped());
  const std::string file = write_temp(text);
  DaemonProcess daemon({"--protocols", file});
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  PenClient pen;
  pen.connect(daemon.channel());
  pen.insert_cartridge("G-1", v1::CARTRIDGE_TYPE_GOLD_NANO);
  v1::StartSessionRequest req = pen.good_request();
  req.set_protocol("prp");
  req.set_depth_um(1500);
  v1::StartSessionResponse started;
  grpc::Status st = pen.start(req, started);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("depth_um 1500 is deeper than a gold-nano cartridge's needles "
                                    "may go (300 um)"),
            std::string::npos)
      << st.error_message();
  EXPECT_EQ(pen.status().state(), v1::STATE_IDLE);

  req.set_depth_um(250);
  st = pen.start(req, started);
  ASSERT_TRUE(st.ok()) << st.error_message();
  grpc::ClientContext ctx;
  v1::UpdateSessionRequest up;
  up.set_owner_token(started.owner_token());
  up.set_depth_um(1000);
  v1::SessionInfo info;
  st = pen.treatment->UpdateSession(&ctx, up, &info);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // The same words as the start's: an update is held to the same rules.
  EXPECT_NE(st.error_message().find("depth_um 1000 is deeper than a gold-nano cartridge's needles "
                                    "may go (300 um)"),
            std::string::npos)
      << st.error_message();
  std::this_thread::sleep_for(500ms);
  EXPECT_LE(pen.status().depth_um(), 310);
  std::remove(file.c_str());
}

}  // namespace
}  // namespace dermad::test
