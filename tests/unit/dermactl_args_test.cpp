#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tools/dermactl/args.hpp"
#include "tools/dermactl/command_specs.hpp"

namespace dermad::ctl {
namespace {

constexpr const char* kSocket = "/run/test/dermad.sock";

CommandLine parse(const std::vector<std::string>& argv) {
  return parse_command_line(argv, command_specs(), kSocket);
}

// The UsageError parse throws, or a failure when it throws none.
UsageError usage_error(const std::vector<std::string>& argv) {
  try {
    parse(argv);
  } catch (const UsageError& e) {
    return e;
  }
  ADD_FAILURE() << "no usage error";
  return UsageError("");
}

TEST(DermactlArgs, GlobalOptionsBeforeTheCommand) {
  const auto cl = parse({"--json", "--socket", "/tmp/x.sock", "status"});
  ASSERT_NE(cl.command, nullptr);
  EXPECT_EQ(cl.command->path, "status");
  EXPECT_TRUE(cl.globals.json);
  EXPECT_EQ(cl.globals.socket, "/tmp/x.sock");
  EXPECT_TRUE(cl.globals.target.empty());
}

TEST(DermactlArgs, DefaultsWithoutGlobalOptions) {
  const auto cl = parse({"info"});
  EXPECT_FALSE(cl.globals.json);
  EXPECT_EQ(cl.globals.socket, kSocket);
}

TEST(DermactlArgs, GlobalOptionsAlsoAfterTheCommand) {
  const auto cl = parse({"status", "--json", "--target=localhost:50051"});
  EXPECT_TRUE(cl.globals.json);
  EXPECT_EQ(cl.globals.target, "localhost:50051");
}

TEST(DermactlArgs, ValuesWithSpaceOrEquals) {
  const auto cl = parse({"jog", "--depth-um", "800", "--speed-hz=100.5", "--duration-ms", "3000"});
  ASSERT_NE(cl.command, nullptr);
  EXPECT_EQ(cl.command->path, "jog");
  EXPECT_EQ(cl.args.value("depth-um"), "800");
  EXPECT_EQ(cl.args.value("speed-hz"), "100.5");
  EXPECT_EQ(cl.args.value("duration-ms"), "3000");
}

TEST(DermactlArgs, NegativeNumberIsAValue) {
  const auto cl = parse({"jog", "--depth-um", "-5", "--speed-hz", "1", "--duration-ms", "1"});
  EXPECT_EQ(cl.args.value("depth-um"), "-5");
}

TEST(DermactlArgs, AShortNameIsItsLongOptionAndRepeatableOptionsKeepEveryValue) {
  const auto cl = parse({"logs", "-n", "20", "--kind", "alarm_raised", "--kind=state_changed"});
  EXPECT_EQ(cl.args.value("last"), "20");
  EXPECT_EQ(cl.args.values("kind"), (std::vector<std::string>{"alarm_raised", "state_changed"}));
  EXPECT_EQ(std::string(usage_error({"logs", "-n", "1", "--last", "2"}).what()),
            "option --last given more than once");
  EXPECT_EQ(std::string(usage_error({"logs", "-n"}).what()), "option --last needs a value (N)");
  EXPECT_NE(std::string(usage_error({"logs", "-x"}).what()).find("unknown option -x"),
            std::string::npos);
  EXPECT_NE(command_help(*parse({"logs"}).command, command_specs()).find("-n, --last N"),
            std::string::npos);
}

TEST(DermactlArgs, MissingRequiredOptionIsNamed) {
  const auto e = usage_error({"jog", "--depth-um", "800", "--duration-ms", "3000"});
  EXPECT_NE(std::string(e.what()).find("--speed-hz"), std::string::npos) << e.what();
  EXPECT_EQ(e.command(), "jog");
}

TEST(DermactlArgs, OptionWithoutItsValue) {
  EXPECT_NE(std::string(usage_error({"watch", "--rate"}).what()).find("--rate"), std::string::npos);
  EXPECT_NE(std::string(usage_error({"watch", "--rate", "--count", "3"}).what()).find("--rate"),
            std::string::npos);
  usage_error({"watch", "--rate="});
}

TEST(DermactlArgs, FlagRefusesAValue) {
  usage_error({"--json=yes", "status"});
}

TEST(DermactlArgs, UnknownCommandsAndOptions) {
  EXPECT_EQ(usage_error({"frobnicate"}).command(), "");
  EXPECT_EQ(usage_error({"sim", "teleport"}).command(), "sim");
  EXPECT_EQ(usage_error({"status", "--bogus"}).command(), "status");
  usage_error({"--bogus", "status"});
  usage_error({"status", "extra"});
  usage_error({"alarms", "clear"});
  usage_error({"status", "-x"});
}

TEST(DermactlArgs, MissingCommandOrSubcommand) {
  usage_error({});
  usage_error({"--json"});
  EXPECT_EQ(usage_error({"sim"}).command(), "sim");
  EXPECT_EQ(usage_error({"sim", "cartridge"}).command(), "sim cartridge");
}

TEST(DermactlArgs, SocketAndTargetExcludeEachOther) {
  usage_error({"--socket", "/a", "--target", "b:1", "status"});
}

TEST(DermactlArgs, PositionalsAndFlags) {
  const auto codes = parse({"alarms", "ack", "ESTOP", "LINK_LOST"});
  ASSERT_NE(codes.command, nullptr);
  EXPECT_EQ(codes.command->path, "alarms ack");
  EXPECT_EQ(codes.args.positionals(), (std::vector<std::string>{"ESTOP", "LINK_LOST"}));
  EXPECT_FALSE(codes.args.has("all"));

  const auto all = parse({"alarms", "ack", "--all"});
  EXPECT_TRUE(all.args.has("all"));
  EXPECT_TRUE(all.args.positionals().empty());

  const auto trigger = parse({"sim", "trigger", "on"});
  EXPECT_EQ(trigger.command->path, "sim trigger");
  EXPECT_EQ(trigger.args.positionals(), std::vector<std::string>{"on"});
}

TEST(DermactlArgs, HelpOnEveryLevel) {
  const auto top = parse({"--help"});
  EXPECT_EQ(top.command, nullptr);
  EXPECT_NE(top.help_text.find("--socket PATH"), std::string::npos);
  EXPECT_NE(top.help_text.find(kSocket), std::string::npos);
  EXPECT_NE(top.help_text.find("sim cartridge insert"), std::string::npos);

  // Required options do not stand in the way of asking how to give them.
  const auto jog = parse({"jog", "--help"});
  EXPECT_NE(jog.help_text.find("--depth-um N"), std::string::npos);
  EXPECT_NE(jog.help_text.find("micrometres"), std::string::npos);
  EXPECT_NE(jog.help_text.find("(required)"), std::string::npos);

  const auto insert = parse({"sim", "cartridge", "insert", "-h"});
  EXPECT_NE(insert.help_text.find("(default: SIM-0001)"), std::string::npos);
  EXPECT_NE(insert.help_text.find("1..100"), std::string::npos);

  const auto watch = parse({"--help", "watch"});
  EXPECT_NE(watch.help_text.find("(default: 10)"), std::string::npos);

  const auto sim = parse({"sim", "--help"});
  EXPECT_NE(sim.help_text.find("sim estop on|off"), std::string::npos);

  const auto alarms = parse({"alarms", "--help"});
  EXPECT_NE(alarms.help_text.find("alarms ack CODE..."), std::string::npos);

  EXPECT_FALSE(parse({"jog", "--bogus", "--help"}).help_text.empty());
}

TEST(DermactlArgs, EveryCommandHasHelpText) {
  for (const auto& spec : command_specs()) {
    EXPECT_FALSE(spec.summary.empty()) << spec.path;
    for (const auto& o : spec.options) EXPECT_FALSE(o.help.empty()) << spec.path << " " << o.name;
  }
}

}  // namespace
}  // namespace dermad::ctl
