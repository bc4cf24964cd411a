// The options of `dermactl session start` and `session update` as TreatmentService requests.
// Only malformed values are caught here (usage errors, exit 2); the limits of the protocol
// and zone are dermad's to enforce, and it names each one broken.
#pragma once

#include <string>

#include "dermad/v1/treatment.pb.h"
#include "tools/dermactl/args.hpp"

namespace dermad::ctl {

// Reads the --answers file (or standard input for "-").
v1::StartSessionRequest start_request(const ParsedArgs& args, const std::string& path);

// Without the owner token, which comes from the session file. A usage error when no option
// asks for a change, or a value is 0 (which the API reads as "leave as it is").
v1::UpdateSessionRequest update_request(const ParsedArgs& args, const std::string& path);

}  // namespace dermad::ctl
