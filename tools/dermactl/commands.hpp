// The command handlers and what they share: options, the connection, output.
#pragma once

#include <memory>
#include <string>

#include "tools/dermactl/args.hpp"
#include "tools/dermactl/client.hpp"
#include "tools/dermactl/errors.hpp"
#include "tools/dermactl/json.hpp"

namespace dermad::ctl {

class Context {
 public:
  Context(GlobalOptions globals, std::string path)
      : globals_(std::move(globals)), path_(std::move(path)) {}

  bool json() const { return globals_.json; }
  // The command's words, for UsageError hints.
  const std::string& path() const { return path_; }
  // Created on first use, so usage errors never touch the network.
  Client& client();

  // Prints a failed call the project's way; returns its exit status. See describe_rpc_error
  // for reason_per_line.
  int fail(const grpc::Status& status, bool reason_per_line = false);
  // One JSON object on one line, flushed.
  void print(const Json& j);
  void print(const std::string& text);

 private:
  GlobalOptions globals_;
  std::string path_;
  std::unique_ptr<Client> client_;
};

using CommandFn = int (*)(Context&, const ParsedArgs&);

int run_status(Context& ctx, const ParsedArgs& args);
int run_info(Context& ctx, const ParsedArgs& args);
int run_alarms(Context& ctx, const ParsedArgs& args);
int run_alarms_ack(Context& ctx, const ParsedArgs& args);
int run_watch(Context& ctx, const ParsedArgs& args);
int run_jog(Context& ctx, const ParsedArgs& args);
int run_selftest(Context& ctx, const ParsedArgs& args);
int run_sim_trigger(Context& ctx, const ParsedArgs& args);
int run_sim_pedal(Context& ctx, const ParsedArgs& args);
int run_sim_estop(Context& ctx, const ParsedArgs& args);
int run_sim_cartridge_insert(Context& ctx, const ParsedArgs& args);
int run_sim_cartridge_remove(Context& ctx, const ParsedArgs& args);
int run_sim_contact(Context& ctx, const ParsedArgs& args);
int run_sim_fault(Context& ctx, const ParsedArgs& args);
int run_sim_errors(Context& ctx, const ParsedArgs& args);
int run_sim_gauge(Context& ctx, const ParsedArgs& args);
int run_protocols(Context& ctx, const ParsedArgs& args);
int run_logs(Context& ctx, const ParsedArgs& args);
int run_sessions(Context& ctx, const ParsedArgs& args);
int run_counters(Context& ctx, const ParsedArgs& args);
int run_fleet(Context& ctx, const ParsedArgs& args);
int run_alarms_history(Context& ctx, const ParsedArgs& args);
int run_cartridges(Context& ctx, const ParsedArgs& args);
int run_records(Context& ctx, const ParsedArgs& args);
int run_report(Context& ctx, const ParsedArgs& args);
int run_records_accept(Context& ctx, const ParsedArgs& args);
int run_screen(Context& ctx, const ParsedArgs& args);
int run_session_start(Context& ctx, const ParsedArgs& args);
int run_session_update(Context& ctx, const ParsedArgs& args);
int run_session_attach(Context& ctx, const ParsedArgs& args);
int run_session_resume(Context& ctx, const ParsedArgs& args);
int run_session_end(Context& ctx, const ParsedArgs& args);
int run_session_show(Context& ctx, const ParsedArgs& args);
int run_calibrate_depth(Context& ctx, const ParsedArgs& args);
int run_calibrate_speed(Context& ctx, const ParsedArgs& args);
int run_calibrate_sensors(Context& ctx, const ParsedArgs& args);
int run_calibration_show(Context& ctx, const ParsedArgs& args);
int run_calibration_commit(Context& ctx, const ParsedArgs& args);
int run_calibration_discard(Context& ctx, const ParsedArgs& args);
int run_calibration_history(Context& ctx, const ParsedArgs& args);

}  // namespace dermad::ctl
