// jog and selftest: EngineeringService.
#include <cstdint>
#include <cstdio>
#include <limits>

#include "tools/dermactl/commands.hpp"
#include "tools/dermactl/live.hpp"
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
    ctx.print(Json{{"started_t_ns", resp.started_t_ns()}});
  } else {
    char speed[32];
    std::snprintf(speed, sizeof speed, "%.1f", req.speed_hz());
    ctx.print("jog started: " + std::to_string(req.depth_um()) + " um at " + speed + " Hz for " +
              std::to_string(req.duration_ms()) + " ms");
  }
  return kExitOk;
}

int run_selftest(Context& ctx, const ParsedArgs&) {
  Client& client = ctx.client();
  if (auto st = client.connect(); !st.ok()) return ctx.fail(st);
  if (!ctx.json())
    ctx.print(std::string("self-test: sensors, then the needle drive at three depths (about 5 s)"));
  grpc::ClientContext call;
  auto reader = client.engineering().SelfTest(&call, v1::SelfTestRequest{});
  CancelOnInterrupt interrupt(call);
  v1::SelfTestStep step;
  uint32_t seen = 0, total = 0;
  bool passed = true;
  Json failed = Json::array();
  while (reader->Read(&step)) {
    ++seen;
    total = step.total();
    passed &= step.passed();
    if (!step.passed()) failed.push_back(step.name());
    if (ctx.json()) {
      ctx.print(Json{{"index", step.index()},
                     {"total", step.total()},
                     {"name", step.name()},
                     {"passed", step.passed()},
                     {"detail", step.detail()}});
    } else {
      ctx.print("[" + std::to_string(step.index()) + "/" + std::to_string(step.total()) + "] " +
                (step.passed() ? "PASS " : "FAIL ") + step.name() + ": " + step.detail());
    }
  }
  const grpc::Status st = reader->Finish();
  if (interrupt.interrupted()) return kExitFailed;
  if (!st.ok()) return ctx.fail(st, true);
  passed &= seen == total && total > 0;
  if (ctx.json()) {
    // The last line is the verdict, so a script reads one object instead of adding up steps.
    ctx.print(Json{{"result", passed ? "passed" : "failed"},
                   {"steps_run", seen},
                   {"total", total},
                   {"failed_steps", std::move(failed)}});
  } else {
    ctx.print(std::string(passed ? "self-test passed" : "self-test FAILED: see the step above"));
  }
  return passed ? kExitOk : kExitFailed;
}

}  // namespace dermad::ctl
