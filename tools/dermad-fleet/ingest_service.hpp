// The Ingest gRPC service: who is uploading (the client certificate), whether the request is
// well formed, then one transaction in the database. Stateless: any number of instances.
#pragma once

#include "dermad/fleet/v1/ingest.grpc.pb.h"
#include "tools/dermad-fleet/database.hpp"

namespace dermad::fleet {

class IngestService final : public v1::Ingest::Service {
 public:
  explicit IngestService(Database& db) : db_(db) {}
  grpc::Status Upload(grpc::ServerContext* ctx, const v1::UploadRequest* req,
                      v1::UploadReply* reply) override;

 private:
  Database& db_;
};

// The uploading device from the verified client certificate: its subject's CN and O.
Identity peer_identity(const grpc::ServerContext& ctx);

}  // namespace dermad::fleet
