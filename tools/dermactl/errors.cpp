#include "tools/dermactl/errors.hpp"

#include "tools/dermactl/render.hpp"

namespace dermad::ctl {

std::string status_code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "CODE_" + std::to_string(static_cast<int>(code));
  }
}

namespace {

// dermad's refusal names what is wrong; dermactl adds how to do it with its own options.
std::string with_hint(const std::string& reason) {
  constexpr std::string_view kRule = "screening rule ", kMust = " must be acknowledged";
  if (reason.rfind(kRule, 0) == 0) {
    const auto end = reason.find(kMust);
    if (end != std::string::npos) {
      return reason + " (acknowledge it with --ack " +
             reason.substr(kRule.size(), end - kRule.size()) + ")";
    }
  }
  return reason;
}

}  // namespace

ErrorReport describe_rpc_error(const grpc::Status& status, const std::string& target, bool json,
                               bool reason_per_line) {
  ErrorReport r;
  const std::string code = status_code_name(status.error_code());
  const std::string& message = status.error_message();
  const std::string detail = message.empty() ? "" : ": " + message;
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    r.exit_code = kExitUnreachable;
    r.stderr_line = "dermactl: cannot reach dermad at " + target + detail + "\n";
  } else {
    r.exit_code = kExitRefused;
    const auto reasons = split_reasons(message);
    if (reason_per_line && reasons.size() > 1) {
      r.stderr_line =
          "dermactl: refused: " + code + ", " + std::to_string(reasons.size()) + " reasons:\n";
      for (const auto& reason : reasons) r.stderr_line += "  - " + with_hint(reason) + "\n";
    } else if (reasons.size() == 1) {
      r.stderr_line = "dermactl: refused: " + code + ": " + with_hint(reasons[0]) + "\n";
    } else {
      r.stderr_line = "dermactl: refused: " + code + detail + "\n";
    }
  }
  if (json) r.stdout_json = dump(error_json(code, message)) + "\n";
  return r;
}

}  // namespace dermad::ctl
