#include "tests/bench/loop_timing_phases.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "dermad/v1/device.grpc.pb.h"

namespace dermad::bench {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::optional<v1::Status> get_status(v1::DeviceService::Stub& stub) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  v1::Status st;
  if (!stub.GetStatus(&ctx, {}, &st).ok()) return std::nullopt;
  return st;
}

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

// Sleeps in short steps so that Ctrl-C is noticed within 100 ms; false when interrupted.
bool nap(milliseconds d, const volatile std::sig_atomic_t& interrupted) {
  const auto until = Clock::now() + d;
  while (Clock::now() < until) {
    if (interrupted) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(milliseconds(100), until - Clock::now()));
  }
  return !interrupted;
}

// The daemon's RSS and CPU time between begin() and the last sample().
class UsageMeter {
 public:
  bool begin(pid_t pid) {
    pid_ = pid;
    const auto u = read_proc_usage(pid);
    if (!u) return false;
    first_ = last_ = *u;
    peak_ = u->rss_kib;
    t0_ = t1_ = Clock::now();
    return true;
  }
  bool sample() {
    const auto u = read_proc_usage(pid_);
    if (!u) return false;
    last_ = *u;
    peak_ = std::max(peak_, u->rss_kib);
    t1_ = Clock::now();
    return true;
  }
  PhaseUsage result() const {
    PhaseUsage p;
    p.seconds = std::chrono::duration<double>(t1_ - t0_).count();
    p.rss_kib = last_.rss_kib;
    p.rss_peak_kib = peak_;
    p.cpu_percent = cpu_percent(first_, last_, t1_ - t0_);
    return p;
  }

 private:
  pid_t pid_ = -1;
  ProcUsage first_;
  ProcUsage last_;
  uint64_t peak_ = 0;
  Clock::time_point t0_;
  Clock::time_point t1_;
};

LoadCounters minus(const LoadCounters& b, const LoadCounters& a) {
  return {b.telemetry_received - a.telemetry_received, b.telemetry_dropped - a.telemetry_dropped,
          b.status_rpcs - a.status_rpcs, b.status_failures - a.status_failures};
}

// Reads cyclictest's histogram once it has exited (or been stopped).
void collect_cyclictest(const std::string& dir, int status, Measurement& m) {
  std::string error;
  auto h =
      parse_cyclictest_histogram(read_file(dir + "/cyclictest.out"), m.histogram_limit_us, error);
  std::string err_tail = tail_of_file(dir + "/cyclictest.err", 600);
  while (!err_tail.empty() && err_tail.back() == '\n') err_tail.pop_back();
  const bool exited_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  // A failed cyclictest says why on stderr (no root for -p80, most often); its missing
  // histogram is then no news.
  if (!h) {
    m.cyclictest_note = "cyclictest " + describe_status(status) + (exited_ok ? ": " + error : "") +
                        "; stderr: " + err_tail;
    return;
  }
  m.cyclictest = summarize(*h, m.period_us / 2);
  if (!exited_ok) {
    m.cyclictest_note = "cyclictest " + describe_status(status) + "; stderr: " + err_tail;
  }
}

}  // namespace

void progress(const Options& opt, const std::string& line) {
  if (opt.json_only) return;
  std::fprintf(stderr, "loop_timing_bench: %s\n", line.c_str());
}

bool read_device_info(const std::shared_ptr<grpc::Channel>& channel, Measurement& m,
                      std::string& why) {
  auto stub = v1::DeviceService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  v1::DeviceInfo info;
  const auto st = stub->GetDeviceInfo(&ctx, {}, &info);
  if (!st.ok() || info.loop_period_us() == 0) {
    why = "GetDeviceInfo failed: " + st.error_message();
    return false;
  }
  m.period_us = info.loop_period_us();
  m.realtime = info.realtime();
  m.realtime_note = info.realtime_note();
  return true;
}

bool measure_idle(const Options& opt, pid_t daemon, milliseconds length, PhaseUsage& out,
                  const volatile std::sig_atomic_t& interrupted) {
  progress(opt, "idle phase: " + std::to_string(length.count() / 1000.0).substr(0, 4) +
                    " s with no client");
  UsageMeter meter;
  if (!meter.begin(daemon)) return false;
  const auto end = Clock::now() + length;
  while (Clock::now() < end) {
    if (!nap(std::min<milliseconds>(milliseconds(500),
                                    std::chrono::duration_cast<milliseconds>(end - Clock::now())),
             interrupted)) {
      return false;
    }
    if (!meter.sample()) return false;
  }
  out = meter.result();
  return true;
}

