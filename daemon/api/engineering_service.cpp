#include "daemon/api/engineering_service.hpp"

#include "daemon/store/details.hpp"

#include <sstream>

#include "daemon/api/convert.hpp"
#include "daemon/api/status_codes.hpp"

namespace dermad::api {

using grpc::Status;
using grpc::StatusCode;

namespace {

// Every field outside its limit, each with its value and range.
std::string limits_text(uint32_t bad, const v1::JogRequest& req, const control::DeviceLimits& lim) {
  std::ostringstream o;
  auto sep = [&o, first = true]() mutable {
    if (!first) o << "; ";
    first = false;
  };
  if (bad & control::kLimitDepth) {
    sep();
    o << "depth_um " << req.depth_um() << " outside " << lim.depth_min_um << ".."
      << lim.depth_max_um << " um";
  }
  if (bad & control::kLimitSpeed) {
    sep();
    o << "speed_hz " << req.speed_hz() << " outside " << lim.speed_min_hz << ".."
      << lim.speed_max_hz << " Hz";
  }
  if (bad & control::kLimitDuration) {
    sep();
    o << "duration_ms " << req.duration_ms() << " outside 1.." << lim.jog_max_ms << " ms";
  }
  return o.str();
}

}  // namespace

grpc::ServerUnaryReactor* EngineeringService::Jog(grpc::CallbackServerContext* ctx,
                                                  const v1::JogRequest* req,
                                                  v1::JogResponse* resp) {
  if (auto refused = gate_.admit(ctx, "EngineeringService.Jog", req)) {
    return finish_now(ctx, *refused);
  }
  auto* r = ctx->DefaultReactor();
  control::Command c;
  c.kind = control::CommandKind::kJog;
  c.depth_um = req->depth_um();
  c.speed_hz = req->speed_hz();
  c.duration_ms = req->duration_ms();
  const v1::JogRequest copy = *req;
  const Caller caller = gate_.caller(ctx);
  const std::string by = caller.who + " (" + std::string(to_string(caller.role)) + ")";
  port_.submit(c, [this, r, resp, copy, by](control::Verdict v, uint32_t detail) {
    if (v == control::Verdict::kAccepted) {
      control::Snapshot s;
      if (port_.core().telemetry().latest(s)) resp->set_started_t_ns(s.t_ns);
      // A service run moves the needles: the records say who ran which.
      record_("jog", store::details_text({{"depth_um", copy.depth_um()},
                                          {"speed_hz", copy.speed_hz()},
                                          {"duration_ms", copy.duration_ms()},
                                          {"by", by}}));
    }
    r->Finish(verdict_status(v, detail, "jog",
                             v == control::Verdict::kRefusedLimits
                                 ? limits_text(detail, copy, port_.core().config().limits)
                                 : ""));
  });
  return r;
}

grpc::ServerUnaryReactor* EngineeringService::StopServiceRun(grpc::CallbackServerContext* ctx,
                                                             const v1::StopServiceRunRequest* req,
                                                             v1::StopServiceRunResponse*) {
  if (auto refused = gate_.admit(ctx, "EngineeringService.StopServiceRun", req)) {
    return finish_now(ctx, *refused);
  }
  auto* r = ctx->DefaultReactor();
  control::Command c;
  c.kind = control::CommandKind::kStopService;
  port_.submit(c, [r](control::Verdict v, uint32_t detail) {
    r->Finish(verdict_status(v, detail, "stopping the service run"));
  });
  return r;
}

}  // namespace dermad::api
