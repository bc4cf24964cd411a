// sim ...: the Simulator service of `dermad --sim`.
#include <cmath>
#include <cstdio>
#include <string>

#include "tools/dermactl/commands.hpp"
#include "tools/dermactl/render.hpp"
#include "tools/dermactl/values.hpp"

namespace dermad::ctl {

namespace {

using SwitchRpc = grpc::Status (v1::Simulator::Stub::*)(grpc::ClientContext*,
                                                        const v1::SetSwitchRequest&, v1::SimAck*);

template <class Call>
int sim_call(Context& ctx, Call&& call, const std::string& confirmation) {
  v1::SimAck ack;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) { return call(cc, &ack); });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(Json{{"ok", true}});
  } else {
    ctx.print(confirmation);
  }
  return kExitOk;
}

int set_switch(Context& ctx, const ParsedArgs& args, SwitchRpc rpc, const std::string& name,
               const char* on_word, const char* off_word) {
  if (args.positionals().size() != 1) throw UsageError("expected on or off", ctx.path());
  v1::SetSwitchRequest req;
  req.set_on(parse_on_off(args.positionals().front(), ctx.path()));
  return sim_call(
      ctx,
      [&](grpc::ClientContext* cc, v1::SimAck* ack) {
        return (ctx.client().simulator().*rpc)(cc, req, ack);
      },
      name + " " + (req.on() ? on_word : off_word));
}

}  // namespace

int run_sim_trigger(Context& ctx, const ParsedArgs& args) {
  return set_switch(ctx, args, &v1::Simulator::Stub::SetTrigger, "trigger", "held", "released");
}

int run_sim_pedal(Context& ctx, const ParsedArgs& args) {
  return set_switch(ctx, args, &v1::Simulator::Stub::SetPedal, "pedal", "pressed", "released");
}

int run_sim_estop(Context& ctx, const ParsedArgs& args) {
  return set_switch(ctx, args, &v1::Simulator::Stub::SetEstop, "e-stop", "pressed", "released");
}

int run_sim_cartridge_insert(Context& ctx, const ParsedArgs& args) {
  const std::string& path = ctx.path();
  v1::InsertCartridgeRequest req;
  req.set_serial(args.value("serial").value_or("SIM-0001"));
  req.set_type(parse_cartridge_type(args.value("type").value_or("standard"), path));
  req.set_needles(static_cast<std::uint32_t>(
      parse_integer(args.value("needles").value_or("12"), "--needles", path, 1, 100)));
  const auto expires = args.value("expires");
  req.set_expires(expires ? parse_date(*expires, path) : format_date(one_year_after(today())));
  req.set_lot(args.value("lot").value_or("SIM-LOT"));
  req.set_bad_checksum(args.has("bad-checksum"));
  return sim_call(
      ctx,
      [&](grpc::ClientContext* cc, v1::SimAck* ack) {
        return ctx.client().simulator().InsertCartridge(cc, req, ack);
      },
      "cartridge inserted: " + req.serial() + ", " + cartridge_type_name(req.type()) + ", " +
          std::to_string(req.needles()) + " needles, lot " + req.lot() + ", expires " +
          req.expires() + (req.bad_checksum() ? ", bad EEPROM checksum" : ""));
}

int run_sim_cartridge_remove(Context& ctx, const ParsedArgs&) {
  return sim_call(
      ctx,
      [&](grpc::ClientContext* cc, v1::SimAck* ack) {
        return ctx.client().simulator().RemoveCartridge(cc, v1::RemoveCartridgeRequest{}, ack);
      },
      "cartridge removed");
}

int run_sim_contact(Context& ctx, const ParsedArgs& args) {
  v1::SetContactForceRequest req;
  req.set_force_n(parse_force_n(*args.value("force-n"), ctx.path()));
  char force[32];
  std::snprintf(force, sizeof force, "%.2f", req.force_n());
  return sim_call(
      ctx,
      [&](grpc::ClientContext* cc, v1::SimAck* ack) {
        return ctx.client().simulator().SetContactForce(cc, req, ack);
      },
      std::string("contact force set to ") + force + " N");
}

