// TreatmentService: protocols and screening (sessions come next). Translation only: the
// rules live in daemon/treatment.
#pragma once

#include "daemon/treatment/protocols.hpp"
#include "dermad/v1/treatment.grpc.pb.h"

namespace dermad::api {

class TreatmentService final : public v1::TreatmentService::CallbackService {
 public:
  explicit TreatmentService(treatment::ProtocolSet protocols) : protocols_(std::move(protocols)) {}

  grpc::ServerUnaryReactor* ListProtocols(grpc::CallbackServerContext* ctx,
                                          const v1::ListProtocolsRequest* req,
                                          v1::ListProtocolsResponse* resp) override;
  grpc::ServerUnaryReactor* ScreenPatient(grpc::CallbackServerContext* ctx,
                                          const v1::ScreenPatientRequest* req,
                                          v1::ScreenPatientResponse* resp) override;

 private:
  const treatment::ProtocolSet protocols_;
};

}  // namespace dermad::api
