// jog and selftest: EngineeringService.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <limits>
#include <optional>
#include <thread>

#include "tools/dermactl/commands.hpp"
#include "tools/dermactl/live.hpp"
#include "tools/dermactl/render.hpp"
#include "tools/dermactl/values.hpp"

namespace dermad::ctl {

namespace {

std::string alarm_list(const v1::Status& st) {
  std::string codes;
  for (const auto& a : st.alarms()) codes += (codes.empty() ? "" : ", ") + a.code();
  return codes;
}

// Follows a started service run until it ends, showing its progress on a terminal; Ctrl-C
// (`interrupt`) stops it. Exit 0 when it ran out or was stopped, 1 when something else (an
// alarm, the e-stop) ended it.
int follow_jog(Context& ctx, const v1::JogRequest& req, const InterruptFlag& interrupt) {
  const bool tty = !ctx.json() && ::isatty(STDOUT_FILENO) == 1;
  bool stop_sent = false, drew = false;
  int64_t ran_ms = 0;
  v1::Status st;
  for (;;) {
    if (interrupt.interrupted() && !stop_sent) {
      v1::StopServiceRunResponse ignored;
      // Refused only when the run ended meanwhile, which is what was asked for.
      ctx.client().unary([&](grpc::ClientContext* cc) {
        return ctx.client().engineering().StopServiceRun(cc, v1::StopServiceRunRequest{}, &ignored);
      });
      stop_sent = true;
    }
    const grpc::Status got = ctx.client().unary([&](grpc::ClientContext* cc) {
      return ctx.client().device().GetStatus(cc, v1::GetStatusRequest{}, &st);
    });
    if (!got.ok()) {
      if (drew) std::cout << "\n";
      return ctx.fail(got);
    }
    if (st.state() != v1::STATE_SERVICE) break;
    ran_ms = req.duration_ms() - st.service_remaining_ms();
    if (tty) {
      std::cout << "\rjog " << fixed(ran_ms / 1000.0, 1) << " / "
                << fixed(req.duration_ms() / 1000.0, 1) << " s, depth " << st.depth_um()
                << " um, speed " << fixed(st.speed_hz(), 1) << " Hz (Ctrl-C stops)   "
                << std::flush;
      drew = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (drew) std::cout << "\n";
  const bool cut = st.state() != v1::STATE_IDLE;
  const std::string how = cut ? "ended" : stop_sent ? "stopped" : "done";
  if (ctx.json()) {
    Json alarms = Json::array();
    for (const auto& a : st.alarms()) alarms.push_back(a.code());
    ctx.print(Json{{"jog", how}, {"state", state_name(st.state())}, {"alarms", alarms}});
  } else if (cut) {
    ctx.print("jog ended by " + state_name(st.state()) +
              (st.alarms().empty() ? "" : ": " + alarm_list(st)) +
              "; see `dermactl status` and `dermactl alarms history`");
  } else {
    ctx.print(std::string(stop_sent ? "jog stopped (Ctrl-C): drive off, needles retracted"
                                    : "jog done: drive off, needles retracted"));
  }
  return cut ? kExitFailed : kExitOk;
}

}  // namespace

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

  // Before the run starts, so a Ctrl-C at any moment stops it rather than leaving it going.
  std::optional<InterruptFlag> interrupt;
  if (!args.has("detach")) interrupt.emplace();
  v1::JogResponse resp;
  auto st = ctx.client().unary(
      [&](grpc::ClientContext* cc) { return ctx.client().engineering().Jog(cc, req, &resp); });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(Json{{"started_t_ns", resp.started_t_ns()}});
  } else {
    ctx.print("jog started: " + std::to_string(req.depth_um()) + " um at " +
              fixed(req.speed_hz(), 1) + " Hz for " + std::to_string(req.duration_ms()) + " ms");
  }
  return interrupt ? follow_jog(ctx, req, *interrupt) : kExitOk;
}

int run_selftest(Context& ctx, const ParsedArgs&) {
  Client& client = ctx.client();
  if (auto st = client.connect(); !st.ok()) return ctx.fail(st);
  grpc::ClientContext call;
  auto reader = client.engineering().SelfTest(&call, v1::SelfTestRequest{});
  CancelOnInterrupt interrupt(call);
  v1::SelfTestStep step;
  uint32_t seen = 0, total = 0;
  bool passed = true;
  Json failed = Json::array();
  while (reader->Read(&step)) {
    // Only once dermad has started it: a refused self-test prints its reasons alone.
    if (seen == 0 && !ctx.json()) {
      ctx.print(
          std::string("self-test: sensors, then the needle drive at three depths (about 5 s)"));
    }
    ++seen;
    total = step.total();
    passed &= step.passed();
    if (!step.passed()) failed.push_back(step.name());
    if (ctx.json()) {
      Json figures = Json::object();
      for (const auto& f : step.figures()) {
        Json one = {{"value", f.value()}, {"unit", f.unit()}};
        if (f.limited()) {
          one["min"] = f.min();
          one["max"] = f.max();
        }
        figures[f.name()] = std::move(one);
      }
      ctx.print(Json{{"index", step.index()},
                     {"total", step.total()},
                     {"name", step.name()},
                     {"passed", step.passed()},
                     {"detail", step.detail()},
                     {"figures", std::move(figures)}});
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
