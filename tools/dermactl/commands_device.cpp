// status, info, alarms, alarms ack: DeviceService.
#include "tools/dermactl/commands.hpp"
#include "tools/dermactl/render.hpp"
#include "tools/dermactl/values.hpp"

namespace dermad::ctl {

namespace {

grpc::Status get_status(Context& ctx, v1::Status& out) {
  return ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().device().GetStatus(cc, v1::GetStatusRequest{}, &out);
  });
}

std::string codes_text(const google::protobuf::RepeatedPtrField<std::string>& codes) {
  std::string out;
  for (const auto& c : codes) out += (out.empty() ? "" : " ") + c;
  return out.empty() ? "none" : out;
}

Json codes_json(const google::protobuf::RepeatedPtrField<std::string>& codes) {
  Json list = Json::array();
  for (const auto& c : codes) list.push_back(c);
  return list;
}

}  // namespace

int run_status(Context& ctx, const ParsedArgs&) {
  v1::Status s;
  if (auto st = get_status(ctx, s); !st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(status_json(s));
  } else {
    ctx.print(status_text(s));
  }
  return kExitOk;
}

int run_info(Context& ctx, const ParsedArgs&) {
  v1::DeviceInfo info;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().device().GetDeviceInfo(cc, v1::GetDeviceInfoRequest{}, &info);
  });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(info_json(info));
  } else {
    ctx.print(info_text(info));
  }
  return kExitOk;
}

int run_alarms(Context& ctx, const ParsedArgs&) {
  v1::Status s;
  if (auto st = get_status(ctx, s); !st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(Json{{"alarms", alarms_json(s.alarms())}});
  } else {
    ctx.print(alarms_text(s.alarms(), s.t_ns()));
  }
  return kExitOk;
}

int run_alarms_ack(Context& ctx, const ParsedArgs& args) {
  const bool all = args.has("all");
  if (all == !args.positionals().empty()) {
    throw UsageError(all ? "give alarm codes or --all, not both" : "give alarm codes or --all",
                     ctx.path());
  }
  v1::AcknowledgeAlarmsRequest req;
  // An empty list asks dermad to acknowledge everything.
  for (const auto& code : args.positionals()) req.add_codes(alarm_code(code));
  v1::AcknowledgeAlarmsResponse resp;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().device().AcknowledgeAlarms(cc, req, &resp);
  });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(Json{{"cleared", codes_json(resp.cleared())},
                   {"still_active", codes_json(resp.still_active())}});
  } else {
    ctx.print("cleared: " + codes_text(resp.cleared()) +
              "\nstill active: " + codes_text(resp.still_active()) + "\n");
  }
  return kExitOk;
}

}  // namespace dermad::ctl
