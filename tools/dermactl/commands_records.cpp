// sessions, counters and alarm history: the device's records, read from the daemon's store.
#include <chrono>
#include <limits>

#include "tools/dermactl/commands.hpp"
#include "tools/dermactl/render.hpp"
#include "tools/dermactl/render_records.hpp"
#include "tools/dermactl/render_session.hpp"
#include "tools/dermactl/values.hpp"

namespace dermad::ctl {

int run_sessions(Context& ctx, const ParsedArgs& args) {
  v1::ListSessionsRequest req;
  const std::string since = args.value("since").value_or("");
  if (!since.empty() && since != "all") req.set_since(since);
  req.set_limit(static_cast<uint32_t>(
      parse_integer(args.value("limit").value_or("100"), "--limit", ctx.path(), 1, 1000)));
  v1::ListSessionsResponse resp;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().treatment().ListSessions(cc, req, &resp);
  });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    for (const auto& s : resp.sessions()) ctx.print(summary_json(s));
  } else {
    ctx.print(sessions_table(resp));
  }
  return kExitOk;
}

int run_counters(Context& ctx, const ParsedArgs&) {
  v1::Counters c;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().log().GetCounters(cc, v1::GetCountersRequest{}, &c);
  });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(counters_json(c));
  } else {
    ctx.print(label_table({{"strokes", std::to_string(c.strokes())},
                           {"motor run time", fixed(c.motor_run_s() / 3600.0, 2) + " h (" +
                                                  fixed(c.motor_run_s(), 1) + " s)"},
                           {"sessions", std::to_string(c.sessions())},
                           {"faults", std::to_string(c.faults())}}));
  }
  return kExitOk;
}

int run_fleet(Context& ctx, const ParsedArgs&) {
  v1::FleetStatus f;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().log().GetFleetStatus(cc, v1::GetFleetStatusRequest{}, &f);
  });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(fleet_json(f));
    return kExitOk;
  }
  if (!f.configured()) {
    ctx.print(label_table({{"fleet", "not configured (dermad --fleet FILE): records stay here"},
                           {"waiting", std::to_string(f.backlog()) + " events"}}));
    return kExitOk;
  }
  const auto when = [](int64_t ns) { return ns == 0 ? std::string("never") : utc_text(ns); };
  std::vector<std::pair<std::string, std::string>> rows{
      {"endpoint", f.endpoint()},
      {"connected", f.connected() ? "yes" : "no"},
      {"acknowledged",
       "up to event " + std::to_string(f.acked_seq()) + " of " + std::to_string(f.head_seq())},
      {"backlog", std::to_string(f.backlog()) + " events"},
      {"set aside", std::to_string(f.set_aside()) + " events (refused by the fleet)"},
      {"last success", when(f.last_success_wall_ns())},
      {"last error", f.last_error().empty()
                         ? "none"
                         : f.last_error() + " (" + when(f.last_error_wall_ns()) + ")"},
      {"sent", std::to_string(f.events_sent()) + " events, " + std::to_string(f.bytes_sent()) +
                   " bytes since dermad started"}};
  if (f.next_attempt_wall_ns() != 0)
    rows.push_back({"next attempt", when(f.next_attempt_wall_ns())});
  rows.push_back(
      {"pruning",
       !f.last_prune_error().empty()
           ? "FAILED: " + f.last_prune_error()
           : "after " + f.retention() + " once the fleet has them; " +
                 (f.pruned_through_seq() > 0
                      ? "events up to " + std::to_string(f.pruned_through_seq()) + " pruned" +
                            (f.last_prune_wall_ns() != 0
                                 ? " (last " + when(f.last_prune_wall_ns()) + ")"
                                 : "")
                      : "nothing pruned yet")});
  ctx.print(label_table(rows));
  return kExitOk;
}

