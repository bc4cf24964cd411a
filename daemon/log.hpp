// Plain stderr logging for the I/O side (journald adds its own timestamps under systemd;
// by hand the wall time helps). Never used from the control thread.
#pragma once

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string_view>

namespace dermad {

inline void log(std::string_view level, std::string_view msg) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::fprintf(stderr, "%s.%03lldZ dermad %.*s: %.*s\n", stamp, static_cast<long long>(ms),
               static_cast<int>(level.size()), level.data(), static_cast<int>(msg.size()),
               msg.data());
  std::fflush(stderr);
}

}  // namespace dermad
