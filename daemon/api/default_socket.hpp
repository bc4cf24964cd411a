// Where dermad listens and dermactl connects when no --socket is given.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace dermad::api {

inline std::string default_socket_path() {
  if (geteuid() == 0) return "/run/dermad/dermad.sock";
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg) {
    return std::string(xdg) + "/dermad.sock";
  }
  return "/tmp/dermad-" + std::to_string(geteuid()) + ".sock";
}

// Where a client connects by default: the system dermad's socket when there is one (a
// service engineer at the board, root or not), else where a dermad of the same user listens.
inline std::string client_socket_path() {
  static constexpr const char* kSystem = "/run/dermad/dermad.sock";
  if (access(kSystem, F_OK) == 0) return kSystem;
  return default_socket_path();
}

}  // namespace dermad::api