int run_alarms_history(Context& ctx, const ParsedArgs& args) {
  v1::ListAlarmsRequest req;
  req.set_session_id(args.value("session").value_or(""));
  if (args.has("last") && args.has("limit")) {
    throw UsageError("--last and --limit are the same option: give one", ctx.path());
  }
  const char* last = args.has("limit") ? "limit" : "last";
  req.set_limit(static_cast<uint32_t>(parse_integer(
      args.value(last).value_or("100"), std::string("--") + last, ctx.path(), 1, 1000)));
  const TimeRange range = parse_time_range(args.value("since"), args.value("until"), ctx.path());
  req.set_since_wall_ns(range.since_wall_ns);
  req.set_until_wall_ns(range.until_wall_ns);
  for (const auto& c : args.values("code")) req.add_codes(alarm_code(c));
  v1::ListAlarmsResponse resp;
  auto st = ctx.client().unary(
      [&](grpc::ClientContext* cc) { return ctx.client().log().ListAlarms(cc, req, &resp); });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    for (const auto& a : resp.alarms()) ctx.print(alarm_record_json(a));
    return kExitOk;
  }
  if (resp.alarms().empty()) {
    ctx.print(std::string("no alarms recorded"));
    return kExitOk;
  }
  std::vector<std::vector<std::string>> cells{
      {"RAISED", "CODE", "PRIORITY", "ENDED", "HOW", "BY", "SESSION", "TEXT"}};
  for (const auto& a : resp.alarms()) {
    cells.push_back({a.raised_at(), a.code(), priority_name(a.priority()),
                     a.ended_at().empty() ? "active" : a.ended_at(),
                     a.ended_by().empty() ? "-" : a.ended_by(),
                     a.acknowledged_by().empty() ? "-" : a.acknowledged_by(),
                     a.session_id().empty() ? "-" : a.session_id(), a.text()});
  }
  std::string out = grid(cells);
  out.pop_back();
  ctx.print(out);
  return kExitOk;
}

int run_cartridges(Context& ctx, const ParsedArgs& args) {
  v1::ListCartridgesRequest req;
  req.set_serial(args.value("serial").value_or(""));
  req.set_limit(static_cast<uint32_t>(
      parse_integer(args.value("limit").value_or("100"), "--limit", ctx.path(), 1, 1000)));
  v1::ListCartridgesResponse resp;
  auto st = ctx.client().unary(
      [&](grpc::ClientContext* cc) { return ctx.client().log().ListCartridges(cc, req, &resp); });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    for (const auto& c : resp.cartridges()) ctx.print(cartridge_record_json(c));
    return kExitOk;
  }
  if (resp.cartridges().empty()) {
    ctx.print(std::string("no cartridge seen yet"));
    return kExitOk;
  }
  std::vector<std::vector<std::string>> cells{
      {"SERIAL", "TYPE", "NEEDLES", "LOT", "FIRST SEEN", "SESSIONS", "USED"}};
  for (const auto& c : resp.cartridges()) {
    cells.push_back({c.serial(), cartridge_record_type(c),
                     c.needles() ? std::to_string(c.needles()) : "-",
                     c.lot().empty() ? "-" : c.lot(), c.first_seen_at(),
                     std::to_string(c.sessions()), c.used() ? "yes" : "no"});
  }
  std::string out = grid(cells);
  out.pop_back();
  ctx.print(out);
  return kExitOk;
}

int run_records(Context& ctx, const ParsedArgs&) {
  v1::RecordsInfo info;
  auto st = ctx.client().unary([&](grpc::ClientContext* cc) {
    return ctx.client().log().GetRecordsInfo(cc, v1::GetRecordsInfoRequest{}, &info);
  });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(records_info_json(info));
    return kExitOk;
  }
  const auto kib = [](int64_t b) { return fixed(static_cast<double>(b) / 1024.0, 0) + " KiB"; };
  ctx.print(label_table(
      {{"file", info.path()},
       {"schema", std::to_string(info.schema())},
       {"events", info.pruned_through_seq() > 0
                      ? std::to_string(info.pruned_through_seq() + 1) + ".." +
                            std::to_string(info.events()) + " (1.." +
                            std::to_string(info.pruned_through_seq()) +
                            " pruned: the fleet has them)"
                      : std::to_string(info.events())},
       {"size", kib(info.size_bytes()) +
                    (info.max_bytes() > 0 ? " of " + kib(info.max_bytes()) + " (--records-max-kib)"
                                          : ", no cap but the disk")},
       {"writable", info.writable() ? std::string("yes") : "NO: " + info.last_error()},
       {"trusted", info.trusted()
                       ? std::string("yes")
                       : "NO: " + info.untrusted_why() + " (`dermactl records accept --help`)"}}));
  return kExitOk;
}

int run_records_accept(Context& ctx, const ParsedArgs& args) {
  v1::AcceptRecordsRequest req;
  req.set_reason(args.value("reason").value_or(""));
  v1::AcceptRecordsResponse resp;
  auto st = ctx.client().unary(
      [&](grpc::ClientContext* cc) { return ctx.client().log().AcceptRecords(cc, req, &resp); });
  if (!st.ok()) return ctx.fail(st);
  if (ctx.json()) {
    ctx.print(Json{{"accepted", true}, {"was", resp.was()}});
  } else {
    ctx.print("records accepted (they were not trusted: " + resp.was() +
              ")\nacknowledge the alarm: dermactl alarms ack RECORDS_UNTRUSTED\n");
  }
  return kExitOk;
}

}  // namespace dermad::ctl
