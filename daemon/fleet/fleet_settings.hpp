// The pen's fleet file read and checked before anything moves: every refusal names the file
// and what to fix, as the board and protocols files do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dermad::fleet {

struct FleetSettings {
  std::string endpoint, server_name;
  std::string ca_pem, cert_pem, key_pem;  // read from the files the fleet file names
  std::string clinic_key;                 // the secret of the patient references' keyed hash
  uint32_t max_bytes_per_second = 65536;
  int batch_events = 500;
  // How long acknowledged records stay on the pen, and that as it was written.
  int64_t retention_ns = 365LL * 24 * 3600 * 1'000'000'000;
  std::string retention = "365d";
};

// "90d", "12h", "30m", "45s" in nanoseconds; nothing for anything else (no number, another
// unit, zero, or more than 100 years).
std::optional<int64_t> parse_retention(const std::string& text);

struct LoadedFleet {
  std::optional<FleetSettings> settings;
  std::vector<std::string> errors;
};

LoadedFleet load_fleet(const std::string& path);

}  // namespace dermad::fleet
