// The HAL's own cost per tick, the Linux backend next to the simulated one, in one run: a
// whole read, a write that changes one line (the watchdog's toggle), a write with STEP pulses,
// and the full control tick on each backend. Runs where the board's devices exist (inside the
// HIL VM: tests/hil/run_vm.sh build/hil -- build/tests/bench/hal_io_bench BOARD). Prints JSON.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "daemon/config/board_file.hpp"
#include "daemon/control/control_core.hpp"
#include "hal/linux/linux_pen.hpp"
#include "hal/sim/sim_pen.hpp"

namespace {

using namespace dermad;

int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// p50, p99 and max of `n` timed calls of `f`, in microseconds, as a JSON object.
std::string timed(int n, const std::function<void(int)>& f) {
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const int64_t t0 = now_ns();
    f(i);
    us.push_back(static_cast<double>(now_ns() - t0) / 1e3);
  }
  std::sort(us.begin(), us.end());
  char buf[160];
  std::snprintf(buf, sizeof buf, R"({"n": %d, "p50_us": %.1f, "p99_us": %.1f, "max_us": %.1f})", n,
                us[us.size() / 2], us[us.size() * 99 / 100], us.back());
  return buf;
}

std::string measure(hal::Hal& pen, int n) {
  hal::Inputs in;
  hal::Outputs out;
  std::string j = "{";
  j += R"("read": )" + timed(n, [&](int) { pen.read(now_ns(), in); });
  j += R"(, "write_one_line": )" + timed(n, [&](int i) {
         out.watchdog = (i & 1) != 0;
         pen.write(now_ns(), out);
       });
  // Four steps out and four back: what a 1 ms tick at 4000 steps/s issues at most.
  out.stepper_enable = true;
  j += R"(, "write_four_steps": )" + timed(n, [&](int i) {
         out.stepper_steps = (i & 1) ? -4 : 4;
         pen.write(now_ns(), out);
       });
  out.stepper_steps = 0;
  pen.write(now_ns(), out);
  control::ControlConfig cfg;
  control::ControlCore core(pen, cfg);
  const control::LoopFigures loop{};
  j += R"(, "control_tick": )" + timed(n, [&](int) { core.tick(now_ns(), 0, loop); });
  return j + "}";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::printf(
        "usage: hal_io_bench BOARD_FILE [N]\n  Times the HAL's read and write and a "
        "control tick with the board's Linux backend and with the simulated pen.\n");
    return argc < 2 ? 2 : 0;
  }
  const int n = argc > 2 ? std::max(100, std::atoi(argv[2])) : 2000;
  auto board = config::load_board(argv[1]);
  if (!board.board) {
    for (const auto& e : board.errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 2;
  }
  hal::linux_hw::LinuxPen real(*board.board);
  std::vector<std::string> errors;
  std::string why;
  if (!real.configure(errors) || !real.activate(why)) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    std::fprintf(stderr, "%s\n", why.c_str());
    return 1;
  }
  hal::sim::SimPen sim;
  const std::string linux_figures = measure(real, n);
  real.deactivate();
  std::printf("{\"board\": \"%s\", \"linux\": %s, \"sim\": %s}\n", board.board->name.c_str(),
              linux_figures.c_str(), measure(sim, n).c_str());
  return 0;
}
