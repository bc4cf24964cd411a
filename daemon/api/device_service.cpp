#include "daemon/api/device_service.hpp"

#include "daemon/control/clock.hpp"
#include "daemon/treatment/wall_time.hpp"

#include "daemon/api/convert.hpp"
#include "daemon/api/input_bounds.hpp"
#include "daemon/api/refused_stream.hpp"
#include "daemon/api/status_codes.hpp"
#include "daemon/spelling.hpp"

namespace dermad::api {

using grpc::Status;
using grpc::StatusCode;

grpc::ServerUnaryReactor* DeviceService::GetDeviceInfo(grpc::CallbackServerContext* ctx,
                                                       const v1::GetDeviceInfoRequest* req,
                                                       v1::DeviceInfo* resp) {
  if (auto refused = gate_.admit(ctx, "DeviceService.GetDeviceInfo", req)) {
    return finish_now(ctx, *refused);
  }
  const auto& cfg = port_.core().config();
  const auto& geo = port_.core().geometry();
  resp->set_version(DERMAD_VERSION);
  resp->set_backend(facts_.backend);
  resp->set_board(facts_.board);
  resp->set_loop_period_us(static_cast<uint32_t>(cfg.period_ns / 1000));
  resp->set_tach_edges_per_rev(geo.tach_edges_per_rev);
  resp->set_depth_min_um(cfg.limits.depth_min_um);
  resp->set_depth_max_um(cfg.limits.depth_max_um);
  resp->set_speed_min_hz(cfg.limits.speed_min_hz);
  resp->set_speed_max_hz(cfg.limits.speed_max_hz);
  resp->set_realtime(facts_.realtime);
  resp->set_realtime_note(facts_.realtime_note);
  resp->set_serial(facts_.serial);
  resp->set_hardware_revision(facts_.hardware_revision);
  resp->set_build(facts_.build);
  resp->set_uptime_s((control::MonotonicClock().now_ns() - facts_.started_mono_ns) / 1'000'000'000);
  resp->set_started_at(treatment::rfc3339(treatment::from_wall_ns(facts_.started_wall_ns)));
  resp->set_protocols_path(facts_.protocols_path);
  resp->set_protocols_sha256(facts_.protocols_sha256);
  resp->set_board_path(facts_.board_path);
  resp->set_state_dir(facts_.state_dir);
  resp->set_socket_path(facts_.socket_path);
  auto* r = ctx->DefaultReactor();
  r->Finish(Status::OK);
  return r;
}

grpc::ServerUnaryReactor* DeviceService::GetStatus(grpc::CallbackServerContext* ctx,
                                                   const v1::GetStatusRequest* req,
                                                   v1::Status* resp) {
  if (auto refused = gate_.admit(ctx, "DeviceService.GetStatus", req)) {
    return finish_now(ctx, *refused);
  }
  auto* r = ctx->DefaultReactor();
  control::Snapshot s;
  if (!port_.core().telemetry().latest(s)) {
    r->Finish(Status(StatusCode::UNAVAILABLE, "the control loop has not run its first tick"));
    return r;
  }
  fill_status(s, *resp, facts_.resources);
  resp->set_backend(facts_.backend);
  resp->set_board(facts_.board);
  if (const auto c = s.cartridge_present ? cartridges_.current() : std::nullopt) {
    fill_cartridge(*c, *resp->mutable_cartridge());
    if (views_.cartridge_used)
      resp->mutable_cartridge()->set_used(views_.cartridge_used(c->serial));
  }
  if (v1::ActiveSession a; views_.session && views_.session(a)) *resp->mutable_session() = a;
  r->Finish(Status::OK);
  return r;
}

grpc::ServerBidiReactor<v1::StreamTelemetryRequest, v1::TelemetrySample>*
DeviceService::StreamTelemetry(grpc::CallbackServerContext* ctx) {
  Gate::Ticket ticket;
  if (auto refused = gate_.admit_stream(ctx, "DeviceService.StreamTelemetry", nullptr, ticket)) {
    return refused_bidi<v1::StreamTelemetryRequest, v1::TelemetrySample>(*refused);
  }
  // The rate and window come in the stream's first request; the stream checks them.
  return hub_.open(std::move(ticket));
}

grpc::ServerUnaryReactor* DeviceService::AcknowledgeAlarms(grpc::CallbackServerContext* ctx,
                                                           const v1::AcknowledgeAlarmsRequest* req,
                                                           v1::AcknowledgeAlarmsResponse* resp) {
  if (auto refused = gate_.admit(ctx, "DeviceService.AcknowledgeAlarms", req)) {
    return finish_now(ctx, *refused);
  }
  auto* r = ctx->DefaultReactor();
  uint32_t mask = 0;
  std::vector<std::string> unknown;
  for (const auto& code : req->codes()) {
    const uint32_t b = alarm_bit(code);
    // An empty or unknown code is a mistake, never "all": only an empty list means all.
    if (b == 0) {
      unknown.push_back("'" + quoted_prefix(code) + "'" +
                        did_you_mean_clause(code, control::all_alarm_codes()));
    }
    mask |= b;
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "" : ", ") + u;
    r->Finish(Status(StatusCode::INVALID_ARGUMENT,
                     "codes: unknown alarm code(s) " + list + " (an empty list acknowledges all)"));
    return r;
  }
  control::Command c;
  c.kind = control::CommandKind::kAcknowledge;
  c.alarm_mask = mask;
  const Caller caller = gate_.caller(ctx);
  const std::string who = caller.who + " (" + std::string(to_string(caller.role)) + ")";
  const auto before = [this, &who](uint32_t id) {
    if (acknowledgers_) acknowledgers_(id, who);
  };
  port_.submit(
      c,
      [this, r, resp, mask](control::Verdict v, uint32_t cleared) {
        if (v != control::Verdict::kAccepted) {
          r->Finish(verdict_status(v, cleared, "the acknowledgement"));
          return;
        }
        for (std::size_t i = 0; i < control::kAlarmCount; ++i) {
          if (cleared & (1u << i)) resp->add_cleared(std::string(control::kAlarmTable[i].code));
        }
        control::Snapshot s;
        if (port_.core().telemetry().latest(s)) {
          const uint32_t asked = mask == 0 ? ~0u : mask;
          const uint32_t still = s.alarms.active & asked & ~cleared;
          for (std::size_t i = 0; i < control::kAlarmCount; ++i) {
            if (still & (1u << i))
              resp->add_still_active(std::string(control::kAlarmTable[i].code));
          }
        }
        r->Finish(Status::OK);
      },
      before);
  return r;
}

}  // namespace dermad::api
