#include "daemon/options.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <unistd.h>

#include "daemon/api/default_socket.hpp"

namespace dermad {

namespace {

constexpr const char* kUsage = R"(usage: dermad [OPTIONS]

The control daemon of the dermad microneedling pen.

Options:
  --sim                 run against the simulated pen (development, tests, demos)
  --board FILE          run the real pen on Linux's GPIO, PWM, IIO and nvmem interfaces as
                        the board file maps them (hal/boards/, docs/BOARD.md); one of
                        --sim and --board is required
  --socket PATH         gRPC unix socket (default: %s)
  --listen HOST:PORT    also serve gRPC on TCP, with TLS (default: off; port 0 picks one)
  --tls-cert FILE       the server's certificate chain for --listen (PEM)
  --tls-key FILE        its private key (PEM)
  --tls-client-ca FILE  require client certificates signed by this CA (mutual TLS)
  --insecure-listen     serve --listen without TLS: a development bench only, never a
                        clinic (anyone on the network could drive the pen)
  --period-us N         control loop period in microseconds, 250..10000 (default: 1000)
  --rt-priority N       SCHED_FIFO priority of the control thread, 1..99 (default: 80)
  --seed N              seed of the simulated pen's noise (default: 1)
  --protocols PATH      treatment protocols file (default: /etc/dermad/protocols.textproto)
  --state-dir DIR       where the records live (default: %s)
  --records-max-kib N   cap the records file at N KiB; past it they are full like a full
                        disk: RECORDS_FAILED, no new sessions (default: 1048576, 1 GiB,
                        years of records; 0: no cap but the disk's). With --fleet, records
                        the fleet has are pruned after its retention and stay far below it
  --fleet FILE          ship the records to the fleet's ingest service as this file says
                        (endpoint, certificates, the clinic's key: docs/FLEET.md); without
                        it nothing leaves the pen
  --link-timeout-ms N   the session owner's link may lapse this long before the needles
                        stop with LINK_LOST, 100..5000 (default: 500)
  --loop-stall-ms N     the simulated pen only: LOOP_OVERRUN latches when one wake-up is N
                        ms late or N/2 periods are missed within 100 ticks, 100..2000
                        (default: 100, the real pen's fixed bound). For tests on shared
                        virtual machines, whose hypervisor stalls the guest for tens of ms
  --calibration-interval D
                        how long a committed calibration stays valid before sessions are
                        refused with CALIBRATION_DUE: a number with d, h, m or s, 10s..3650d
                        (default: 365d)
  --service-group G     unix callers in group G (name or number) are engineers: service
                        runs and the full records (default: dermad-service; root and
                        dermad's own user always are)
  --clinic-group G      unix callers in group G are clinicians: screening, sessions,
                        acknowledgements (default: dermad-clinic); anyone else may only
                        read status and telemetry. TLS callers: see docs/API.md
  --log WHERE           auto, console or journal: where dermad logs (default: auto, the
                        journal when started by systemd, with fields such as DERMAD_ALARM
                        and each recorded event; else plain lines on stderr)
  --check               check the configuration (the board file and that each resource it
                        names exists, the protocols file, TLS files, the fleet file, the records file)
                        without starting anything or driving an output: exit 0 when dermad
                        would start, 2 naming each problem
  --version             print the version and exit
  -h, --help            this text
)";

template <typename T>
bool parse_number(std::string_view s, T& out) {
  const auto* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end;
}

// "365d", "12h", "30m", "60s" in seconds, within 10 s .. 3650 d.
bool parse_interval(std::string_view s, int64_t& seconds) {
  if (s.size() < 2) return false;
  int64_t unit = 0;
  switch (s.back()) {
    case 'd':
      unit = 86400;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'm':
      unit = 60;
      break;
    case 's':
      unit = 1;
      break;
    default:
      return false;
  }
  int64_t n = 0;
  if (!parse_number(s.substr(0, s.size() - 1), n) || n <= 0 || n > 3650 * 86400) return false;
  seconds = n * unit;
  return seconds >= 10 && seconds <= 3650LL * 86400;
}

}  // namespace

std::string default_state_dir() {
  if (geteuid() == 0) return "/var/lib/dermad";
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x == '/') {
    return std::string(x) + "/dermad";
  }
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.local/state/dermad";
}

std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
  Options o;
  o.socket_path = api::default_socket_path();
  o.state_dir = default_state_dir();
  auto fail = [&exit_code](const std::string& msg) -> std::optional<Options> {
    std::fprintf(stderr, "dermad: %s (see dermad --help)\n", msg.c_str());
    exit_code = 2;
    return std::nullopt;
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    std::string_view value;
    std::string name(a);
    if (const auto eq = a.find('='); a.starts_with("--") && eq != std::string_view::npos) {
      name = std::string(a.substr(0, eq));
      value = a.substr(eq + 1);
    }
    auto need_value = [&](std::string_view& v) {
      if (!v.empty()) return true;
      if (i + 1 >= argc) return false;
      v = argv[++i];
      return true;
    };
    if (name == "-h" || name == "--help") {
      std::printf(kUsage, api::default_socket_path().c_str(), default_state_dir().c_str());
      exit_code = 0;
      return std::nullopt;
    } else if (name == "--version") {
      std::printf("dermad %s\n", DERMAD_VERSION);
      exit_code = 0;
      return std::nullopt;
    } else if (name == "--sim") {
      o.sim = true;
    } else if (name == "--board") {
      if (!need_value(value) || value.empty()) return fail("--board needs a FILE");
      o.board_path = std::string(value);
    } else if (name == "--socket") {
      if (!need_value(value) || value.empty()) return fail("--socket needs a PATH");
      o.socket_path = std::string(value);
    } else if (name == "--listen") {
      if (!need_value(value) || value.find(':') == std::string_view::npos) {
        return fail("--listen needs HOST:PORT");
      }
      o.listen = std::string(value);
    } else if (name == "--tls-cert" || name == "--tls-key" || name == "--tls-client-ca") {
      if (!need_value(value) || value.empty()) return fail(name + " needs a FILE");
      (name == "--tls-cert"  ? o.tls_cert
       : name == "--tls-key" ? o.tls_key
                             : o.tls_client_ca) = std::string(value);
    } else if (name == "--check") {
      o.check = true;
    } else if (name == "--insecure-listen") {
      o.insecure_listen = true;
    } else if (name == "--period-us") {
      if (!need_value(value) || !parse_number(value, o.period_us) || o.period_us < 250 ||
          o.period_us > 10000) {
        return fail("--period-us needs a number of microseconds in 250..10000");
      }
    } else if (name == "--rt-priority") {
      if (!need_value(value) || !parse_number(value, o.rt_priority) || o.rt_priority < 1 ||
          o.rt_priority > 99) {
        return fail("--rt-priority needs a number in 1..99");
      }
    } else if (name == "--protocols") {
      if (!need_value(value) || value.empty()) return fail("--protocols needs a PATH");
      o.protocols_path = std::string(value);
    } else if (name == "--state-dir") {
      if (!need_value(value) || value.empty()) return fail("--state-dir needs a DIR");
      o.state_dir = std::string(value);
    } else if (name == "--fleet") {
      if (!need_value(value) || value.empty()) return fail("--fleet needs a FILE");
      o.fleet_path = std::string(value);
    } else if (name == "--records-max-kib") {
      if (!need_value(value) || !parse_number(value, o.records_max_kib) ||
          o.records_max_kib > (uint64_t{1} << 32)) {
        return fail("--records-max-kib needs a number of KiB (0 for no cap)");
      }
    } else if (name == "--link-timeout-ms") {
      if (!need_value(value) || !parse_number(value, o.link_timeout_ms) ||
          o.link_timeout_ms < 100 || o.link_timeout_ms > 5000) {
        return fail("--link-timeout-ms needs a number of milliseconds in 100..5000");
      }
    } else if (name == "--loop-stall-ms") {
      if (!need_value(value) || !parse_number(value, o.loop_stall_ms) || o.loop_stall_ms < 100 ||
          o.loop_stall_ms > 2000) {
        return fail("--loop-stall-ms needs a number of milliseconds in 100..2000");
      }
    } else if (name == "--calibration-interval") {
      if (!need_value(value) || !parse_interval(value, o.calibration_valid_s)) {
        return fail(
            "--calibration-interval needs a time such as 365d, 12h, 30m or 60s, within "
            "10s..3650d");
      }
    } else if (name == "--service-group" || name == "--clinic-group") {
      if (!need_value(value) || value.empty()) return fail(name + " needs a group name or number");
      (name == "--service-group" ? o.service_group : o.clinic_group) = std::string(value);
    } else if (name == "--log") {
      if (!need_value(value) || (value != "auto" && value != "console" && value != "journal")) {
        return fail("--log needs auto, console or journal");
      }
      o.log = value == "journal"   ? LogTarget::kJournal
              : value == "console" ? LogTarget::kConsole
                                   : LogTarget::kAuto;
    } else if (name == "--seed") {
      if (!need_value(value) || !parse_number(value, o.seed)) return fail("--seed needs a number");
    } else {
      return fail("unknown option '" + std::string(a) + "'");
    }
  }
  if (o.sim == !o.board_path.empty()) {
    return fail(o.sim ? "--sim and --board exclude each other: one pen at a time"
                      : "which pen? --sim for the simulated one, --board FILE for the real one");
  }
  if (!o.sim && o.loop_stall_ms != 100) {
    return fail("--loop-stall-ms is for the simulated pen only: the real pen keeps 100 ms");
  }
  const bool tls = !o.tls_cert.empty() || !o.tls_key.empty() || !o.tls_client_ca.empty();
  if (tls && o.listen.empty()) return fail("--tls-* options are for --listen");
  if (tls && (o.tls_cert.empty() || o.tls_key.empty())) {
    return fail("TLS needs both --tls-cert and --tls-key");
  }
  if (tls && o.insecure_listen) return fail("--insecure-listen and --tls-* exclude each other");
  if (!o.listen.empty() && !tls && !o.insecure_listen) {
    return fail(
        "--listen needs --tls-cert and --tls-key (the tablet link is TLS); "
        "--insecure-listen serves plaintext on a development bench");
  }
  return o;
}

}  // namespace dermad
