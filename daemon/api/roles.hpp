// Who may call what (DESIGN.md "Roles on every call"). Three roles, each allowed what the one
// below it is: viewer (status and telemetry), clinician (treatment: screening, sessions,
// acknowledgements), engineer (service runs, the full records). The authorization matrix is
// one table, documented in docs/API.md and tested RPC by RPC.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace dermad::api {

enum class Role : uint8_t { kViewer, kClinician, kEngineer };

std::string_view to_string(Role r);

// The lowest role that may call `rpc` ("Service.Method", e.g. "TreatmentService.Link");
// nothing for an RPC the table does not know (refused: a new RPC must be placed on purpose).
std::optional<Role> min_role(std::string_view rpc);

// Every RPC in the table, for the documentation and the tests.
struct RpcRole {
  std::string_view rpc;
  Role min;
};
const RpcRole* rpc_roles_begin();
const RpcRole* rpc_roles_end();

// A TLS client's role from its certificate's URI SAN "urn:dermad:role:NAME".
std::optional<Role> role_from_uri(std::string_view uri);

}  // namespace dermad::api
