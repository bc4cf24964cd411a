// loop_timing_bench: the real dermad control loop's wake-up lateness at 1 kHz under client
// load, side by side with cyclictest run at the same period under the same load in the
// same run. Virtual machines add latency spikes no user-space loop avoids, so only the
// comparison means something; docs/PERFORMANCE.md has the method and the figures.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dermad/v1/device.grpc.pb.h"
#include "tests/bench/loop_timing_load.hpp"
#include "tests/bench/loop_timing_phases.hpp"
#include "tests/bench/loop_timing_proc.hpp"
#include "tests/bench/loop_timing_stats.hpp"

namespace {

using namespace dermad;
using namespace dermad::bench;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kUsage =
    R"(usage: loop_timing_bench [--seconds N] [--subscribers N] [--board FILE] [--json-only]

Runs `dermad --sim` (or `--board FILE`) and measures its control loop's wake-up lateness
at 1 kHz while N telemetry subscribers stream at 1 kHz and a client calls GetStatus every
2 ms, with
`cyclictest -m -p80 -i1000` measuring the same machine at the same time. Before the load,
an idle phase (min(10, N/6) s) measures the daemon's memory and CPU share with no client.

  --seconds N       length of the load phase, 6..3600 (default 60)
  --subscribers N   telemetry subscribers, 1..64 (default 8)
  --board FILE      run the real pen on this board file instead of the simulated one; its
                    devices must exist and something must home it (in the HIL VM:
                    tests/hil/loop_timing.sh starts the plant emulator first)
  --json-only       no progress or summary on stderr, only errors
  -h, --help        this text

Prints one JSON object on stdout (see docs/PERFORMANCE.md). Exits 0 when it measured,
whether or not the goals were met; 1 when it could not measure; 2 on bad usage.
)";

volatile std::sig_atomic_t g_interrupted = 0;
void on_signal(int) {
  g_interrupted = 1;
}

std::optional<Options> parse_args(int argc, char** argv, int& exit_code) {
  Options o;
  auto number = [&](int& i, int lo, int hi, int& out) {
    if (i + 1 >= argc) return false;
    const std::string_view v = argv[++i];
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    return ec == std::errc() && p == v.data() + v.size() && out >= lo && out <= hi;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      exit_code = 0;
      return std::nullopt;
    } else if (a == "--board") {
      if (i + 1 >= argc || argv[i + 1][0] == '\0') {
        std::fputs("loop_timing_bench: --board needs a board file\n", stderr);
        exit_code = 2;
        return std::nullopt;
      }
      o.board = argv[++i];
    } else if (a == "--json-only") {
      o.json_only = true;
    } else if (a == "--seconds") {
      if (!number(i, 6, 3600, o.seconds)) {
        std::fputs("loop_timing_bench: --seconds needs a number in 6..3600\n", stderr);
        exit_code = 2;
        return std::nullopt;
      }
    } else if (a == "--subscribers") {
      if (!number(i, 1, 64, o.subscribers)) {
        std::fputs("loop_timing_bench: --subscribers needs a number in 1..64\n", stderr);
        exit_code = 2;
        return std::nullopt;
      }
    } else {
      std::fprintf(stderr, "loop_timing_bench: unknown argument '%s' (see --help)\n", argv[i]);
      exit_code = 2;
      return std::nullopt;
    }
  }
  return o;
}

int fail(const std::string& why) {
  std::fprintf(stderr, "loop_timing_bench: could not measure: %s\n", why.c_str());
  return 1;
}

// Waits for the socket file, then for the loop to reach IDLE. The channel is made only
// once the file exists: one made earlier backs off for seconds.
std::shared_ptr<grpc::Channel> wait_ready(const std::string& socket, Children& children,
                                          std::string& why) {
  const auto give_up = std::chrono::steady_clock::now() + seconds(20);
  while (!std::filesystem::exists(socket)) {
    if (const auto st = wait_exit(children.daemon, milliseconds(0))) {
      children.daemon = -1;  // reaped: its pid may be reused, never signal it again
      why = "dermad exited before opening its socket (" + describe_status(*st) + ")";
      return nullptr;
    }
    if (g_interrupted) {
      why = "interrupted";
      return nullptr;
    }
    if (std::chrono::steady_clock::now() > give_up) {
      why = "dermad's socket did not appear within 20 s";
      return nullptr;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  auto channel = grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials());
  auto stub = v1::DeviceService::NewStub(channel);
  while (std::chrono::steady_clock::now() < give_up && !g_interrupted) {
    grpc::ClientContext ctx;
    ctx.set_wait_for_ready(true);
    ctx.set_deadline(std::chrono::system_clock::now() + seconds(2));
    v1::Status st;
    if (stub->GetStatus(&ctx, {}, &st).ok() && st.state() == v1::STATE_IDLE) return channel;
    std::this_thread::sleep_for(milliseconds(20));
  }
  why = "dermad did not reach IDLE within 20 s";
  return nullptr;
}

int run(const Options& opt, const std::string& dir) {
  Children children;
  const std::string socket = dir + "/dermad.sock";
  const std::string daemon_log = dir + "/dermad.log";
  std::vector<std::string> args{DERMAD_BIN, "--socket", socket, "--protocols", DERMAD_PROTOCOLS,
                                 "--state-dir", dir};
  if (opt.board.empty()) {
    args.push_back("--sim");
  } else {
    args.insert(args.end(), {"--board", opt.board});
  }
  children.daemon = spawn(args, dir + "/dermad.out", daemon_log);
  if (children.daemon < 0) return fail("fork failed");
  std::string why;
  auto channel = wait_ready(socket, children, why);
  if (!channel) return fail(why + "; its log:\n" + tail_of_file(daemon_log, 2000));
  if (g_interrupted) return fail("interrupted");

  Measurement m;
  if (!read_device_info(channel, m, why)) return fail(why);
  progress(opt, std::string("dermad up, loop period ") + std::to_string(m.period_us) + " us, " +
                    (m.realtime ? "real-time granted" : "NOT real-time: " + m.realtime_note));

  const auto idle_for = milliseconds(std::min(10000, opt.seconds * 1000 / 6));
  if (!measure_idle(opt, children.daemon, idle_for, m.idle, g_interrupted)) {
    return fail(g_interrupted ? "interrupted" : "dermad went away during the idle phase");
  }

  const std::string cyclictest = find_in_path("cyclictest");
  if (cyclictest.empty()) {
    m.cyclictest_note = "cyclictest not found in PATH (Debian package rt-tests; ./dev deps)";
  }
  ClientLoad load("unix:" + socket, opt.subscribers, 1e6 / m.period_us,
                  std::chrono::microseconds(2000), std::size_t(opt.seconds + 30) * 1000);
  if (!measure_load(opt, channel, children, cyclictest, dir, load, m, g_interrupted, why)) {
    return fail(why);
  }

  const int status = stop_process(children.daemon, SIGTERM, milliseconds(10000));
  children.daemon = -1;
  m.daemon_exit = describe_status(status);
  std::printf("%s\n", to_json(opt, m).str().c_str());
  std::fflush(stdout);
  if (!opt.json_only) print_summary(m);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  const auto opt = parse_args(argc, argv, exit_code);
  if (!opt) return exit_code;

  // Ctrl-C ends the run early but still stops the children and removes the temp dir.
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  char tmpl[] = "/tmp/dermad-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return fail("cannot create a temporary directory");
  const std::string dir = tmpl;
  const int rc = run(*opt, dir);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return rc;
}
