#include "tools/dermad-fleet/ingest_rules.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

#include "daemon/store/event_log.hpp"

namespace dermad::fleet {

const char* verified_name(Verified v) {
  switch (v) {
    case Verified::kChain:
      return "chain";
    case Verified::kLinked:
      return "linked";
    case Verified::kBroken:
      return "broken";
  }
  return "broken";
}

namespace {

bool is_hash(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool is_name(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string event_problem(const v1::Event& e) {
  if (!e.set_aside().empty()) {
    return e.set_aside().size() > 1024 ? "the reason it was set aside is over 1024 bytes" : "";
  }
  if (!is_name(e.kind())) return "kind '" + e.kind().substr(0, 64) + "' is not an event kind";
  if (std::find(std::begin(store::kSeverities), std::end(store::kSeverities), e.severity()) ==
      std::end(store::kSeverities)) {
    return "severity '" + e.severity().substr(0, 64) + "' is not info, warning or alarm";
  }
  if (e.session_id().size() > 128) return "session id over 128 bytes";
  if (e.details().size() > kMaxDetailsBytes) return "details over 64 KiB";
  const auto details = nlohmann::json::parse(e.details(), nullptr, false);
  if (!details.is_object()) return "details are not a JSON object";
  if (e.wall_ns() < 0 || e.mono_ns() < 0) return "a negative time";
  return "";
}

}  // namespace

std::string malformed(const v1::UploadRequest& req) {
  if (req.events_size() == 0) return "no events";
  if (req.events_size() > kMaxEvents) return "more than 1000 events in one batch";
  if (!is_hash(req.prev_hash())) return "prev_hash is not a hex SHA-256";
  if (req.serial().size() > 128 || req.software().size() > 128) {
    return "serial or software over 128 bytes";
  }
  for (const auto& s : req.sessions()) {
    const std::string at = "session " + s.session_id().substr(0, 128) + ": ";
    if (s.session_id().empty() || s.session_id().size() > 128) return at + "no or too long an id";
    if (s.state() != "ended" && s.state() != "aborted") return at + "state is not ended or aborted";
    if (s.seq() < req.events(0).seq() || s.seq() > req.events(req.events_size() - 1).seq()) {
      return at + "its ending is not in this batch";
    }
    if (s.summary().size() > kMaxDetailsBytes) return at + "summary over 64 KiB";
    if (!nlohmann::json::parse(s.summary(), nullptr, false).is_object()) {
      return at + "summary is not a JSON object";
    }
  }
  int64_t expected = req.events(0).seq();
  if (expected < 1) return "event seq " + std::to_string(expected) + ": seqs start at 1";
  for (const auto& e : req.events()) {
    const std::string at = "event seq " + std::to_string(e.seq()) + ": ";
    if (e.seq() != expected) return at + "seqs must be consecutive";
    ++expected;
    if (!is_hash(e.hash())) return at + "hash is not a hex SHA-256";
    if (auto p = event_problem(e); !p.empty()) return at + p;
  }
  return "";
}

UploadPlan plan_upload(const DeviceHead& head, const v1::UploadRequest& req) {
  UploadPlan plan{{}, head};
  const int64_t first = req.events(0).seq();
  if (first > head.committed_seq + 1) return plan;
  // The link into the first new event: the hash the service holds for the one before it
  // (the genesis for seq 1); within the batch, the event before.
  std::string prev = head.committed_seq == 0 ? store::kGenesisHash : head.head_hash;
  for (int i = 0; i < req.events_size(); ++i) {
    const auto& e = req.events(i);
    if (e.seq() <= head.committed_seq) {
      // Already held; the one the service's head is must be the same event.
      if (e.seq() == head.committed_seq && e.hash() != head.head_hash) prev.clear();
      continue;
    }
    if (e.seq() == first) {
      // The batch says what it links to; it must agree with what the service holds.
      if (req.prev_hash() != prev) prev.clear();
    }
    Verified v = Verified::kBroken;
    if (!prev.empty()) {
      if (e.redacted() || !e.set_aside().empty()) {
        v = Verified::kLinked;
      } else {
        store::Event s{e.seq(),      e.wall_ns(),    e.mono_ns(), e.kind(),
                       e.severity(), e.session_id(), e.details(), ""};
        v = store::chain_hash(prev, s) == e.hash() ? Verified::kChain : Verified::kBroken;
      }
    }
    plan.rows.push_back({&e, v});
    prev = e.hash();
    plan.head = {e.seq(), e.hash()};
  }
  return plan;
}

Identity identity_from_subject(const std::string& subject) {
  Identity id;
  // RFC 2253: attributes separated by ',' (or '+'), a backslash escapes the next character.
  std::string key, value;
  bool in_value = false;
  auto flush = [&] {
    if (key == "CN") id.device = value;
    if (key == "O") id.clinic = value;
    key.clear();
    value.clear();
    in_value = false;
  };
  for (std::size_t i = 0; i < subject.size(); ++i) {
    const char c = subject[i];
    if (c == '\\' && i + 1 < subject.size()) {
      (in_value ? value : key) += subject[++i];
    } else if (!in_value && c == '=') {
      in_value = true;
    } else if (c == ',' || c == '+') {
      flush();
    } else if (in_value) {
      value += c;
    } else if (c != ' ') {
      key += c;
    }
  }
  flush();
  return id;
}

}  // namespace dermad::fleet
