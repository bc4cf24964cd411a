// One gRPC status code per meaning, in one place (DESIGN.md "Units and words"): the loop's
// verdicts and the treatment layer's refusals are mapped here and nowhere else.
//   a value outside its limits          INVALID_ARGUMENT
//   the device's state, alarms, cartridge, an absent session   FAILED_PRECONDITION
//   a role or owner that may not        PERMISSION_DENIED
//   the loop did not answer; stopping   UNAVAILABLE
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "daemon/control/command.hpp"
#include "daemon/treatment/sessions.hpp"

namespace dermad::api {

// How a session request went (treatment/sessions.hpp). A request with a value out of bounds
// is INVALID_ARGUMENT whatever the device's state: the client must fix it first.
grpc::Status outcome_status(const treatment::Outcome& o);

// What `what` (e.g. "jog") gets for the loop's verdict; `limits` says which values were
// outside their limits, for kRefusedLimits.
grpc::Status verdict_status(control::Verdict v, uint32_t detail, const std::string& what,
                            const std::string& limits = "");

// Finishes a unary call at once with `st`.
inline grpc::ServerUnaryReactor* finish_now(grpc::CallbackServerContext* ctx, grpc::Status st) {
  auto* r = ctx->DefaultReactor();
  r->Finish(std::move(st));
  return r;
}

}  // namespace dermad::api
