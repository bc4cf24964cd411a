// The project's exit-status rule for every dermactl command, and how failed RPCs are told.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

namespace dermad::ctl {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,       // dermactl itself failed, e.g. a file it could not write
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

// target is how the user named dermad (e.g. "unix:/run/dermad/dermad.sock"). With
// reason_per_line, a refusal with several reasons (joined by "; ") prints each on its own
// line, so that none is overlooked in a long message.
ErrorReport describe_rpc_error(const grpc::Status& status, const std::string& target, bool json,
                               bool reason_per_line = false);

}  // namespace dermad::ctl
