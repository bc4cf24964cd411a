// hil_plant: the pen's electronics and mechanics for dermad's hardware-in-the-loop test. It runs
// inside the HIL VM (tests/hil) beside dermad and sees only what real electronics would see
// through the kernel: the needle drive's sysfs PWM and GPIO lines, STEP pulses in the
// gpio_value trace; it answers with the Hall tachometer, the switches and the ADC's counts,
// from the project's own motor and lead-screw models. tests/hil/plant/README.md has the rest.
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "tests/hil/plant/emulator.hpp"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

constexpr const char* kUsage = R"(usage: hil_plant [OPTION...]

Resources (defaults from the HIL VM's environment):
  --gpio-sim DIR        gpio-sim's sysfs chip folder ($HIL_GPIO_SIM_SYSFS)
  --gpio-base N         global number of line 0, as the trace names lines ($HIL_GPIO_BASE)
  --pwmchip DIR         the needle drive's PWM chip ($HIL_PWMCHIP); channel 0 is read
  --iio DIR             the dermad-adc-sim device ($HIL_IIO_DEVICE)
  --tracefs DIR         tracefs ($HIL_TRACE, else /sys/kernel/tracing)
What the plant writes:
  --report FILE         truth report, JSON, replaced atomically ($HIL_RUN/plant.json)
  --report-ms MS        how often (100)
  --control FIFO        command FIFO, created if missing (/run/hil-plant.ctl)
  --edge-log FILE       every tach rising edge: ideal and written CLOCK_MONOTONIC ns
Timing:
  --rate HZ             loop rate (1000); the sysfs side runs at 1 kHz at most
  --rt-prio N           SCHED_FIFO priority, 0 for none (90: above dermad's 80)
  --spin-us US          most a tach edge may be waited for by spinning (300)
  --trace-buffer-kb KB  trace buffer per CPU, 0 to leave it (4096)
The world at power-on:
  --seed N  --no-noise  --estop-pressed  --cartridge  --force N  --supply V  --temp C
  --position-um UM      where the lead screw starts (700)
Runs until SIGTERM or SIGINT and exits 0; exits 1 naming the resource it cannot use, 2 on
bad usage. Commands on the FIFO: see commands.hpp (e.g. echo 'estop press' > FIFO).
)";

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

bool to_double(const std::string& s, double& v) {
  char* end = nullptr;
  errno = 0;
  v = std::strtod(s.c_str(), &end);
  return !s.empty() && errno == 0 && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
  dermad::hil::Options o;
  if (auto v = env("HIL_GPIO_SIM_SYSFS")) o.gpio_sim = v;
  if (auto v = env("HIL_GPIO_BASE")) o.gpio_base = std::atoll(v);
  if (auto v = env("HIL_PWMCHIP")) o.pwmchip = v;
  if (auto v = env("HIL_IIO_DEVICE")) o.iio = v;
  if (auto v = env("HIL_TRACE")) o.tracefs = v;
  if (auto v = env("HIL_RUN")) o.report = std::string(v) + "/plant.json";

  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const auto value = [&](double& d) {
      if (i + 1 >= argc || !to_double(argv[i + 1], d)) {
        std::cerr << "hil_plant: " << a << " needs a number\n";
        std::exit(2);
      }
      ++i;
    };
    const auto text = [&](std::string& s) {
      if (i + 1 >= argc) {
        std::cerr << "hil_plant: " << a << " needs a value\n";
        std::exit(2);
      }
      s = argv[++i];
    };
    double d = 0;
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--gpio-sim") {
      text(o.gpio_sim);
    } else if (a == "--gpio-base") {
      value(d), o.gpio_base = static_cast<int64_t>(d);
    } else if (a == "--pwmchip") {
      text(o.pwmchip);
    } else if (a == "--iio") {
      text(o.iio);
    } else if (a == "--tracefs") {
      text(o.tracefs);
    } else if (a == "--report") {
      text(o.report);
    } else if (a == "--report-ms") {
      value(d), o.report_ms = static_cast<int>(d);
    } else if (a == "--control") {
      text(o.control);
    } else if (a == "--edge-log") {
      text(o.edge_log);
    } else if (a == "--rate") {
      value(o.rate_hz);
    } else if (a == "--rt-prio") {
      value(d), o.rt_prio = static_cast<int>(d);
    } else if (a == "--spin-us") {
      value(d), o.spin_us = static_cast<int>(d);
    } else if (a == "--trace-buffer-kb") {
      value(d), o.trace_buffer_kb = static_cast<int>(d);
    } else if (a == "--seed") {
      value(d), o.seed = static_cast<uint64_t>(d);
    } else if (a == "--no-noise") {
      o.noise = false;
    } else if (a == "--estop-pressed") {
      o.estop_pressed = true;
    } else if (a == "--cartridge") {
      o.cartridge = true;
    } else if (a == "--force") {
      value(o.force_n);
    } else if (a == "--supply") {
      value(o.supply_v);
    } else if (a == "--temp") {
      value(o.temp_c);
    } else if (a == "--position-um") {
      value(d), o.position_um = d;
    } else {
      std::cerr << "hil_plant: unknown option " << a << "\n" << kUsage;
      return 2;
    }
  }
  const auto missing = [](const char* what) {
    std::cerr << "hil_plant: no " << what << " (run inside the HIL VM, or see --help)\n";
    return 1;
  };
  if (o.gpio_sim.empty()) return missing("gpio-sim folder: $HIL_GPIO_SIM_SYSFS or --gpio-sim");
  if (o.gpio_base < 0) return missing("line base: $HIL_GPIO_BASE or --gpio-base");
  if (o.pwmchip.empty()) return missing("PWM chip: $HIL_PWMCHIP or --pwmchip");
  if (o.iio.empty()) return missing("IIO device: $HIL_IIO_DEVICE or --iio");
  if (o.report.empty()) return missing("report file: $HIL_RUN or --report");
  if (o.rate_hz < 100 || o.rate_hz > 100000 || o.report_ms < 10 || o.spin_us < 0) {
    std::cerr << "hil_plant: --rate must be 100..100000, --report-ms at least 10, --spin-us >= 0\n";
    return 2;
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;  // no SA_RESTART: the loop's sleep returns at once
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  dermad::hil::Emulator emulator(o);
  std::string error;
  if (!emulator.init(error)) {
    std::cerr << "hil_plant: " << error << "\n";
    return 1;
  }
  std::cout << "hil_plant: running at " << o.rate_hz << " Hz; report " << o.report
            << ", commands to " << o.control << std::endl;
  return emulator.run(g_stop);
}
