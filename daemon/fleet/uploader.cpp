#include "daemon/fleet/uploader.hpp"

#include <chrono>

#include "daemon/fleet/redact.hpp"
#include "daemon/log.hpp"
#include "daemon/wall_clock.hpp"

namespace dermad::fleet {

namespace {

// How often the uploader looks for new events when nobody woke it.
constexpr int64_t kLookNs = 1'000'000'000;
constexpr auto kRpcDeadline = std::chrono::seconds(30);
// Pruning: how often it is looked at (or at every look when the retention is shorter), and
// how much one transaction and one look delete.
constexpr int64_t kPruneEveryNs = 60'000'000'000;
constexpr int kPruneChunk = 1000;
constexpr int kPruneChunksPerLook = 20;

bool retryable(grpc::StatusCode c) {
  return c != grpc::StatusCode::INVALID_ARGUMENT;
}

}  // namespace

Uploader::Uploader(store::Store& records, FleetSettings settings, std::string serial,
                   std::string software)
    : records_(records),
      settings_(std::move(settings)),
      serial_(std::move(serial)),
      software_(std::move(software)),
      backoff_(static_cast<uint64_t>(wall_now_ns())),
      batch_(settings_.batch_events) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = settings_.ca_pem;
  tls.pem_private_key = settings_.key_pem;
  tls.pem_cert_chain = settings_.cert_pem;
  grpc::ChannelArguments args;
  if (!settings_.server_name.empty()) {
    args.SetSslTargetNameOverride(settings_.server_name);
  }
  // A cut link is found within a minute even while nothing is sent.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  // Reconnecting is the uploader's to pace (Backoff), not the channel's on its own.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1'000);
  stub_ = v1::Ingest::NewStub(
      grpc::CreateCustomChannel(settings_.endpoint, grpc::SslCredentials(tls), args));
  status_.set_configured(true);
  status_.set_endpoint(settings_.endpoint);
  status_.set_retention(settings_.retention);
}

Uploader::~Uploader() {
  stop();
}

void Uploader::start() {
  thread_ = std::thread([this] { run(); });
}

void Uploader::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (in_flight_) in_flight_->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Uploader::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

dermad::v1::FleetStatus Uploader::status() {
  const int64_t acked = records_.fleet_acked_seq(), head = records_.last_seq();
  const int64_t aside = records_.set_aside_count();
  std::lock_guard lock(mu_);
  auto s = status_;
  s.set_acked_seq(acked);
  s.set_head_seq(head);
  s.set_backlog(std::max<int64_t>(0, head - acked));
  s.set_set_aside(aside);
  s.set_pruned_through_seq(records_.pruned_anchor().seq);
  return s;
}

bool Uploader::wait_until(int64_t until_ns, bool wake_early) {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::system_clock::time_point(std::chrono::nanoseconds(until_ns));
  cv_.wait_until(lock, deadline, [&] { return stopping_ || (wake_early && woken_); });
  woken_ = false;
  return !stopping_;
}

void Uploader::run() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    std::string error;
    grpc::StatusCode code = grpc::StatusCode::OK;
    if (upload_once(error, code)) {
      backoff_.reset();
      // More may wait; the next look is at once, or when something new is stored.
      if (records_.fleet_acked_seq() < records_.last_seq()) continue;
      prune();
      if (!wait_until(wall_now_ns() + kLookNs, true)) return;
      continue;
    }
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;  // an upload cut short by stop() is not a failure to report
    }
    if (error.empty()) {
      // Nothing to send.
      prune();
      if (!wait_until(wall_now_ns() + kLookNs, true)) return;
      continue;
    }
    failed(error, code);
    if (!retryable(code)) continue;  // set aside or narrowed: go on at once
    const int64_t wait = backoff_.next();
    {
      std::lock_guard lock(mu_);
      status_.set_next_attempt_wall_ns(wall_now_ns() + wait);
    }
    // A wake does not cut a backoff short: the fleet is what we are waiting for.
    if (!wait_until(wall_now_ns() + wait, false)) return;
    std::lock_guard lock(mu_);
    status_.set_next_attempt_wall_ns(0);
  }
}

void Uploader::prune() {
  const int64_t now = wall_now_ns();
  if (now < next_prune_ns_) return;
  next_prune_ns_ = now + std::min(kPruneEveryNs, settings_.retention_ns);
  // In chunks, each its own transaction, so the recorder never waits long for the store.
  for (int i = 0; i < kPruneChunksPerLook; ++i) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    store::Store::Pruned p;
    std::string error;
    const bool ok =
        records_.prune(records_.fleet_acked_seq(), wall_now_ns() - settings_.retention_ns,
                       kPruneChunk, wall_now_ns(),
                       std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::steady_clock::now().time_since_epoch())
                           .count(),
                       p, error);
    std::lock_guard lock(mu_);
    if (!ok) {
      if (status_.last_prune_error() != error) log("WARNING", "fleet: pruning failed: " + error);
      status_.set_last_prune_error(error);
      return;
    }
    status_.set_last_prune_error("");
    if (p.events == 0) return;
    status_.set_last_prune_wall_ns(wall_now_ns());
    if (p.events < kPruneChunk) return;
  }
  // More is due than a look prunes: the next look goes on.
  next_prune_ns_ = now;
}

void Uploader::failed(const std::string& error, grpc::StatusCode code) {
  std::lock_guard lock(mu_);
  if (status_.last_error() != error) {
    log("WARNING", "fleet: " + error + (retryable(code) ? " (will retry)" : ""));
  }
  status_.set_connected(false);
  status_.set_last_error(error);
  status_.set_last_error_wall_ns(wall_now_ns());
}

