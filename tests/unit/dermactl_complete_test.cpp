// What bash completion offers next on a dermactl command line.
#include <gtest/gtest.h>

#include "tools/dermactl/command_specs.hpp"
#include "tools/dermactl/complete.hpp"

namespace dermad::ctl {
namespace {

std::vector<std::string> next(std::vector<std::string> words) {
  return completions(words, command_specs(), global_option_specs("/run/dermad/dermad.sock"));
}

using V = std::vector<std::string>;

TEST(DermactlComplete, OffersTheCommandsAndTheirSubcommands) {
  const auto top = next({""});
  for (const char* c : {"status", "session", "sim", "calibrate", "fleet", "records", "help"}) {
    EXPECT_NE(std::find(top.begin(), top.end(), c), top.end()) << c;
  }
  EXPECT_EQ(next({"st"}), (V{"status"}));
  EXPECT_EQ(next({"sim", "fa"}), (V{"fault"}));
  EXPECT_EQ(next({"sim", "cartridge", ""}), (V{"insert", "remove"}));
  EXPECT_TRUE(next({"nonsense", ""}).empty());
}

TEST(DermactlComplete, OffersACommandsOptionsAndTheGlobalOnes) {
  const auto opts = next({"jog", "--"});
  for (const char* o : {"--depth-um", "--speed-hz", "--socket", "--json", "--help"}) {
    EXPECT_NE(std::find(opts.begin(), opts.end(), o), opts.end()) << o;
  }
  EXPECT_EQ(next({"jog", "--dep"}), (V{"--depth-um"}));
  // Options and their values before the command do not hide it.
  EXPECT_EQ(next({"--socket", "/tmp/x.sock", "sim", "fa"}), (V{"fault"}));
  EXPECT_EQ(next({"jog", "--depth-um", "800", "--sp"}), (V{"--speed-hz"}));
}

TEST(DermactlComplete, LeavesAnOptionsValueToTheShell) {
  EXPECT_TRUE(next({"jog", "--depth-um", ""}).empty());
  EXPECT_TRUE(next({"--socket", ""}).empty());
  // With the value after "=", the next word is a word again.
  EXPECT_EQ(next({"--socket=/tmp/x.sock", "sta"}), (V{"status"}));
}

}  // namespace
}  // namespace dermad::ctl
