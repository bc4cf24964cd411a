// dermactl: parses the command line and runs one command against dermad.
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "daemon/api/default_socket.hpp"
#include "tools/dermactl/command_specs.hpp"
#include "tools/dermactl/commands.hpp"
#include "tools/dermactl/complete.hpp"
#include "tools/dermactl/errors.hpp"
#include "tools/dermactl/render.hpp"

namespace {

using namespace dermad::ctl;

const std::map<std::string, CommandFn>& handlers() {
  static const std::map<std::string, CommandFn> map = {
      {"status", run_status},
      {"info", run_info},
      {"watch", run_watch},
      {"jog", run_jog},
      {"selftest", run_selftest},
      {"alarms", run_alarms},
      {"alarms ack", run_alarms_ack},
      {"sim trigger", run_sim_trigger},
      {"sim pedal", run_sim_pedal},
      {"sim estop", run_sim_estop},
      {"sim cartridge insert", run_sim_cartridge_insert},
      {"sim cartridge remove", run_sim_cartridge_remove},
      {"sim contact", run_sim_contact},
      {"sim fault", run_sim_fault},
      {"sim errors", run_sim_errors},
      {"sim gauge", run_sim_gauge},
      {"protocols", run_protocols},
      {"logs", run_logs},
      {"sessions", run_sessions},
      {"counters", run_counters},
      {"fleet", run_fleet},
      {"records", run_records},
      {"report", run_report},
      {"records accept", run_records_accept},
      {"alarms history", run_alarms_history},
      {"cartridges", run_cartridges},
      {"screen", run_screen},
      {"session start", run_session_start},
      {"session update", run_session_update},
      {"session attach", run_session_attach},
      {"session resume", run_session_resume},
      {"session end", run_session_end},
      {"session show", run_session_show},
      {"calibrate depth", run_calibrate_depth},
      {"calibrate speed", run_calibrate_speed},
      {"calibrate sensors", run_calibrate_sensors},
      {"calibration show", run_calibration_show},
      {"calibration commit", run_calibration_commit},
      {"calibration discard", run_calibration_discard},
      {"calibration history", run_calibration_history},
  };
  return map;
}

// Under --json every error is JSON on stdout too, local ones included, so a script never
// has to parse the text: {"error": {"code": "USAGE", "message": ..., "reasons": [...]}}.
bool wants_json(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--") break;
    if (a == "--json") return true;
  }
  return false;
}

int usage_error(const UsageError& e, bool json) {
  if (json) std::cout << dump(error_json("USAGE", e.what())) << "\n" << std::flush;
  const std::string help =
      e.command().empty() ? "dermactl --help" : "dermactl " + e.command() + " --help";
  std::cerr << "dermactl: " << e.what() << "\nTry '" << help << "' for more information.\n";
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    // DERMACTL_SOCKET saves typing --socket on every command (a bench daemon, a test).
    const char* env_socket = std::getenv("DERMACTL_SOCKET");
    const std::string default_socket = env_socket != nullptr && *env_socket != '\0'
                                           ? env_socket
                                           : dermad::api::client_socket_path();
    // Bash completion's question (tools/dermactl/dermactl.bash-completion); not a command.
    if (!args.empty() && args[0] == "__complete") {
      for (const auto& w : completions({args.begin() + 1, args.end()}, command_specs(),
                                       global_option_specs(default_socket))) {
        std::cout << w << "\n";
      }
      return kExitOk;
    }
    const CommandLine cl = parse_command_line(args, command_specs(), default_socket);
    if (!cl.help_text.empty()) {
      std::cout << cl.help_text;
      return kExitOk;
    }
    Context ctx(cl.globals, cl.command->path);
    return handlers().at(cl.command->path)(ctx, cl.args);
  } catch (const UsageError& e) {
    return usage_error(e, wants_json(args));
  } catch (const std::exception& e) {
    if (wants_json(args)) std::cout << dump(error_json("FAILED", e.what())) << "\n" << std::flush;
    std::cerr << "dermactl: " << e.what() << "\n";
    return kExitFailed;
  }
}
