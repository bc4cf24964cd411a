// A server stream refused before it starts: finishes with `status` and deletes itself.
#pragma once

#include <grpcpp/grpcpp.h>

namespace dermad::api {

template <typename T>
grpc::ServerWriteReactor<T>* refused_stream(grpc::Status status) {
  struct Refused : grpc::ServerWriteReactor<T> {
    explicit Refused(grpc::Status s) { this->Finish(std::move(s)); }
    void OnDone() override { delete this; }
  };
  return new Refused(std::move(status));
}

// A bidirectional stream refused before it starts, likewise.
template <typename Req, typename Resp>
grpc::ServerBidiReactor<Req, Resp>* refused_bidi(grpc::Status status) {
  struct Refused : grpc::ServerBidiReactor<Req, Resp> {
    explicit Refused(grpc::Status s) { this->Finish(std::move(s)); }
    void OnDone() override { delete this; }
  };
  return new Refused(std::move(status));
}

}  // namespace dermad::api
