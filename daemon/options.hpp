// dermad's command line.
#pragma once

#include "daemon/log.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace dermad {

struct Options {
  bool sim = false;
  std::string board_path;   // --board FILE: the real pen, as the board file maps it
  std::string socket_path;  // default: api::default_socket_path()
  std::string listen;
  // TLS for --listen: the server's certificate chain and key (PEM); with a client CA,
  // clients must present a certificate it signed (the tablet, service laptops).
  std::string tls_cert, tls_key, tls_client_ca;
  bool insecure_listen = false;  // plaintext TCP, for a development bench only
  bool check = false;            // check the configuration and exit
  uint32_t period_us = 1000;
  int rt_priority = 80;
  LogTarget log = LogTarget::kAuto;
  uint64_t seed = 1;
  uint32_t link_timeout_ms = 500;
  // The loop's stall bound (LOOP_OVERRUN); only the simulated pen may widen it (tests on
  // shared virtual machines, whose hypervisor stalls the guest for tens of milliseconds).
  uint32_t loop_stall_ms = 100;
  int64_t calibration_valid_s = 365LL * 24 * 3600;  // a committed calibration's life
  std::string state_dir;                            // default: default_state_dir()
  uint64_t records_max_kib = 1024 * 1024;           // 1 GiB; 0: as much as the disk holds
  std::string protocols_path = "/etc/dermad/protocols.textproto";
  std::string fleet_path;  // --fleet FILE: where the records are shipped; empty: nowhere
  // Unix callers in these groups (names or numbers) are engineers / clinicians.
  std::string service_group = "dermad-service";
  std::string clinic_group = "dermad-clinic";
};

// /var/lib/dermad as root, else $XDG_STATE_HOME/dermad (or ~/.local/state/dermad).
std::string default_state_dir();

// Parses argv. Returns nullopt after printing help/version (exit 0) or an error (exit 2);
// `exit_code` says which.
std::optional<Options> parse_options(int argc, char** argv, int& exit_code);

}  // namespace dermad
