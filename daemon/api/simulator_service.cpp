#include "daemon/api/simulator_service.hpp"

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <regex>
#include "daemon/api/status_codes.hpp"

namespace dermad::api {

using grpc::Status;
using grpc::StatusCode;

namespace {

grpc::ServerUnaryReactor* done(grpc::CallbackServerContext* ctx, Status s = Status::OK) {
  auto* r = ctx->DefaultReactor();
  r->Finish(std::move(s));
  return r;
}

}  // namespace

grpc::ServerUnaryReactor* SimulatorService::SetTrigger(grpc::CallbackServerContext* ctx,
                                                       const v1::SetSwitchRequest* req,
                                                       v1::SimAck*) {
  if (auto refused = gate_.admit(ctx, "Simulator.SetTrigger", req)) {
    return finish_now(ctx, *refused);
  }
  pen_.set_trigger(req->on());
  return done(ctx);
}

grpc::ServerUnaryReactor* SimulatorService::SetPedal(grpc::CallbackServerContext* ctx,
                                                     const v1::SetSwitchRequest* req, v1::SimAck*) {
  if (auto refused = gate_.admit(ctx, "Simulator.SetPedal", req)) {
    return finish_now(ctx, *refused);
  }
  pen_.set_pedal(req->on());
  return done(ctx);
}

grpc::ServerUnaryReactor* SimulatorService::SetEstop(grpc::CallbackServerContext* ctx,
                                                     const v1::SetSwitchRequest* req, v1::SimAck*) {
  if (auto refused = gate_.admit(ctx, "Simulator.SetEstop", req)) {
    return finish_now(ctx, *refused);
  }
  pen_.set_estop(req->on());
  return done(ctx);
}

grpc::ServerUnaryReactor* SimulatorService::InsertCartridge(grpc::CallbackServerContext* ctx,
                                                            const v1::InsertCartridgeRequest* req,
                                                            v1::SimAck*) {
  if (auto refused = gate_.admit(ctx, "Simulator.InsertCartridge", req)) {
    return finish_now(ctx, *refused);
  }
  hal::CartridgeInfo c;
  c.serial = req->serial();
  c.needles = req->needles();
  c.lot = req->lot();
  c.expires = req->expires();
  c.checksum_ok = !req->bad_checksum();
  switch (req->type()) {
    case v1::CARTRIDGE_TYPE_STANDARD:
      c.type = hal::CartridgeType::kStandard;
      break;
    case v1::CARTRIDGE_TYPE_NANO:
      c.type = hal::CartridgeType::kNano;
      break;
    case v1::CARTRIDGE_TYPE_GOLD_NANO:
      c.type = hal::CartridgeType::kGoldNano;
      break;
    default:
      return done(ctx, Status(StatusCode::INVALID_ARGUMENT, "cartridge type missing"));
  }
  if (c.serial.empty()) {
    return done(ctx, Status(StatusCode::INVALID_ARGUMENT, "cartridge serial missing"));
  }
  if (c.needles == 0 || c.needles > 100) {
    return done(ctx, Status(StatusCode::INVALID_ARGUMENT,
                            "needles " + std::to_string(c.needles) + " outside 1..100"));
  }
  static const std::regex date(R"(\d{4}-\d{2}-\d{2})");
  if (!std::regex_match(c.expires, date)) {
    return done(ctx, Status(StatusCode::INVALID_ARGUMENT,
                            "expires '" + c.expires + "' is not a YYYY-MM-DD date"));
  }
  const uint64_t before = cartridges_.generation();
  if (std::string problem; !pen_.insert_cartridge(c, &problem)) {
    return done(ctx, Status(StatusCode::INVALID_ARGUMENT,
                            "the cartridge EEPROM cannot hold this: " + problem));
  }
  auto* r = ctx->DefaultReactor();
  answer_when_read(r, before, 100);
  return r;
}

// The recorder reads a new cartridge within a drain (50 ms); past a second something is wrong
// with the I/O side, and the caller is told so rather than left waiting.
void SimulatorService::answer_when_read(grpc::ServerUnaryReactor* r, uint64_t after,
                                        int polls_left) {
  if (cartridges_.generation() != after && cartridges_.current()) {
    r->Finish(Status::OK);
    return;
  }
  if (polls_left == 0) {
    r->Finish(Status(StatusCode::UNAVAILABLE,
                     "the cartridge is in, but dermad has not read its EEPROM within 1 s"));
    return;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(10));
  timer->async_wait([this, r, after, polls_left, timer](const boost::system::error_code& ec) {
    if (ec) {
      r->Finish(Status(StatusCode::UNAVAILABLE, "dermad is stopping"));
      return;
    }
    answer_when_read(r, after, polls_left - 1);
  });
}

grpc::ServerUnaryReactor* SimulatorService::RemoveCartridge(grpc::CallbackServerContext* ctx,
                                                            const v1::RemoveCartridgeRequest* req,
                                                            v1::SimAck*) {
  if (auto refused = gate_.admit(ctx, "Simulator.RemoveCartridge", req)) {
    return finish_now(ctx, *refused);
  }
  pen_.remove_cartridge();
  return done(ctx);
}

grpc::ServerUnaryReactor* SimulatorService::SetContactForce(grpc::CallbackServerContext* ctx,
                                                            const v1::SetContactForceRequest* req,
                                                            v1::SimAck*) {
  if (auto refused = gate_.admit(ctx, "Simulator.SetContactForce", req)) {
    return finish_now(ctx, *refused);
  }
  const double f = req->force_n();
  if (!(f >= 0.0 && f <= 20.0)) {
    return done(ctx, Status(StatusCode::INVALID_ARGUMENT,
                            "force_n " + std::to_string(f) + " outside 0..20 N"));
  }
  pen_.set_contact_force(f);
  return done(ctx);
}

grpc::ServerUnaryReactor* SimulatorService::SetFault(grpc::CallbackServerContext* ctx,
                                                     const v1::SetFaultRequest* req, v1::SimAck*) {
  if (auto refused = gate_.admit(ctx, "Simulator.SetFault", req)) {
    return finish_now(ctx, *refused);
  }
  // The proto's values follow hal::sim::SimFault, one up (0 is "unspecified").
  static_assert(v1::SimFault_MAX == static_cast<int>(hal::sim::kSimFaultCount));
  const int kind = static_cast<int>(req->fault()) - 1;
  if (kind < 0 || kind >= static_cast<int>(hal::sim::kSimFaultCount)) {
    return done(ctx, Status(StatusCode::INVALID_ARGUMENT, "fault kind missing or unknown"));
  }
  pen_.set_fault(static_cast<hal::sim::SimFault>(kind), req->on());
  return done(ctx);
}

grpc::ServerUnaryReactor* SimulatorService::SetErrors(grpc::CallbackServerContext* ctx,
                                                      const v1::SetErrorsRequest* req,
                                                      v1::SimErrors* resp) {
  if (auto refused = gate_.admit(ctx, "Simulator.SetErrors", req)) {
    return finish_now(ctx, *refused);
  }
  hal::sim::SimErrors e = pen_.errors();
  std::string bad;
  // Every field given is checked, and all refused together; nothing changes on a refusal.
  const auto take = [&bad](bool given, double v, double lo, double hi, const char* name,
                           double& into) {
    if (!given) return;
    if (!(v >= lo && v <= hi)) {
      bad += (bad.empty() ? "" : "; ") + std::string(name) + " " + std::to_string(v) + " outside " +
             std::to_string(lo) + ".." + std::to_string(hi);
      return;
    }
    into = v;
  };
  take(req->has_position_scale(), req->position_scale(), 0.8, 1.2, "position_scale",
       e.position_scale);
  take(req->has_position_offset_um(), req->position_offset_um(), -500.0, 500.0,
       "position_offset_um", e.position_offset_um);
  take(req->has_protrusion_offset_um(), req->protrusion_offset_um(), -500.0, 500.0,
       "protrusion_offset_um", e.protrusion_offset_um);
  take(req->has_motor_k_drift(), req->motor_k_drift(), -0.5, 0.5, "motor_k_drift", e.motor_k_drift);
  take(req->has_current_offset_ma(), req->current_offset_ma(), -300.0, 300.0, "current_offset_ma",
       e.current_offset_ma);
  take(req->has_force_offset_n(), req->force_offset_n(), -3.0, 3.0, "force_offset_n",
       e.force_offset_n);
  take(req->has_temperature_offset_c(), req->temperature_offset_c(), -10.0, 10.0,
       "temperature_offset_c", e.temperature_offset_c);
  if (!bad.empty()) return done(ctx, Status(StatusCode::INVALID_ARGUMENT, bad));
  pen_.set_errors(e);
  resp->set_position_scale(e.position_scale);
  resp->set_position_offset_um(e.position_offset_um);
  resp->set_protrusion_offset_um(e.protrusion_offset_um);
  resp->set_motor_k_drift(e.motor_k_drift);
  resp->set_current_offset_ma(e.current_offset_ma);
  resp->set_force_offset_n(e.force_offset_n);
  resp->set_temperature_offset_c(e.temperature_offset_c);
  return done(ctx);
}

grpc::ServerUnaryReactor* SimulatorService::ReadGauge(grpc::CallbackServerContext* ctx,
                                                      const v1::ReadGaugeRequest* req,
                                                      v1::GaugeReading* resp) {
  if (auto refused = gate_.admit(ctx, "Simulator.ReadGauge", req)) {
    return finish_now(ctx, *refused);
  }
  resp->set_protrusion_um(pen_.gauge_um());
  resp->set_temperature_c(pen_.true_temperature_c());
  return done(ctx);
}

}  // namespace dermad::api
