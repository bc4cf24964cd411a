// The backend choice and the board file through the real daemon, on a machine without the
// board's hardware: dermad says which pen it needs, a broken board file is refused line by
// line before anything opens, and the shipped VM board names every resource this machine
// lacks (tests/hil runs it where they exist).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/integration/daemon_process.hpp"

namespace dermad::test {
namespace {

const std::string kVmBoard = std::string(DERMAD_SOURCE_DIR) + "/hal/boards/qemu-hil.textproto";

std::string read(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string write_temp(const std::string& text) {
  char path[] = "/tmp/dermad-board-XXXXXX";
  const int fd = mkstemp(path);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

CommandResult run_dermad(std::vector<std::string> args) {
  std::vector<std::string> argv{DERMAD_BIN,
                                "--protocols",
                                DERMAD_PROTOCOLS,
                                "--state-dir",
                                "/tmp/dermad-board-test-state",
                                "--socket",
                                "/tmp/dermad-board-test.sock"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

TEST(BoardConfig, DermadSaysWhichPenItNeeds) {
  for (const bool check : {false, true}) {
    auto r = run_dermad(check ? std::vector<std::string>{"--check"} : std::vector<std::string>{});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("which pen? --sim for the simulated one, --board FILE for the real one"),
              std::string::npos)
        << r.err;
  }
  const auto both = run_dermad({"--sim", "--board", kVmBoard});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("--sim and --board exclude each other"), std::string::npos) << both.err;
  const auto help = run_command({DERMAD_BIN, "--help"});
  EXPECT_NE(help.out.find("--board FILE"), std::string::npos);
}

// Tests on shared virtual machines widen the simulated pen's stall bound; the real pen's
// stays the product's, and the bound is never set below it or beyond 2 s.
TEST(BoardConfig, OnlyTheSimulatedPensLoopStallBoundMayBeWidened) {
  const auto board = run_dermad({"--board", kVmBoard, "--loop-stall-ms", "1000", "--check"});
  EXPECT_EQ(board.exit_code, 2);
  EXPECT_NE(board.err.find("--loop-stall-ms is for the simulated pen only"), std::string::npos)
      << board.err;
  for (const char* bad : {"99", "2001", "-5", "1e3", ""}) {
    const auto r = run_dermad({"--sim", "--loop-stall-ms", bad, "--check"});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--loop-stall-ms needs a number of milliseconds in 100..2000"),
              std::string::npos)
        << bad << ": " << r.err;
  }
  const auto sim = run_dermad({"--sim", "--loop-stall-ms", "1000", "--check"});
  EXPECT_EQ(sim.exit_code, 0) << sim.err;
}

TEST(BoardConfig, ABrokenBoardFileIsRefusedLineByLineByTheStartAndByCheck) {
  std::string text = read(kVmBoard);
  // PEDAL on TRIGGER's line, and the EEPROM pointed out of sysfs.
  const auto pedal = text.find("input { signal: PEDAL             chip: \"dermad\" line: 12");
  ASSERT_NE(pedal, std::string::npos);
  text.replace(text.find("line: 12", pedal), 8, "line: 11");
  const auto eeprom = text.find("cartridge_eeprom {");
  ASSERT_NE(eeprom, std::string::npos);
  text.replace(eeprom, text.find('}', eeprom) - eeprom + 1,
               "cartridge_eeprom { nvmem: \"/etc/shadow\" }");
  const std::string file = write_temp(text);
  int pedal_line = 1, eeprom_line = 1;
  for (std::size_t i = 0; i < text.find("signal: PEDAL"); ++i) pedal_line += text[i] == '\n';
  for (std::size_t i = 0; i < text.find("cartridge_eeprom {"); ++i) eeprom_line += text[i] == '\n';
  for (const bool check : {false, true}) {
    std::vector<std::string> args{"--board", file};
    if (check) args.push_back("--check");
    const auto r = run_dermad(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(file + ":" + std::to_string(pedal_line) +
                         ": input.line: line 11 of chip 'dermad' is already TRIGGER"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(file + ":" + std::to_string(eeprom_line) +
                         ": cartridge_eeprom.nvmem: '/etc/shadow' is neither an nvmem device "
                         "name nor a /sys path"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("refusing to start: fix " + file), std::string::npos) << r.err;
  }
}

TEST(BoardConfig, AMissingChipAndMissingDevicesAreNamedWithTheirLines) {
  // This machine has none of the VM's devices: every one is named, a chip once.
  const std::string text = read(kVmBoard);
  auto line_of = [&text](const std::string& needle) {
    int n = 1;
    for (std::size_t i = 0; i < text.find(needle); ++i) n += text[i] == '\n';
    return std::to_string(n);
  };
  for (const bool check : {true, false}) {
    std::vector<std::string> args{"--board", kVmBoard};
    if (check) args.push_back("--check");
    const auto r = run_dermad(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(kVmBoard + ":" + line_of("output { signal: DRIVE_ENABLE") +
                         ": gpiochip 'dermad' (DRIVE_ENABLE, MOTOR_BRAKE,"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(kVmBoard + ":" + line_of("needle_drive") +
                         ": NEEDLE_DRIVE: no pwmchip of device 'dermad-pwm-sim'"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(kVmBoard + ":" + line_of("analog { signal: POSITION") +
                         ": POSITION: no IIO device named 'dermad-adc-sim'"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(kVmBoard + ":" + line_of("cartridge_eeprom {") +
                         ": cartridge EEPROM: /sys/bus/i2c/devices/0-0050/eeprom: No such file"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("gpiochip 'dermad'", r.err.find("gpiochip 'dermad'") + 1),
              std::string::npos)
        << "the missing chip is named once";
  }
}

}  // namespace
}  // namespace dermad::test
