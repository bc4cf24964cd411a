// What of an event leaves the pen: everything, except that a patient reference is replaced by
// its keyed hash (HMAC-SHA-256 with the clinic's key). The fleet can count a patient's
// sessions across the clinic's pens; it cannot tell who the patient is.
#pragma once

#include <string>

#include "daemon/store/event_log.hpp"
#include "dermad/fleet/v1/ingest.pb.h"

namespace dermad::fleet {

// "hmac-sha256:" and the hex of HMAC-SHA-256(key, text).
std::string keyed_hash(const std::string& key, const std::string& text);

// The event as the fleet gets it; `redacted` set when its details were changed.
dermad::fleet::v1::Event outgoing(const store::Event& e, const std::string& clinic_key);

// A stored session summary as the fleet gets it: the treatment's figures, without what the
// screening found or what was acknowledged (health data the fleet has no use for). Empty
// when the stored text is not a summary object.
std::string fleet_summary(const std::string& stored);

}  // namespace dermad::fleet