bool Uploader::upload_once(std::string& error, grpc::StatusCode& code) {
  const int64_t acked = records_.fleet_acked_seq();
  auto events = records_.read(acked, batch_);
  if (events.empty()) return false;
  v1::UploadRequest req;
  req.set_serial(serial_);
  req.set_software(software_);
  // The link into the batch: the hash of the last event the fleet has (the anchor's when
  // that one was pruned since).
  req.set_prev_hash(records_.hash_at(acked).value_or(store::kGenesisHash));
  const auto aside = records_.set_aside_between(events.front().seq, events.back().seq);
  for (const auto& e : events) {
    auto* out = req.add_events();
    if (auto it = aside.find(e.seq); it != aside.end()) {
      out->set_seq(e.seq);
      out->set_wall_ns(e.wall_ns);
      out->set_mono_ns(e.mono_ns);
      out->set_hash(e.hash);
      out->set_set_aside(it->second);
    } else {
      *out = outgoing(e, settings_.clinic_key);
      if ((e.kind == "session_ended" || e.kind == "session_aborted") && !e.session_id.empty()) {
        const auto row = records_.session(e.session_id);
        const std::string summary = row ? fleet_summary(row->summary) : "";
        if (!summary.empty()) {
          auto* s = req.add_sessions();
          s->set_session_id(e.session_id);
          s->set_seq(e.seq);
          s->set_state(row->state == "aborted" ? "aborted" : "ended");
          s->set_summary(summary);
        }
      }
    }
  }
  const auto bytes = static_cast<int64_t>(req.ByteSizeLong());
  const int64_t started = wall_now_ns();
  auto ctx = std::make_shared<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + kRpcDeadline);
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    in_flight_ = ctx;
  }
  v1::UploadReply reply;
  const grpc::Status st = stub_->Upload(ctx.get(), req, &reply);
  {
    std::lock_guard lock(mu_);
    in_flight_.reset();
  }
  if (!st.ok()) {
    code = st.error_code();
    error = "upload of events " + std::to_string(events.front().seq) + ".." +
            std::to_string(events.back().seq) + " to " + settings_.endpoint + ": " +
            st.error_message();
    if (code == grpc::StatusCode::INVALID_ARGUMENT) {
      if (events.size() > 1) {
        // Which event does the fleet refuse? Halve until one is left.
        batch_ = std::max(1, static_cast<int>(events.size()) / 2);
      } else if (aside.count(events[0].seq) == 0) {
        std::string e2;
        if (!records_.set_aside(events[0].seq, st.error_message(), wall_now_ns(), e2)) {
          code = grpc::StatusCode::UNAVAILABLE;  // cannot record it: retry later, never drop
          error += "; setting it aside failed: " + e2;
        } else {
          log("WARNING", "fleet: event " + std::to_string(events[0].seq) +
                             " set aside: the fleet refused it: " + st.error_message());
        }
      } else {
        code = grpc::StatusCode::UNAVAILABLE;  // even its place refused: retry, slowly
      }
    }
    return false;
  }
  // The fleet's word is the cursor, even when it says less than was sent (it lost a gap's
  // worth and wants them again); never past what this upload sent, so a fleet that claims
  // more cannot make the pen skip events it never sent.
  const int64_t committed = std::min(reply.committed_seq(), events.back().seq);
  if (const int64_t anchor = records_.pruned_anchor().seq; committed < anchor) {
    // It had them once (nothing is pruned before the fleet acknowledges it): its database
    // lost them. The pen cannot send them again; said, and retried slowly, never skipped.
    error = "the fleet at " + settings_.endpoint + " holds this pen's events only up to " +
            std::to_string(reply.committed_seq()) + ", but events through " +
            std::to_string(anchor) +
            " were pruned from the pen after it had acknowledged them: the fleet's database "
            "lost them (restore it)";
    code = grpc::StatusCode::UNAVAILABLE;
    return false;
  }
  if (committed != acked && !records_.set_fleet_acked_seq(committed, error)) {
    error = "the fleet's cursor could not be recorded: " + error;
    code = grpc::StatusCode::UNAVAILABLE;
    return false;
  }
  if (committed < events.front().seq) {
    // Nothing of this batch taken: the fleet holds less than the pen thought (it lost some),
    // or it will not say. The cursor follows it; the next try waits, so a fleet that keeps
    // answering so is not asked in a tight loop.
    error = "the fleet at " + settings_.endpoint + " acknowledged none of events " +
            std::to_string(events.front().seq) + ".." + std::to_string(events.back().seq) +
            " (it holds this pen's events up to " + std::to_string(reply.committed_seq()) + ")";
    code = grpc::StatusCode::UNAVAILABLE;
    return false;
  }
  if (committed >= events.back().seq) batch_ = settings_.batch_events;
  {
    std::lock_guard lock(mu_);
    status_.set_connected(true);
    status_.set_last_success_wall_ns(wall_now_ns());
    status_.set_events_sent(status_.events_sent() + static_cast<int64_t>(events.size()));
    status_.set_bytes_sent(status_.bytes_sent() + bytes);
  }
  // The bandwidth cap: the next batch waits until this one's bytes fit in it.
  const int64_t due = started + bytes * 1'000'000'000 / settings_.max_bytes_per_second;
  if (due > wall_now_ns()) wait_until(due, false);
  return true;
}

}  // namespace dermad::fleet
