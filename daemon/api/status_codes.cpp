#include "daemon/api/status_codes.hpp"

#include "daemon/api/convert.hpp"

namespace dermad::api {

grpc::Status refusals_status(const std::vector<treatment::Refusal>& refusals) {
  std::string text;
  bool invalid = false;
  for (const auto& r : refusals) {
    text += (text.empty() ? "" : "; ") + r.text;
    invalid |= r.kind == treatment::Refusal::kInvalid;
  }
  return {invalid ? grpc::StatusCode::INVALID_ARGUMENT : grpc::StatusCode::FAILED_PRECONDITION,
          text};
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
