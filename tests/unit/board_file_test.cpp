// The board file: every problem named FILE:LINE and field, the shipped boards accepted.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "daemon/config/board_file.hpp"

namespace dermad::hal {
using config::BoardLoad;
using config::load_board;
using config::parse_board;
namespace {

std::string read(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const std::string kVmBoard = std::string(DERMAD_SOURCE_DIR) + "/hal/boards/qemu-hil.textproto";

std::string all(const BoardLoad& r) {
  std::string s;
  for (const auto& e : r.errors) s += e + "\n";
  return s;
}

// `text` with its first line that starts with `line_start` replaced (removed when `with` is
// empty).
std::string replace_line(const std::string& text, const std::string& line_start,
                         const std::string& with) {
  std::istringstream in(text);
  std::string out, l;
  bool replaced = false;
  while (std::getline(in, l)) {
    if (!replaced && l.rfind(line_start, 0) == 0) {
      replaced = true;
      if (!with.empty()) out += with + "\n";
      continue;
    }
    out += l + "\n";
  }
  EXPECT_TRUE(replaced) << line_start;
  return out;
}

// The VM board with one line replaced (or removed when `with` is empty); a replacement that
// brings its own mechanics block takes the place of the board's.
std::string vm_board_with(const std::string& line_start, const std::string& with) {
  std::string text = read(kVmBoard);
  if (with.find("mechanics {") != std::string::npos) text = replace_line(text, "mechanics {", "");
  return replace_line(text, line_start, with);
}

// The 1-based line of the first line starting with `start` in `text`.
int line_of(const std::string& text, const std::string& start) {
  std::istringstream in(text);
  std::string l;
  for (int n = 1; std::getline(in, l); ++n) {
    if (l.rfind(start, 0) == 0) return n;
  }
  return -1;
}

TEST(BoardFile, TheShippedBoardsAreAccepted) {
  for (const char* name : {"qemu-hil", "raspberry-pi-4"}) {
    const auto r =
        load_board(std::string(DERMAD_SOURCE_DIR) + "/hal/boards/" + name + ".textproto");
    ASSERT_TRUE(r.board) << all(r);
    EXPECT_EQ(r.board->name, name);
  }
}

TEST(BoardFile, TheVmBoardMapsEverySignalAsWritten) {
  const auto r = load_board(kVmBoard);
  ASSERT_TRUE(r.board) << all(r);
  const auto& b = *r.board;
  EXPECT_EQ(b.in(InputSignal::kEstop).offset, 13u);
  EXPECT_TRUE(b.in(InputSignal::kEstop).active_low);
  EXPECT_EQ(b.in(InputSignal::kTrigger).debounce_us, 2000u);
  EXPECT_EQ(b.out(OutputSignal::kStepperEnable).offset, 4u);
  EXPECT_TRUE(b.out(OutputSignal::kStepperEnable).active_low);
  EXPECT_EQ(b.drive.chip, "dermad-pwm-sim");
  EXPECT_EQ(b.drive.period_ns, 50000u);
  EXPECT_EQ(b.an(AnalogSignal::kPosition).channel, "in_voltage1");
  EXPECT_DOUBLE_EQ(b.an(AnalogSignal::kPosition).gain, 0.635);
  EXPECT_EQ(b.an(AnalogSignal::kTemperature).period_ms, 100u);
  EXPECT_EQ(b.eeprom, "/sys/bus/i2c/devices/0-0050/eeprom");
  EXPECT_EQ(b.stepper.min_pulse_ns, 2000u);
  EXPECT_EQ(b.geometry.um_per_step, 2.5);  // the default: the file leaves mechanics out
  EXPECT_EQ(b.where(b.in(InputSignal::kEstop).file_line),
            kVmBoard + ":" + std::to_string(line_of(read(kVmBoard), "input { signal: ESTOP")));
}

TEST(BoardFile, ALineUsedTwiceIsRefusedAtTheSecondWithTheFirstNamed) {
  const auto text =
      vm_board_with("input { signal: PEDAL", R"(input { signal: PEDAL chip: "dermad" line: 11 })");
  const auto r = parse_board(text, "board.textproto");
  ASSERT_FALSE(r.board);
  ASSERT_EQ(r.errors.size(), 1u) << all(r);
  EXPECT_EQ(r.errors[0],
            "board.textproto:" + std::to_string(line_of(text, "input { signal: PEDAL")) +
                ": input.line: line 11 of chip 'dermad' is already TRIGGER (line " +
                std::to_string(line_of(text, "input { signal: TRIGGER")) + ")");
}

TEST(BoardFile, AMissingSignalAndADuplicateSignalAreBothNamed) {
  auto text = vm_board_with("output { signal: LED_BLUE", "");
  text += "output { signal: LED_RED chip: \"dermad\" line: 20 }\n";
  const auto r = parse_board(text, "b");
  ASSERT_FALSE(r.board);
  const auto e = all(r);
  EXPECT_NE(e.find("output.signal: LED_RED is mapped twice (first at line"), std::string::npos)
      << e;
  EXPECT_NE(e.find("b:1: output: LED_BLUE is not mapped"), std::string::npos) << e;
}

TEST(BoardFile, EveryBadValueIsNamedWithItsLineAndField) {
  struct Case {
    std::string line_start, with, expect;
    std::string at = "";  // the refused line begins so; default: as `with` does
  };
  const std::vector<Case> cases{
      {"needle_drive", R"(needle_drive { chip: "dermad-pwm-sim" channel: 0 period_ns: 500 })",
       "needle_drive.period_ns: 500 ns is outside 10000..1000000"},
      {"needle_drive", R"(needle_drive { chip: "../../etc" period_ns: 50000 })",
       "needle_drive.chip: '../../etc' is neither a name nor a /sys path"},
      {"needle_drive", "", "needle_drive: the needle drive's PWM is not mapped"},
      {"input { signal: TACH", R"(input { signal: TACH chip: "dermad" line: 10 debounce_us: 100 })",
       "TACH edges are timestamps"},
      {"input { signal: HOME",
       R"(input { signal: HOME chip: "dermad" line: 14 debounce_us: 60000 })",
       "input.debounce_us: 60000 us is over the 50000 us a switch may bounce"},
      {"input { signal: HOME", R"(input { signal: HOME chip: "dermad" line: 14 edge: BOTH })",
       "input.edge: only TACH counts edges"},
      {"input { signal: HOME", R"(input { signal: HOME chip: "/etc/passwd" line: 14 })",
       "input.chip: '/etc/passwd' is neither a chip's label or name nor a /dev path"},
      {"output { signal: STEP ", R"(output { signal: STEP line: 2 })", "output.chip: no chip"},
      {"analog { signal: POSITION",
       R"(analog { signal: POSITION iio_device: "x" channel: "in_voltage1" period_ms: 10 })",
       "analog.period_ms: POSITION is read every tick"},
      {"analog { signal: FORCE",
       R"(analog { signal: FORCE iio_device: "x" channel: "in_voltage2/../../x" })",
       "analog.channel: 'in_voltage2/../../x' is not a channel"},
      {"analog { signal: FORCE", R"(analog { signal: FORCE channel: "in_voltage2" })",
       "analog: FORCE has neither iio_device nor hwmon_device"},
      {"analog { signal: FORCE",
       R"(analog { signal: FORCE iio_device: "x" channel: "in_voltage2" gain: nan })",
       "analog: FORCE: gain and bias must be finite numbers"},
      {"analog { signal: SUPPLY",
       R"(analog { signal: SUPPLY hwmon_device: "/sys/bus/iio/devices/x" channel: "in1" })",
       "is neither a device name nor a path under /sys/class/hwmon/"},
      {"cartridge_eeprom", "", "cartridge_eeprom.nvmem: the cartridge EEPROM is not mapped"},
      {"stepper", "stepper { min_pulse_ns: 200000 }",
       "stepper.min_pulse_ns: 200000 ns is over the 50000 ns"},
      {"stepper", "stepper { min_pulse_ns: 40000 }\nmechanics { max_step_rate_hz: 20000 }",
       "mechanics.max_step_rate_hz: 20000 steps/s leaves no room for pulses of 40000 ns",
       "mechanics"},
      {"stepper", "mechanics { um_per_step: -1 }", "mechanics.um_per_step: -1 is outside 0.1..50"},
      {"name:", "", "name: the board has no name"},
  };
  for (const auto& c : cases) {
    const auto text = vm_board_with(c.line_start, c.with);
    const auto r = parse_board(text, "f.textproto");
    ASSERT_FALSE(r.board) << c.with;
    const auto e = all(r);
    EXPECT_NE(e.find(c.expect), std::string::npos) << "expected: " << c.expect << "\ngot:\n" << e;
    // Where the bad line is still in the file, the refusal names it.
    if (!c.with.empty()) {
      const int at = line_of(text, c.at.empty() ? c.with.substr(0, 24) : c.at);
      EXPECT_NE(e.find("f.textproto:" + std::to_string(at) + ": "), std::string::npos)
          << c.with << "\n"
          << e;
    }
  }
}

TEST(BoardFile, TheIdentityNamesAnAbsoluteSerialFile) {
  auto ok =
      parse_board(vm_board_with("name:", "name: \"vm\"") +
                      "identity { serial_file: \"/etc/machine-id\" hardware_revision: \"B\" }\n",
                  "f");
  ASSERT_TRUE(ok.board) << all(ok);
  EXPECT_EQ(ok.board->serial_file, "/etc/machine-id");
  EXPECT_EQ(ok.board->hardware_revision, "B");
  const auto text =
      vm_board_with("name:", "name: \"vm\"") + "identity {\n  serial_file: \"serial\"\n}\n";
  const auto bad = parse_board(text, "f");
  ASSERT_FALSE(bad.board);
  EXPECT_EQ(all(bad), "f:" + std::to_string(line_of(text, "  serial_file")) +
                          ": identity.serial_file: must be an absolute path without '..', got "
                          "'serial'\n");
}

TEST(BoardFile, SyntaxErrorsNameLineAndColumn) {
  const auto r = parse_board("name: \"x\"\noutput { signal: NOPE }\n", "f");
  ASSERT_FALSE(r.board);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0].rfind("f:2:", 0), 0u) << r.errors[0];
}

TEST(BoardFile, AMissingFileIsNamed) {
  const auto r = load_board("/nonexistent/board.textproto");
  ASSERT_FALSE(r.board);
  EXPECT_EQ(r.errors.at(0), "/nonexistent/board.textproto: cannot be read");
}

}  // namespace
}  // namespace dermad::hal
