// The project's exit-status rule for every dermactl command, and how failed RPCs are told.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

namespace dermad::ctl {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 2,        // unknown command or option, missing or malformed value
  kExitRefused = 3,      // dermad answered with an error
  kExitUnreachable = 4,  // no connection within the connect deadline, or UNAVAILABLE
};

// "FAILED_PRECONDITION" etc., as in the gRPC documentation.
std::string status_code_name(grpc::StatusCode code);

struct ErrorReport {
  int exit_code = kExitRefused;
  std::string stderr_line;  // always printed, newline included
  std::string stdout_json;  // printed with --json, newline included; empty otherwise
};

// target is how the user named dermad (e.g. "unix:/run/dermad/dermad.sock").
ErrorReport describe_rpc_error(const grpc::Status& status, const std::string& target, bool json);

}  // namespace dermad::ctl
