// logs: LogService.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <limits>
#include <sstream>

#include "tools/dermactl/args.hpp"
#include "tools/dermactl/commands.hpp"
#include "tools/dermactl/live.hpp"
#include "tools/dermactl/render_records.hpp"
#include "tools/dermactl/values.hpp"

namespace dermad::ctl {

namespace {

int verify(Context& ctx) {
  v1::VerifyLogResponse resp;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().log().VerifyLog(cc, v1::VerifyLogRequest{}, &resp);
  });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(verify_json(resp));
  } else if (resp.problems().empty()) {
    ctx.print("event log intact: " + std::to_string(resp.events()) + " events, chain verified");
  } else {
    std::ostringstream o;
    o << "event log NOT intact (" << resp.events() << " events):";
    for (const auto& p : resp.problems()) o << "\n  - " << p;
    ctx.print(o.str());
  }
  return resp.problems().empty() ? kExitOk : kExitFailed;
}

}  // namespace

int run_logs(Context& ctx, const ParsedArgs& args) {
  if (args.has("verify")) return verify(ctx);
  v1::ReadEventsRequest req;
  if (auto n = args.value("last")) {
    req.set_last(static_cast<uint32_t>(parse_integer(*n, "--last", ctx.path(), 1, 1'000'000)));
  }
  const TimeRange range = parse_time_range(args.value("since"), args.value("until"), ctx.path());
  req.set_since_wall_ns(range.since_wall_ns);
  req.set_until_wall_ns(range.until_wall_ns);
  for (const auto& k : args.values("kind")) req.add_kinds(k);
  if (auto sev = args.value("severity")) {
    const std::vector<std::string> levels = {"info", "warning", "alarm"};
    if (std::find(levels.begin(), levels.end(), *sev) == levels.end()) {
      throw UsageError("--severity must be info, warning or alarm, got '" + *sev + "'" +
                           did_you_mean(*sev, levels),
                       ctx.path());
    }
    req.set_min_severity(*sev);
  }
  req.set_after_seq(parse_integer(args.value("after").value_or("0"), "--after", ctx.path(), 0,
                                  std::numeric_limits<std::int64_t>::max()));
  req.set_limit(static_cast<uint32_t>(
      parse_integer(args.value("limit").value_or("0"), "--limit", ctx.path(), 0, 1'000'000)));
  req.set_follow(args.has("follow"));
  req.set_session_id(args.value("session").value_or(""));

  Client& client = ctx.client();
  if (auto st = client.connect(); !st.ok()) return ctx.fail(st);
  grpc::ClientContext call;
  auto reader = client.log().ReadEvents(&call, req);
  CancelOnInterrupt interrupt(call);
  v1::LogEvent e;
  while (reader->Read(&e)) {
    if (ctx.json()) {
      ctx.print(event_json(e));
    } else {
      std::ostringstream o;
      o << e.seq() << "  " << utc_text(e.wall_ns()) << "  " << e.severity() << "  " << e.kind();
      if (!e.session_id().empty()) o << "  session " << e.session_id();
      o << "  " << e.details();
      ctx.print(o.str());
    }
  }
  const grpc::Status st = reader->Finish();
  if (interrupt.interrupted()) return kExitOk;
  return st.ok() ? kExitOk : ctx.fail(st);
}

}  // namespace dermad::ctl
