// DeviceService: device info, status, telemetry streams and alarm acknowledgement.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "daemon/api/command_port.hpp"
#include "daemon/api/gate.hpp"
#include "daemon/api/telemetry_hub.hpp"
#include "daemon/cartridge_cache.hpp"
#include "dermad/v1/device.grpc.pb.h"

namespace dermad::api {

struct DeviceFacts {
  std::string backend;                 // "sim", or "linux"
  std::string board;                   // the board's name and file, with the linux backend
  std::vector<std::string> resources;  // the HAL's, for HARDWARE_FAULT's text
  bool realtime = false;
  std::string realtime_note;
  // Identity and configuration, for `dermactl info`.
  std::string serial, hardware_revision, build;
  int64_t started_wall_ns = 0, started_mono_ns = 0;
  std::string protocols_path, protocols_sha256, board_path, state_dir, socket_path;
};

// What the status says of the active session and of the cartridge's use: the treatment
// service and the records know them, and are built after this service. Called on gRPC
// threads.
struct StatusViews {
  std::function<bool(v1::ActiveSession&)> session;         // false while none is active
  std::function<bool(const std::string&)> cartridge_used;  // by its serial
};

class DeviceService final : public v1::DeviceService::CallbackService {
 public:
  DeviceService(Gate& gate, CommandPort& port, TelemetryHub& hub, const CartridgeCache& cartridges,
                DeviceFacts facts)
      : gate_(gate), port_(port), hub_(hub), cartridges_(cartridges), facts_(std::move(facts)) {}

  // Before the server starts.
  void show(StatusViews views) { views_ = std::move(views); }
  // Who sent an acknowledgement, by its command id, before the loop takes it: the records.
  using Acknowledgers = std::function<void(uint32_t command_id, std::string who)>;
  void tell_acknowledgers_to(Acknowledgers tell) { acknowledgers_ = std::move(tell); }

  grpc::ServerUnaryReactor* GetDeviceInfo(grpc::CallbackServerContext* ctx,
                                          const v1::GetDeviceInfoRequest* req,
                                          v1::DeviceInfo* resp) override;
  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* ctx,
                                      const v1::GetStatusRequest* req, v1::Status* resp) override;
  grpc::ServerBidiReactor<v1::StreamTelemetryRequest, v1::TelemetrySample>* StreamTelemetry(
      grpc::CallbackServerContext* ctx) override;
  grpc::ServerUnaryReactor* AcknowledgeAlarms(grpc::CallbackServerContext* ctx,
                                              const v1::AcknowledgeAlarmsRequest* req,
                                              v1::AcknowledgeAlarmsResponse* resp) override;

 private:
  Gate& gate_;
  CommandPort& port_;
  TelemetryHub& hub_;
  const CartridgeCache& cartridges_;
  DeviceFacts facts_;
  StatusViews views_;
  Acknowledgers acknowledgers_;
};

}  // namespace dermad::api
