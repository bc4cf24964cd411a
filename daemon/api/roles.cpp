#include "daemon/api/roles.hpp"

#include <iterator>

namespace dermad::api {

namespace {

constexpr RpcRole kMatrix[] = {
    {"DeviceService.GetDeviceInfo", Role::kViewer},
    {"DeviceService.GetStatus", Role::kViewer},
    {"DeviceService.StreamTelemetry", Role::kViewer},
    {"DeviceService.AcknowledgeAlarms", Role::kClinician},
    {"TreatmentService.ListProtocols", Role::kViewer},
    {"TreatmentService.ScreenPatient", Role::kClinician},
    {"TreatmentService.StartSession", Role::kClinician},
    {"TreatmentService.UpdateSession", Role::kClinician},
    {"TreatmentService.ResumeSession", Role::kClinician},
    {"TreatmentService.EndSession", Role::kClinician},
    {"TreatmentService.GetSession", Role::kClinician},  // holds the patient reference
    {"TreatmentService.ListSessions", Role::kClinician},
    {"TreatmentService.Link", Role::kClinician},
    {"EngineeringService.Jog", Role::kEngineer},
    {"EngineeringService.StopServiceRun", Role::kEngineer},
    {"EngineeringService.SelfTest", Role::kEngineer},
    {"EngineeringService.CalibrateDepth", Role::kEngineer},
    {"EngineeringService.CalibrateSpeed", Role::kEngineer},
    {"EngineeringService.CalibrateSensors", Role::kEngineer},
    {"EngineeringService.SubmitGaugeReading", Role::kEngineer},
    {"EngineeringService.AbortCalibration", Role::kEngineer},
    {"EngineeringService.GetStagedCalibration", Role::kEngineer},
    {"EngineeringService.CommitCalibration", Role::kEngineer},
    {"EngineeringService.DiscardCalibration", Role::kEngineer},
    {"EngineeringService.ListCalibrations", Role::kEngineer},
    {"LogService.ReadEvents", Role::kEngineer},  // events carry patient references
    {"LogService.VerifyLog", Role::kEngineer},
    {"LogService.GetCounters", Role::kViewer},
    {"LogService.GetRecordsInfo", Role::kEngineer},
    {"LogService.ListAlarms", Role::kClinician},
    {"LogService.ListCartridges", Role::kClinician},
    {"LogService.AcceptRecords", Role::kEngineer},
    {"LogService.GetFleetStatus", Role::kViewer},  // where records go; no patient in it
    // The simulated pen's switches stand for the operator's hands: a clinician's.
    {"Simulator.SetTrigger", Role::kClinician},
    {"Simulator.SetPedal", Role::kClinician},
    {"Simulator.SetEstop", Role::kClinician},
    {"Simulator.InsertCartridge", Role::kClinician},
    {"Simulator.RemoveCartridge", Role::kClinician},
    {"Simulator.SetContactForce", Role::kClinician},
    {"Simulator.SetFault", Role::kClinician},
    {"Simulator.SetErrors", Role::kClinician},
    {"Simulator.ReadGauge", Role::kClinician},
};

}  // namespace

std::string_view to_string(Role r) {
  switch (r) {
    case Role::kViewer:
      return "viewer";
    case Role::kClinician:
      return "clinician";
    case Role::kEngineer:
      return "engineer";
  }
  return "?";
}

std::optional<Role> min_role(std::string_view rpc) {
  for (const auto& e : kMatrix) {
    if (e.rpc == rpc) return e.min;
  }
  return std::nullopt;
}

const RpcRole* rpc_roles_begin() {
  return std::begin(kMatrix);
}
const RpcRole* rpc_roles_end() {
  return std::end(kMatrix);
}

std::optional<Role> role_from_uri(std::string_view uri) {
  constexpr std::string_view kPrefix = "urn:dermad:role:";
  if (uri.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  const auto name = uri.substr(kPrefix.size());
  for (const Role r : {Role::kViewer, Role::kClinician, Role::kEngineer}) {
    if (name == to_string(r)) return r;
  }
  return std::nullopt;
}

}  // namespace dermad::api
