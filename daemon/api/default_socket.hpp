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

}  // namespace dermad::api
