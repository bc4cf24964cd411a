// jog: EngineeringService.
#include <cstdint>
#include <cstdio>
#include <limits>

#include "tools/dermactl/commands.hpp"
#include "tools/dermactl/values.hpp"

namespace dermad::ctl {

int run_jog(Context& ctx, const ParsedArgs& args) {
  // Only malformed numbers are caught here: the device limits are dermad's to enforce, and
  // it says which one was broken.
  v1::JogRequest req;
  req.set_depth_um(static_cast<std::int32_t>(parse_integer(
      *args.value("depth-um"), "--depth-um", ctx.path(), std::numeric_limits<std::int32_t>::min(),
      std::numeric_limits<std::int32_t>::max())));
  req.set_speed_hz(parse_number(*args.value("speed-hz"), "--speed-hz", ctx.path()));
  req.set_duration_ms(static_cast<std::uint32_t>(
      parse_integer(*args.value("duration-ms"), "--duration-ms", ctx.path(), 0,
                    std::numeric_limits<std::uint32_t>::max())));

  v1::JogResponse resp;
  auto st = ctx.client().unary(
      [&](grpc::ClientContext* cc) { return ctx.client().engineering().Jog(cc, req, &resp); });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(Json::object().set("started_t_ns", resp.started_t_ns()));
  } else {
    char speed[32];
    std::snprintf(speed, sizeof speed, "%.1f", req.speed_hz());
    ctx.print("jog started: " + std::to_string(req.depth_um()) + " um at " + speed + " Hz for " +
              std::to_string(req.duration_ms()) + " ms");
  }
  return kExitOk;
}

}  // namespace dermad::ctl
