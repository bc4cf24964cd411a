// The gate every call passes before a service acts on it: who the caller is (unix peer
// credentials, or the TLS client certificate), whether their role may make this call (the
// matrix in roles.cpp), whether they are within their rate and stream limits, and whether
// every string and list in the request is within bounds. A refusal says why; refusals for
// role and rate are recorded with the peer and role, a bounded number per second.
#pragma once

#include <sys/socket.h>

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/api/roles.hpp"

namespace google::protobuf {
class Message;
}

namespace dermad::api {

struct Caller {
  Role role = Role::kViewer;
  std::string who;  // for people: "unix uid 1000 pid 42", "tls CN=tablet-3", "tcp 10.0.0.5:5123"
  std::string key;  // one per client for the limits: "uid:1000", "tls:tablet-3", "ip:10.0.0.5"
};

struct GateConfig {
  // Unix peers: these groups make a caller an engineer or a clinician (-1: no such group).
  // Root and the daemon's own user are engineers.
  long service_gid = -1;
  long clinic_gid = -1;
  // Viewers and clinicians (engineers are trusted on the unit itself): calls per second
  // with a burst, and streams open at once.
  double calls_per_s = 100.0;
  double burst = 200.0;
  int max_streams = 8;
  // Refusals recorded per second at most; the rest are counted into the next record.
  int records_per_s = 10;
};

class Gate {
 public:
  using Recorder = std::function<void(const std::string& kind, const std::string& details)>;

  Gate(GateConfig cfg, Recorder record);

  // The unix acceptor: the credentials of the connection gRPC knows as `peer` ("fd:N").
  void unix_peer(const std::string& peer, const ucred& cred);
  void unix_peer_gone(const std::string& peer);
  Caller caller(const grpc::CallbackServerContext* ctx) const;

  // Nothing when `ctx` may make call `rpc` ("Service.Method") with `req` (null when the
  // request comes later, as in a bidirectional stream); else the status to refuse with.
  std::optional<grpc::Status> admit(const grpc::CallbackServerContext* ctx, std::string_view rpc,
                                    const google::protobuf::Message* req);

  // As admit(), for a stream: on admission `ticket` holds one of the caller's streams until
  // it is released (the stream's end).
  using Ticket = std::shared_ptr<void>;
  std::optional<grpc::Status> admit_stream(const grpc::CallbackServerContext* ctx,
                                           std::string_view rpc,
                                           const google::protobuf::Message* req, Ticket& ticket);

  Role role_of(const ucred& cred) const;

  // The streams open now, "RPC from WHO" each: what a shutdown that cannot wait cuts.
  std::vector<std::string> open_streams() const;

 private:
  struct Bucket {
    double tokens = 0.0;
    std::chrono::steady_clock::time_point at{};
  };
  std::optional<grpc::Status> refuse(const Caller& c, std::string_view rpc, grpc::Status st);
  bool take_token_locked(const std::string& key);

  const GateConfig cfg_;
  const Recorder record_;
  mutable std::mutex mu_;
  std::map<std::string, Caller> unix_peers_;
  std::map<std::string, Bucket> buckets_;
  std::map<std::string, int> streams_;    // per caller key, viewers and clinicians
  std::map<uint64_t, std::string> open_;  // every open stream, by ticket
  uint64_t next_ticket_ = 0;
  int64_t record_second_ = -1;
  int records_this_second_ = 0;
  uint64_t unrecorded_ = 0;
};

}  // namespace dermad::api
