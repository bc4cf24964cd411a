// dermad-eeprom as production uses it: what it writes reads back and is valid, a damaged or
// blank EEPROM is refused with its reason, and bad input is a usage error, not an EEPROM.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/daemon_process.hpp"

namespace dermad::test {
namespace {

std::string temp_image() {
  char path[] = "/tmp/dermad-eeprom-XXXXXX";
  const int fd = mkstemp(path);
  close(fd);
  return path;
}

CommandResult tool(std::vector<std::string> args) {
  args.insert(args.begin(), DERMAD_EEPROM_BIN);
  return run_command(args);
}

TEST(EepromTool, WhatIsWrittenReadsBackAndIsValid) {
  const std::string img = temp_image();
  const auto w = tool({"write", "--serial", "CRT-000123", "--type", "gold-nano", "--needles", "12",
                       "--lot", "L2026-11", "--expires", "2028-02-29", img});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_NE(w.out.find("written and verified: " + img), std::string::npos);
  const auto s = tool({"show", img});
  EXPECT_EQ(s.exit_code, 0) << s.out << s.err;
  EXPECT_NE(s.out.find("serial   CRT-000123"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("type     gold-nano"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("expires  2028-02-29"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("valid    yes"), std::string::npos) << s.out;
}

TEST(EepromTool, ADamagedOrBlankEepromIsRefusedWithItsReason) {
  const std::string img = temp_image();
  ASSERT_EQ(tool({"write", "--serial", "C-1", "--type", "standard", "--needles", "36", "--expires",
                  "2030-01-01", img})
                .exit_code,
            0);
  {
    std::fstream f(img, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(9);
    f.put('X');
  }
  auto s = tool({"show", img});
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_NE(s.out.find("INVALID: CRC mismatch"), std::string::npos) << s.out;
  std::ofstream(img, std::ios::binary) << std::string(256, '\xff');
  s = tool({"show", img});
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_NE(s.out.find("INVALID: the EEPROM is blank (never programmed)"), std::string::npos);
  s = tool({"show", "/nonexistent/nvmem"});
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_NE(s.err.find("/nonexistent/nvmem: No such file or directory"), std::string::npos);
}

TEST(EepromTool, BadInputIsAUsageErrorAndNothingIsWritten) {
  const std::string img = temp_image();
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases{
      {{"write", "--serial", "C-1", img}, "write needs --type"},
      {{"write", "--serial", "C-1", "--type", "titanium", "--needles", "3", "--expires",
        "2030-01-01", img},
       "--type is standard, nano or gold-nano, not 'titanium'"},
      {{"write", "--serial", "C-1", "--type", "nano", "--needles", "3x", "--expires", "2030-01-01",
        img},
       "--needles needs a number in 1..1000"},
      {{"write", "--serial", "A-SERIAL-OF-17-CH", "--type", "nano", "--needles", "3", "--expires",
        "2030-01-01", img},
       "serial: 'A-SERIAL-OF-17-CH' must be 1 to 16 printable ASCII characters"},
      {{"write", "--serial", "C-1", "--type", "nano", "--needles", "3", "--expires", "2030-02-30",
        img},
       "expires: '2030-02-30' is not a date"},
      {{"show"}, "show needs one FILE"},
      {{"erase", img}, "unknown command 'erase'"},
      {{"show", "--serial", "x", img}, "unknown option --serial for show"},
  };
  for (const auto& c : cases) {
    const auto r = tool(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.says;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  std::ifstream f(img, std::ios::binary | std::ios::ate);
  EXPECT_EQ(f.tellg(), 0) << "nothing was written";
  const auto help = tool({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("dermad-eeprom write --serial S"), std::string::npos);
}

}  // namespace
}  // namespace dermad::test
