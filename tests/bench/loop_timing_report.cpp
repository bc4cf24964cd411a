// How loop_timing_bench reports: one JSON object on stdout for tools, a few lines on
// stderr for a person.
#include <algorithm>
#include <cstdio>
#include <limits>

#include "tests/bench/loop_timing_phases.hpp"

namespace dermad::bench {

namespace {

// The daemon's overruns for the goal: its own counter sees every tick, the samples only
// those the recording subscriber received; the larger is the one that cannot flatter it.
uint64_t dermad_overruns(const Measurement& m) {
  return std::max(m.dermad.overruns, m.daemon_overruns);
}

JsonObject usage_json(const PhaseUsage& u) {
  JsonObject o;
  o.add("seconds", u.seconds)
      .add("rss_kib", u.rss_kib)
      .add("rss_peak_kib", u.rss_peak_kib)
      .add("cpu_percent", u.cpu_percent);
  return o;
}

std::string late_line(const LatencySummary& s) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "p50 %u, p99 %u, p99.9 %u, max %u us; overruns %llu", s.p50, s.p99,
                s.p999, s.max, static_cast<unsigned long long>(s.overruns));
  return buf;
}

}  // namespace

JsonObject to_json(const Options& opt, const Measurement& m) {
  JsonObject o;
  o.add("seconds", opt.seconds)
      .add("period_us", m.period_us)
      .add("subscribers", opt.subscribers)
      .add("backend", opt.board.empty() ? std::string("sim") : "board " + opt.board)
      .add("status_rpcs", m.clients.status_rpcs)
      .add("status_rpc_failures", m.clients.status_failures);

  JsonObject d = to_json(m.dermad);
  d.add("overruns_counted_by_daemon", m.daemon_overruns)
      .add("missed_periods", m.missed_periods)
      .add("ticks", m.ticks)
      .add("recorder_gaps", m.recorder_gaps)
      .add("late_max_us_since_start", m.late_max_since_start_us)
      .add("telemetry_received", m.clients.telemetry_received)
      .add("telemetry_dropped", m.clients.telemetry_dropped)
      .add("realtime", m.realtime)
      .add("realtime_note", m.realtime_note);
  o.add("dermad", d);

  if (m.cyclictest) {
    JsonObject c = to_json(*m.cyclictest);
    c.add("overflows", m.cyclictest->overflows).add("histogram_limit_us", m.histogram_limit_us);
    if (!m.cyclictest_note.empty()) c.add("note", m.cyclictest_note);
    o.add("cyclictest", c);
    const double ct_p99 = m.cyclictest->p99;
    o.add("ratio_p99",
          ct_p99 > 0 ? m.dermad.p99 / ct_p99 : std::numeric_limits<double>::quiet_NaN())
        .add("goal_p99_within_1_5x", m.dermad.p99 <= 1.5 * ct_p99)
        .add("goal_overruns_not_more", dermad_overruns(m) <= m.cyclictest->overruns);
  } else {
    o.add_null("cyclictest")
        .add("cyclictest_note", m.cyclictest_note)
        .add_null("ratio_p99")
        .add_null("goal_p99_within_1_5x")
        .add_null("goal_overruns_not_more");
  }

  o.add("idle", usage_json(m.idle));
  JsonObject load = usage_json(m.load);
  load.add("clients_cpu_percent", m.bench_cpu_percent);
  o.add("load", load);
  o.add("daemon_exit", m.daemon_exit);
  if (!m.client_error.empty()) o.add("client_error", m.client_error);
  return o;
}

void print_summary(const Measurement& m) {
  std::fprintf(stderr, "dermad     %s (daemon counted %llu), missed periods %llu\n",
               late_line(m.dermad).c_str(), static_cast<unsigned long long>(m.daemon_overruns),
               static_cast<unsigned long long>(m.missed_periods));
  std::fprintf(
      stderr, "           %llu of %llu ticks sampled; telemetry %llu received, %llu dropped\n",
      static_cast<unsigned long long>(m.dermad.samples), static_cast<unsigned long long>(m.ticks),
      static_cast<unsigned long long>(m.clients.telemetry_received),
      static_cast<unsigned long long>(m.clients.telemetry_dropped));
  if (m.cyclictest) {
    std::fprintf(stderr, "cyclictest %s, overflows %llu\n", late_line(*m.cyclictest).c_str(),
                 static_cast<unsigned long long>(m.cyclictest->overflows));
    const bool p99_ok = m.dermad.p99 <= 1.5 * m.cyclictest->p99;
    const bool overruns_ok = dermad_overruns(m) <= m.cyclictest->overruns;
    std::fprintf(stderr, "goals      p99 within 1.5x cyclictest's: %s; overruns not more: %s\n",
                 p99_ok ? "met" : "MISSED", overruns_ok ? "met" : "MISSED");
  } else {
    std::fprintf(stderr, "cyclictest none: %s\n", m.cyclictest_note.c_str());
  }
  std::fprintf(stderr, "daemon     idle RSS %llu KiB, CPU %.1f%%; load RSS %llu KiB, CPU %.1f%%\n",
               static_cast<unsigned long long>(m.idle.rss_kib), m.idle.cpu_percent,
               static_cast<unsigned long long>(m.load.rss_kib), m.load.cpu_percent);
  if (!m.realtime)
    std::fprintf(stderr, "WARNING    loop not real-time: %s\n", m.realtime_note.c_str());
  if (!m.client_error.empty()) std::fprintf(stderr, "WARNING    %s\n", m.client_error.c_str());
}

}  // namespace dermad::bench
