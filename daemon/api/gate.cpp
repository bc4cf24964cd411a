#include "daemon/api/gate.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "daemon/api/input_bounds.hpp"
#include "daemon/store/details.hpp"

namespace dermad::api {

using grpc::Status;
using grpc::StatusCode;

namespace {

// The supplementary groups of process `pid` as the kernel has them, plus `gid`.
std::vector<long> groups_of(pid_t pid, gid_t gid) {
  std::vector<long> out{static_cast<long>(gid)};
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("Groups:", 0) != 0) continue;
    std::istringstream in(line.substr(7));
    long g;
    while (in >> g) out.push_back(g);
  }
  return out;
}

std::string host_of(const std::string& peer) {
  // "ipv4:10.0.0.5:5123" / "ipv6:[::1]:5123" -> the address without the port
  const auto colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

}  // namespace

Gate::Gate(GateConfig cfg, Recorder record) : cfg_(cfg), record_(std::move(record)) {}

Role Gate::role_of(const ucred& cred) const {
  if (cred.uid == 0 || cred.uid == geteuid()) return Role::kEngineer;
  const auto groups = groups_of(cred.pid, cred.gid);
  const auto in = [&groups](long g) {
    return g >= 0 && std::find(groups.begin(), groups.end(), g) != groups.end();
  };
  if (in(cfg_.service_gid)) return Role::kEngineer;
  if (in(cfg_.clinic_gid)) return Role::kClinician;
  return Role::kViewer;
}

void Gate::unix_peer(const std::string& peer, const ucred& cred) {
  Caller c;
  c.role = role_of(cred);
  c.who = "unix uid " + std::to_string(cred.uid) + " pid " + std::to_string(cred.pid);
  c.key = "uid:" + std::to_string(cred.uid);
  std::lock_guard lock(mu_);
  unix_peers_[peer] = std::move(c);
}

void Gate::unix_peer_gone(const std::string& peer) {
  std::lock_guard lock(mu_);
  unix_peers_.erase(peer);
}

Caller Gate::caller(const grpc::CallbackServerContext* ctx) const {
  const std::string peer = ctx->peer();
  {
    std::lock_guard lock(mu_);
    if (const auto it = unix_peers_.find(peer); it != unix_peers_.end()) return it->second;
  }
  Caller c;
  c.role = Role::kViewer;
  c.who = "tcp " + peer;
  c.key = "ip:" + host_of(peer);
  const auto auth = ctx->auth_context();
  if (auth && auth->IsPeerAuthenticated()) {
    std::string cn;
    std::optional<Role> role;
    for (const auto& [name, value] : *auth) {
      const std::string n(name.data(), name.size());
      const std::string v(value.data(), value.size());
      if (n == GRPC_X509_CN_PROPERTY_NAME) cn = v;
      if (n == GRPC_X509_SAN_PROPERTY_NAME || n == "peer_uri") {
        if (const auto r = role_from_uri(v); r && (!role || *r > *role)) role = r;
      }
    }
    c.role = role.value_or(Role::kViewer);
    c.who = "tls CN=" + cn + " (" + peer + ")";
    c.key = "tls:" + cn;
  }
  return c;
}

bool Gate::take_token_locked(const std::string& key) {
  const auto now = std::chrono::steady_clock::now();
  if (buckets_.size() > 1024) buckets_.clear();  // many clients at once: start them afresh
  auto [it, fresh] = buckets_.try_emplace(key);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = cfg_.burst;
  } else {
    const double dt = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(cfg_.burst, b.tokens + dt * cfg_.calls_per_s);
  }
  b.at = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

std::optional<Status> Gate::refuse(const Caller& c, std::string_view rpc, Status st) {
  const int64_t second = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
  bool write = false;
  uint64_t skipped = 0;
  {
    std::lock_guard lock(mu_);
    if (second != record_second_) {
      record_second_ = second;
      records_this_second_ = 0;
    }
    if (records_this_second_ < cfg_.records_per_s) {
      ++records_this_second_;
      write = true;
      skipped = unrecorded_;
      unrecorded_ = 0;
    } else {
      ++unrecorded_;
    }
  }
  if (write && record_) {
    store::Details d = {
        {"rpc", std::string(rpc)},
        {"peer", c.who},
        {"role", std::string(to_string(c.role))},
        {"code", st.error_code() == StatusCode::PERMISSION_DENIED ? "PERMISSION_DENIED"
                                                                  : "RESOURCE_EXHAUSTED"},
        {"why", st.error_message()}};
    if (skipped) d["unrecorded_before"] = skipped;
    record_("call_refused", store::details_text(d));
  }
  return st;
}

std::optional<Status> Gate::admit(const grpc::CallbackServerContext* ctx, std::string_view rpc,
                                  const google::protobuf::Message* req) {
  const Caller c = caller(ctx);
  const auto need = min_role(rpc);
  if (!need || c.role < *need) {
    const std::string what(rpc);
    return refuse(c, rpc,
                  Status(StatusCode::PERMISSION_DENIED,
                         need ? what + " needs the " + std::string(to_string(*need)) +
                                    " role; this caller (" + c.who + ") is a " +
                                    std::string(to_string(c.role))
                              : what + " is in no role's rights"));
  }
  if (c.role != Role::kEngineer) {
    bool ok;
    {
      std::lock_guard lock(mu_);
      ok = take_token_locked(c.key);
    }
    if (!ok) {
      return refuse(c, rpc,
                    Status(StatusCode::RESOURCE_EXHAUSTED,
                           "more than " + std::to_string(static_cast<int>(cfg_.calls_per_s)) +
                               " calls a second from " + c.who + ": slow down"));
    }
  }
  if (req) {
    if (auto why = request_problem(*req)) return Status(StatusCode::INVALID_ARGUMENT, *why);
  }
  return std::nullopt;
}

std::optional<Status> Gate::admit_stream(const grpc::CallbackServerContext* ctx,
                                         std::string_view rpc, const google::protobuf::Message* req,
                                         Ticket& ticket) {
  if (auto st = admit(ctx, rpc, req)) return st;
  const Caller c = caller(ctx);
  if (c.role != Role::kEngineer) {
    int open;
    {
      std::lock_guard lock(mu_);
      open = streams_[c.key];
      if (open < cfg_.max_streams) streams_[c.key] = open + 1;
    }
    if (open >= cfg_.max_streams) {
      return refuse(c, rpc,
                    Status(StatusCode::RESOURCE_EXHAUSTED,
                           std::to_string(open) + " streams are open from " + c.who +
                               " already; at most " + std::to_string(cfg_.max_streams)));
    }
  }
  const std::string key = c.role == Role::kEngineer ? std::string() : c.key;
  uint64_t id;
  {
    std::lock_guard lock(mu_);
    id = ++next_ticket_;
    open_[id] = std::string(rpc) + " from " + c.who;
  }
  ticket = std::shared_ptr<void>(nullptr, [this, key, id](void*) {
    std::lock_guard lock(mu_);
    open_.erase(id);
    if (key.empty()) return;
    if (--streams_[key] <= 0) streams_.erase(key);
  });
  return std::nullopt;
}

std::vector<std::string> Gate::open_streams() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, what] : open_) out.push_back(what);
  return out;
}

}  // namespace dermad::api