bool measure_load(const Options& opt, const std::shared_ptr<grpc::Channel>& channel,
                  Children& children, const std::string& cyclictest, const std::string& dir,
                  ClientLoad& load, Measurement& m, const volatile std::sig_atomic_t& interrupted,
                  std::string& why) {
  auto stub = v1::DeviceService::NewStub(channel);
  load.start();
  if (!load.wait_streaming(milliseconds(5000))) {
    why = "not every telemetry subscriber received a sample within 5 s " + load.error();
    return false;
  }
  // The window opens only once every stream flows, so connection set-up is not counted.
  const auto s0 = get_status(*stub);
  const LoadCounters c0 = load.counters();
  const double self0 = self_cpu_seconds();
  UsageMeter meter;
  if (!s0 || !meter.begin(children.daemon)) {
    why = "GetStatus failed at the start of the load phase";
    return false;
  }
  const auto t0 = Clock::now();
  if (!cyclictest.empty()) {
    children.cyclictest =
        spawn({cyclictest, "-m", "-p80", "-i", std::to_string(m.period_us), "-h",
               std::to_string(m.histogram_limit_us), "-q", "-D", std::to_string(opt.seconds)},
              dir + "/cyclictest.out", dir + "/cyclictest.err");
    if (children.cyclictest < 0) m.cyclictest_note = "could not start cyclictest (fork failed)";
  }
  progress(opt, "load phase: " + std::to_string(opt.seconds) + " s, " +
                    std::to_string(opt.subscribers) + " subscribers at " +
                    std::to_string(1000000 / m.period_us) + " Hz, GetStatus every 2 ms, " +
                    (children.cyclictest > 0 ? "cyclictest alongside" : "no cyclictest"));

  int ct_status = -1;
  int next_report = 5;
  const auto deadline = t0 + std::chrono::seconds(opt.seconds);
  // cyclictest times its own -D from its start; it gets this long beyond ours to finish.
  const auto ct_give_up = deadline + std::chrono::seconds(15);
  auto last_sample = t0;
  while (true) {
    // Short naps so the window closes within 20 ms of cyclictest's end: both sides should
    // count over (nearly) the same stretch of time.
    if (!nap(milliseconds(20), interrupted)) {
      why = "interrupted";
      return false;
    }
    if (const auto st = wait_exit(children.daemon, milliseconds(0))) {
      children.daemon = -1;
      why = "dermad exited during the load phase (" + describe_status(*st) + ")";
      return false;
    }
    if (Clock::now() - last_sample >= std::chrono::seconds(1)) {
      meter.sample();
      last_sample = Clock::now();
    }
    if (children.cyclictest > 0) {
      if (const auto st = wait_exit(children.cyclictest, milliseconds(0))) {
        ct_status = *st;
        children.cyclictest = -1;
      }
    }
    const auto now = Clock::now();
    if (now >= deadline && children.cyclictest <= 0) break;
    if (now >= ct_give_up) {
      ct_status = stop_process(children.cyclictest, SIGTERM, milliseconds(2000));
      children.cyclictest = -1;
      break;
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - t0).count();
    if (elapsed >= next_report) {
      next_report += 5;
      const LoadCounters c = minus(load.counters(), c0);
      const auto s = get_status(*stub);
      progress(opt, "load " + std::to_string(elapsed) + "/" + std::to_string(opt.seconds) +
                        " s: telemetry " + std::to_string(c.telemetry_received) + " received, " +
                        std::to_string(c.telemetry_dropped) + " dropped; " +
                        std::to_string(c.status_rpcs) + " GetStatus; loop overruns " +
                        (s ? std::to_string(s->loop().overruns() - s0->loop().overruns()) : "?"));
    }
  }

  const auto s1 = get_status(*stub);
  const LoadCounters c1 = load.counters();
  meter.sample();
  const auto t1 = Clock::now();
  const double self1 = self_cpu_seconds();
  // Samples of the window's last ticks may still be in flight: let them arrive.
  std::this_thread::sleep_for(milliseconds(300));
  load.stop();
  if (!s1) {
    why = "GetStatus failed at the end of the load phase";
    return false;
  }

  m.load = meter.result();
  m.bench_cpu_percent = 100.0 * (self1 - self0) / std::chrono::duration<double>(t1 - t0).count();
  m.clients = minus(c1, c0);
  m.client_error = load.error();
  // A snapshot's tick number is the loop's tick count before that tick, so the window's
  // ticks are exactly those numbered [ticks at start, ticks at end).
  const uint64_t first = s0->loop().ticks();
  const uint64_t end = s1->loop().ticks();
  m.ticks = end - first;
  m.daemon_overruns = s1->loop().overruns() - s0->loop().overruns();
  m.missed_periods = s1->loop().missed_periods() - s0->loop().missed_periods();
  m.late_max_since_start_us = s1->loop().late_max_us();
  LatencyHistogram h;
  for (const auto& r : load.recorded()) {
    if (r.tick >= first && r.tick < end) h.add(r.late_us);
  }
  m.dermad = summarize(h, m.period_us / 2);
  m.recorder_gaps = m.ticks - std::min(m.ticks, m.dermad.samples);

  if (ct_status != -1) collect_cyclictest(dir, ct_status, m);
  return true;
}

}  // namespace dermad::bench
