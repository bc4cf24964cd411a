#include "daemon/api/status_codes.hpp"

#include "daemon/api/convert.hpp"

namespace dermad::api {

grpc::Status outcome_status(const treatment::Outcome& o) {
  using grpc::StatusCode;
  switch (o.code) {
    case treatment::Outcome::kOk:
      return grpc::Status::OK;
    case treatment::Outcome::kInvalid:
      return {StatusCode::INVALID_ARGUMENT, o.text};
    case treatment::Outcome::kPrecondition:
      return {StatusCode::FAILED_PRECONDITION, o.text};
    case treatment::Outcome::kPermission:
      return {StatusCode::PERMISSION_DENIED, o.text};
    case treatment::Outcome::kLoop:
      break;
  }
  return verdict_status(o.verdict, o.detail, o.doing);
}

grpc::Status verdict_status(control::Verdict v, uint32_t detail, const std::string& what,
                            const std::string& limits) {
  using grpc::StatusCode;
  switch (v) {
    case control::Verdict::kAccepted:
      return grpc::Status::OK;
    case control::Verdict::kRefusedLimits:
      return {StatusCode::INVALID_ARGUMENT,
              limits.empty() ? what + " refused: outside the limits" : limits};
    case control::Verdict::kRefusedState:
    case control::Verdict::kRefusedAlarms:
    case control::Verdict::kRefusedCartridge:
      return {StatusCode::FAILED_PRECONDITION, refusal_text(v, detail, what)};
    case control::Verdict::kPending:
      break;
  }
  return {StatusCode::UNAVAILABLE, "the control loop did not take the request"};
}

}  // namespace dermad::api
