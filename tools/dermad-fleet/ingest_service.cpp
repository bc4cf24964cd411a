#include "tools/dermad-fleet/ingest_service.hpp"
#include "daemon/wall_clock.hpp"

#include <chrono>
#include <iostream>

namespace dermad::fleet {

Identity peer_identity(const grpc::ServerContext& ctx) {
  const auto auth = ctx.auth_context();
  if (!auth || !auth->IsPeerAuthenticated()) return {};
  const auto subject = auth->FindPropertyValues("x509_subject");
  if (subject.empty()) return {};
  return identity_from_subject(std::string(subject.front().data(), subject.front().size()));
}

grpc::Status IngestService::Upload(grpc::ServerContext* ctx, const v1::UploadRequest* req,
                                   v1::UploadReply* reply) {
  const Identity who = peer_identity(*ctx);
  if (who.device.empty() || who.device.size() > 128) {
    return {grpc::StatusCode::UNAUTHENTICATED,
            "a pen uploads with a client certificate whose subject names it (CN=...)"};
  }
  if (const std::string why = malformed(*req); !why.empty()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, why};
  }
  const int64_t now = wall_now_ns();
  int64_t committed = 0;
  std::string error;
  if (!db_.upload(who, *req, now, committed, error)) {
    std::cerr << "dermad-fleet: upload from " << who.device << " not written: " << error << "\n";
    // The pen keeps its records and tries again later: nothing is lost.
    return {grpc::StatusCode::UNAVAILABLE, "the fleet database did not take it: " + error};
  }
  reply->set_committed_seq(committed);
  return grpc::Status::OK;
}

}  // namespace dermad::fleet
