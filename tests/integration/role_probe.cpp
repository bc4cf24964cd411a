// Calls every RPC of the API once, with an empty (harmless) request, and prints one line per
// RPC: "Service.Method CODE denied|admitted". "denied" means the gate refused it for the
// caller's role. The roles test runs it under other users' credentials.
// Usage: role_probe TARGET
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "dermad/v1/device.grpc.pb.h"
#include "dermad/v1/engineering.grpc.pb.h"
#include "dermad/v1/log.grpc.pb.h"
#include "dermad/v1/simulator.grpc.pb.h"
#include "dermad/v1/treatment.grpc.pb.h"

namespace v1 = dermad::v1;

namespace {

void prepare(grpc::ClientContext& ctx) {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
}

template <typename Stub, typename Req, typename Resp>
grpc::Status unary(Stub& stub,
                   grpc::Status (Stub::*call)(grpc::ClientContext*, const Req&, Resp*)) {
  grpc::ClientContext ctx;
  prepare(ctx);
  Req req;
  Resp resp;
  return (stub.*call)(&ctx, req, &resp);
}

template <typename Reader, typename Msg>
grpc::Status drain(grpc::ClientContext& ctx, Reader& r, Msg& m) {
  // One message is enough to know the call was admitted; then let go.
  if (r->Read(&m)) ctx.TryCancel();
  while (r->Read(&m)) {
  }
  return r->Finish();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: role_probe TARGET\n";
    return 2;
  }
  auto ch = grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials());
  auto dev = v1::DeviceService::NewStub(ch);
  auto tr = v1::TreatmentService::NewStub(ch);
  auto eng = v1::EngineeringService::NewStub(ch);
  auto log = v1::LogService::NewStub(ch);
  auto sim = v1::Simulator::NewStub(ch);
  using S = v1::DeviceService::Stub;
  using T = v1::TreatmentService::Stub;
  using E = v1::EngineeringService::Stub;
  using L = v1::LogService::Stub;
  using M = v1::Simulator::Stub;
  const std::vector<std::pair<std::string, std::function<grpc::Status()>>> calls = {
      {"DeviceService.GetDeviceInfo", [&] { return unary(*dev, &S::GetDeviceInfo); }},
      {"DeviceService.GetStatus", [&] { return unary(*dev, &S::GetStatus); }},
      {"DeviceService.StreamTelemetry",
       [&] {
         grpc::ClientContext ctx;
         prepare(ctx);
         auto r = dev->StreamTelemetry(&ctx);
         r->Write({});
         v1::TelemetrySample m;
         return drain(ctx, r, m);
       }},
      {"DeviceService.AcknowledgeAlarms", [&] { return unary(*dev, &S::AcknowledgeAlarms); }},
      {"TreatmentService.ListProtocols", [&] { return unary(*tr, &T::ListProtocols); }},
      {"TreatmentService.ScreenPatient", [&] { return unary(*tr, &T::ScreenPatient); }},
      {"TreatmentService.StartSession", [&] { return unary(*tr, &T::StartSession); }},
      {"TreatmentService.UpdateSession", [&] { return unary(*tr, &T::UpdateSession); }},
      {"TreatmentService.ResumeSession", [&] { return unary(*tr, &T::ResumeSession); }},
      {"TreatmentService.EndSession", [&] { return unary(*tr, &T::EndSession); }},
      {"TreatmentService.GetSession", [&] { return unary(*tr, &T::GetSession); }},
      {"TreatmentService.ListSessions", [&] { return unary(*tr, &T::ListSessions); }},
      {"TreatmentService.Link",
       [&] {
         grpc::ClientContext ctx;
         prepare(ctx);
         auto s = tr->Link(&ctx);
         v1::LinkBeat b;
         b.set_owner_token("probe");
         s->Write(b);
         v1::SessionInfo m;
         return drain(ctx, s, m);
       }},
      {"EngineeringService.Jog", [&] { return unary(*eng, &E::Jog); }},
      {"EngineeringService.StopServiceRun", [&] { return unary(*eng, &E::StopServiceRun); }},
      {"EngineeringService.SelfTest",
       [&] {
         grpc::ClientContext ctx;
         prepare(ctx);
         auto r = eng->SelfTest(&ctx, {});
         v1::SelfTestStep m;
         return drain(ctx, r, m);
       }},
      {"EngineeringService.CalibrateDepth",
       [&] {
         // One point is refused once admitted: the probe never moves the needles.
         grpc::ClientContext ctx;
         prepare(ctx);
         v1::CalibrateDepthRequest req;
         req.add_points_um(1);
         auto r = eng->CalibrateDepth(&ctx, req);
         v1::CalibrationProgress m;
         return drain(ctx, r, m);
       }},
      {"EngineeringService.CalibrateSpeed",
       [&] {
         grpc::ClientContext ctx;
         prepare(ctx);
         v1::CalibrateSpeedRequest req;
         req.add_sweep_hz(1);  // refused once admitted: the drive never runs
         auto r = eng->CalibrateSpeed(&ctx, req);
         v1::CalibrationProgress m;
         return drain(ctx, r, m);
       }},
      {"EngineeringService.CalibrateSensors",
       [&] {
         grpc::ClientContext ctx;
         prepare(ctx);
         v1::CalibrateSensorsRequest req;  // no reference: refused once admitted
         auto r = eng->CalibrateSensors(&ctx, req);
         v1::CalibrationProgress m;
         return drain(ctx, r, m);
       }},
      {"EngineeringService.SubmitGaugeReading",
       [&] { return unary(*eng, &E::SubmitGaugeReading); }},
      {"EngineeringService.AbortCalibration", [&] { return unary(*eng, &E::AbortCalibration); }},
      {"EngineeringService.GetStagedCalibration",
       [&] { return unary(*eng, &E::GetStagedCalibration); }},
      {"EngineeringService.CommitCalibration", [&] { return unary(*eng, &E::CommitCalibration); }},
      {"EngineeringService.DiscardCalibration",
       [&] { return unary(*eng, &E::DiscardCalibration); }},
      {"EngineeringService.ListCalibrations", [&] { return unary(*eng, &E::ListCalibrations); }},
      {"LogService.ReadEvents",
       [&] {
         grpc::ClientContext ctx;
         prepare(ctx);
         v1::ReadEventsRequest req;
         req.set_limit(1);
         auto r = log->ReadEvents(&ctx, req);
         v1::LogEvent m;
         return drain(ctx, r, m);
       }},
      {"LogService.VerifyLog", [&] { return unary(*log, &L::VerifyLog); }},
      {"LogService.GetCounters", [&] { return unary(*log, &L::GetCounters); }},
      {"LogService.GetRecordsInfo", [&] { return unary(*log, &L::GetRecordsInfo); }},
      {"LogService.ListAlarms", [&] { return unary(*log, &L::ListAlarms); }},
      {"LogService.ListCartridges", [&] { return unary(*log, &L::ListCartridges); }},
      {"LogService.AcceptRecords", [&] { return unary(*log, &L::AcceptRecords); }},
      {"Simulator.SetTrigger", [&] { return unary(*sim, &M::SetTrigger); }},
      {"Simulator.SetPedal", [&] { return unary(*sim, &M::SetPedal); }},
      {"Simulator.SetEstop", [&] { return unary(*sim, &M::SetEstop); }},
      {"Simulator.InsertCartridge", [&] { return unary(*sim, &M::InsertCartridge); }},
      {"Simulator.RemoveCartridge", [&] { return unary(*sim, &M::RemoveCartridge); }},
      {"Simulator.SetContactForce", [&] { return unary(*sim, &M::SetContactForce); }},
      {"Simulator.SetFault", [&] { return unary(*sim, &M::SetFault); }},
      {"Simulator.SetErrors", [&] { return unary(*sim, &M::SetErrors); }},
      {"Simulator.ReadGauge", [&] { return unary(*sim, &M::ReadGauge); }},
  };
  for (const auto& [name, call] : calls) {
    const grpc::Status st = call();
    const bool denied = st.error_code() == grpc::StatusCode::PERMISSION_DENIED &&
                        st.error_message().find(" role; this caller") != std::string::npos;
    std::cout << name << " " << st.error_code() << " " << (denied ? "denied" : "admitted") << "\n";
  }
  return 0;
}
