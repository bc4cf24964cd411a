// What one upload does to a device's records, whatever database holds them: which events are
// new, whether each links into the chain the service holds, and where the device now stands.
// Pure, so both databases apply the same rules and the unit tests reach every case.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dermad/fleet/v1/ingest.pb.h"

namespace dermad::fleet {

// Where the service stands with one device: every seq up to committed_seq is held, and
// head_hash is the hash of that last one ("" before the first).
struct DeviceHead {
  int64_t committed_seq = 0;
  std::string head_hash;
};

// How far an event's place in the pen's chain could be checked here.
enum class Verified {
  kChain,   // linked to the one before, and its hash recomputed from its fields
  kLinked,  // linked, but redacted or set aside: its fields are not the ones the pen hashed
  kBroken,  // does not link, or its hash is not of its fields: edited on the pen or on the way
};
const char* verified_name(Verified v);

struct Row {
  const v1::Event* event;
  Verified verified;
};

struct UploadPlan {
  std::vector<Row> rows;  // to be written, oldest first
  DeviceHead head;        // the device's head once they are
};

// Limits on one request, so a hostile or broken client cannot make the service hold much.
inline constexpr int kMaxEvents = 1000;
inline constexpr std::size_t kMaxDetailsBytes = 64 * 1024;

// Why the request cannot be taken ("" when it can): the first malformed event, by seq, and
// what is wrong with it. The pen sets that event aside.
std::string malformed(const v1::UploadRequest& req);

// The rows a well-formed request adds to a device standing at `head`. A batch starting past
// committed + 1 adds nothing (a gap would break the device's order); events already held are
// skipped (a resent batch is written once).
UploadPlan plan_upload(const DeviceHead& head, const v1::UploadRequest& req);

// The device and its clinic from a certificate subject as gRPC gives it
// ("CN=pen-0042,O=Clinic Nord"): the CN and the O; empty when absent.
struct Identity {
  std::string device, clinic;
};
Identity identity_from_subject(const std::string& subject);

}  // namespace dermad::fleet