int run_sim_fault(Context& ctx, const ParsedArgs& args) {
  if (args.positionals().size() != 2) throw UsageError("expected KIND on|off", ctx.path());
  v1::SetFaultRequest req;
  req.set_fault(parse_sim_fault(args.positionals()[0], ctx.path()));
  req.set_on(parse_on_off(args.positionals()[1], ctx.path()));
  return sim_call(
      ctx,
      [&](grpc::ClientContext* cc, v1::SimAck* ack) {
        return ctx.client().simulator().SetFault(cc, req, ack);
      },
      "fault " + args.positionals()[0] + (req.on() ? " injected" : " cleared"));
}

int run_sim_errors(Context& ctx, const ParsedArgs& args) {
  v1::SetErrorsRequest req;
  if (auto v = args.value("position-scale")) {
    req.set_position_scale(parse_number(*v, "--position-scale", ctx.path()));
  }
  if (auto v = args.value("position-offset-um")) {
    req.set_position_offset_um(parse_number(*v, "--position-offset-um", ctx.path()));
  }
  if (auto v = args.value("protrusion-offset-um")) {
    req.set_protrusion_offset_um(parse_number(*v, "--protrusion-offset-um", ctx.path()));
  }
  if (auto v = args.value("motor-k-drift")) {
    req.set_motor_k_drift(parse_number(*v, "--motor-k-drift", ctx.path()));
  }
  if (auto v = args.value("current-offset-ma")) {
    req.set_current_offset_ma(parse_number(*v, "--current-offset-ma", ctx.path()));
  }
  if (auto v = args.value("force-offset-n")) {
    req.set_force_offset_n(parse_number(*v, "--force-offset-n", ctx.path()));
  }
  if (auto v = args.value("temperature-offset-c")) {
    req.set_temperature_offset_c(parse_number(*v, "--temperature-offset-c", ctx.path()));
  }
  v1::SimErrors e;
  auto st = ctx.client().unary(
      [&](grpc::ClientContext* cc) { return ctx.client().simulator().SetErrors(cc, req, &e); });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(Json{{"position_scale", e.position_scale()},
                   {"position_offset_um", e.position_offset_um()},
                   {"protrusion_offset_um", e.protrusion_offset_um()},
                   {"motor_k_drift", e.motor_k_drift()},
                   {"current_offset_ma", e.current_offset_ma()},
                   {"force_offset_n", e.force_offset_n()},
                   {"temperature_offset_c", e.temperature_offset_c()}});
  } else {
    ctx.print(label_table(
        {{"position sensor", "reads " + fixed(e.position_scale(), 4) + " x true " +
                                 (e.position_offset_um() < 0 ? "- " : "+ ") +
                                 fixed(std::abs(e.position_offset_um()), 1) + " um"},
         {"needle protrusion", fixed(e.protrusion_offset_um(), 1) + " um beyond the stop"},
         {"motor constant", fixed(100.0 * e.motor_k_drift(), 1) + " % off nominal"},
         {"current sensor", "reads " + fixed(e.current_offset_ma(), 1) + " mA above true"},
         {"force sensor", "reads " + fixed(e.force_offset_n(), 2) + " N above true"},
         {"temperature sensor", "reads " + fixed(e.temperature_offset_c(), 2) + " C above true"}}));
  }
  return kExitOk;
}

int run_sim_gauge(Context& ctx, const ParsedArgs&) {
  v1::GaugeReading g;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().simulator().ReadGauge(cc, v1::ReadGaugeRequest{}, &g);
  });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(Json{{"protrusion_um", g.protrusion_um()}, {"temperature_c", g.temperature_c()}});
  } else {
    ctx.print("needles out " + fixed(g.protrusion_um(), 1) + " um; handpiece at " +
              fixed(g.temperature_c(), 2) + " C");
  }
  return kExitOk;
}

}  // namespace dermad::ctl
